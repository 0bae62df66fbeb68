/** Every rate limit in one place: accounts and sessions (the numbers of issue 4), writes, comments, receipt lookups, kiosks. */
import { sha256Hex } from './secrets';
import type { Limit } from './rate-limit';

/** Account identifiers are personal data: limit keys carry only their hash. */
const account = (identifier: string) => sha256Hex(identifier).slice(0, 32);

export const limits = {
  signInAccount: (identifier: string): Limit => ({ key: `signin:account:${account(identifier)}`, points: 5, windowSeconds: 60 }),
  signInIp: (ip: string): Limit => ({ key: `signin:ip:${ip}`, points: 20, windowSeconds: 60 }),
  /** Failed sign-ins of one account in an hour, whatever the IP; each failure past the fifth waits longer (sign-in.ts). */
  signInFailuresAccount: (identifier: string): Limit => ({ key: `signin:fail:${account(identifier)}`, points: 100, windowSeconds: 3600 }),
  /** Notices to an account's owner that someone tried to sign up with their address. */
  signUpNotice: (identifier: string): Limit => ({ key: `signup:notice:${account(identifier)}`, points: 3, windowSeconds: 3600 }),
  /** Tries of a sign-up code from one IP (the code itself allows 5 tries). */
  signUpConfirmIp: (ip: string): Limit => ({ key: `signup:confirm:ip:${ip}`, points: 30, windowSeconds: 600 }),
  signUpIp: (ip: string): Limit => ({ key: `signup:ip:${ip}`, points: 10, windowSeconds: 3600 }),
  /** Submissions of the first-run setup form (/setup) from one address. */
  setupIp: (ip: string): Limit => ({ key: `setup:ip:${ip}`, points: 10, windowSeconds: 600 }),
  /** Setup links that did not work (wrong, used, expired), per address: past it, /setup answers 429. */
  setupFailuresIp: (ip: string): Limit => ({ key: `setup:fail:${ip}`, points: 20, windowSeconds: 3600 }),
  resetAccount: (identifier: string): Limit => ({ key: `reset:account:${account(identifier)}`, points: 3, windowSeconds: 3600 }),
  resetIp: (ip: string): Limit => ({ key: `reset:ip:${ip}`, points: 20, windowSeconds: 3600 }),
  /** Codes sent to one phone or address, whatever account or purpose asked (no SMS bombing). */
  codesTo: (recipient: string): Limit => ({ key: `code:to:${account(recipient)}`, points: 5, windowSeconds: 3600 }),
  codeUser: (userId: string): Limit => ({ key: `code:user:${userId}`, points: 5, windowSeconds: 600 }),
  passwordUser: (userId: string): Limit => ({ key: `password:user:${userId}`, points: 5, windowSeconds: 60 }),
  /** Every POST/PUT/PATCH/DELETE from one IP (browsers, kiosks behind one address). */
  writesIp: (ip: string): Limit => ({ key: `writes:ip:${ip}`, points: 120, windowSeconds: 60 }),
  /** Writes of a signed-in person (deputies entering a meeting's sheet write a lot). */
  writesUser: (userId: string): Limit => ({ key: `writes:user:${userId}`, points: 300, windowSeconds: 60 }),
  /** Writes of an enrolled kiosk (its own per-kiosk comment limit applies as well). */
  writesKiosk: (kioskId: string): Limit => ({ key: `writes:kiosk:${kioskId}`, points: 300, windowSeconds: 60 }),
  /** Writes of an API client authenticated by bearer token (partner systems batch more). */
  writesToken: (userId: string): Limit => ({ key: `writes:token:${userId}`, points: 600, windowSeconds: 60 }),
  /** Comments of one signed-in person (web, station poster, API by session): a person writes a few a minute. */
  commentsUser: (userId: string): Limit => ({ key: `comment:user:${userId}`, points: 10, windowSeconds: 60 }),
  /** Comments from one address, signed in or not (a station's Wi-Fi serves a meeting: generous). */
  commentsIp: (ip: string): Limit => ({ key: `comment:ip:${ip}`, points: 120, windowSeconds: 600 }),
  /** Wrong receipt lookup codes from one client: counted per IP and per account, never per receipt. */
  lookupFailuresIp: (ip: string): Limit => ({ key: `lookup:ip:${ip}`, points: 30, windowSeconds: 3600 }),
  lookupFailuresUser: (userId: string): Limit => ({ key: `lookup:user:${userId}`, points: 30, windowSeconds: 3600 }),
  /** Comments a deputy enters, per deputy account, not per IP: a busy meeting on the station's Wi-Fi is not one abusive client. */
  commentsDeputy: (userId: string): Limit => ({ key: `comment:deputy:${userId}`, points: 120, windowSeconds: 600 }),
  /** Comments from one kiosk: a burst (its outbox after a long outage), but not a flood; never per IP. */
  commentsKiosk: (kioskId: string): Limit => ({ key: `comment:kiosk:${kioskId}`, points: 300, windowSeconds: 600 }),
  /** Tries of a kiosk enrollment code from one address. */
  kioskEnrollIp: (ip: string): Limit => ({ key: `kiosk-enroll:ip:${ip}`, points: 10, windowSeconds: 900 }),
  /** Requests to follow a draft by e-mail from one address (each sends a confirmation). */
  followIp: (ip: string): Limit => ({ key: `follow:ip:${ip}`, points: 20, windowSeconds: 3600 }),
  /** Confirmation e-mails to one address, whatever draft (past it, the request is answered the same and nothing is sent). */
  followAddress: (email: string): Limit => ({ key: `follow:to:${account(email)}`, points: 5, windowSeconds: 3600 }),
};

/** Limits on wrong receipt lookup codes: per client address, and per account when signed in. */
export function lookupLimits(ip: string, userId?: string | null): Limit[] {
  return userId ? [limits.lookupFailuresIp(ip), limits.lookupFailuresUser(userId)] : [limits.lookupFailuresIp(ip)];
}

/**
 * The limits on a person's comments through the web form, a station poster or the public API:
 * per address always, per account when signed in with a session. API clients with a bearer
 * token (partner systems) have their own write limit; kiosks and deputies' sheets have theirs.
 */
export function commentLimits(user: { id: string; via: 'session' | 'token' } | null | undefined, ip: string): Limit[] {
  if (user?.via === 'token') return [];
  return user ? [limits.commentsIp(ip), limits.commentsUser(user.id)] : [limits.commentsIp(ip)];
}

/**
 * The general limits on writes of a request: per token for API clients, per kiosk for enrolled
 * kiosks, and per address for everyone else — signed-in people included (their account has its
 * own limit on top), so new accounts do not lift a flood's address limit.
 */
export function writeLimitsFor(who: { tokenUserId?: string; userId?: string; kioskId?: string }, ip: string): Limit[] {
  if (who.tokenUserId) return [limits.writesToken(who.tokenUserId)];
  if (who.kioskId) return [limits.writesKiosk(who.kioskId)];
  if (who.userId) return [limits.writesIp(ip), limits.writesUser(who.userId)];
  return [limits.writesIp(ip)];
}
