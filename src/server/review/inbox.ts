/**
 * The staff inbox: comments newest first under any combination of filters (draft, round,
 * article, channel, station, district, status, adoption, tag, assignee, campaign, theme, date range,
 * approval, hidden; `carriedTo`: round N−1's comments on what became article k of round N) and a Chinese full-text query, with keyset (cursor) pagination so every
 * page costs the same. Each single filter has an index ending in (created_at, id).
 */
import { sql, type SQL } from 'drizzle-orm';
import { z } from 'zod';
import { getDb, type DbOrTx } from '../../db/client';
import { AppError } from '../errors';
import { parseShanghaiTime } from '../time';
import { cursor, dateTime, encodeCursor as encodeParamCursor, uuid } from '../params';
import { parseOrFail } from '../validation';
import { inboxFilterSchema, type Adoption, type InboxFilters } from './schemas';
import { RELEVANCE_POOL, searchCondition, searchedPageQuery, searchTerms } from './search';
import { uuidArray } from './target';
import { rowsOf } from '../../db/rows';
import { findCarriedSource, type CarriedSource } from '../drafts/carried';

export interface InboxItem {
  id: string;
  receipt: string;
  excerpt: string;
  createdAt: Date;
  draftSlug: string;
  draftTitle: string;
  roundNumber: number;
  articleNumber: number | null;
  channel: string;
  district: string | null;
  stationName: string | null;
  status: 'received' | 'under_review' | 'answered';
  adoption: Adoption | null;
  awaitingApproval: boolean;
  hidden: boolean;
  groupId: string | null;
  groupSize: number;
  assigneeName: string | null;
  voices: number;
  tags: string[];
}

export interface InboxPage {
  items: InboxItem[];
  nextCursor: string | null;
  /** One-character terms that were searched without the index (the UI explains). */
  shortTerms: string[];
  /** Sorted by relevance: how many matches were ranked; `capped` when only the newest RELEVANCE_POOL of more were (the UI says so). */
  relevance?: { ranked: number; capped: boolean };
}

export interface Viewer {
  id: string;
}

/** The scope a filter set resolves to: ids looked up once, so the main query is index-friendly. */
export interface ResolvedFilters {
  filters: InboxFilters;
  draftId?: string;
  /** With `carriedTo`: the previous round's id (the comments listed), round N's being `carried.round`. */
  roundId?: string;
  /** The filter `carriedTo` resolved: where article k of round N came from. */
  carried?: CarriedSource;
  stationId?: string;
  tagIds?: string[];
}

export const PAGE_SIZE = 50;

/** Parses raw query values (URLSearchParams or an object) into filters; throws ValidationFailed. */
export function parseInboxFilters(input: URLSearchParams | Record<string, unknown>): InboxFilters {
  const raw = input instanceof URLSearchParams ? Object.fromEntries(input) : input;
  return parseOrFail(inboxFilterSchema, raw);
}

/** Looks up the ids behind slugs, codes and tag names. Unknown names match nothing. */
export async function resolveFilters(filters: InboxFilters, db: DbOrTx = getDb()): Promise<ResolvedFilters> {
  const out: ResolvedFilters = { filters };
  const none = '00000000-0000-0000-0000-000000000000';
  if (filters.draft) {
    const r = rowsOf<{ id: string }>(await db.execute(sql`select id from drafts where slug = ${filters.draft} or id::text = ${filters.draft} limit 1`));
    out.draftId = r[0]?.id ?? none;
  }
  if (filters.round !== undefined) {
    if (!out.draftId) throw new AppError('ValidationFailed', {}, [{ field: 'round', key: 'review.roundNeedsDraft' }]);
    const r = rowsOf<{ id: string }>(await db.execute(sql`select id from rounds where draft_id = ${out.draftId}::uuid and number = ${filters.round}`));
    out.roundId = r[0]?.id ?? none;
  }
  if (filters.carriedTo !== undefined) {
    // Round N−1's comments on the article of the same lineage: by (round_id, article_number), an index.
    if (!out.roundId) throw new AppError('ValidationFailed', {}, [{ field: 'carriedTo', key: 'carried.needsRound' }]);
    if (filters.article !== undefined) throw new AppError('ValidationFailed', {}, [{ field: 'carriedTo', key: 'carried.withArticle' }]);
    const source = out.roundId === none ? null : await findCarriedSource(out.roundId, filters.carriedTo, db);
    if (source) out.carried = source;
    out.roundId = source?.previous?.id ?? none;
  }
  if (filters.station) {
    const r = rowsOf<{ id: string }>(await db.execute(sql`select id from stations where code = ${filters.station} or id::text = ${filters.station} limit 1`));
    out.stationId = r[0]?.id ?? none;
  }
  if (filters.tag) {
    // A tag and everything under it in the coding frame.
    const r = rowsOf<{ id: string }>(await db.execute(sql`
      with recursive picked as (
        select id from tags where id::text = ${filters.tag} or (name = ${filters.tag} ${out.draftId ? sql`and (draft_id = ${out.draftId}::uuid or draft_id is null)` : sql``})
        union select t.id from tags t join picked p on t.parent_id = p.id
      ) select id from picked`));
    out.tagIds = r.length ? r.map((x) => x.id) : [none];
  }
  return out;
}

