/**
 * MinHash signatures over character 3-grams and their LSH band keys, for finding
 * near-identical comments (campaign texts with a word changed) without comparing every pair.
 * Pure code: the caller passes text already normalised (grouping/text-features.ts).
 *
 * 64 hashes in 16 bands of 4 rows: two texts whose 3-gram Jaccard similarity is 0.8 share at
 * least one band with probability 0.9998, at 0.5 with 0.64, at 0.3 with 0.12; candidates whose
 * signature agrees in at least CANDIDATE_AGREEMENT of the positions are then verified on their
 * actual text (grouping.ts: containment of the shorter text's bigrams in the longer's, overlapOf).
 */

export const MINHASH_SIZE = 64;
export const LSH_BANDS = 16;
export const LSH_ROWS = MINHASH_SIZE / LSH_BANDS;
export const SHINGLE = 3;
/**
 * Estimated Jaccard similarity of 3-gram sets from which a band-index candidate is verified (a
 * campaign copy with a dropped clause and an opening is often near 0.5; unrelated comments on the
 * same article below 0.2). Below it, the candidate is dropped without reading its text.
 */
export const CANDIDATE_AGREEMENT = 0.3;
/** Verification: the share of the shorter text's bigrams found in the longer one's, from which two comments are near duplicates. */
export const CONTAINMENT_THRESHOLD = 0.7;
/** Verification: the shorter text must have at least this share of the longer one's bigrams, so a fragment of a letter ("支持第十条") does not join it. */
export const SIZE_RATIO = 0.5;

/** Per-hash seeds: fixed, so signatures stored years apart stay comparable. */
const SEEDS = Int32Array.from({ length: MINHASH_SIZE }, (_, i) => mix32(0x9e3779b9 ^ Math.imul(i + 1, 0x85ebca6b)));

/** MurmurHash3's 32-bit finaliser: a cheap, well-spread permutation of 32-bit integers. */
function mix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  x ^= x >>> 16;
  return x | 0;
}

/** The distinct character n-grams of `text` (code points, so astral characters count once); a text shorter than n is its own single shingle. */
export function shinglesOf(text: string, n = SHINGLE): Set<string> {
  const chars = Array.from(text);
  const out = new Set<string>();
  if (chars.length === 0) return out;
  if (chars.length < n) {
    out.add(chars.join(''));
    return out;
  }
  for (let i = 0; i + n <= chars.length; i++) out.add(chars.slice(i, i + n).join(''));
  return out;
}

/**
 * The MinHash signature (MINHASH_SIZE signed 32-bit integers) of a normalised text; null when the
 * text is empty. Each 3-gram (code points; a shorter text is its own shingle) is hashed in place
 * with FNV-1a over its UTF-16 units, without building shingle strings: the minimum over the
 * multiset of 3-grams equals the minimum over their set, so duplicates need no de-duplication.
 */
export function minhashOf(normalised: string): number[] | null {
  const points = Array.from(normalised);
  if (points.length === 0) return null;
  const windows = points.length < SHINGLE ? 1 : points.length - SHINGLE + 1;
  const width = Math.min(SHINGLE, points.length);
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
    bases[w] = h | 0;
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

/** One key per band: a hash of the band's index and its rows, so equal rows in different bands do not collide. */
export function lshBandsOf(signature: readonly number[]): number[] {
  const keys: number[] = [];
  for (let b = 0; b < LSH_BANDS; b++) {
    let h = mix32(0x27d4eb2f ^ b);
    for (let r = 0; r < LSH_ROWS; r++) h = mix32(h ^ signature[b * LSH_ROWS + r]) + 0x165667b1;
    keys.push(h | 0);
  }
  return keys;
}

/** The share of equal positions in two signatures: an unbiased estimate of the Jaccard similarity of their shingle sets. */
export function estimateSimilarity(a: readonly number[], b: readonly number[]): number {
  if (a.length !== b.length || a.length === 0) return 0;
  let same = 0;
  for (let i = 0; i < a.length; i++) if (a[i] === b[i]) same++;
  return same / a.length;
}

/** The exact Jaccard similarity of the 3-gram sets of two normalised texts (tests and calibration). */
export function jaccard(a: string, b: string): number {
  const sa = shinglesOf(a);
  const sb = shinglesOf(b);
  if (!sa.size && !sb.size) return 1;
  let inter = 0;
  for (const s of sa) if (sb.has(s)) inter++;
  return inter / (sa.size + sb.size - inter);
}

/**
 * The containment of the shorter of two sets of bigram keys in the longer (|A∩B| / min(|A|, |B|)),
 * or 0 when the shorter has less than SIZE_RATIO of the longer's size: how much of a letter a copy
 * keeps whether the copy adds an opening or drops a clause. grouping.ts computes the same in SQL
 * over the stored bigram keys; this is its reference (tests, calibration).
 */
export function overlapOf(a: readonly number[], b: readonly number[]): number {
  const sa = new Set(a);
  const sb = new Set(b);
  const small = Math.min(sa.size, sb.size);
  if (small === 0 || small < SIZE_RATIO * Math.max(sa.size, sb.size)) return 0;
  let inter = 0;
  for (const x of sa) if (sb.has(x)) inter++;
  return inter / small;
}
