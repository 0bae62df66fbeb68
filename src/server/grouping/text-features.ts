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

/** Clause delimiters: Chinese and ASCII punctuation and whitespace. */
const D = '，,。.：:！!；;、\\s';
/** Personal openings of a campaign copy (salutations, who the writer is), at most twenty characters each. */
const OPENINGS = [
  new RegExp(`^(尊敬的[^${D}]{1,15}|各位[^${D}]{0,6}好|(您|你|大家)好)[${D}]+`, 'u'),
  new RegExp(`^(我|本人|我们)[^${D}]{0,16}?(居民|业主|市民|群众|租户|住户|车主|职工|党员|工作者|志愿者|代表|家长|网友|老人|学生|教师|医生|一员|年)[${D}]+`, 'u'),
  new RegExp(`^作为[^${D}]{1,14}[${D}]+`, 'u'),
];
/** Sign-offs: thanks, requests to adopt, formal closings — each a whole last clause. */
const SIGN_OFF = new RegExp(
  `(?:^|[${D}]+)(望采纳|恳请采纳|请予采纳|请采纳|希望[^${D}]{0,6}采纳[^${D}]{0,8}|谢谢[^${D}]{0,3}|感谢[^${D}]{0,6}|此致敬礼|此致|敬礼|盼复|期待回复|请[^${D}]{0,4}重视|以上[^${D}]{0,8}|请予考虑|请考虑)[${D}]*$`, 'u');

/**
 * The body without the frame a campaigner puts around a letter: up to three personal openings
 * ("我是东城区居民，", "尊敬的市人大常委会：", "作为一名老党员，") and up to three sign-offs ("望采纳！",
 * "谢谢。", "此致敬礼！"), each a clause set off by punctuation. What is left is what near-duplicate
 * grouping compares (campaignTextOf); a body that is nothing but a frame stays as it is.
 */
export function campaignCore(body: string): string {
  let t = body.normalize('NFKC').trim();
  for (let i = 0; i < 3; i++) {
    const before = t;
    for (const opening of OPENINGS) t = t.replace(opening, '');
    if (t === before) break;
  }
  for (let i = 0; i < 3; i++) {
    const before = t;
    t = t.replace(SIGN_OFF, '');
    if (t === before) break;
  }
  return normaliseText(t) ? t : body;
}

/** The normalised text near-duplicate grouping compares: the body without its openings and sign-offs (campaignCore), normalised. */
export function campaignTextOf(body: string): string {
  return normaliseText(campaignCore(body));
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

/** SHA-256 (hex) of the normalised text (the whole body: a copy with its own opening is a near duplicate, not an exact one): equal for texts that differ only in spacing, punctuation or case. */
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
 * Bigram keys, fingerprint, MinHash and LSH keys of a comment body, from one normalisation (and one
 * more of the body without its openings and sign-offs, for the MinHash): what a submission or an
 * import stores (each equal to the one-at-a-time functions, property-tested).
 */
export function textFeaturesOf(body: string): TextFeatures {
  const normalised = normaliseText(body);
  const points = Array.from(normalised, (c) => c.codePointAt(0) ?? 0);
  const seen = new Set<number>();
  for (let i = 0; i + 1 < points.length; i++) seen.add(pairKey(points[i], points[i + 1]));
  const minhash = minhashOf(campaignTextOf(body));
  return {
    bigrams: [...seen],
    fingerprint: createHash('sha256').update(normalised, 'utf8').digest('hex'),
    minhash,
    lshBands: minhash ? lshBandsOf(minhash) : null,
  };
}
