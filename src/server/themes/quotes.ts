/**
 * A comment's body as a theme's quote: on one line, at most QUOTE_MAX characters, and without what
 * looks like a phone number, an e-mail address or an identity card number (a quote is read by
 * people who need the argument, not who made it; the receipt leads to the comment).
 */
export const QUOTE_MAX = 160;

const CONTACT = /(?:[\w.+-]+@[\w-]+\.[\w.-]+)|(?:\d{17}[\dXx])|(?:(?<!\d)1[3-9]\d{9}(?!\d))|(?:(?<!\d)0\d{2,3}-?\d{7,8}(?!\d))/g;

export function quoteText(body: string): string {
  const flat = body.replace(CONTACT, '***').replace(/\s+/g, ' ').trim();
  const chars = [...flat];
  return chars.length > QUOTE_MAX ? `${chars.slice(0, QUOTE_MAX - 1).join('')}…` : flat;
}

/** A theme's quotes from its members' bodies, nearest the centroid first: up to `limit` distinct texts, each with its member's index. */
export function pickQuotes(bodies: readonly string[], limit = 3): { at: number; text: string }[] {
  const out: { at: number; text: string }[] = [];
  const seen = new Set<string>();
  for (let at = 0; at < bodies.length && out.length < limit; at++) {
    const text = quoteText(bodies[at]);
    const key = text.replace(/[^\p{L}\p{N}]/gu, '');
    if (!key || seen.has(key)) continue;
    seen.add(key);
    out.push({ at, text });
  }
  return out;
}