type FilterKey = 'draft' | 'round' | 'article' | 'channel' | 'station' | 'district' | 'status' | 'adoption' | 'tag'
  | 'assignee' | 'campaign' | 'theme' | 'approval' | 'hidden' | 'dates' | 'q';

/**
 * Up to this many tagged comments the window tests a tag against its hashed ids. PostgreSQL hashes
 * a subquery's rows only while they fit in hash_mem (about 200,000 ids at the default work_mem);
 * past that it would rescan them for every row. A larger tag is common enough that the semi-join
 * finds a page within a few hundred rows.
 */
const HASHED_TAG_MAX = 100_000;

/**
 * The tag filter as a hashed subplan, or null for a tag on more than HASHED_TAG_MAX comments:
 * `(… in (subquery)) is true` is not turned into a join, so PostgreSQL reads the tags' comment ids
 * once (from comment_tags_tag alone) into a hash and tests each row against it, in the order of the
 * scan it filters, which the window's LIMIT stops early.
 */
async function tagInWindow(tagIds: string[], db: DbOrTx): Promise<SQL | null> {
  const [{ n }] = rowsOf<{ n: number }>(await db.execute(sql`
    select count(*)::int as n from (select 1 from comment_tags where tag_id = any(${uuidArray(tagIds)}) limit ${HASHED_TAG_MAX + 1}) t`));
  return n <= HASHED_TAG_MAX ? sql`(c.id in (select ct.comment_id from comment_tags ct where ct.tag_id = any(${uuidArray(tagIds)}))) is true` : null;
}

/** The WHERE conditions of a filter set, by filter, so counts can leave one out. */
export function filterConditions(r: ResolvedFilters, viewer: Viewer): Map<FilterKey, SQL> {
  const f = r.filters;
  const m = new Map<FilterKey, SQL>();
  if (r.draftId) m.set('draft', sql`c.draft_id = ${r.draftId}::uuid`);
  if (r.roundId) m.set('round', sql`c.round_id = ${r.roundId}::uuid`);
  if (r.carried) m.set('article', r.carried.from === null ? sql`false` : sql`c.article_number = ${r.carried.from}`);
  else if (f.carriedTo !== undefined) m.set('article', sql`false`);
  else if (f.article === 'general') m.set('article', sql`c.article_number is null`);
  else if (f.article !== undefined) m.set('article', sql`c.article_number = ${f.article}`);
  if (f.channel) m.set('channel', sql`c.channel = ${f.channel}::channel`);
  if (r.stationId) m.set('station', sql`c.station_id = ${r.stationId}::uuid`);
  if (f.district) m.set('district', sql`c.district = ${f.district}`);
  if (f.status) m.set('status', sql`c.status = ${f.status}::comment_status`);
  if (f.adoption === 'none') m.set('adoption', sql`c.adoption is null`);
  else if (f.adoption) m.set('adoption', sql`c.adoption = ${f.adoption}::adoption`);
  if (r.tagIds) m.set('tag', sql`c.id in (select ct.comment_id from comment_tags ct where ct.tag_id = any(${uuidArray(r.tagIds)}))`);
  if (f.assignee === 'none') m.set('assignee', sql`c.assignee_id is null`);
  else if (f.assignee) m.set('assignee', sql`c.assignee_id = ${f.assignee === 'me' ? viewer.id : f.assignee}::uuid`);
  if (f.campaign) m.set('campaign', sql`c.group_id = ${f.campaign}::uuid`);
  if (f.theme) m.set('theme', sql`c.id in (select tc.comment_id from theme_comments tc where tc.theme_id = ${f.theme}::uuid)`);
  if (f.approval === 'waiting') m.set('approval', sql`c.approval_requested_at is not null`);
  if (f.hidden === 'only') m.set('hidden', sql`c.hidden_at is not null`);
  else if (f.hidden === 'exclude') m.set('hidden', sql`c.hidden_at is null`);
  const from = f.from ? parseShanghaiTime(f.from) : null;
  const to = f.to ? parseShanghaiTime(f.to) : null;
  if (from || to) {
    const parts: SQL[] = [];
    if (from) parts.push(sql`c.created_at >= ${from.toISOString()}::timestamptz`);
    if (to) parts.push(sql`c.created_at < ${new Date(to.getTime() + 86400_000).toISOString()}::timestamptz`);
    m.set('dates', sql.join(parts, sql` and `));
  }
  const search = searchCondition(f.q);
  if (search.condition) m.set('q', search.condition);
  return m;
}

