/**
 * Text features of a comment body, computed once at submission and stored with the comment:
 * character bigrams (for two-character Chinese search through a GIN index on their keys in comments.bigrams)
 * and a fingerprint (for grouping exact duplicates). Shared with the staff workspace.
 */
import { createHash } from 'node:crypto';
import { lshBandsOf, minhashOf } from './minhash';

/**
 * The text reduced to what matters for search and duplicate detection: NFKC (full-width forms
 * become their ASCII counterparts), lower case, and only letters and digits kept — whitespace,
 * punctuation, symbols and emoji are removed.
 */
export function normaliseText(text: string): string {
  return text.normalize('NFKC').toLowerCase().replace(/[^\p{L}\p{N}]+/gu, '');
}

/**
 * The distinct overlapping two-character sequences of the normalised text, in order of first
 * appearance (停车位不足 → 停车, 车位, 位不, 不足). A text of fewer than two characters has none.
 */
export function bigramsOf(text: string): string[] {
  const chars = Array.from(normaliseText(text));
  const seen = new Set<string>();
  for (let i = 0; i + 1 < chars.length; i++) seen.add(chars[i] + chars[i + 1]);
  return [...seen];
}

/**
 * The 32-bit key of a bigram as stored in comments.bigrams (a GIN over integers is about three
 * times cheaper to maintain than one over strings). Two code points of the Basic Multilingual
 * Plane — every common Chinese character — give (a << 16 | b), exact; a pair with an astral
 * character gets a hash, whose rare collisions only add candidates that search's LIKE recheck
 * removes. Read as a signed integer. The migration 0006 computes the same in SQL.
 */
export function bigramKey(gram: string): number {
  const a = gram.codePointAt(0) ?? 0;
  return pairKey(a, gram.codePointAt(a > 0xffff ? 2 : 1) ?? 0);
}

/** bigramKey of the code points a, b. */
export function pairKey(a: number, b: number): number {
  return (a <= 0xffff && b <= 0xffff ? a * 65536 + b : (a * 65599 + b) % 4294967296) | 0;
}

/** The distinct keys of the bigrams of `text` (bigramsOf), in order of first appearance, as stored with a comment. */
export function bigramKeysOf(text: string): number[] {
  return [...new Set(bigramsOf(text).map(bigramKey))];
}

/** SHA-256 (hex) of the normalised text: equal for texts that differ only in spacing, punctuation or case. */
export function fingerprintOf(text: string): string {
  return createHash('sha256').update(normaliseText(text), 'utf8').digest('hex');
}

export interface TextFeatures {
  /** Bigram keys (text-features.ts bigramKeysOf). */
  bigrams: number[];
  fingerprint: string;
  minhash: number[] | null;
  lshBands: number[] | null;
}

/**
 * Bigram keys, fingerprint, MinHash and LSH keys of a comment body, from one normalisation: what a
 * submission or an import stores (each equal to the one-at-a-time functions, property-tested).
 */
export function textFeaturesOf(body: string): TextFeatures {
  const normalised = normaliseText(body);
  const points = Array.from(normalised, (c) => c.codePointAt(0) ?? 0);
  const seen = new Set<number>();
  for (let i = 0; i + 1 < points.length; i++) seen.add(pairKey(points[i], points[i + 1]));
  const minhash = minhashOf(normalised);
  return {
    bigrams: [...seen],
    fingerprint: createHash('sha256').update(normalised, 'utf8').digest('hex'),
    minhash,
    lshBands: minhash ? lshBandsOf(minhash) : null,
  };
}
