/**
 * Receipt numbers and lookup codes (docs/decisions/004-receipts.md).
 *
 * A receipt number such as JS2-4F7K-9Q is the draft's code (2–4 letters), the round (1–9),
 * five random Crockford base-32 characters and one check character. The check character is a
 * Damm-style check over GF(32) (x∘y = 2x ⊕ y, a totally anti-symmetric quasigroup), so every
 * single-character substitution and every adjacent transposition is caught. It covers the whole
 * number, prefix included. Reading is forgiving: case, spaces, dashes, full-width forms and the
 * look-alikes I/L→1 and O→0 in the random part are accepted.
 *
 * The lookup code (8 characters, e.g. 7KQ2-M9XA) is derived from the submission's idempotency
 * key, so a retried submission shows the same code; only a salted hash is stored.
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';

export const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const RANDOM_LENGTH = 5;
const LOOKUP_LENGTH = 8;

/** Multiplication by the generator x in GF(2^5) with the primitive polynomial x^5 + x^2 + 1. */
function times2(v: number): number {
  const shifted = v << 1;
  return (shifted & 32 ? shifted ^ 0b100101 : shifted) & 31;
}

/** The running check value of `values` (each 0–31); 0 for a sequence that ends in its check value. */
export function checkInterim(values: number[]): number {
  let interim = 0;
  for (const v of values) interim = times2(interim) ^ v;
  return interim;
}

/** The value that, appended to `values`, brings the check to 0. */
export function checkValueFor(values: number[]): number {
  return times2(checkInterim(values));
}

function prefixValues(prefix: string): number[] {
  return Array.from(prefix, (c) => c.charCodeAt(0) - 65);
}

function bodyValues(chars: string): number[] {
  return Array.from(chars, (c) => ALPHABET.indexOf(c));
}

function format(prefix: string, round: number, body: string): string {
  return `${prefix}${round}-${body.slice(0, 4)}-${body.slice(4)}`;
}

/** A new random receipt number for draft code `draftCode` (e.g. JS) and round `round` (1–9). */
export function generateReceipt(draftCode: string, round: number): string {
  if (!/^[A-Z]{2,4}$/.test(draftCode) || !Number.isInteger(round) || round < 1 || round > 9) {
    throw new Error(`invalid receipt prefix ${draftCode}${round}`);
  }
  let random = '';
  for (let i = 0; i < RANDOM_LENGTH; i++) random += ALPHABET[randomInt(32)];
  const values = [...prefixValues(draftCode), round, ...bodyValues(random)];
  return format(draftCode, round, random + ALPHABET[checkValueFor(values)]);
}

export type ParsedReceipt =
  | { ok: true; receipt: string; draftCode: string; round: number }
  | { ok: false; reason: 'format' | 'check' };

/** Reads a receipt number as typed, spoken or scanned; returns its canonical form or why it is wrong. */
export function parseReceipt(input: string): ParsedReceipt {
  const compact = input.normalize('NFKC').toUpperCase().replace(/[\s\-‐‑‒–—―－_.·・]/g, '');
  const m = /^([A-Z]{2,4})([1-9])([0-9A-Z]{6})$/.exec(compact);
  if (!m) return { ok: false, reason: 'format' };
  const body = m[3].replace(/[IL]/g, '1').replace(/O/g, '0');
  if (body.includes('U')) return { ok: false, reason: 'format' };
  const round = Number(m[2]);
  if (checkInterim([...prefixValues(m[1]), round, ...bodyValues(body)]) !== 0) return { ok: false, reason: 'check' };
  return { ok: true, receipt: format(m[1], round, body), draftCode: m[1], round };
}

function sha256(text: string): Buffer {
  return createHash('sha256').update(text, 'utf8').digest();
}

/** The lookup code that belongs to idempotency key `rawKey`, e.g. 7KQ2-M9XA (40 bits). */
export function deriveLookupCode(rawKey: string): string {
  const digest = sha256(`kaimen:lookup:${rawKey}`);
  let bits = 0n;
  for (let i = 0; i < 5; i++) bits = (bits << 8n) | BigInt(digest[i]);
  let code = '';
  for (let i = LOOKUP_LENGTH - 1; i >= 0; i--) code += ALPHABET[Number((bits >> BigInt(i * 5)) & 31n)];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** A lookup code as typed (any case, with or without the dash, I/L/O look-alikes) in canonical form, or null. */
export function normaliseLookupCode(input: string): string | null {
  const compact = input.normalize('NFKC').toUpperCase().replace(/[\s\-‐‑‒–—―－_.·・]/g, '').replace(/[IL]/g, '1').replace(/O/g, '0');
  if (compact.length !== LOOKUP_LENGTH || [...compact].some((c) => !ALPHABET.includes(c))) return null;
  return `${compact.slice(0, 4)}-${compact.slice(4)}`;
}

/** What is stored for a lookup code: SHA-256 (hex) salted with the receipt number. */
export function hashLookupCode(receipt: string, code: string): string {
  return sha256(`${receipt}:${code}`).toString('hex');
}

/** Whether `code` (canonical) is the lookup code of `receipt`, compared in constant time. */
export function verifyLookupCode(receipt: string, code: string, storedHash: string): boolean {
  const expected = Buffer.from(hashLookupCode(receipt, code), 'hex');
  const stored = Buffer.from(storedHash, 'hex');
  return stored.length === expected.length && timingSafeEqual(stored, expected);
}

/**
 * What is stored in comments.idempotency_key for a client's key: its SHA-256, so that reading the
 * database does not allow replaying a submission to learn its lookup code.
 */
export function idempotencyDigest(rawKey: string): string {
  return sha256(`kaimen:idem:${rawKey}`).toString('hex');
}
