/** Resetting a forgotten password with a code sent through the notifier. */
import { eq } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { users } from '../../db/schema';
import { recordAudit } from '../audit';
import { AppError } from '../errors';
import { enforceLimits } from './rate-limit';
import { limits } from './limits';
import { hashPassword } from './passwords';
import type { AccountId } from './schemas';
import { invalidateUserSessions } from './sessions';
import { findUserByAccount } from './users';
import { consumeCode, issueCode } from './codes';
import { messagesQueued } from '../messages/outbox';

/**
 * Sends a reset code to the account's email or phone when the account exists and is active;
 * does nothing visible otherwise, so the answer never tells whether an account exists.
 */
export async function requestPasswordReset(account: AccountId, ctx: { ip: string }, db: DbOrTx = getDb(), now = new Date()): Promise<void> {
  await enforceLimits([limits.resetIp(ctx.ip), limits.resetAccount(account.value)], db);
  const user = await findUserByAccount(account, db);
  if (!user || !user.active) return;
  await db.transaction(async (tx) => {
    await issueCode(user, 'reset', tx, now);
    await recordAudit(tx, { id: null, kind: 'anonymous', ip: ctx.ip }, { action: 'auth.reset.request', objectType: 'user', objectId: user.id });
  });
  messagesQueued();
}

/**
 * Sets a new password with a reset code and ends every session of the account. Throws
 * CodeInvalid for a wrong, used or expired code, or an unknown account (the same answer).
 */
export async function confirmPasswordReset(
  input: { account: AccountId; code: string; password: string }, ctx: { ip: string }, db: DbOrTx = getDb(), now = new Date(),
): Promise<void> {
  await enforceLimits([limits.resetIp(ctx.ip)], db);
  const user = await findUserByAccount(input.account, db);
  // Consumed outside the transaction below so that a failed try is counted even though we throw.
  if (!user || !user.active || !(await consumeCode(user.id, 'reset', input.code, db, now))) {
    throw new AppError('CodeInvalid', {}, [{ field: 'code', key: 'error.codeInvalid' }]);
  }
  const passwordHash = await hashPassword(input.password);
  await db.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash }).where(eq(users.id, user.id));
    const ended = await invalidateUserSessions(user.id, tx);
    await recordAudit(tx, { id: null, kind: 'anonymous', ip: ctx.ip }, {
      action: 'auth.reset.complete', objectType: 'user', objectId: user.id, after: { sessionsEnded: ended },
    });
  });
}
