/**
 * The comments of a round as rows for the exports, streamed in keyset pages of ~5,000 (by article,
 * then time of submission) on the index comments(round_id, article_number, created_at, id): memory
 * stays bounded whatever the size of the round, and no transaction is held open between pages.
 * Personal data (name, contact) is read only when the exporter may see it, and masked unless the
 * export was chosen with full contacts (docs/decisions/013-masked-exports.md).
 */
import { sql } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { maskContact, maskName } from '../mask-contact';
import type { ReportScope } from './adoption-report';
import { nextArticles, publicArticleUrl } from '../drafts/carried';
import { groupSampleSql } from '../review/groups';

/** Where a comment's article stands in the next round (by lineage, drafts/carried.ts). */
export interface NextArticle {
  /** The next round's label (二审稿). */
  round: string;
  /** The article there; null when the next round has none descending from it (removed). */
  number: number | null;
  /** Its public page (absolute), for the XLSX hyperlink. */
  url: string | null;
}

export interface CommentRow {
  id: string;
  receipt: string;
  /** null for a general comment (总体意见). */
  articleNumber: number | null;
  channel: string;
  station: string | null;
  district: string | null;
  occupation: string | null;
  /** Only with contact:view (staff; masked unless `unmasked`) or with the commenter's consent (public). */
  name: string | null;
  contact: string | null;
  body: string;
  voices: number;
  status: string;
  adoption: string | null;
  reason: string | null;
  response: string | null;
  respondedAt: number | null;
  decidedAt: number | null;
  hidden: boolean;
  groupId: string | null;
  /** What the group is named by (groupDisplayName): its label and its text; null outside a group or when not loaded. */
  group: { label: string | null; sample: string | null } | null;
  satisfaction: string | null;
  tags: string;
  createdAt: number;
  /** In the exports, when the next round is published and the comment is on an article; else null. */
  next: NextArticle | null;
}

export interface RowOptions {
  /** Staff with contact:view: names and contacts, masked (a name the commenter let be published stays whole). */
  personal: boolean;
  /** With `personal`: full names and contacts (an export chosen with a purpose, export:unmasked). */
  unmasked?: boolean;
  includeHidden: boolean;
  /** The public: names only where the commenter consented; responses only once published. */
  publicView?: boolean;
  pageSize?: number;
}

type Raw = {
  id: string; receipt: string; article_number: number | null; channel: string; station: string | null;
  district: string | null; occupation: string | null; name: string | null; contact: string | null; body: string;
  voices: number; status: string; adoption: string | null; reason: string | null; response: string | null;
  responded_ms: number | null; decided_ms: number | null; hidden: boolean; group_id: string | null;
  satisfaction: string | null; tags: string | null; created_ms: number; cursor_at: string; publish_name: boolean;
};

const ms = (v: unknown) => (v === null || v === undefined ? null : Number(v));

/** The article numbers that have comments, general (null) first. */
async function articleKeys(scope: ReportScope, opts: RowOptions, db: DbOrTx): Promise<Array<number | null>> {
  const { rows } = await db.execute<{ a: number | null }>(sql`
    select distinct article_number as a from comments c
    where c.round_id = ${scope.round.id} and ${opts.includeHidden ? sql`true` : sql`c.hidden_at is null`}`);
  const numbers = rows.map((r) => (r.a === null ? null : Number(r.a)));
  return numbers.sort((x, y) => (x ?? 0) - (y ?? 0));
}

function nameColumn(opts: RowOptions) {
  if (opts.personal) return sql`c.name`;
  if (opts.publicView) return sql`case when c.publish_name then c.name end`;
  return sql`null::text`;
}

/** The select list of a row; personal data and unpublished decisions only where `opts` allow. */
function rowColumns(opts: RowOptions) {
  // The public sees a decision and a response only once staff published the response.
  const shown = (col: ReturnType<typeof sql>) => (opts.publicView ? sql`case when c.responded_at is not null then ${col} end` : col);
  return sql`c.id, c.receipt, c.article_number, c.channel::text as channel, s.name as station,
    c.district, c.occupation, ${nameColumn(opts)} as name, c.publish_name,
    ${opts.personal ? sql`c.contact` : sql`null::text`} as contact,
    c.body, c.voices, c.status::text as status, ${shown(sql`c.adoption::text`)} as adoption,
    ${shown(sql`c.reason`)} as reason, ${shown(sql`c.response`)} as response,
    (extract(epoch from c.responded_at) * 1000)::float8 as responded_ms,
    (extract(epoch from c.decided_at) * 1000)::float8 as decided_ms,
    (c.hidden_at is not null) as hidden, c.group_id, c.satisfaction::text as satisfaction,
    (select string_agg(t.name, '、' order by t.name) from comment_tags ct join tags t on t.id = ct.tag_id
      where ct.comment_id = c.id) as tags,
    (extract(epoch from c.created_at) * 1000)::float8 as created_ms, c.created_at::text as cursor_at`;
}

