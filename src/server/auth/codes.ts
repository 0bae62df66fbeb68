/**
 * One-time six-digit codes (contact verification, password reset): only the hash is stored; a
 * code expires after 15 minutes, allows 5 tries, and issuing a new one voids the old ones. The
 * message carrying it is queued sealed (messages/outbox.ts) and is not sent after the expiry;
 * one phone or address receives at most a few codes an hour (limits.codesTo).
 */
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { verificationCodes, type users } from '../../db/schema';
import { publicOrigin } from '../config';
import { queueMessage } from '../messages/outbox';
import { generateNumericCode, sameDigest, sha256Hex } from './secrets';
import { limits } from './limits';
import { tryLimits } from './rate-limit';

export type CodePurpose = 'verify' | 'reset';
export const CODE_TTL_MS = 15 * 60_000;
export const CODE_MAX_ATTEMPTS = 5;

type User = Pick<typeof users.$inferSelect, 'id' | 'email' | 'phone'>;

/** The code's hash is bound to the user and purpose, so a code for one cannot serve another. */
const codeHash = (userId: string, purpose: CodePurpose, code: string) => sha256Hex(`${purpose}:${userId}:${code}`);

/**
 * Issues a code for `user` and queues the message that carries it (in `db`'s transaction).
 * False, and nothing issued, when the recipient had too many codes this hour.
 */
export async function issueCode(user: User, purpose: CodePurpose, db: DbOrTx, now = new Date()): Promise<boolean> {
  const recipient = (user.phone ?? user.email)!;
  if (!(await tryLimits([limits.codesTo(recipient)], db))) return false;
  const code = generateNumericCode(6);
  const expiresAt = new Date(now.getTime() + CODE_TTL_MS);
  await db.update(verificationCodes).set({ usedAt: now })
    .where(and(eq(verificationCodes.userId, user.id), eq(verificationCodes.purpose, purpose), isNull(verificationCodes.usedAt)));
  await db.insert(verificationCodes).values({
    userId: user.id, purpose, codeHash: codeHash(user.id, purpose, code), expiresAt, createdAt: now,
  });
  await queueMessage(db, {
    recipient,
    kind: purpose,
    params: {
      minutes: String(CODE_TTL_MS / 60_000),
      // The reset page with the account filled in: the person types only the code and a new password.
      ...(purpose === 'reset' ? { url: `${publicOrigin()}/account/reset-confirm?account=${encodeURIComponent(recipient)}` } : {}),
    },
    secret: { code },
    expiresAt,
  });
  return true;
}

/** Uses up the code when it matches; counts a failed try otherwise. True when it matched. */
export async function consumeCode(userId: string, purpose: CodePurpose, code: string, db: DbOrTx, now = new Date()): Promise<boolean> {
  const [row] = await db.select().from(verificationCodes).where(and(
    eq(verificationCodes.userId, userId), eq(verificationCodes.purpose, purpose),
    isNull(verificationCodes.usedAt), gt(verificationCodes.expiresAt, now),
  )).orderBy(sql`${verificationCodes.createdAt} desc`).limit(1);
  if (!row || row.attempts >= CODE_MAX_ATTEMPTS) return false;
  if (!sameDigest(row.codeHash, codeHash(userId, purpose, code))) {
    await db.update(verificationCodes).set({ attempts: sql`${verificationCodes.attempts} + 1` }).where(eq(verificationCodes.id, row.id));
    return false;
  }
  await db.update(verificationCodes).set({ usedAt: now }).where(eq(verificationCodes.id, row.id));
  return true;
}
