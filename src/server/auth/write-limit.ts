import type { Limit } from './rate-limit';
import type { CookieJar } from './sessions';
import type { SessionUser } from './session-user';
import { limits } from './limits';
import { kioskFromRequest, readKioskCredential } from '../stations/kiosk-cookie';
import { getDb, type DbOrTx } from '../../db/client';

/**
 * The general limit on writes, keyed by who is writing: an API token, a signed-in account, an
 * enrolled kiosk — and only anonymous browsers by IP. A station's kiosk, its deputies and the
 * residents' phones share one Wi-Fi address; a busy meeting must not be throttled as one client.
 */
export async function writeLimit(request: Request, cookies: CookieJar, user: SessionUser | null, ip: string, db: DbOrTx = getDb()): Promise<Limit> {
  if (user?.via === 'token') return limits.writesToken(user.id);
  if (user) return limits.writesUser(user.id);
  if (readKioskCredential(request, cookies)) {
    const kiosk = await kioskFromRequest(request, cookies, db);
    if (kiosk) return limits.writesKiosk(kiosk.kioskId);
  }
  return limits.writesIp(ip);
}

