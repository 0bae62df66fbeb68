/**
 * Full-text search in Chinese for the staff inbox. pg_trgm cannot serve two-character terms
 * (漏雨, 物业, 停车 — the most common Chinese queries), so every comment stores the keys of its
 * character bigrams (comments.bigrams, GIN; text-features.ts bigramKey) at submission. A term of two or more characters becomes a
 * containment test on its bigrams (index) plus a LIKE recheck on the body (exactness: the
 * bigrams of 物业费 occur in 物业和收费 too). One-character terms have no bigram: they fall
 * back to LIKE alone, which the inbox's LIMIT keeps bounded, and the UI says so.
 */
import { sql, type SQL } from 'drizzle-orm';
import { bigramKeysOf } from '../grouping/text-features';

export interface SearchPlan {
  terms: string[];
  /** Terms of one character, searched without the index. */
  shortTerms: string[];
  condition: SQL | null;
}

/** Escapes LIKE's wildcards so a search for "100%" means the characters. */
export function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (m) => `\\${m}`);
}

/** Splits a query into terms (whitespace separates; every term must occur), normalised like stored bodies. */
export function searchTerms(q: string | undefined): string[] {
  if (!q) return [];
  return [...new Set(q.split(/[\s\u3000]+/).map((t) => t.trim()).filter(Boolean))].slice(0, 5);
}

/** The SQL condition on comments (alias c) for query `q`, or null when there is nothing to search. */
export function searchCondition(q: string | undefined): SearchPlan {
  const terms = searchTerms(q);
  const parts: SQL[] = [];
  const shortTerms: string[] = [];
  for (const term of terms) {
    const grams = bigramKeysOf(term);
    const like = sql`c.body ilike ${`%${escapeLike(term)}%`}`;
    if (grams.length) {
      parts.push(sql`(c.bigrams @> ${`{${grams.join(',')}}`}::int[] and ${like})`);
    } else {
      shortTerms.push(term);
      parts.push(like);
    }
  }
  return { terms, shortTerms, condition: parts.length ? sql.join(parts, sql` and `) : null };
}
