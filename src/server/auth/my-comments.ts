/** The comments a signed-in person submitted, for "my account" (newest first). */
import { desc, eq } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { comments, drafts, rounds } from '../../db/schema';

export interface MyComment {
  receipt: string;
  draftTitle: string;
  draftSlug: string;
  roundLabel: string;
  articleNumber: number | null;
  body: string;
  status: 'received' | 'under_review' | 'answered';
  adoption: string | null;
  createdAt: Date;
}

export async function listMyComments(userId: string, db: DbOrTx = getDb(), limit = 100): Promise<MyComment[]> {
  return db.select({
    receipt: comments.receipt, draftTitle: drafts.title, draftSlug: drafts.slug, roundLabel: rounds.label,
    articleNumber: comments.articleNumber, body: comments.body, status: comments.status, adoption: comments.adoption,
    createdAt: comments.createdAt,
  }).from(comments)
    .innerJoin(drafts, eq(drafts.id, comments.draftId))
    .innerJoin(rounds, eq(rounds.id, comments.roundId))
    .where(eq(comments.userId, userId)).orderBy(desc(comments.createdAt)).limit(limit);
}
