/**
 * 主要意见 (the main points of what people said) per article of a round, as the adoption report and
 * the public feedback page say them. Staff write the text by reading the comments and confirm it;
 * editing the text clears the confirmation, and only confirmed text is ever published
 * (adoption-report.ts reads confirmed rows only). Decision 022.
 */
import { and, eq, sql } from 'drizzle-orm';
import { articlePoints } from '../../db/schema';
import { getDb, type DbOrTx } from '../../db/client';
import { recordAudit, type Actor } from '../audit';
import { AppError } from '../errors';
import { requirePermission } from '../auth/permissions';
import type { SessionUser } from '../auth/session-user';
import { formatArticleLabel } from '../drafts/chinese-numerals';
import { t, type Locale } from '../../i18n';
import { loadReportScope, summariseArticles, type ReportScope, type Tally } from './adoption-report';
import type { ArticlePointsInput } from './schemas';

function actorOf(user: SessionUser, ip?: string | null): Actor {
  return { id: user.id, kind: user.via === 'token' ? 'token' : 'user', ip: ip ?? null };
}

const num = (v: unknown) => Number(v ?? 0);
const when = (v: Date | string | null) => (v === null ? null : new Date(v));

export interface PointsEntry {
  /** 0 stands for 总体意见. */
  number: number;
  caption: string | null;
  /** Comments the public may see (hidden ones are not published, so need no point). */
  comments: number;
  /** The most used tags, as a hint for writing. */
  tags: Tally[];
  text: string;
  /** The saved version this form starts from (updated_at in ms), '' when nothing is saved. */
  base: string;
  updatedBy: string | null;
  updatedAt: Date | null;
  confirmedBy: string | null;
  confirmedAt: Date | null;
}

export interface FeedbackReadiness {
  /** Articles (总体意见 counted as one) with comments the public may see. */
  articles: number;
  /** Of those, the ones whose 主要意见 is not confirmed, in reading order (0: 总体意见). */
  missing: number[];
  /** Public comments without a published response. */
  unanswered: number;
  /** Public comments without a decision (none yet, or 待研究). */
  undecided: number;
}

/** What stands between a round and its feedback page: unconfirmed points, unanswered and undecided comments. */
export async function feedbackReadiness(scope: ReportScope, db: DbOrTx = getDb()): Promise<FeedbackReadiness> {
  const { rows } = await db.execute<{ article: number; unanswered: number; undecided: number; confirmed: boolean | null }>(sql`
    select x.article, x.unanswered, x.undecided,
      exists (select 1 from article_points p where p.round_id = ${scope.round.id} and p.article_number = x.article and p.confirmed_at is not null) as confirmed
    from (
      select coalesce(c.article_number, 0) as article,
        count(*) filter (where c.responded_at is null)::int as unanswered,
        count(*) filter (where c.adoption is null or c.adoption = 'pending')::int as undecided
      from comments c where c.round_id = ${scope.round.id} and c.hidden_at is null group by 1
    ) x order by x.article`);
  return {
    articles: rows.length,
    missing: rows.filter((r) => !r.confirmed).map((r) => num(r.article)),
    unanswered: rows.reduce((s, r) => s + num(r.unanswered), 0),
    undecided: rows.reduce((s, r) => s + num(r.undecided), 0),
  };
}

/** "总体意见、第二条、第三条" (the first `limit`, then "…"); article labels are Chinese in every locale. */
export function describeArticles(numbers: number[], locale: Locale = 'zh-CN', limit = 10): string {
  const named = numbers.slice(0, limit).map((n) => (n === 0 ? t(locale, 'report.general') : formatArticleLabel(n))).join('、');
  return numbers.length > limit ? `${named}…` : named;
}

/**
 * The round's points page: every article with public comments (and any with saved text), with its
 * comment count, tags and the saved text, who wrote and who confirmed it. Needs draft:manage.
 */
