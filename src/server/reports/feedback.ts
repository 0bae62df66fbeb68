/**
 * The public feedback page of a round (意见采纳情况): staff publish it once the round has closed
 * and every article with public comments has confirmed 主要意见 (points.ts), and may withdraw it.
 * What the public sees: the summary, per article the confirmed main points and how they were handled, and individual comments that are not hidden, without personal data, with names
 * only where the commenter consented, and decisions only where the response was published.
 */
import { eq, sql } from 'drizzle-orm';
import { rounds } from '../../db/schema';
import { getDb, type DbOrTx } from '../../db/client';
import { getReadDb } from '../../db/replica';
import { recordAudit, type Actor } from '../audit';
import { AppError } from '../errors';
import { requirePermission } from '../auth/permissions';
import type { SessionUser } from '../auth/session-user';
import { roundStatus } from '../drafts/rounds';
import { loadReportScope, summariseArticles, summariseRound, type ArticleReport, type ReportScope, type ReportSummary } from './adoption-report';
import { loadCommentRows, type CommentRow } from './comment-rows';
import { feedbackUrl, notifyFollowers } from '../messages/follows';
import { messagesQueued } from '../messages/outbox';
import { describeArticles, feedbackReadiness } from './points';

function actorOf(user: SessionUser, ip?: string | null): Actor {
  return { id: user.id, kind: user.via === 'token' ? 'token' : 'user', ip: ip ?? null };
}

/**
 * Publishes (or, with `published: false`, withdraws) the feedback page of a round. Needs
 * draft:manage; publishing needs a closed round (RoundStillOpen) and confirmed 主要意见 for every
 * article with public comments (FeedbackPointsMissing, naming them), and while public comments
 * are unanswered or undecided, `acknowledged` (FeedbackUnfinished, with the counts, on the
 * form's "仍然公布" checkbox). Idempotent; audited.
 * Publishing tells the draft's followers in the same transaction (messages/follows.ts; once
 * per round and follower, even if withdrawn and published again).
 */
export async function setFeedbackPublished(
  input: { slug: string; round: number; published: boolean; acknowledged?: boolean },
  user: SessionUser | null,
  ip: string | null = null,
  db: DbOrTx = getDb(),
  now = new Date(),
): Promise<Date | null> {
  const who = requirePermission(user, 'draft:manage');
  const scope = await loadReportScope(input.slug, input.round, db, now);
  if (input.published && roundStatus(scope.round, now) !== 'closed') throw new AppError('RoundStillOpen');
  const before = scope.round.feedbackPublishedAt;
  if ((before !== null) === input.published) return before;
  if (input.published) {
    const ready = await feedbackReadiness(scope, db);
    if (ready.missing.length) {
      throw new AppError('FeedbackPointsMissing', { count: ready.missing.length, total: ready.articles, articles: describeArticles(ready.missing) });
    }
    if ((ready.unanswered || ready.undecided) && !input.acknowledged) {
      throw new AppError('FeedbackUnfinished', { unanswered: ready.unanswered, undecided: ready.undecided },
        [{ field: 'acknowledge', key: 'feedback.field.acknowledge', params: { unanswered: ready.unanswered, undecided: ready.undecided } }]);
    }
  }
  const at = input.published ? now : null;
  const notified = await db.transaction(async (tx) => {
    await tx.update(rounds).set({ feedbackPublishedAt: at }).where(eq(rounds.id, scope.round.id));
    await recordAudit(tx, actorOf(who, ip), {
      action: input.published ? 'feedback.publish' : 'feedback.unpublish',
      objectType: 'round', objectId: scope.round.id,
      before: { feedbackPublishedAt: before }, after: { feedbackPublishedAt: at },
    });
    if (!input.published) return 0;
    return notifyFollowers(tx, scope.draft.id, {
      kind: 'feedback-published', roundId: scope.round.id, round: scope.round.label, url: feedbackUrl(scope.draft.slug, scope.round.number),
    });
  });
  if (notified) messagesQueued();
  return at;
}

export interface FeedbackArticle extends Omit<ArticleReport, 'points'> {
  /** The confirmed 主要意见 (without who confirmed it); null when none is confirmed, and then nothing is shown. */
  points: string | null;
  /** Up to `perArticle` comments as the public may see them. */
  examples: CommentRow[];
}

export interface Feedback {
  scope: ReportScope;
  summary: ReportSummary;
  articles: FeedbackArticle[];
  perArticle: number;
}

/**
 * The published feedback of a round, for the public page. Throws FeedbackNotPublished before
 * staff publish it (and DraftNotFound, RoundNotFound).
 */
export async function loadFeedback(slug: string, round: number | undefined, db: DbOrTx = getReadDb(), perArticle = 10): Promise<Feedback> {
  const scope = await loadReportScope(slug, round, db);
  if (!scope.round.feedbackPublishedAt) throw new AppError('FeedbackNotPublished');
  const options = { includeHidden: false };
  const [summary, articles] = await Promise.all([summariseRound(scope, options, db), summariseArticles(scope, options, db)]);
  const examples = await publicExamples(scope, perArticle, db);
  return {
    scope,
    summary,
    perArticle,
    articles: articles.filter((a) => a.comments > 0).map((a) => ({ ...a, points: a.points?.text ?? null, examples: examples.get(a.number) ?? [] })),
  };
}

/** The first `perArticle` answered comments of each article (campaign groups once), public view. */
async function publicExamples(scope: ReportScope, perArticle: number, db: DbOrTx): Promise<Map<number, CommentRow[]>> {
  const { rows } = await db.execute<{ id: string }>(sql`
    select id from (
      select c.id, row_number() over (partition by c.article_number order by (c.responded_at is null), c.created_at, c.id) as n
      from comments c
      where c.round_id = ${scope.round.id} and c.hidden_at is null
        and (c.group_id is null or c.id = (select c2.id from comments c2 where c2.group_id = c.group_id and c2.hidden_at is null order by c2.created_at, c2.id limit 1))
    ) ranked where n <= ${perArticle}`);
  const out = new Map<number, CommentRow[]>();
  const list = await loadCommentRows(scope, rows.map((r) => r.id), { personal: false, includeHidden: false, publicView: true }, db);
  for (const r of list) {
    const key = r.articleNumber ?? 0;
    out.set(key, [...(out.get(key) ?? []), r]);
  }
  return out;
}