/** Rows of the given comment ids of `scope`, in article and submission order. */
export async function loadCommentRows(scope: ReportScope, ids: string[], opts: RowOptions, db: DbOrTx = getDb()): Promise<CommentRow[]> {
  if (!ids.length) return [];
  const { rows }: { rows: Raw[] } = await db.execute<Raw>(sql`
    select ${rowColumns(opts)}
    from comments c left join stations s on s.id = c.station_id
    where c.round_id = ${scope.round.id} and c.id in (${sql.join(ids.map((id) => sql`${id}::uuid`), sql`, `)})
      and ${opts.includeHidden ? sql`true` : sql`c.hidden_at is null`}
    order by c.article_number nulls first, c.created_at, c.id`);
  return rows.map((r) => toRow(r, opts));
}

/**
 * Yields the round's comments page by page (each page at most `pageSize` rows), ordered by
 * article (general first) then by submission time. Reads run outside any transaction.
 */
export async function* iterateCommentPages(scope: ReportScope, opts: RowOptions, db: DbOrTx = getDb()): AsyncGenerator<CommentRow[]> {
  const pageSize = opts.pageSize ?? 5000;
  // The 下一审次 of each article: one query, before the first page.
  const following = scope.next;
  const nextOf = following ? await nextArticles(scope.round.versionId, following.versionId, db) : null;
  const next = (article: number | null): NextArticle | null => {
    if (!following || !nextOf || article === null) return null;
    const number = nextOf.get(article) ?? null;
    return { round: following.label, number, url: number === null ? null : publicArticleUrl(scope.draft.slug, following.number, number) };
  };
  // The name of each group of the round (its label or its text): one query, before the first page.
  const { rows: groupRows } = await db.execute<{ id: string; label: string | null; sample: string | null }>(sql`
    select g.id, g.label, ${groupSampleSql(sql`g.id`)} as sample from comment_groups g where g.round_id = ${scope.round.id}`);
  const groups = new Map(groupRows.map((g) => [g.id, { label: g.label, sample: g.sample }]));
  const hiddenFilter = opts.includeHidden ? sql`true` : sql`c.hidden_at is null`;
  const fetchPage = (article: number | null, cursor: { at: string; id: string } | null) => db.execute<Raw>(sql`
    select ${rowColumns(opts)}
    from comments c left join stations s on s.id = c.station_id
    where c.round_id = ${scope.round.id}
      and ${article === null ? sql`c.article_number is null` : sql`c.article_number = ${article}`}
      and ${hiddenFilter}
      and ${cursor ? sql`(c.created_at, c.id) > (${cursor.at}::timestamptz, ${cursor.id}::uuid)` : sql`true`}
    order by c.created_at, c.id limit ${pageSize}`).then((r) => r.rows as Raw[]);
  // A prefetched page the consumer never awaits (it stopped early) must not become an unhandled rejection.
  const guarded = (p: Promise<Raw[]>) => {
    p.catch(() => {});
    return p;
  };
  for (const article of await articleKeys(scope, opts, db)) {
    let pending: Promise<Raw[]> | null = guarded(fetchPage(article, null));
    while (pending) {
      const rows: Raw[] = await pending;
      if (!rows.length) break;
      // Ask for the next page before turning this one into rows, so the database works meanwhile.
      const last = rows[rows.length - 1];
      pending = rows.length === pageSize ? guarded(fetchPage(article, { at: last.cursor_at, id: last.id })) : null;
      const there = next(article);
      yield rows.map((r) => toRow(r, opts, there, groups));
    }
  }
}

/** Masking happens here, once for every format: what `opts` does not unmask never leaves this module whole. */
function toRow(r: Raw, opts: RowOptions, next: NextArticle | null = null, groups?: Map<string, CommentRow['group']>): CommentRow {
  const masked = opts.personal && !opts.unmasked;
  const published = r.publish_name === true || (r.publish_name as unknown) === 't';
  return {
    id: r.id,
    receipt: r.receipt,
    articleNumber: r.article_number === null ? null : Number(r.article_number),
    channel: r.channel,
    station: r.station,
    district: r.district,
    occupation: r.occupation,
    name: masked && !published ? maskName(r.name) : r.name,
    contact: masked ? maskContact(r.contact) : r.contact,
    body: r.body,
    voices: Number(r.voices),
    status: r.status,
    adoption: r.adoption,
    reason: r.reason,
    response: r.response,
    respondedAt: ms(r.responded_ms),
    decidedAt: ms(r.decided_ms),
    hidden: r.hidden === true || (r.hidden as unknown) === 't',
    groupId: r.group_id,
    group: (r.group_id && groups?.get(r.group_id)) || null,
    satisfaction: r.satisfaction,
    tags: r.tags ?? '',
    createdAt: Number(r.created_ms),
    next,
  };
}
