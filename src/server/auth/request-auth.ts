/**
 * Who is making a request: a bearer token (Authorization header, staff API clients) or the
 * session cookie. Called once per request by src/middleware.ts.
 */
import { AppError } from '../errors';
import type { Actor } from '../audit';
import { authenticateBearer } from './tokens';
import { deleteSessionCookie, readSessionCookie, setSessionCookie, validateSessionToken, type CookieJar } from './sessions';
import type { SessionUser } from './session-user';

export interface RequestAuth {
  user: SessionUser | null;
  /** A session cookie came with the request but no longer names a valid session (expired, forged, ended). */
  staleCookie: boolean;
}

/**
 * Reads the bearer token, else the session cookie. An invalid bearer token is refused
 * (401) rather than treated as anonymous; an invalid cookie is deleted. Renews the cookie when
 * the session was extended.
 */
export async function authenticateRequest(request: Request, cookies: CookieJar, now = new Date()): Promise<RequestAuth> {
  const header = request.headers.get('authorization');
  if (header) {
    const match = /^Bearer\s+(\S+)$/i.exec(header.trim());
    const user = match ? await authenticateBearer(match[1], undefined, now) : null;
    if (!user) throw new AppError('Unauthenticated', {}, [], { 'www-authenticate': 'Bearer realm="kaimen", error="invalid_token"' });
    return { user, staleCookie: false };
  }
  const token = readSessionCookie(cookies);
  if (!token) return { user: null, staleCookie: false };
  const valid = await validateSessionToken(token, undefined, now);
  if (!valid) {
    deleteSessionCookie(cookies);
    return { user: null, staleCookie: true };
  }
  if (valid.renewedCookieExpiresAt) setSessionCookie(cookies, token, valid.renewedCookieExpiresAt);
  return { user: valid.user, staleCookie: false };
}

/** The audit actor for a request's user and IP. */
export function actorOf(locals: { user: SessionUser | null; ip: string }): Actor {
  if (!locals.user) return { id: null, kind: 'anonymous', ip: locals.ip };
  return { id: locals.user.id, kind: locals.user.via === 'token' ? 'token' : 'user', ip: locals.ip };
}
