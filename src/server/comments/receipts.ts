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
 * key with a server-side secret (an HMAC under LOOKUP_CODE_SECRET, src/server/keys.ts), so a
 * retried submission shows the same code but nobody can compute a code from a key; only a salted
 * hash is stored. Codes derived before the secret (a plain SHA-256 of the key) or under an earlier
 * secret keep working: the stored hash decides which derivation a retry is answered with.
 *
 * Idempotency keys live in namespaces: a web or API client's key is its own; a kiosk's and a
 * deputy sheet's and an import's are prefixed by the server (`kiosk:`, `deputy:`, `import:`), and a client may not send a
 * key in those namespaces (it could read another channel's receipt by replaying it).
 */
import { createHash, randomInt, timingSafeEqual } from 'node:crypto';
import { hmacSha256, keyRing } from '../keys';
import { kioskKey } from '../params';

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

/** A number or code as typed: full-width forms folded (NFKC), upper case, spaces and dashes of every kind removed. */
function compactTyped(input: string): string {
  return input.normalize('NFKC').toUpperCase().replace(/[\s\-‐‑‒–—―－_.·・]/g, '');
}

/** Reads a receipt number as typed, spoken or scanned; returns its canonical form or why it is wrong. */
export function parseReceipt(input: string): ParsedReceipt {
  const compact = compactTyped(input);
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

function codeOf(digest: Buffer): string {
  let bits = 0n;
  for (let i = 0; i < 5; i++) bits = (bits << 8n) | BigInt(digest[i]);
  let code = '';
  for (let i = LOOKUP_LENGTH - 1; i >= 0; i--) code += ALPHABET[Number((bits >> BigInt(i * 5)) & 31n)];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** The lookup code that belongs to idempotency key `rawKey` under the current secret, e.g. 7KQ2-M9XA (40 bits). */
export function deriveLookupCode(rawKey: string, secret: Buffer = keyRing('lookup').current): string {
  return codeOf(hmacSha256(secret).update(`kaimen:lookup:${rawKey}`, 'utf8').digest());
}

/** The code derivation used before the secret: a public function of the key (kept to answer old retries). */
export function legacyLookupCode(rawKey: string): string {
  return codeOf(sha256(`kaimen:lookup:${rawKey}`));
}

/**
 * The lookup code to answer a retry of `rawKey` with: the derivation (current secret, earlier
 * secrets, or the one before secrets) whose code matches what was stored for `receipt`.
 */
export function lookupCodeFor(rawKey: string, receipt: string, storedHash: string): string {
  const ring = keyRing('lookup');
  const candidates = [...ring.byId.values()].map((secret) => deriveLookupCode(rawKey, secret));
  candidates.push(legacyLookupCode(rawKey));
  return candidates.find((code) => verifyLookupCode(receipt, code, storedHash)) ?? deriveLookupCode(rawKey, ring.current);
}

/** Key namespaces only the server writes: a client's key may not start with one. */
export const SERVER_KEY_NAMESPACES = ['kiosk', 'deputy', 'import'] as const;

/** True when a client-supplied key claims a namespace of the server's. */
export function isReservedKey(key: string): boolean {
  const lower = key.toLowerCase();
  return SERVER_KEY_NAMESPACES.some((ns) => lower.startsWith(`${ns}:`));
}

/** A channel's key in its own namespace, e.g. channelKey('kiosk', k) = `kiosk:k`. */
export function channelKey(namespace: (typeof SERVER_KEY_NAMESPACES)[number], ...parts: string[]): string {
  return [namespace, ...parts].join(':');
}

/** A lookup code as typed (any case, with or without the dash, I/L/O look-alikes) in canonical form, or null. */
export function normaliseLookupCode(input: string): string | null {
  const compact = compactTyped(input).replace(/[IL]/g, '1').replace(/O/g, '0');
  if (compact.length !== LOOKUP_LENGTH || [...compact].some((c) => !ALPHABET.includes(c))) return null;
  return `${compact.slice(0, 4)}-${compact.slice(4)}`;
}

/**
 * The keys a provisional kiosk number may stand for, as typed or scanned: the QR code's exact key,
 * and the number as printed (ABCD-EFGH-…) read like a receipt number (any case, spaces, dashes,
 * full-width forms). Empty when the input cannot be a kiosk's key.
 */
export function parseProvisionalNumber(input: string): string[] {
  const keys = [input, compactTyped(input)].filter((k) => kioskKey.safeParse(k).success);
  return [...new Set(keys)];
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
