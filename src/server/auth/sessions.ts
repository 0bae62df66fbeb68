/**
 * Sessions the way the Lucia guide teaches: a random token in an HttpOnly, SameSite=Lax cookie;
 * the database keeps only its SHA-256 as the session id. Lifetimes: ./session-policy.ts.
 */
import { and, eq, ne } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { sessions, users } from '../../db/schema';
import { secureCookies } from '../config';
import { generateToken, sha256Hex } from './secrets';
import { checkSession, newSessionTimes } from './session-policy';
import type { Role, SessionUser } from './session-user';
import { toSessionUser } from './users';

export interface NewSession {
  /** The secret for the cookie; never stored. */
  token: string;
  id: string;
  /** When the cookie should expire. */
  cookieExpiresAt: Date;
}

/** Creates a session for `userId` with a fresh token (call at every sign-in). */
export async function createSession(userId: string, role: Role, db: DbOrTx = getDb(), now = new Date()): Promise<NewSession> {
  const token = generateToken();
  const id = sha256Hex(token);
  const times = newSessionTimes(role, now);
  await db.insert(sessions).values({ id, userId, ...times, createdAt: now });
  return { token, id, cookieExpiresAt: cookieExpiry(role, times) };
}

export interface ValidSession {
  sessionId: string;
  user: SessionUser;
  /** Set when the session was extended: send the cookie again with this expiry. */
  renewedCookieExpiresAt?: Date;
}

/**
 * Looks up the session of `token` at `now`. Returns null for an unknown (forged), expired or
 * idle session, or a deactivated user; expired sessions are deleted. Extends the session when
 * the policy says so.
 */
export async function validateSessionToken(token: string, db: DbOrTx = getDb(), now = new Date()): Promise<ValidSession | null> {
  if (!/^[a-z2-7]{20,64}$/.test(token)) return null;
  const id = sha256Hex(token);
  const [row] = await db.select({ session: sessions, user: users }).from(sessions)
    .innerJoin(users, eq(users.id, sessions.userId)).where(eq(sessions.id, id)).limit(1);
  if (!row) return null;
  const { session, user } = row;
  const check = checkSession(user.role, session, now);
  if (!check.valid || !user.active) {
    await db.delete(sessions).where(eq(sessions.id, id));
    return null;
  }
  const result: ValidSession = { sessionId: id, user: toSessionUser(user, 'session') };
  if (check.changed) {
    await db.update(sessions).set({ expiresAt: check.times.expiresAt, lastSeenAt: check.times.lastSeenAt }).where(eq(sessions.id, id));
    result.renewedCookieExpiresAt = cookieExpiry(user.role, check.times);
  }
  return result;
}

/** Staff cookies live to the absolute limit (the server enforces the idle one); others to the session's expiry. */
function cookieExpiry(role: Role, times: { expiresAt: Date; absoluteExpiresAt: Date }): Date {
  return role === 'staff' || role === 'admin' ? times.absoluteExpiresAt : times.expiresAt;
}

/** Ends one session (sign-out). */
export async function invalidateSession(sessionId: string, db: DbOrTx = getDb()): Promise<void> {
  await db.delete(sessions).where(eq(sessions.id, sessionId));
}

/** Ends every session of `userId` (except `keepSessionId`); returns how many were ended. */
export async function invalidateUserSessions(userId: string, db: DbOrTx = getDb(), keepSessionId?: string): Promise<number> {
  const where = keepSessionId ? and(eq(sessions.userId, userId), ne(sessions.id, keepSessionId)) : eq(sessions.userId, userId);
  const gone = await db.delete(sessions).where(where).returning({ id: sessions.id });
  return gone.length;
}

/** The session id (hash) a cookie token stands for. */
export function sessionIdOf(token: string): string {
  return sha256Hex(token);
}

// ── The cookie ──────────────────────────────────────────────────────────────
export interface CookieJar {
  get(name: string): { value: string } | undefined;
  set(name: string, value: string, options: Record<string, unknown>): void;
  delete(name: string, options: Record<string, unknown>): void;
}

/** `__Host-kaimen_session` behind TLS (SECURE_COOKIES=true), `kaimen_session` otherwise. */
export function sessionCookieName(secure = secureCookies()): string {
  return secure ? '__Host-kaimen_session' : 'kaimen_session';
}

function cookieOptions(secure: boolean) {
  return { path: '/', httpOnly: true, sameSite: 'lax' as const, secure };
}

export function readSessionCookie(cookies: CookieJar): string | undefined {
  return cookies.get(sessionCookieName())?.value || undefined;
}

export function setSessionCookie(cookies: CookieJar, token: string, expiresAt: Date): void {
  const secure = secureCookies();
  cookies.set(sessionCookieName(secure), token, { ...cookieOptions(secure), expires: expiresAt });
}

export function deleteSessionCookie(cookies: CookieJar): void {
  const secure = secureCookies();
  cookies.delete(sessionCookieName(secure), cookieOptions(secure));
}

/** Puts a new session in the cookie and ends the one this browser had before, if any. */
export async function replaceSessionCookie(cookies: CookieJar, session: NewSession, db: DbOrTx = getDb()): Promise<void> {
  const old = readSessionCookie(cookies);
  if (old && sessionIdOf(old) !== session.id) await invalidateSession(sessionIdOf(old), db);
  setSessionCookie(cookies, session.token, session.cookieExpiresAt);
}