export async function loadRoundPoints(
  slug: string, round: number, user: SessionUser | null, db: DbOrTx = getDb(),
): Promise<{ scope: ReportScope; entries: PointsEntry[]; readiness: FeedbackReadiness }> {
  requirePermission(user, 'draft:manage');
  const scope = await loadReportScope(slug, round, db);
  const [articles, readiness, { rows }] = await Promise.all([
    summariseArticles(scope, { includeHidden: false }, db),
    feedbackReadiness(scope, db),
    db.execute<{ article: number; text: string; updated_at: Date | string; updated_by: string | null; confirmed_at: Date | string | null; confirmed_by: string | null }>(sql`
      select p.article_number as article, p.text, p.updated_at,
        coalesce(nullif(trim(w.name), ''), w.email) as updated_by,
        p.confirmed_at, coalesce(nullif(trim(c.name), ''), c.email) as confirmed_by
      from article_points p left join users w on w.id = p.updated_by left join users c on c.id = p.confirmed_by
      where p.round_id = ${scope.round.id}`),
  ]);
  const saved = new Map(rows.map((r) => [num(r.article), r]));
  const entries = articles.filter((a) => a.comments > 0 || saved.has(a.number)).map((a): PointsEntry => {
    const p = saved.get(a.number);
    const updatedAt = p ? when(p.updated_at) : null;
    return {
      number: a.number, caption: a.caption, comments: a.comments, tags: a.tags,
      text: p?.text ?? '', base: updatedAt ? String(updatedAt.getTime()) : '',
      updatedBy: p?.updated_by ?? null, updatedAt,
      confirmedBy: p?.confirmed_at ? p.confirmed_by ?? '' : null, confirmedAt: p ? when(p.confirmed_at) : null,
    };
  });
  return { scope, entries, readiness };
}

export type PointsOutcome = 'saved' | 'confirmed' | 'cleared' | 'unchanged';

/**
 * Saves (action save) or saves and confirms (action confirm) the 主要意见 of article
 * `input.article` (0: 总体意见) of a round. Changed text is unconfirmed unless confirmed in the
 * same step; empty text removes it. Needs draft:manage. Throws ArticleNotFound for an article the
 * round's version lacks, PointsChanged when someone saved it after `input.base`. Audited
 * (points.save, points.confirm, points.clear) in the same transaction.
 */
export async function saveArticlePoints(
  input: { slug: string; round: number } & ArticlePointsInput,
  user: SessionUser | null,
  ip: string | null = null,
  db: DbOrTx = getDb(),
  now = new Date(),
): Promise<PointsOutcome> {
  const who = requirePermission(user, 'draft:manage');
  const scope = await loadReportScope(input.slug, input.round, db, now);
  if (input.article !== 0) {
    const { rows } = await db.execute(sql`
      select 1 from provisions where version_id = ${scope.round.versionId} and kind = 'article' and number = ${input.article}`);
    if (!rows.length) throw new AppError('ArticleNotFound');
  }
  const key = and(eq(articlePoints.roundId, scope.round.id), eq(articlePoints.articleNumber, input.article));
  return db.transaction(async (tx) => {
    const [current] = await tx.select().from(articlePoints).where(key).for('update');
    if ((current ? String(current.updatedAt.getTime()) : '') !== input.base) throw new AppError('PointsChanged');
    const before = current ? { article: input.article, text: current.text, confirmed: current.confirmedAt !== null } : null;
    const audit = (action: string, after: unknown) => recordAudit(tx, actorOf(who, ip), {
      action, objectType: 'round', objectId: scope.round.id, before, after,
    });
    if (input.text === '') {
      if (!current) return 'unchanged';
      await tx.delete(articlePoints).where(key);
      await audit('points.clear', null);
      return 'cleared';
    }
    const confirm = input.action === 'confirm';
    if (current && current.text === input.text && (!confirm || current.confirmedAt)) return 'unchanged';
    const row = {
      text: input.text,
      confirmedBy: confirm ? who.id : null,
      confirmedAt: confirm ? now : null,
      ...(current?.text === input.text ? {} : { updatedBy: who.id, updatedAt: now }),
    };
    if (current) await tx.update(articlePoints).set(row).where(key);
    else await tx.insert(articlePoints).values({ roundId: scope.round.id, articleNumber: input.article, updatedBy: who.id, updatedAt: now, ...row });
    await audit(confirm ? 'points.confirm' : 'points.save', { article: input.article, text: input.text, confirmed: confirm });
    return confirm ? 'confirmed' : 'saved';
  });
}