/** Joins conditions with AND (true when there are none). */
export function whereOf(conds: Iterable<SQL>): SQL {
  const list = [...conds];
  return list.length ? sql.join(list, sql` and `) : sql`true`;
}

/** Where the next page starts: the (created_at, id) of the last row shown, as an opaque cursor (params.ts). */
const inboxCursor = cursor(z.object({ t: dateTime, id: uuid, s: z.number().int().optional() }));

/** `score`: the relevance of the last row when the inbox is sorted by relevance. */
export function encodeCursor(createdAt: Date, id: string, score?: number): string {
  return encodeParamCursor(score === undefined ? { t: createdAt.toISOString(), id } : { t: createdAt.toISOString(), id, s: score });
}

/** The cursor's position; ValidationFailed (field cursor) for anything this module did not write. */
export function decodeCursor(raw: string): { createdAt: Date; id: string; score?: number } {
  const parsed = inboxCursor.safeParse(raw);
  if (!parsed.success) throw new AppError('ValidationFailed', {}, [{ field: 'cursor', key: 'review.cursorInvalid' }]);
  return { createdAt: parsed.data.t, id: parsed.data.id, score: parsed.data.s };
}

const PAGE_COLUMNS = sql`c.id, c.receipt, left(c.body, 240) as excerpt, c.created_at, c.round_id, c.draft_id, c.article_number,
           c.channel, c.district, c.station_id, c.status, c.adoption, c.approval_requested_at is not null as waiting,
           c.hidden_at is not null as hidden, c.group_id, c.assignee_id, c.voices`;

/**
 * One page of the inbox, newest first (or, with a query and sort=relevance, by relevance: search.ts).
 * Throws ValidationFailed for a bad cursor or round without draft.
 */
export async function listInbox(filters: InboxFilters, viewer: Viewer, db: DbOrTx = getDb()): Promise<InboxPage> {
  const resolved = await resolveFilters(filters, db);
  const byFilter = filterConditions(resolved, viewer);
  // The query and the tag may match few rows: they go through search.ts's window-or-index page.
  const selective = (['q', 'tag'] as const).flatMap((k) => byFilter.get(k) ?? []);
  const search = selective.length ? whereOf(selective) : undefined;
  // In the newest-first window a tag is tested row by row against its comment ids hashed once (read
  // from comment_tags_tag alone): as a semi-join the planner probes comment_tags once a row, and a tag
  // on 0.7 % of comments needs ~7,500 rows read for a page (bench/bulk-scale.ts; decision 023 addendum).
  const hashedTag = resolved.tagIds ? await tagInWindow(resolved.tagIds, db) : null;
  const windowSearch = hashedTag ? whereOf([...(byFilter.get('q') ? [byFilter.get('q')!] : []), hashedTag]) : search;
  const relevance = filters.sort === 'relevance' && byFilter.has('q');
  byFilter.delete('q');
  byFilter.delete('tag');
  const conds = [...byFilter.values()];
  const terms = searchTerms(filters.q);
  const position = filters.cursor ? decodeCursor(filters.cursor) : null;
  if (position && relevance !== (position.score !== undefined)) throw new AppError('ValidationFailed', {}, [{ field: 'cursor', key: 'review.cursorInvalid' }]);
  if (position && !relevance) conds.push(sql`(c.created_at, c.id) < (${position.createdAt.toISOString()}::timestamptz, ${position.id}::uuid)`);
  const limit = filters.limit ?? PAGE_SIZE;
  const rows = rowsOf<Record<string, unknown>>(await db.execute(search
    ? searchedPageQuery({
      base: whereOf(conds), condition: search, windowCondition: windowSearch, terms, columns: PAGE_COLUMNS, limit: limit + 1,
      order: relevance ? 'relevance' : 'newest',
      after: position?.score !== undefined ? { score: position.score, createdAt: position.createdAt, id: position.id } : undefined,
    })
    : sql`
    select ${PAGE_COLUMNS}
    from comments c
    where ${whereOf(conds)}
    order by c.created_at desc, c.id desc
    limit ${limit + 1}`));
  const page = rows.slice(0, limit);
  const items = await decorate(page, db);
  const last = items[items.length - 1];
  const lastScore = relevance && page.length ? Number(page[page.length - 1].score) : undefined;
  const pool = relevance ? Number(rows[0]?.pool ?? 0) : 0;
  return {
    items,
    nextCursor: rows.length > limit && last ? encodeCursor(last.createdAt, last.id, lastScore) : null,
    shortTerms: searchCondition(filters.q).shortTerms,
    ...(relevance ? { relevance: { ranked: pool, capped: pool >= RELEVANCE_POOL } } : {}),
  };
}

