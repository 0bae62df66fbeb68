/** Verifying that a person receives messages at their account's email or phone. */
import { eq } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { users } from '../../db/schema';
import { recordAudit } from '../audit';
import { AppError } from '../errors';
import { enforceLimits } from './rate-limit';
import { limits } from './limits';
import { getUser } from './users';
import { consumeCode, issueCode } from './codes';
import { messagesQueued } from '../messages/outbox';

/** Sends a new code to verify the account's email or phone (5 per 10 minutes). */
export async function sendVerificationCode(userId: string, ctx: { ip: string }, db: DbOrTx = getDb(), now = new Date()): Promise<void> {
  await enforceLimits([limits.codeUser(userId)], db);
  const user = await getUser(userId, db);
  if (user.verifiedAt) return;
  await db.transaction((tx) => issueCode(user, 'verify', tx, now));
  messagesQueued();
}

/** Marks the account's contact as verified when `code` is right. Throws CodeInvalid. */
export async function confirmVerification(userId: string, code: string, ctx: { ip: string }, db: DbOrTx = getDb(), now = new Date()): Promise<void> {
  await enforceLimits([limits.codeUser(userId)], db);
  if (!(await consumeCode(userId, 'verify', code, db, now))) {
    throw new AppError('CodeInvalid', {}, [{ field: 'code', key: 'error.codeInvalid' }]);
  }
  await db.transaction(async (tx) => {
    await tx.update(users).set({ verifiedAt: now }).where(eq(users.id, userId));
    await recordAudit(tx, { id: userId, kind: 'user', ip: ctx.ip }, { action: 'user.verify', objectType: 'user', objectId: userId });
  });
}
