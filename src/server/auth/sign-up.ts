/** Sign-up of a citizen: the account, a first session, and a verification code via the notifier. */
import { getDb, type DbOrTx } from '../../db/client';
import { recordAudit } from '../audit';
import { enforceLimits } from './rate-limit';
import { limits } from './limits';
import { chosenDistrict, type SignUpInput } from './schemas';
import { createSession } from './sessions';
import { createUser, toSessionUser } from './users';
import { issueCode } from './codes';
import type { SignedIn } from './sign-in';

/**
 * Creates a citizen account (10 sign-ups per hour per IP) and signs the person in. Sends a code
 * to verify the email or phone; the account works before it is verified. Throws AccountExists.
 */
export async function signUp(input: SignUpInput, ctx: { ip: string }, db: DbOrTx = getDb(), now = new Date()): Promise<SignedIn> {
  await enforceLimits([limits.signUpIp(ctx.ip)], db);
  const anonymous = { id: null, kind: 'anonymous' as const, ip: ctx.ip };
  return db.transaction(async (tx) => {
    const user = await createUser({
      role: 'citizen', account: input.account, password: input.password,
      name: input.name, district: chosenDistrict(input), occupation: input.occupation,
    }, anonymous, tx);
    const session = await createSession(user.id, user.role, tx, now);
    await issueCode(user, 'verify', tx, now);
    await recordAudit(tx, { id: user.id, kind: 'user', ip: ctx.ip }, { action: 'auth.signup', objectType: 'user', objectId: user.id });
    return { user: toSessionUser(user, 'session'), session };
  });
}