/**
 * Sizes of large groups (at least LARGE_GROUP members) are kept per instance for LARGE_GROUP_TTL_MS:
 * counting a 100,000-copy campaign reads 100,000 index entries, and while a bulk job rewrites its
 * rows as many heap pages too (0.6–3 s for one inbox page, bench/bulk-scale.ts); a size off by a
 * few for seconds changes nothing staff read. Smaller groups are counted on every read, so moving
 * a member out shows at once.
 */
const LARGE_GROUP = 1000;
const LARGE_GROUP_TTL_MS = 30_000;
const largeGroups = new Map<string, { at: number; size: number }>();

async function groupSizes(ids: string[], db: DbOrTx): Promise<Map<string, { size: number }>> {
  const out = new Map<string, { size: number }>();
  const now = Date.now();
  const ask = ids.filter((id) => {
    const hit = largeGroups.get(id);
    if (hit && now - hit.at < LARGE_GROUP_TTL_MS) out.set(id, { size: hit.size });
    return !out.has(id);
  });
  if (!ask.length) return out;
  const rows = rowsOf<{ id: string; size: number }>(await db.execute(sql`
    select group_id as id, count(*)::int as size from comments where group_id = any(${uuidArray(ask)}) group by group_id`));
  for (const r of rows) {
    out.set(String(r.id), { size: Number(r.size) });
    if (Number(r.size) >= LARGE_GROUP) largeGroups.set(String(r.id), { at: now, size: Number(r.size) });
  }
  if (largeGroups.size > 1000) largeGroups.delete(largeGroups.keys().next().value as string);
  return out;
}

/** Adds names, group sizes and tags to a page of rows: a few small queries keyed by the page's ids. */
async function decorate(rows: Record<string, unknown>[], db: DbOrTx): Promise<InboxItem[]> {
  if (!rows.length) return [];
  const ids = rows.map((r) => String(r.id));
  const uniq = (k: string) => [...new Set(rows.map((r) => r[k]).filter(Boolean).map(String))];
  const [rounds, stations, assignees, groups, tagRows] = await Promise.all([
    lookup(db, sql`select r.id, d.slug, d.title, r.number from rounds r join drafts d on d.id = r.draft_id where r.id = any(${uuidArray(uniq('round_id'))})`),
    uniq('station_id').length ? lookup(db, sql`select id, name from stations where id = any(${uuidArray(uniq('station_id'))})`) : new Map(),
    uniq('assignee_id').length ? lookup(db, sql`select id, coalesce(name, email) as name from users where id = any(${uuidArray(uniq('assignee_id'))})`) : new Map(),
    uniq('group_id').length ? groupSizes(uniq('group_id'), db) : new Map(),
    rowsOf<{ comment_id: string; name: string }>(await db.execute(sql`
      select ct.comment_id, t.name from comment_tags ct join tags t on t.id = ct.tag_id where ct.comment_id = any(${uuidArray(ids)}) order by t.name`)),
  ]);
  const tagsBy = new Map<string, string[]>();
  for (const t of tagRows) tagsBy.set(t.comment_id, [...(tagsBy.get(t.comment_id) ?? []), t.name]);
  return rows.map((r) => {
    const round = rounds.get(String(r.round_id)) ?? {};
    return {
      id: String(r.id),
      receipt: String(r.receipt),
      excerpt: String(r.excerpt),
      createdAt: new Date(r.created_at as string),
      draftSlug: String(round.slug ?? ''),
      draftTitle: String(round.title ?? ''),
      roundNumber: Number(round.number ?? 0),
      articleNumber: r.article_number === null ? null : Number(r.article_number),
      channel: String(r.channel),
      district: (r.district as string | null) ?? null,
      stationName: r.station_id ? String(stations.get(String(r.station_id))?.name ?? '') : null,
      status: r.status as InboxItem['status'],
      adoption: (r.adoption as Adoption | null) ?? null,
      awaitingApproval: Boolean(r.waiting),
      hidden: Boolean(r.hidden),
      groupId: (r.group_id as string | null) ?? null,
      groupSize: r.group_id ? Number(groups.get(String(r.group_id))?.size ?? 1) : 1,
      assigneeName: r.assignee_id ? String(assignees.get(String(r.assignee_id))?.name ?? '') : null,
      voices: Number(r.voices ?? 1),
      tags: tagsBy.get(String(r.id)) ?? [],
    };
  });
}

async function lookup(db: DbOrTx, query: SQL): Promise<Map<string, Record<string, unknown>>> {
  const rows = rowsOf<Record<string, unknown>>(await db.execute(query));
  return new Map(rows.map((r) => [String(r.id), r]));
}
