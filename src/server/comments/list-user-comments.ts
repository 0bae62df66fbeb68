/** A signed-in citizen's own comments, newest first, for the "my account" page. */
import { desc, eq } from 'drizzle-orm';
import { comments, drafts, provisions, rounds } from '../../db/schema';
import { getDb, type DbOrTx } from '../../db/client';
import type { Adoption, CommentStatus } from './get-receipt-status';

export interface UserComment {
  receipt: string;
  draft: { slug: string; title: string };
  round: { number: number; label: string };
  /** Null for a general comment (总体意见). */
  article: { number: number; label: string } | null;
  body: string;
  status: CommentStatus;
  /** Only once answered. */
  adoption: Adoption | null;
  createdAt: Date;
}

/** Every comment submitted by user `userId` (any channel), newest first; at most `limit`. Never the contact. */
export async function listCommentsByUser(userId: string, db: DbOrTx = getDb(), limit = 100): Promise<UserComment[]> {
  const rows = await db
    .select({
      receipt: comments.receipt, body: comments.body, status: comments.status, adoption: comments.adoption,
      createdAt: comments.createdAt, articleNumber: comments.articleNumber, articleLabel: provisions.label,
      slug: drafts.slug, title: drafts.title, roundNumber: rounds.number, roundLabel: rounds.label,
    })
    .from(comments)
    .innerJoin(drafts, eq(drafts.id, comments.draftId))
    .innerJoin(rounds, eq(rounds.id, comments.roundId))
    .leftJoin(provisions, eq(provisions.id, comments.articleId))
    .where(eq(comments.userId, userId))
    .orderBy(desc(comments.createdAt), desc(comments.id))
    .limit(limit);
  return rows.map((r) => ({
    receipt: r.receipt,
    draft: { slug: r.slug, title: r.title },
    round: { number: r.roundNumber, label: r.roundLabel },
    article: r.articleNumber !== null ? { number: r.articleNumber, label: r.articleLabel ?? `第${r.articleNumber}条` } : null,
    body: r.body,
    status: r.status,
    adoption: r.status === 'answered' ? r.adoption : null,
    createdAt: r.createdAt,
  }));
}
