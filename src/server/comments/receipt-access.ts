/**
 * Who may see a comment by its receipt number: whoever holds its lookup code, or the signed-in
 * author. Wrong guesses are limited per receipt and per IP; only failures count, so a citizen
 * looking at their own comment again and again is never locked out.
 */
import { and, eq, gt, inArray, sql } from 'drizzle-orm';
import { comments, rateLimits } from '../../db/schema';
import { getDb, type DbOrTx } from '../../db/client';
import { enforceLimits, type Limit } from '../auth/rate-limit';
import { AppError } from '../errors';
import { normaliseLookupCode, parseReceipt, verifyLookupCode } from './receipts';

export interface ReceiptCredentials {
  /** As typed; normalised here. */
  receipt: string;
  /** The lookup code as typed, if any. */
  code?: string | null;
  /** The signed-in user, who may see their own comments without the code. */
  userId?: string | null;
  ip: string;
}

/** Limits on wrong lookup codes: strict, per receipt and per client IP. */
export function lookupLimits(receipt: string, ip: string): Limit[] {
  return [
    { key: `lookup:receipt:${receipt}`, points: 10, windowSeconds: 3600 },
    { key: `lookup:ip:${ip}`, points: 30, windowSeconds: 3600 },
  ];
}

/** A receipt number in canonical form, or ValidationFailed saying whether the format or the check character is wrong. */
export function canonicalReceipt(input: string): string {
  const parsed = parseReceipt(input);
  if (!parsed.ok) {
    throw new AppError('ValidationFailed', {}, [{ field: 'receipt', key: parsed.reason === 'check' ? 'receipt.field.receiptCheck' : 'receipt.field.receiptFormat' }]);
  }
  return parsed.receipt;
}

/** Refuses at once when a window is already used up, without counting this attempt. */
async function refuseIfExhausted(limits: Limit[], db: DbOrTx): Promise<void> {
  const rows = await db
    .select({ key: rateLimits.key, points: rateLimits.points, retryAfter: sql<number>`ceil(extract(epoch from (${rateLimits.resetAt} - now())))::int` })
    .from(rateLimits)
    .where(and(inArray(rateLimits.key, limits.map((l) => l.key)), gt(rateLimits.resetAt, sql`now()`)));
  for (const row of rows) {
    if (row.points >= limits.find((l) => l.key === row.key)!.points) {
      const seconds = Math.max(1, Number(row.retryAfter));
      throw new AppError('RateLimited', { seconds }, [], { 'retry-after': String(seconds) });
    }
  }
}

/**
 * The id of the comment behind `creds.receipt` if the caller may see it. Throws ValidationFailed
 * (malformed receipt or code), RateLimited (too many wrong codes) or ReceiptNotFound — the same
 * for an unknown receipt and a wrong code, so guessing learns nothing.
 */
export async function authoriseReceipt(creds: ReceiptCredentials, db: DbOrTx = getDb()): Promise<{ id: string; receipt: string; via: 'code' | 'user' }> {
  const receipt = canonicalReceipt(creds.receipt);
  const code = creds.code ? normaliseLookupCode(creds.code) : null;
  if (creds.code && !code) throw new AppError('ValidationFailed', {}, [{ field: 'code', key: 'receipt.field.codeFormat' }]);
  const limits = lookupLimits(receipt, creds.ip);
  await refuseIfExhausted(limits, db);
  const [row] = await db
    .select({ id: comments.id, lookupHash: comments.lookupHash, userId: comments.userId })
    .from(comments)
    .where(eq(comments.receipt, receipt));
  if (row && code && verifyLookupCode(receipt, code, row.lookupHash)) return { id: row.id, receipt, via: 'code' };
  if (row && creds.userId && row.userId === creds.userId && !code) return { id: row.id, receipt, via: 'user' };
  await enforceLimits(limits, db);
  throw new AppError('ReceiptNotFound');
}
