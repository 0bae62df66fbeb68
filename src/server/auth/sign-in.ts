/**
 * Sign-in with email or mobile number and password. Rate limited per account and per IP; at most
 * 100 failures an hour per account, each failure past the fifth answered after a growing delay;
 * every attempt, successful or not, is audited; the error never tells whether the account exists
 * (a sign-up not yet confirmed with its code cannot sign in, and answers the same).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { getDb, type DbOrTx } from '../../db/client';
import { recordAudit } from '../audit';
import { AppError } from '../errors';
import { consumeLimit, enforceLimits, refuseIfExhausted, resetLimit } from './rate-limit';
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
/** How long the answer to the `failures`-th failed sign-in of an account in an hour waits. */
export function signInFailureDelayMs(failures: number): number {
  return failures <= 5 ? 0 : Math.min(10_000, 250 * 2 ** Math.floor((failures - 6) / 5));
}

export async function signIn(input: SignInInput, ctx: { ip: string; wait?: (ms: number) => Promise<unknown> }, db: DbOrTx = getDb(), now = new Date()): Promise<SignedIn> {
  const accountLimit = limits.signInAccount(input.account.value);
  const failures = limits.signInFailuresAccount(input.account.value);
  await refuseIfExhausted([failures], db);
  await enforceLimits([limits.signInIp(ctx.ip), accountLimit], db);
  const user = await findUserByAccount(input.account, db);
  const ok = user ? await verifyPassword(user.passwordHash, input.password) : await verifyAgainstDummy(input.password);
  if (!user || !ok || !user.active || user.signupPending) {
    const reason = !user ? 'unknown_account' : !ok ? 'wrong_password' : !user.active ? 'inactive' : 'signup_pending';
    await db.transaction((tx) => recordAudit(tx, { id: null, kind: 'anonymous', ip: ctx.ip }, {
      action: 'auth.signin.failed', objectType: user ? 'user' : undefined, objectId: user?.id, after: { reason },
    }));
    const failed = await consumeLimit(failures, db);
    await (ctx.wait ?? sleep)(signInFailureDelayMs(failures.points - failed.remaining));
    throw new AppError('InvalidCredentials');
  }
  const session = await db.transaction(async (tx) => {
    const s = await createSession(user.id, user.role, tx, now);
    await recordAudit(tx, { id: user.id, kind: 'user', ip: ctx.ip }, { action: 'auth.signin', objectType: 'user', objectId: user.id });
    return s;
  });
  await resetLimit(accountLimit.key, db);
  await resetLimit(failures.key, db);
  return { user: toSessionUser(user, 'session'), session };
}
