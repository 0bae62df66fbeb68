/**
 * What a bulk import computes in Node for each row, at a few microseconds a row: receipt number,
 * lookup code and its hash, the idempotency digest, bigrams, fingerprint, MinHash signature and
 * LSH band keys. Each result is identical to what a web submission stores (receipts.ts,
 * text-features.ts, review/minhash.ts); tests/unit/import-features.test.ts checks that they agree.
 * The speed-ups: the body is normalised once instead of three times, random characters come
 * from a pooled buffer, and MinHash hashes each 3-gram in place (duplicate 3-grams need no set:
 * the minimum over a multiset is the minimum over its set).
 */
import { createHash, randomFillSync } from 'node:crypto';
import { ALPHABET, checkValueFor, hashLookupCode, idempotencyDigest } from './receipts';
import { normaliseText } from './text-features';
import { lshBandsOf, MINHASH_SIZE } from '../review/minhash';

const pool = new Uint8Array(64 * 1024);
let poolAt = pool.length;

/** A random value 0–31 (a byte's low five bits: 256 is a multiple of 32, so uniform). */
function random32(): number {
  if (poolAt >= pool.length) {
    randomFillSync(pool);
    poolAt = 0;
  }
  return pool[poolAt++] & 31;
}

/** A new random receipt number, as generateReceipt() makes it (draft code, round, five random, one check). */
export function fastReceipt(draftCode: string, round: number): string {
  const values: number[] = [];
  for (let i = 0; i < draftCode.length; i++) values.push(draftCode.charCodeAt(i) - 65);
  values.push(round);
  let random = '';
  for (let i = 0; i < 5; i++) {
    const v = random32();
    values.push(v);
    random += ALPHABET[v];
  }
  const body = random + ALPHABET[checkValueFor(values)];
  return `${draftCode}${round}-${body.slice(0, 4)}-${body.slice(4)}`;
}

/** A new random lookup code (eight Crockford characters, 40 bits), e.g. 7KQ2-M9XA. */
export function randomLookupCode(): string {
  let code = '';
  for (let i = 0; i < 8; i++) code += ALPHABET[random32()];
  return `${code.slice(0, 4)}-${code.slice(4)}`;
}

/** The idempotency key of an imported row: its partner's id, so a re-run finds the stored row. */
export function importKeyDigest(externalId: string): string {
  return idempotencyDigest(`import:${externalId}`);
}

export { hashLookupCode };

/** MurmurHash3's finaliser, as in review/minhash.ts. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x | 0;
}

const SEEDS = Int32Array.from({ length: MINHASH_SIZE }, (_, i) => mix32(0x9e3779b9 ^ Math.imul(i + 1, 0x85ebca6b)));
const SHINGLE = 3;

/** minhashOf(normalised) without building shingle strings; null for an empty text. */
export function fastMinhash(normalised: string): number[] | null {
  const points = Array.from(normalised);
  if (points.length === 0) return null;
  const windows = points.length < SHINGLE ? 1 : points.length - SHINGLE + 1;
  const width = Math.min(SHINGLE, points.length);
  // FNV-1a of each 3-gram's UTF-16 code units, as fnv1a(shingle) in minhash.ts.
  const bases = new Int32Array(windows);
  for (let w = 0; w < windows; w++) {
    let h = 0x811c9dc5;
    for (let k = 0; k < width; k++) {
      const p = points[w + k];
      for (let u = 0; u < p.length; u++) {
        h ^= p.charCodeAt(u);
        h = Math.imul(h, 0x01000193);
      }
    }
    bases[w] = h;
  }
  const sig = new Array<number>(MINHASH_SIZE);
  for (let i = 0; i < MINHASH_SIZE; i++) {
    const seed = SEEDS[i];
    let min = 0x7fffffff;
    for (let w = 0; w < windows; w++) {
      const v = mix32(bases[w] ^ seed);
      if (v < min) min = v;
    }
    sig[i] = min;
  }
  return sig;
}

export interface TextFeatures {
  bigrams: string[];
  fingerprint: string;
  minhash: number[] | null;
  lshBands: number[] | null;
}

/** Bigrams, fingerprint, MinHash and LSH keys of a comment body, from one normalisation. */
export function textFeaturesOf(body: string): TextFeatures {
  const normalised = normaliseText(body);
  const chars = Array.from(normalised);
  const seen = new Set<string>();
  for (let i = 0; i + 1 < chars.length; i++) seen.add(chars[i] + chars[i + 1]);
  const minhash = fastMinhash(normalised);
  return {
    bigrams: [...seen],
    fingerprint: createHash('sha256').update(normalised, 'utf8').digest('hex'),
    minhash,
    lshBands: minhash ? lshBandsOf(minhash) : null,
  };
}
