/**
 * The adoption report (意见采纳情况报告) of one round: its scope (draft, round, the next round),
 * the summary counted in SQL with GROUP BY (channel, district, occupation, adoption, the 三率,
 * campaign groups), and per article the comment counts, main tags, the confirmed 主要意见
 * (article_points; unconfirmed text is never read here) and the text beside the next round's. The comments themselves are streamed by comment-rows.ts; the formats are export-*.ts.
 */
import { eq, sql } from 'drizzle-orm';
import { rounds } from '../../db/schema';
import { getDb, type DbOrTx } from '../../db/client';
import { getReadDb } from '../../db/replica';
import { AppError } from '../errors';
import { loadDraftHead, pickRound, type RoundInfo } from '../drafts/get-draft';
import { compareArticles } from '../drafts/diff-rounds';
import { formatArticleLabel } from '../drafts/chinese-numerals';
import { groupSampleSql } from '../review/groups';

export interface ReportScope {
  draft: { id: string; slug: string; title: string };
  round: RoundInfo & { feedbackPublishedAt: Date | null };
  /** The round after this one, when its version is published (for "what changed"). */
  next: RoundInfo | null;
}

/** Draft `slug`, round `roundNumber`; throws DraftNotFound or RoundNotFound. */
export async function loadReportScope(slug: string, roundNumber: number | undefined, db: DbOrTx = getReadDb(), now = new Date()): Promise<ReportScope> {
  const head = await loadDraftHead(slug, db, now);
  const round = pickRound(head, roundNumber);
  const [row] = await db.select({ at: rounds.feedbackPublishedAt }).from(rounds).where(eq(rounds.id, round.id));
  if (!row) throw new AppError('RoundNotFound');
  return {
    draft: { id: head.id, slug: head.slug, title: head.title },
    round: { ...round, feedbackPublishedAt: row.at },
    next: head.rounds.find((r) => r.number === round.number + 1) ?? null,
  };
}

export interface Tally {
  key: string;
  count: number;
}

export interface Rates {
  /** Comments with a published response / all comments. */
  response: number | null;
  /** Adopted or partly adopted / comments with a decision other than pending. */
  adoption: number | null;
  /** Satisfied or basically satisfied / comments rated by their authors. */
  satisfaction: number | null;
  responded: number;
  decided: number;
  adopted: number;
  rated: number;
  satisfied: number;
}

export interface ReportSummary {
  comments: number;
  /** Distinct commenters: by account, else by contact, else each anonymous comment is one. */
  people: number;
  /** Residents voiced (a deputy's sheet counts each resident). */
  voices: number;
  hidden: number;
  general: number;
  byChannel: Tally[];
  byDistrict: Tally[];
  byOccupation: Tally[];
  /** `undecided` for comments without a decision yet. */
  byAdoption: Tally[];
  byStatus: Tally[];
  rates: Rates;
  groups: { count: number; comments: number; largest: Array<{ id: string; label: string | null; sample: string | null; size: number }> };
}

export interface SummaryOptions {
  /** Count hidden comments too (staff reports); the public never sees them. */
  includeHidden: boolean;
}

const ratio = (part: number, whole: number) => (whole > 0 ? part / whole : null);
const num = (v: unknown) => Number(v ?? 0);

function visible(opts: SummaryOptions) {
  return opts.includeHidden ? sql`true` : sql`c.hidden_at is null`;
}

async function tally(db: DbOrTx, roundId: string, column: ReturnType<typeof sql>, opts: SummaryOptions): Promise<Tally[]> {
  const { rows } = await db.execute<{ key: string; n: number }>(sql`
    select ${column} as key, count(*)::int as n from comments c
    where c.round_id = ${roundId} and ${visible(opts)}
    group by 1 order by 2 desc, 1`);
  return rows.map((r) => ({ key: String(r.key), count: num(r.n) }));
}

