/**
 * What a commenter sees on the status page: the comment, the article as it stood then, the
 * status, and once answered the adoption status, reason, response and what became of the article
 * in the next round. Never the contact details.
 */
import { and, asc, eq, gt } from 'drizzle-orm';
import { comments, drafts, provisions, rounds, versions } from '../../db/schema';
import { getDb, type DbOrTx } from '../../db/client';
import { diffChars, mergeShortEqualities, sameIgnoringWhitespace, type DiffPart } from '../drafts/diff-text';
import { authoriseReceipt, type ReceiptCredentials } from './receipt-access';
import type { Satisfaction } from './schemas';

export type CommentStatus = (typeof comments.status.enumValues)[number];
export type Adoption = (typeof comments.adoption.enumValues)[number];

export interface ArticleSnapshot {
  number: number;
  label: string;
  caption: string | null;
  text: string;
}

export interface NextRoundChange {
  round: { number: number; label: string };
  change: 'unchanged' | 'renumbered' | 'modified' | 'removed';
  article: ArticleSnapshot | null;
  /** For a modified article: the character diff from the old text to the new one. */
  diff: DiffPart[];
}

export interface ReceiptStatus {
  receipt: string;
  via: 'code' | 'user';
  draft: { slug: string; title: string };
  /** feedbackPublished: the round's feedback page (意见采纳情况) is published, so the receipt links to it. */
  round: { number: number; label: string; feedbackPublished: boolean };
  article: ArticleSnapshot | null;
  body: string;
  name: string | null;
  publishName: boolean;
  district: string | null;
  occupation: string | null;
  createdAt: Date;
  status: CommentStatus;
  /** Only once answered. */
  answer: { adoption: Adoption | null; reason: string | null; response: string | null; respondedAt: Date | null } | null;
  satisfaction: { value: Satisfaction; remark: string | null; ratedAt: Date | null } | null;
  /** What became of the article in the next published round; null when there is none yet or the comment is general. */
  nextRound: NextRoundChange | null;
  /** True when a next round exists (so a general comment or a pending one can say so). */
  hasNextRound: boolean;
}

/**
 * The status of the comment with receipt `creds.receipt`, for the holder of its lookup code or
 * its signed-in author. Throws ValidationFailed, RateLimited or ReceiptNotFound (receipt-access.ts).
 */
export async function getReceiptStatus(creds: ReceiptCredentials, db: DbOrTx = getDb()): Promise<ReceiptStatus> {
  const access = await authoriseReceipt(creds, db);
  const [row] = await db
    .select({
      c: comments,
      slug: drafts.slug,
      title: drafts.title,
      draftId: drafts.id,
      roundNumber: rounds.number,
      roundLabel: rounds.label,
      feedbackPublishedAt: rounds.feedbackPublishedAt,
      articleLabel: provisions.label,
      articleCaption: provisions.title,
      articleText: provisions.text,
      lineageId: provisions.lineageId,
    })
    .from(comments)
    .innerJoin(drafts, eq(drafts.id, comments.draftId))
    .innerJoin(rounds, eq(rounds.id, comments.roundId))
    .leftJoin(provisions, eq(provisions.id, comments.articleId))
    .where(eq(comments.id, access.id));
  const c = row.c;
  const article: ArticleSnapshot | null =
    c.articleNumber !== null
      ? { number: c.articleNumber, label: row.articleLabel ?? '', caption: row.articleCaption, text: row.articleText ?? '' }
      : null;
  const answered = c.status === 'answered';
  const next = await nextRoundOf(row.draftId, row.roundNumber, db);
  return {
    receipt: c.receipt,
    via: access.via,
    draft: { slug: row.slug, title: row.title },
    round: { number: row.roundNumber, label: row.roundLabel, feedbackPublished: row.feedbackPublishedAt !== null },
    article,
    body: c.body,
    name: c.name,
    publishName: c.publishName,
    district: c.district,
    occupation: c.occupation,
    createdAt: c.createdAt,
    status: c.status,
    answer: answered ? { adoption: c.adoption, reason: c.reason, response: c.response, respondedAt: c.respondedAt } : null,
    satisfaction: c.satisfaction ? { value: c.satisfaction, remark: c.satisfactionRemark, ratedAt: c.ratedAt } : null,
    nextRound: answered && next && article && row.lineageId ? await changeInNextRound(next, article, row.lineageId, db) : null,
    hasNextRound: next !== null,
  };
}

async function nextRoundOf(draftId: string, roundNumber: number, db: DbOrTx) {
  const [next] = await db
    .select({ number: rounds.number, label: rounds.label, versionId: versions.id })
    .from(rounds)
    .innerJoin(versions, eq(versions.roundId, rounds.id))
    .where(and(eq(rounds.draftId, draftId), gt(rounds.number, roundNumber)))
    .orderBy(asc(rounds.number))
    .limit(1);
  return next ?? null;
}

async function changeInNextRound(
  next: { number: number; label: string; versionId: string },
  before: ArticleSnapshot,
  lineageId: string,
  db: DbOrTx,
): Promise<NextRoundChange> {
  const round = { number: next.number, label: next.label };
  const [after] = await db
    .select({ number: provisions.number, label: provisions.label, caption: provisions.title, text: provisions.text })
    .from(provisions)
    .where(and(eq(provisions.versionId, next.versionId), eq(provisions.kind, 'article'), eq(provisions.lineageId, lineageId)))
    .limit(1);
  if (!after) return { round, change: 'removed', article: null, diff: [] };
  const article = { number: after.number, label: after.label ?? '', caption: after.caption, text: after.text };
  if (sameIgnoringWhitespace(before.text, after.text)) {
    return { round, change: after.number === before.number ? 'unchanged' : 'renumbered', article, diff: [] };
  }
  return { round, change: 'modified', article, diff: mergeShortEqualities(diffChars(before.text, after.text, { ignoreWhitespace: true })) };
}
