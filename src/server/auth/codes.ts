/**
 * One-time six-digit codes (contact verification, password reset): only the hash is stored; a
 * code expires after 15 minutes, allows 5 tries, and issuing a new one voids the old ones.
 */
import { and, eq, gt, isNull, sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { verificationCodes, type users } from '../../db/schema';
import { t } from '../../i18n';
import { generateNumericCode, sameDigest, sha256Hex } from './secrets';
import { getNotifier } from './notifier';

export type CodePurpose = 'verify' | 'reset';
export const CODE_TTL_MS = 15 * 60_000;
export const CODE_MAX_ATTEMPTS = 5;

type User = Pick<typeof users.$inferSelect, 'id' | 'email' | 'phone'>;

/** The code's hash is bound to the user and purpose, so a code for one cannot serve another. */
const codeHash = (userId: string, purpose: CodePurpose, code: string) => sha256Hex(`${purpose}:${userId}:${code}`);

/** Issues a code for `user` and hands the message to the notifier (in `db`'s transaction). */
export async function issueCode(user: User, purpose: CodePurpose, db: DbOrTx, now = new Date()): Promise<void> {
  const code = generateNumericCode(6);
  await db.update(verificationCodes).set({ usedAt: now })
    .where(and(eq(verificationCodes.userId, user.id), eq(verificationCodes.purpose, purpose), isNull(verificationCodes.usedAt)));
  await db.insert(verificationCodes).values({
    userId: user.id, purpose, codeHash: codeHash(user.id, purpose, code),
    expiresAt: new Date(now.getTime() + CODE_TTL_MS), createdAt: now,
  });
  const channel = user.phone ? 'sms' : 'email';
  const minutes = CODE_TTL_MS / 60_000;
  await getNotifier().send({
    channel,
    kind: purpose,
    recipient: (user.phone ?? user.email)!,
    subject: t('zh-CN', `auth.code.subject.${purpose}`),
    body: t('zh-CN', `auth.code.body.${purpose}`, { code, minutes }),
  }, db);
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
