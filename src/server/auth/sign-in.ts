/**
 * Sign-in with email or mobile number and password. Rate limited per account and per IP; every
 * attempt, successful or not, is audited; the error never tells whether the account exists.
 */
import { getDb, type DbOrTx } from '../../db/client';
import { recordAudit } from '../audit';
import { AppError } from '../errors';
import { enforceLimits, resetLimit } from './rate-limit';
import { limits } from './limits';
import { verifyAgainstDummy, verifyPassword } from './passwords';
import type { SignInInput } from './schemas';
import { createSession, type NewSession } from './sessions';
import { findUserByAccount, toSessionUser } from './users';
import type { SessionUser } from './session-user';

export interface SignedIn {
  user: SessionUser;
  session: NewSession;
}

/** Checks the password and opens a new session (new token). Throws InvalidCredentials or RateLimited. */
export async function signIn(input: SignInInput, ctx: { ip: string }, db: DbOrTx = getDb(), now = new Date()): Promise<SignedIn> {
  const accountLimit = limits.signInAccount(input.account.value);
  await enforceLimits([limits.signInIp(ctx.ip), accountLimit], db);
  const user = await findUserByAccount(input.account, db);
  const ok = user ? await verifyPassword(user.passwordHash, input.password) : await verifyAgainstDummy(input.password);
  if (!user || !ok || !user.active) {
    const reason = !user ? 'unknown_account' : !ok ? 'wrong_password' : 'inactive';
    await db.transaction((tx) => recordAudit(tx, { id: null, kind: 'anonymous', ip: ctx.ip }, {
      action: 'auth.signin.failed', objectType: user ? 'user' : undefined, objectId: user?.id, after: { reason },
    }));
    throw new AppError('InvalidCredentials');
  }
  const session = await db.transaction(async (tx) => {
    const s = await createSession(user.id, user.role, tx, now);
    await recordAudit(tx, { id: user.id, kind: 'user', ip: ctx.ip }, { action: 'auth.signin', objectType: 'user', objectId: user.id });
    return s;
  });
  await resetLimit(accountLimit.key, db);
  return { user: toSessionUser(user, 'session'), session };
}