/** Every figure of the summary, in a handful of grouped queries. */
export async function summariseRound(scope: ReportScope, opts: SummaryOptions, db: DbOrTx = getDb()): Promise<ReportSummary> {
  const roundId = scope.round.id;
  const { rows: [t] } = await db.execute<Record<string, number>>(sql`
    select count(*)::int as comments,
      count(distinct coalesce(c.user_id::text, 'c:' || lower(c.contact), c.id::text))::int as people,
      coalesce(sum(c.voices), 0)::int as voices,
      count(*) filter (where c.hidden_at is not null)::int as hidden,
      count(*) filter (where c.article_number is null)::int as general,
      count(*) filter (where c.responded_at is not null)::int as responded,
      count(*) filter (where c.adoption is not null and c.adoption <> 'pending')::int as decided,
      count(*) filter (where c.adoption in ('adopted', 'partially_adopted'))::int as adopted,
      count(*) filter (where c.satisfaction is not null)::int as rated,
      count(*) filter (where c.satisfaction in ('satisfied', 'basically_satisfied'))::int as satisfied
    from comments c where c.round_id = ${roundId} and ${visible(opts)}`);
  const [byChannel, byDistrict, byOccupation, byAdoption, byStatus] = await Promise.all([
    tally(db, roundId, sql`c.channel::text`, opts),
    tally(db, roundId, sql`coalesce(nullif(trim(c.district), ''), '')`, opts),
    tally(db, roundId, sql`coalesce(nullif(trim(c.occupation), ''), '')`, opts),
    tally(db, roundId, sql`coalesce(c.adoption::text, 'undecided')`, opts),
    tally(db, roundId, sql`c.status::text`, opts),
  ]);
  const { rows: groupRows } = await db.execute<{ id: string; label: string | null; sample: string | null; size: number }>(sql`
    select g.id, g.label, ${groupSampleSql(sql`g.id`)} as sample, count(*)::int as size from comment_groups g
    join comments c on c.group_id = g.id
    where g.round_id = ${roundId} and ${visible(opts)}
    group by g.id, g.label having count(*) >= 2 order by 4 desc, g.id`);
  const rates: Rates = {
    responded: num(t.responded), decided: num(t.decided), adopted: num(t.adopted), rated: num(t.rated), satisfied: num(t.satisfied),
    response: ratio(num(t.responded), num(t.comments)),
    adoption: ratio(num(t.adopted), num(t.decided)),
    satisfaction: ratio(num(t.satisfied), num(t.rated)),
  };
  return {
    comments: num(t.comments), people: num(t.people), voices: num(t.voices), hidden: num(t.hidden), general: num(t.general),
    byChannel, byDistrict, byOccupation, byAdoption, byStatus, rates,
    groups: {
      count: groupRows.length,
      comments: groupRows.reduce((s, g) => s + num(g.size), 0),
      largest: groupRows.slice(0, 20).map((g) => ({ id: g.id, label: g.label, sample: g.sample, size: num(g.size) })),
    },
  };
}

/** Size of every campaign group of the round (two members or more), by group id. */
export async function loadGroupSizes(scope: ReportScope, opts: SummaryOptions, db: DbOrTx = getDb()): Promise<Map<string, number>> {
  const { rows } = await db.execute<{ id: string; size: number }>(sql`
    select c.group_id as id, count(*)::int as size from comments c
    where c.round_id = ${scope.round.id} and c.group_id is not null and ${visible(opts)}
    group by 1 having count(*) >= 2`);
  return new Map(rows.map((r) => [r.id, num(r.size)]));
}

/** An article's 主要意见 as staff confirmed it (points.ts writes them). */
export interface ConfirmedPoints {
  text: string;
  confirmedAt: Date;
  /** The confirmer's name (else their e-mail), for staff reports; never on a public page. */
  confirmedBy: string;
}

export interface ArticleReport {
  /** 0 stands for the comments on the draft as a whole (总体意见). */
  number: number;
  label: string;
  caption: string | null;
  text: string;
  comments: number;
  byAdoption: Tally[];
  /** The most used tags, most first (at most 8). */
  tags: Tally[];
  /** The confirmed 主要意见; null while none is confirmed (then nothing may be published as such). */
  points: ConfirmedPoints | null;
  /** What the next round made of this article, when there is a next round. */
  next: { change: string; label: string | null; text: string | null } | null;
}

