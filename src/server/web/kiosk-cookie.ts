/**
 * Where a kiosk keeps its device credential: an HttpOnly, SameSite=Strict cookie
 * (`__Host-kaimen_kiosk` behind TLS, `kaimen_kiosk` otherwise) valid for one year, or, for
 * non-browser clients, the `X-Kiosk-Credential` header. The credential authenticates the device
 * only for the kiosk's own endpoints; it is never a session, so it opens no other page or API.
 */
import { secureCookies } from '../config';
import type { CookieJar } from '../auth/sessions';
import { authenticateKiosk, type KioskPrincipal } from '../stations/kiosks';
import { getDb, type DbOrTx } from '../../db/client';

export const KIOSK_HEADER = 'x-kiosk-credential';
const ONE_YEAR = 365 * 86400;

export function kioskCookieName(isSecure = secureCookies()): string {
  return isSecure ? '__Host-kaimen_kiosk' : 'kaimen_kiosk';
}

function options(isSecure: boolean) {
  return { path: '/', httpOnly: true, sameSite: 'strict' as const, secure: isSecure };
}

/** The credential sent with a request: the header wins over the cookie. */
export function readKioskCredential(request: Request, cookies: CookieJar): string | undefined {
  return request.headers.get(KIOSK_HEADER)?.trim() || cookies.get(kioskCookieName())?.value || undefined;
}

export function setKioskCookie(cookies: CookieJar, credential: string): void {
  const s = secureCookies();
  cookies.set(kioskCookieName(s), credential, { ...options(s), maxAge: ONE_YEAR });
}

/** The enrolled, unrevoked kiosk making this request, or null. */
export async function kioskFromRequest(request: Request, cookies: CookieJar, db: DbOrTx = getDb()): Promise<KioskPrincipal | null> {
  return authenticateKiosk(readKioskCredential(request, cookies), db);
}
