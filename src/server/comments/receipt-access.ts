/**
 * Who may see a comment by its receipt number: whoever holds its lookup code, or the signed-in
 * author. Wrong guesses are limited per client — its address, and its account when signed in —
 * never per receipt: a stranger's wrong guesses must not lock the receipt's owner out. Only
 * failures count, so a citizen looking at their own comment again and again is never refused.
 */
import { eq } from 'drizzle-orm';
import { comments } from '../../db/schema';
import { getDb, type DbOrTx } from '../../db/client';
import { enforceLimits, refuseIfExhausted } from '../auth/rate-limit';
import { lookupLimits } from '../auth/limits';
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

/** A receipt number in canonical form, or ValidationFailed saying whether the format or the check character is wrong. */
export function canonicalReceipt(input: string): string {
  const parsed = parseReceipt(input);
  if (!parsed.ok) {
    throw new AppError('ValidationFailed', {}, [{ field: 'receipt', key: parsed.reason === 'check' ? 'receipt.field.receiptCheck' : 'receipt.field.receiptFormat' }]);
  }
  return parsed.receipt;
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
  const [row] = await db
    .select({ id: comments.id, lookupHash: comments.lookupHash, userId: comments.userId })
    .from(comments)
    .where(eq(comments.receipt, receipt));
  // The signed-in author needs no code, and no failure of anyone else's counts against them.
  if (row && creds.userId && row.userId === creds.userId && !code) return { id: row.id, receipt, via: 'user' };
  const limits = lookupLimits(creds.ip, creds.userId);
  await refuseIfExhausted(limits, db);
  if (row && code && verifyLookupCode(receipt, code, row.lookupHash)) return { id: row.id, receipt, via: 'code' };
  await enforceLimits(limits, db);
  throw new AppError('ReceiptNotFound');
}
