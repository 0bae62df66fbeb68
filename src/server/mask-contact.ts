/**
 * Masking personal contact details (PIPL): staff without `contact:view` see 138****5678 and
 * z***@example.com; nobody sees a contact on a public page. Exports mask names and contacts for
 * everyone unless an export was chosen with full contacts (docs/decisions/013-masked-exports.md).
 */

/** A phone number keeps its first three and last four digits; an email its first letter and domain; anything else its first and last character. */
export function maskContact(contact: string | null | undefined): string | null {
  if (!contact) return null;
  const value = contact.trim();
  const at = value.lastIndexOf('@');
  if (at > 0) return `${Array.from(value)[0]}***${value.slice(at)}`;
  const digits = value.replace(/[\s-]/g, '');
  if (/^\+?\d{7,}$/.test(digits)) {
    const plain = digits.replace(/^\+/, '');
    return `${plain.slice(0, 3)}****${plain.slice(-4)}`;
  }
  const chars = Array.from(value);
  if (chars.length <= 2) return '*'.repeat(chars.length);
  return `${chars[0]}***${chars[chars.length - 1]}`;
}

/** A name keeps its first character, the rest becomes stars (李四 → 李*, 欧阳娜娜 → 欧***); at most three stars. */
export function maskName(name: string | null | undefined): string | null {
  if (!name) return null;
  const chars = Array.from(name.trim());
  if (chars.length <= 1) return '*'.repeat(chars.length) || null;
  return `${chars[0]}${'*'.repeat(Math.min(chars.length - 1, 3))}`;
}
