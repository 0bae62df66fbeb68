/**
 * Which write limit applies to a request: an HTTP concern (it reads the kiosk's cookie), so it
 * lives with the HTTP helpers; the numbers are in auth/limits.ts.
 */
import type { Limit } from '../auth/rate-limit';
import type { CookieJar } from '../auth/sessions';
import type { SessionUser } from '../auth/session-user';
import { writeLimitsFor } from '../auth/limits';
import { kioskFromRequest, readKioskCredential } from './kiosk-cookie';
import { getDb, type DbOrTx } from '../../db/client';

/**
 * The general limits on writes, keyed by who is writing (auth/limits.ts writeLimitsFor): an API
 * token, an enrolled kiosk, or the address — with the account's own limit for signed-in people.
 */
export async function writeLimits(request: Request, cookies: CookieJar, user: SessionUser | null, ip: string, db: DbOrTx = getDb()): Promise<Limit[]> {
  if (user?.via === 'token') return writeLimitsFor({ tokenUserId: user.id }, ip);
  if (user) return writeLimitsFor({ userId: user.id }, ip);
  if (readKioskCredential(request, cookies)) {
    const kiosk = await kioskFromRequest(request, cookies, db);
    if (kiosk) return writeLimitsFor({ kioskId: kiosk.kioskId }, ip);
  }
  return writeLimitsFor({}, ip);
}

