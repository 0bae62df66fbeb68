/**
 * How long a session lives, as pure functions of the role and the clock (unit-testable with any
 * `now`). Citizens and deputies: 30 days, renewed when used in the last 15, at most a year.
 * Staff and admins: 30 minutes idle, 12 hours at most, whatever happens.
 */
import type { Role } from './session-user';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

export const sessionPolicy = {
  lifetimeMs: 30 * DAY,
  renewWithinMs: 15 * DAY,
  absoluteMs: 365 * DAY,
  staffIdleMs: 30 * MINUTE,
  staffAbsoluteMs: 12 * 60 * MINUTE,
  /** Staff sessions record activity at most this often (one write per minute, not per request). */
  touchEveryMs: MINUTE,
} as const;

const isStaff = (role: Role) => role === 'staff' || role === 'admin';

export interface SessionTimes {
  expiresAt: Date;
  absoluteExpiresAt: Date;
  lastSeenAt: Date;
}

/** The times of a session created at `now` for `role`. */
export function newSessionTimes(role: Role, now: Date): SessionTimes {
  const t = now.getTime();
  if (isStaff(role)) {
    return { expiresAt: new Date(t + sessionPolicy.staffIdleMs), absoluteExpiresAt: new Date(t + sessionPolicy.staffAbsoluteMs), lastSeenAt: now };
  }
  return { expiresAt: new Date(t + sessionPolicy.lifetimeMs), absoluteExpiresAt: new Date(t + sessionPolicy.absoluteMs), lastSeenAt: now };
}

export type SessionCheck =
  | { valid: false }
  | { valid: true; changed: false }
  | { valid: true; changed: true; times: SessionTimes };

/**
 * Whether a session is still valid at `now` and, if it should be extended (renewal for citizens,
 * idle window for staff), its new times. Never extends beyond the absolute expiry.
 */
export function checkSession(role: Role, s: SessionTimes, now: Date): SessionCheck {
  const t = now.getTime();
  if (t >= s.expiresAt.getTime() || t >= s.absoluteExpiresAt.getTime()) return { valid: false };
  const absolute = s.absoluteExpiresAt.getTime();
  if (isStaff(role)) {
    if (t - s.lastSeenAt.getTime() >= sessionPolicy.staffIdleMs) return { valid: false };
    if (t - s.lastSeenAt.getTime() < sessionPolicy.touchEveryMs) return { valid: true, changed: false };
    const expiresAt = new Date(Math.min(t + sessionPolicy.staffIdleMs, absolute));
    return { valid: true, changed: true, times: { expiresAt, absoluteExpiresAt: s.absoluteExpiresAt, lastSeenAt: now } };
  }
  if (s.expiresAt.getTime() - t > sessionPolicy.renewWithinMs) return { valid: true, changed: false };
  const expiresAt = new Date(Math.min(t + sessionPolicy.lifetimeMs, absolute));
  if (expiresAt.getTime() <= s.expiresAt.getTime()) return { valid: true, changed: false };
  return { valid: true, changed: true, times: { expiresAt, absoluteExpiresAt: s.absoluteExpiresAt, lastSeenAt: now } };
}
