/**
 * The commenter's rating of the answer (满意 / 基本满意 / 不满意): the satisfaction half of the
 * 三率 by which staff are judged. Once per comment, and only once it has been answered.
 */
import { and, eq, isNull } from 'drizzle-orm';
import { comments } from '../../db/schema';
import { getDb, type DbOrTx } from '../../db/client';
import { AppError } from '../errors';
import { authoriseReceipt, type ReceiptCredentials } from './receipt-access';
import { ratingSchema, type Satisfaction } from './schemas';
import { parseOrFail } from '../validation';

/**
 * Records `raw` ({ satisfaction, remark? }) for the comment behind `creds`. A single conditional
 * UPDATE, so two concurrent ratings store one. Throws ValidationFailed, ReceiptNotFound,
 * RateLimited, CommentNotAnswered or AlreadyRated.
 */
export async function rateComment(creds: ReceiptCredentials, raw: unknown, db: DbOrTx = getDb()): Promise<{ satisfaction: Satisfaction }> {
  const input = parseOrFail(ratingSchema, raw ?? {});
  const { id } = await authoriseReceipt(creds, db);
  const updated = await db
    .update(comments)
    .set({ satisfaction: input.satisfaction, satisfactionRemark: input.remark ?? null, ratedAt: new Date() })
    .where(and(eq(comments.id, id), isNull(comments.satisfaction), eq(comments.status, 'answered')))
    .returning({ id: comments.id });
  if (updated.length) return { satisfaction: input.satisfaction };
  const [row] = await db.select({ satisfaction: comments.satisfaction }).from(comments).where(eq(comments.id, id));
  throw new AppError(row?.satisfaction ? 'AlreadyRated' : 'CommentNotAnswered');
}
