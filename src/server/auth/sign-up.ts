/**
 * Sign-up of a citizen, answered the same way whether or not the account exists (so the form
 * never tells who has an account):
 * - a new email or phone: the account is made pending and a code is sent to it; the person
 *   confirms the code (confirmSignUp) and is then signed in. A pending account cannot sign in.
 * - a pending account (a sign-up never confirmed): replaced by this one, with a new code — only
 *   whoever receives the code can finish it.
 * - an existing account: its owner gets a notice instead ("someone tried to sign up with your
 *   address; sign in or reset your password"), at most a few an hour.
 * The password is hashed in every case, so the three take the same time.
 */
import { eq } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { users } from '../../db/schema';
import { recordAudit } from '../audit';
import { AppError } from '../errors';
import { enforceLimits, tryLimits } from './rate-limit';
import { limits } from './limits';
import { chosenDistrict, type AccountId, type SignUpInput } from './schemas';
import { createSession } from './sessions';
import { createUser, findUserByAccount, toSessionUser } from './users';
import { consumeCode, issueCode } from './codes';
import { hashPassword } from './passwords';
import { messagesQueued, queueMessage } from '../messages/outbox';
import type { SignedIn } from './sign-in';
import { publicOrigin, secureCookies } from '../config';

/** The address being signed up, from the sign-up form to the confirmation page (30 minutes, HttpOnly). */
export const SIGNUP_COOKIE = 'signup_account';

export function signUpCookie(account: string) {
  return {
    value: account,
    options: { path: '/signup', maxAge: 30 * 60, httpOnly: true, sameSite: 'lax' as const, secure: secureCookies() },
  };
}

/** Starts a sign-up (10 per hour per IP). Resolves the same way for a new, pending or existing account. */
export async function signUp(input: SignUpInput, ctx: { ip: string }, db: DbOrTx = getDb(), now = new Date()): Promise<void> {
  await enforceLimits([limits.signUpIp(ctx.ip)], db);
  const anonymous = { id: null, kind: 'anonymous' as const, ip: ctx.ip };
  const passwordHash = await hashPassword(input.password);
  const details = { name: input.name || null, district: chosenDistrict(input) || null, occupation: input.occupation || null };
  const existing = await findUserByAccount(input.account, db);
  if (!existing) {
    try {
      await db.transaction(async (tx) => {
        const user = await createUser({
          role: 'citizen', account: input.account, passwordHash, signupPending: true,
          name: input.name, district: chosenDistrict(input), occupation: input.occupation,
        }, anonymous, tx);
        await issueCode(user, 'verify', tx, now);
        await recordAudit(tx, anonymous, { action: 'auth.signup', objectType: 'user', objectId: user.id });
      });
      messagesQueued();
      return;
    } catch (err) {
      // Two sign-ups for one address at the same moment: the other one made it; answer alike.
      if (!(err instanceof AppError && err.code === 'AccountExists')) throw err;
      return;
    }
  }
  if (existing.signupPending && existing.active) {
    await db.transaction(async (tx) => {
      await tx.update(users).set({ passwordHash, ...details }).where(eq(users.id, existing.id));
      await issueCode(existing, 'verify', tx, now);
      await recordAudit(tx, anonymous, { action: 'auth.signup.repeat', objectType: 'user', objectId: existing.id });
    });
    messagesQueued();
    return;
  }
  // An account in use: tell its owner, never the person at the form (a few notices an hour at most).
  if (!existing.active || !(await tryLimits([limits.signUpNotice(input.account.value)], db))) return;
  await db.transaction(async (tx) => {
    await queueMessage(tx, {
      recipient: (existing.phone ?? existing.email)!,
      kind: 'signup-exists',
      params: { url: `${publicOrigin()}/account/reset?account=${encodeURIComponent((existing.phone ?? existing.email)!)}` },
    });
    await recordAudit(tx, anonymous, { action: 'auth.signup.existing', objectType: 'user', objectId: existing.id });
  });
  messagesQueued();
}

/**
 * Finishes a sign-up with the code sent to the account and signs the person in. Throws
 * CodeInvalid for a wrong or expired code and for any account that is not a pending sign-up
 * (the same answer), RateLimited after too many tries.
 */
export async function confirmSignUp(input: { account: AccountId; code: string }, ctx: { ip: string }, db: DbOrTx = getDb(), now = new Date()): Promise<SignedIn> {
  await enforceLimits([limits.signUpConfirmIp(ctx.ip)], db);
  const user = await findUserByAccount(input.account, db);
  if (!user || !user.signupPending || !user.active || !(await consumeCode(user.id, 'verify', input.code, db, now))) {
    throw new AppError('CodeInvalid', {}, [{ field: 'code', key: 'error.codeInvalid' }]);
  }
  const session = await db.transaction(async (tx) => {
    await tx.update(users).set({ signupPending: false, verifiedAt: now }).where(eq(users.id, user.id));
    const s = await createSession(user.id, user.role, tx, now);
    await recordAudit(tx, { id: user.id, kind: 'user', ip: ctx.ip }, { action: 'auth.signup.confirm', objectType: 'user', objectId: user.id });
    return s;
  });
  return { user: toSessionUser({ ...user, signupPending: false, verifiedAt: now }, 'session'), session };
}

/** Sends a new code for a pending sign-up (the same silence for any other account). */
export async function resendSignUpCode(account: AccountId, ctx: { ip: string }, db: DbOrTx = getDb(), now = new Date()): Promise<void> {
  await enforceLimits([limits.signUpIp(ctx.ip), limits.resetAccount(account.value)], db);
  const user = await findUserByAccount(account, db);
  if (!user || !user.signupPending || !user.active) return;
  await db.transaction((tx) => issueCode(user, 'verify', tx, now));
  messagesQueued();
}
