/**
 * Text features of a comment body, computed once at submission and stored with the comment:
 * character bigrams (for two-character Chinese search through a GIN index on comments.bigrams)
 * and a fingerprint (for grouping exact duplicates). Shared with the staff workspace.
 */
import { createHash } from 'node:crypto';

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

/** SHA-256 (hex) of the normalised text: equal for texts that differ only in spacing, punctuation or case. */
export function fingerprintOf(text: string): string {
  return createHash('sha256').update(normaliseText(text), 'utf8').digest('hex');
}
