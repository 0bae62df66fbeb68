/**
 * Comments carried from the previous round: each article keeps its lineage id across rounds
 * (lineage.ts), so the comments on 第十条 of the 一审稿 belong to 第七条 of the 二审稿 when that is
 * where 第十条 went. Three readers: the public draft and article pages ("上一审次对本条的 M 条意见及
 * 处理情况", public counts only), the staff inbox's filter `carriedTo` (round N−1's comments on the
 * article that became article k of round N), and the adoption report's 下一审次 column (where each
 * article of round N−1 stands in round N). One query each, whatever the number of articles.
 */
import { sql } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { getReadDb } from '../../db/replica';
import { rowsOf } from '../../db/rows';
import { publicOrigin } from '../config';
import type { RoundInfo } from './get-draft';

export interface CarriedArticle {
  /** The article of the previous round this one descends from. */
  from: number;
  /** Its public comments (hidden ones left out). */
  count: number;
}

export interface CarriedComments {
  /** The nearest earlier published round. */
  previous: { number: number; label: string; feedbackPublished: boolean };
  /** Article number in this round → where it came from and how many comments it had there. */
  articles: Map<number, CarriedArticle>;
}

/** The nearest published round before `round`, or undefined for the first. */
export function previousRound(rounds: RoundInfo[], round: RoundInfo): RoundInfo | undefined {
  return rounds.filter((r) => r.number < round.number).at(-1);
}

/**
 * The public comments of the previous round on each article of `round` (or only on article
 * `only`), by lineage. Null for a first round. One statement: the articles of the version joined
 * to their ancestors, each with a count on comments(round_id, article_number, …).
 */
export async function carriedComments(
  rounds: RoundInfo[],
  round: RoundInfo,
  only?: number,
  db: DbOrTx = getReadDb(),
): Promise<CarriedComments | null> {
  const previous = previousRound(rounds, round);
  if (!previous) return null;
  const rows = rowsOf<{ number: number; from_number: number; n: number; published: boolean | string }>(await db.execute(sql`
    select p.number, pp.number as from_number,
      (select count(*)::int from comments c
        where c.round_id = ${previous.id}::uuid and c.article_number = pp.number and c.hidden_at is null) as n,
      (select r.feedback_published_at is not null from rounds r where r.id = ${previous.id}::uuid) as published
    from provisions p
    join provisions pp on pp.version_id = ${previous.versionId}::uuid and pp.kind = 'article' and pp.lineage_id = p.lineage_id
    where p.version_id = ${round.versionId}::uuid and p.kind = 'article'
      ${only === undefined ? sql`` : sql`and p.number = ${only}`}`));
  const articles = new Map<number, CarriedArticle>();
  for (const r of rows) articles.set(Number(r.number), { from: Number(r.from_number), count: Number(r.n) });
  // With no article descending from the previous round there is no line to show, published or not.
  const published = rows[0]?.published === true || rows[0]?.published === 't';
  return { previous: { number: previous.number, label: previous.label, feedbackPublished: published }, articles };
}

export interface CarriedSource {
  /** Round N, whose article the filter starts from. */
  round: { number: number; label: string };
  /** Article k of round N as asked; `exists` false when round N has no such article. */
  article: number;
  exists: boolean;
  /** The nearest earlier round with a version, null when round N is the first. */
  previous: { id: string; number: number; label: string } | null;
  /** The article of `previous` with the same lineage, null when it has none (added in round N). */
  from: number | null;
}

/**
 * For the staff inbox: where article `article` of round `roundId` came from in the previous round.
 * One statement (rounds by their unique (draft_id, number), articles by version and lineage);
 * null when `roundId` is no round.
 */
export async function findCarriedSource(roundId: string, article: number, db: DbOrTx = getDb()): Promise<CarriedSource | null> {
  const rows = rowsOf<{
    number: number; label: string; exists: boolean | string; prev_id: string | null; prev_number: number | null;
    prev_label: string | null; from_number: number | null;
  }>(await db.execute(sql`
    select r.number, r.label, (p.id is not null) as exists,
      pr.id as prev_id, pr.number as prev_number, pr.label as prev_label, pp.number as from_number
    from rounds r
    left join versions v on v.round_id = r.id
    left join provisions p on p.version_id = v.id and p.kind = 'article' and p.number = ${article}
    left join lateral (
      select r2.id, r2.number, r2.label, v2.id as version_id from rounds r2 join versions v2 on v2.round_id = r2.id
      where r2.draft_id = r.draft_id and r2.number < r.number order by r2.number desc limit 1
    ) pr on true
    left join provisions pp on pp.version_id = pr.version_id and pp.kind = 'article' and pp.lineage_id = p.lineage_id
    where r.id = ${roundId}::uuid`));
  const r = rows[0];
  if (!r) return null;
  return {
    round: { number: Number(r.number), label: r.label },
    article,
    exists: r.exists === true || r.exists === 't',
    previous: r.prev_id ? { id: r.prev_id, number: Number(r.prev_number), label: r.prev_label ?? '' } : null,
    from: r.from_number === null ? null : Number(r.from_number),
  };
}

/**
 * For the report of round N−1: each of its articles → the article of version `nextVersionId` with
 * the same lineage (absent when removed, or merged into another article's lineage). One statement.
 */
export async function nextArticles(versionId: string, nextVersionId: string, db: DbOrTx = getDb()): Promise<Map<number, number>> {
  const rows = rowsOf<{ from_number: number; to_number: number }>(await db.execute(sql`
    select p.number as from_number, n.number as to_number
    from provisions p
    join provisions n on n.version_id = ${nextVersionId}::uuid and n.kind = 'article' and n.lineage_id = p.lineage_id
    where p.version_id = ${versionId}::uuid and p.kind = 'article'`));
  return new Map(rows.map((r) => [Number(r.from_number), Number(r.to_number)]));
}

/** The absolute address of article `article` of round `round` (PUBLIC_URL), for links in files. */
export function publicArticleUrl(slug: string, round: number, article: number): string {
  return `${publicOrigin()}/drafts/${encodeURIComponent(slug)}/articles/${article}?round=${round}`;
}
