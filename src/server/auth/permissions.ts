/**
 * Who may do what: typed permission strings, the grants of each role, a pure `can()` and the
 * `requirePermission()` that is the first line of every staff and admin page, action and API
 * route. Row-level rules (own comment, own station, period open) live in the domain functions.
 * The choices are explained in docs/decisions/003-sessions-and-permissions.md.
 */
import { AppError } from '../errors';
import type { Role } from './session-user';

export const permissions = [
  'comment:create',
  'comment:read',
  'comment:tag',
  'comment:decide',
  'comment:approve',
  'comment:assign',
  'comment:hide',
  /** Bulk intake of letters and partner systems' comments (comments:import, the staff import API). */
  'comment:import',
  'contact:view',
  'report:export',
  /** Exports with full names and contacts instead of masked ones, chosen per export with a stated purpose (docs/decisions/013-masked-exports.md). */
  'export:unmasked',
  'draft:manage',
  'station:manage',
  'kiosk:enroll',
  'kiosk:operate',
  'deputy:enter',
  'user:manage',
  'token:manage',
  'audit:read',
  'outbox:read',
  /** Sending a failed notice again (/staff/outbox); never a code, which is erased once it fails. */
  'outbox:retry',
] as const;

export type Permission = (typeof permissions)[number];

/** Everyone who can hold permissions: the four roles of people, and an enrolled kiosk device. */
export type Grantee = Role | 'kiosk';

const staffWork: Permission[] = [
  'comment:create', 'comment:read', 'comment:tag', 'comment:decide', 'comment:approve', 'comment:assign',
  'comment:hide', 'comment:import', 'report:export', 'draft:manage', 'station:manage', 'kiosk:enroll', 'outbox:read',
];

/** The grants of each role. contact:view, export:unmasked, outbox:retry and account/token/audit administration are admin-only. */
export const grants: Record<Grantee, ReadonlySet<Permission>> = {
  citizen: new Set<Permission>(['comment:create']),
  deputy: new Set<Permission>(['comment:create', 'deputy:enter']),
  staff: new Set<Permission>(staffWork),
  admin: new Set<Permission>([...staffWork, 'contact:view', 'export:unmasked', 'user:manage', 'token:manage', 'audit:read', 'outbox:retry']),
  kiosk: new Set<Permission>(['kiosk:operate', 'comment:create']),
};

/** True when `who` (a signed-in user, a kiosk, or null for anonymous) holds `permission`. */
export function can(who: { role: Grantee } | null | undefined, permission: Permission): boolean {
  if (!who) return false;
  return grants[who.role]?.has(permission) ?? false;
}

/**
 * Throws Unauthenticated (401; pages redirect to /signin?next=…) when nobody is signed in, and
 * Forbidden (403) when the signed-in user lacks `permission`. Returns the user, narrowed.
 */
export function requirePermission<U extends { role: Grantee }>(who: U | null | undefined, permission: Permission): U {
  if (!who) throw new AppError('Unauthenticated');
  if (!can(who, permission)) throw new AppError('Forbidden');
  return who;
}

/** True for roles that work in the staff area (and so get the short idle timeout). */
export function isStaffRole(role: Role): boolean {
  return role === 'staff' || role === 'admin';
}
