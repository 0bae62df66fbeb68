/** Changing a password, knowing the current one: every other session of the account ends. */
import { eq } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { users } from '../../db/schema';
import { recordAudit } from '../audit';
import { AppError } from '../errors';
import { enforceLimits } from './rate-limit';
import { limits } from './limits';
import { hashPassword, verifyPassword } from './passwords';
import { createSession, invalidateUserSessions, type NewSession } from './sessions';
import { getUser } from './users';

/**
 * Sets a new password after checking the current one; ends all sessions of the account and
 * returns a fresh one for this browser. Throws InvalidCredentials (field currentPassword).
 */
export async function changePassword(
  userId: string, input: { currentPassword: string; password: string }, ctx: { ip: string },
  db: DbOrTx = getDb(), now = new Date(),
): Promise<NewSession> {
  await enforceLimits([limits.passwordUser(userId)], db);
  const user = await getUser(userId, db);
  if (!(await verifyPassword(user.passwordHash, input.currentPassword))) {
    throw new AppError('InvalidCredentials', {}, [{ field: 'currentPassword', key: 'auth.field.currentPasswordWrong' }]);
  }
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    await tx.update(users).set({ passwordHash }).where(eq(users.id, userId));
    const ended = await invalidateUserSessions(userId, tx);
    const session = await createSession(userId, user.role, tx, now);
    await recordAudit(tx, { id: userId, kind: 'user', ip: ctx.ip }, {
      action: 'auth.password.change', objectType: 'user', objectId: userId, after: { sessionsEnded: ended },
    });
    return session;
  });
}
