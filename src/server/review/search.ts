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

/**
 * Rows of the newest-first window a search reads before it asks the bigram index (decision 029).
 * A term found at least `limit` times among them (a common term: 物业, 外墙保温) is answered from
 * them — a bounded read of the (created_at, id) index — and a rarer one from the bigram index,
 * whose candidates are then few (fewer than about limit × total / window).
 */
export const SEARCH_WINDOW = 20000;
/** With sort=relevance: how many of the newest matches are ranked, and the window read to find them. */
export const RELEVANCE_POOL = 300;
export const RELEVANCE_WINDOW = 40000;

/**
 * The relevance of a comment (alias c) to the terms, an integer: the terms' occurrences in the
 * body (case-insensitive, overlapping ones counted once), per length softened by 100 characters —
 * 1000 × occurrences / (characters + 100). Three mentions in 200 characters outrank one in 30.
 */
export function relevanceScore(terms: string[]): SQL {
  const occurrences = terms.map((t) => sql`(char_length(c.body) - char_length(replace(lower(c.body), ${t.toLowerCase()}, ''))) / ${Array.from(t).length}`);
  return sql`(1000 * (${sql.join(occurrences, sql` + `)}) / (char_length(c.body) + 100))::int`;
}

export interface SearchedPage {
  /** The comments' filters other than the query (and, newest first, the cursor's position). */
  base: SQL;
  /** The conditions that may match few rows: searchCondition's, the tag filter's. */
  condition: SQL;
  /** The same conditions as tested on the rows of the newest-first window, when a form suits a row-by-row test better (the tag's hashed ids); default `condition`. */
  windowCondition?: SQL;
  terms: string[];
  /** The page's columns, of comments c. */
  columns: SQL;
  /** Rows to return. */
  limit: number;
  order: 'newest' | 'relevance';
  /** Rows of the newest-first window (tests; default SEARCH_WINDOW, or RELEVANCE_WINDOW by relevance). */
  window?: number;
  /** Relevance order: the position after which the page starts. */
  after?: { score: number; createdAt: Date; id: string };
}

/**
 * One page of a search (the columns asked for; by relevance also score and pool, the number of
 * matches ranked), in order: the newest matches read from the newest-first window when it holds enough of them, else
 * from all matches through the bigram index (a materialized CTE, so the planner cannot turn it
 * back into a walk of the whole (created_at, id) index filtered by a rare term). Sorting by
 * relevance ranks the newest RELEVANCE_POOL matches found the same way.
 */
export function searchedPageQuery(p: SearchedPage): SQL {
  const relevance = p.order === 'relevance';
  const window = p.window ?? (relevance ? RELEVANCE_WINDOW : SEARCH_WINDOW);
  const want = relevance ? RELEVANCE_POOL : p.limit;
  const newest = sql`select c.id, c.created_at, c.body, c.bigrams from comments c where ${p.base} order by c.created_at desc, c.id desc limit ${window}`;
  const picked = sql`
    with hits as materialized (
      select c.id, c.created_at from (${newest}) c where ${p.windowCondition ?? p.condition} order by c.created_at desc, c.id desc limit ${want}
    ), enough as materialized (
      select (select count(*) from hits) >= ${want} or (select count(*) from (select 1 from comments c where ${p.base} order by c.created_at desc, c.id desc limit ${window}) w) < ${window} as ok
    ), matched as materialized (
      select c.id, c.created_at from comments c where ${p.base} and ${p.condition}
    ), page as (
      select id, created_at from hits where (select ok from enough)
      union all
      (select id, created_at from matched where not (select ok from enough) order by created_at desc, id desc limit ${want})
    )`;
  if (!relevance) return sql`${picked} select ${p.columns} from comments c join page on page.id = c.id order by c.created_at desc, c.id desc`;
  const a = p.after;
  return sql`${picked}, scored as (
      select c.id, c.created_at, ${relevanceScore(p.terms)} as score, count(*) over () as pool
      from comments c join page on page.id = c.id
    ), chosen as (
      select * from scored
      ${a ? sql`where (score, created_at, id) < (${a.score}::int, ${a.createdAt.toISOString()}::timestamptz, ${a.id}::uuid)` : sql``}
      order by score desc, created_at desc, id desc limit ${p.limit}
    )
    select ${p.columns}, chosen.score, chosen.pool from comments c join chosen on chosen.id = c.id
    order by chosen.score desc, c.created_at desc, c.id desc`;
}
