/**
 * Counts beside the inbox's filter options. Each facet counts under every other active filter
 * (choosing 已答复 still shows how many are 待研究), so a facet leaves its own filter out.
 * Counting scans the filtered set, which is costly at a million comments, so results are
 * cached for a short while per filter set and bounded by a statement timeout on PostgreSQL;
 * a facet that times out is left without numbers rather than slowing the page.
 *
 * The cache holds across several instances: every read first asks the database for the counts'
 * version (inbox_counts_version, bumped by triggers in the transaction of every change to a
 * comment's state, decision, assignee, group or tags; migration 0011), and a new version drops
 * what this instance cached. New comments do not bump it; they show within the 30 s.
 */
import { sql, type SQL } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { filterConditions, whereOf, type ResolvedFilters, type Viewer } from './inbox';
import { rowsOf } from '../../db/rows';

export type Facet = 'status' | 'adoption' | 'channel' | 'district' | 'article' | 'tag' | 'assignee' | 'station';
export type FacetCounts = Partial<Record<Facet, Map<string, number>>> & { total?: number };

const facetSql: Record<Facet, { own: string; key: SQL; from?: SQL }> = {
  status: { own: 'status', key: sql`c.status::text` },
  adoption: { own: 'adoption', key: sql`coalesce(c.adoption::text, 'none')` },
  channel: { own: 'channel', key: sql`c.channel::text` },
  district: { own: 'district', key: sql`c.district` },
  article: { own: 'article', key: sql`coalesce(c.article_number::text, 'general')` },
  station: { own: 'station', key: sql`c.station_id::text` },
  assignee: { own: 'assignee', key: sql`coalesce(c.assignee_id::text, 'none')` },
  tag: { own: 'tag', key: sql`ct.tag_id::text`, from: sql`join comment_tags ct on ct.comment_id = c.id` },
};

const TTL_MS = 30_000;
const cache = new Map<string, { at: number; value: FacetCounts }>();
let cachedVersion: number | null = null;

/**
 * The counts of every facet under the other active filters (article only within a round).
 * Cached 30 s per filter set and viewer while the counts' version stays the same; on
 * PostgreSQL each facet query may take at most `timeoutMs` and is then omitted.
 */
export async function countFacets(r: ResolvedFilters, viewer: Viewer, db: DbOrTx = getDb(), timeoutMs = 1500): Promise<FacetCounts> {
  const { cursor: _c, limit: _l, ...key } = r.filters;
  const cacheKey = JSON.stringify([key, viewer.id]);
  const version = await countsVersion(db);
  if (version !== cachedVersion) {
    cache.clear();
    cachedVersion = version;
  }
  const hit = cache.get(cacheKey);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.value;
  const conds = filterConditions(r, viewer);
  const facets = (Object.keys(facetSql) as Facet[]).filter((f) => f !== 'article' || r.roundId);
  const out: FacetCounts = {};
  for (const facet of facets) {
    const spec = facetSql[facet];
    const others = [...conds.entries()].filter(([k]) => k !== spec.own).map(([, v]) => v);
    const query = sql`select ${spec.key} as key, count(*)::int as n from comments c ${spec.from ?? sql``} where ${whereOf(others)} group by 1 order by 2 desc limit 200`;
    const rows = await withTimeout(db, query, timeoutMs);
    if (rows) out[facet] = new Map(rows.filter((x) => x.key !== null).map((x) => [String(x.key), Number(x.n)]));
  }
  const status = out.status;
  if (status) {
    const own = r.filters.status;
    out.total = own ? status.get(own) ?? 0 : [...status.values()].reduce((a, b) => a + b, 0);
  }
  cache.set(cacheKey, { at: Date.now(), value: out });
  if (cache.size > 500) cache.delete(cache.keys().next().value as string);
  return out;
}

/** Drops this instance's cached counts (after an import: new comments do not bump the version). */
export function clearFacetCache(): void {
  cache.clear();
}

/**
 * Bumps the counts' version in `tx`, for a change the triggers do not count: rows whose own dates
 * are past (an import), or one made in a transaction that set `kaimen.new_comments` (grouping).
 */
export async function bumpCountsVersion(tx: DbOrTx): Promise<void> {
  await tx.execute(sql`update inbox_counts_version set version = version + 1 where id = 1`);
}

/** The counts' version: it changes with every committed change that can change them. */
async function countsVersion(db: DbOrTx): Promise<number> {
  const rows = rowsOf<{ version: string | number }>(await db.execute(sql`select version from inbox_counts_version where id = 1`));
  return Number(rows[0]?.version ?? 0);
}

async function withTimeout(db: DbOrTx, query: SQL, timeoutMs: number): Promise<Array<{ key: string | null; n: number }> | null> {
  try {
    return await db.transaction(async (tx) => {
      await tx.execute(sql.raw(`set local statement_timeout = ${Math.max(100, Math.floor(timeoutMs))}`));
      return rowsOf<{ key: string | null; n: number }>(await tx.execute(query));
    });
  } catch (err) {
    if (/statement timeout|canceling statement/i.test(String((err as Error)?.message ?? err))) return null;
    throw err;
  }
}
