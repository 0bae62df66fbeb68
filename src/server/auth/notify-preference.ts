/**
 * Whether a citizen is told, at their verified phone or e-mail, when their comments are answered
 * (users.notify_answers; messages/answered.ts reads it, and only for a verified, active account).
 */
import { eq } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { users } from '../../db/schema';
import { recordAudit } from '../audit';
import { AppError } from '../errors';

/**
 * Sets the account's answer notices on or off; a change is audited ('account.notify'), the same
 * setting again writes nothing. Throws UserNotFound.
 */
export async function setNotifyAnswers(userId: string, on: boolean, ctx: { ip: string | null }, db: DbOrTx = getDb()): Promise<void> {
  if (!/^[0-9a-f-]{36}$/i.test(userId)) throw new AppError('UserNotFound');
  await db.transaction(async (tx) => {
    const [row] = await tx.select({ notifyAnswers: users.notifyAnswers }).from(users).where(eq(users.id, userId)).for('update');
    if (!row) throw new AppError('UserNotFound');
    if (row.notifyAnswers === on) return;
    await tx.update(users).set({ notifyAnswers: on }).where(eq(users.id, userId));
    await recordAudit(tx, { id: userId, kind: 'user', ip: ctx.ip }, {
      action: 'account.notify', objectType: 'user', objectId: userId, before: { notifyAnswers: !on }, after: { notifyAnswers: on },
    });
  });
}