/** One entry per article in reading order, general comments first; counts in two grouped queries. */
export async function summariseArticles(scope: ReportScope, opts: SummaryOptions, db: DbOrTx = getDb()): Promise<ArticleReport[]> {
  const roundId = scope.round.id;
  const articles = await articleTexts(scope.round.versionId, db);
  const { rows: counts } = await db.execute<{ article: number | null; adoption: string; n: number }>(sql`
    select c.article_number as article, coalesce(c.adoption::text, 'undecided') as adoption, count(*)::int as n
    from comments c where c.round_id = ${roundId} and ${visible(opts)} group by 1, 2`);
  const { rows: tagRows } = await db.execute<{ article: number | null; name: string; n: number }>(sql`
    select c.article_number as article, t.name, count(*)::int as n
    from comments c join comment_tags ct on ct.comment_id = c.id join tags t on t.id = ct.tag_id
    where c.round_id = ${roundId} and ${visible(opts)} group by 1, 2 order by 3 desc, 2`);
  const { rows: pointRows } = await db.execute<{ article: number; text: string; confirmed_at: Date | string; by: string | null }>(sql`
    select p.article_number as article, p.text, p.confirmed_at, coalesce(nullif(trim(u.name), ''), u.email) as by
    from article_points p left join users u on u.id = p.confirmed_by
    where p.round_id = ${roundId} and p.confirmed_at is not null`);
  const nextTexts = scope.next ? await nextRoundTexts(articles, scope.next.versionId, db) : null;

  const byNumber = new Map<number, ArticleReport>();
  const entry = (n: number): ArticleReport => {
    let a = byNumber.get(n);
    if (!a) {
      a = { number: n, label: n === 0 ? '' : formatArticleLabel(n), caption: null, text: '', comments: 0, byAdoption: [], tags: [], points: null, next: null };
      byNumber.set(n, a);
    }
    return a;
  };
  entry(0);
  for (const a of articles) {
    Object.assign(entry(a.number), { caption: a.caption, text: a.text, next: nextTexts?.get(a.number) ?? null });
  }
  for (const r of counts) {
    const a = entry(num(r.article));
    a.comments += num(r.n);
    a.byAdoption.push({ key: r.adoption, count: num(r.n) });
  }
  for (const r of tagRows) {
    const a = entry(num(r.article));
    if (a.tags.length < 8) a.tags.push({ key: r.name, count: num(r.n) });
  }
  for (const r of pointRows) {
    entry(num(r.article)).points = { text: r.text, confirmedAt: new Date(r.confirmed_at), confirmedBy: r.by ?? '' };
  }
  for (const a of byNumber.values()) a.byAdoption.sort((x, y) => y.count - x.count);
  return [...byNumber.values()].sort((x, y) => x.number - y.number);
}

interface ArticleText {
  number: number;
  caption: string | null;
  text: string;
}

async function articleTexts(versionId: string, db: DbOrTx): Promise<ArticleText[]> {
  const { rows } = await db.execute<{ number: number; title: string | null; text: string }>(sql`
    select number, title, text from provisions where version_id = ${versionId} and kind = 'article' order by seq`);
  return rows.map((r) => ({ number: num(r.number), caption: r.title, text: r.text }));
}

/** Article number of this round → its fate in the next round (split parts joined). */
async function nextRoundTexts(current: ArticleText[], nextVersionId: string, db: DbOrTx) {
  const next = await articleTexts(nextVersionId, db);
  const out = new Map<number, { change: string; label: string | null; text: string | null }>();
  for (const e of compareArticles(current, next)) {
    if (!e.from) continue;
    const prior = out.get(e.from.number);
    const label = e.to ? formatArticleLabel(e.to.number) : null;
    if (prior && e.to) {
      prior.label = `${prior.label ?? ''}、${label}`;
      prior.text = `${prior.text ?? ''}\n${e.to.text}`;
      prior.change = 'modified';
    } else {
      out.set(e.from.number, { change: e.change, label, text: e.to?.text ?? null });
    }
  }
  return out;
}
