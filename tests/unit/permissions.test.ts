import { describe, expect, it } from 'vitest';
import { can, grants, permissions, requirePermission, type Grantee, type Permission } from '../../src/server/auth/permissions';
import { AppError } from '../../src/server/errors';

/** The whole grant table, written out: changing a grant must change this test. */
const expected: Record<Grantee, Permission[]> = {
  citizen: ['comment:create'],
  deputy: ['comment:create', 'deputy:enter'],
  staff: ['comment:create', 'comment:read', 'comment:tag', 'comment:decide', 'comment:approve', 'comment:assign',
    'comment:hide', 'comment:import', 'report:export', 'draft:manage', 'station:manage', 'kiosk:enroll', 'outbox:read'],
  admin: ['comment:create', 'comment:read', 'comment:tag', 'comment:decide', 'comment:approve', 'comment:assign',
    'comment:hide', 'comment:import', 'report:export', 'draft:manage', 'station:manage', 'kiosk:enroll', 'outbox:read',
    'contact:view', 'export:unmasked', 'user:manage', 'token:manage', 'audit:read', 'outbox:retry'],
  kiosk: ['kiosk:operate', 'comment:create'],
};

describe('can()', () => {
  for (const role of Object.keys(expected) as Grantee[]) {
    for (const permission of permissions) {
      const granted = expected[role].includes(permission);
      it(`${role} ${granted ? 'may' : 'may not'} ${permission}`, () => {
        expect(can({ role }, permission)).toBe(granted);
      });
    }
  }
  it('grants nothing to anonymous visitors', () => {
    for (const permission of permissions) {
      expect(can(null, permission)).toBe(false);
      expect(can(undefined, permission)).toBe(false);
    }
  });
  it('grants nothing to an unknown role', () => {
    expect(can({ role: 'root' as Grantee }, 'user:manage')).toBe(false);
  });
  it('keeps personal contact details and administration away from staff', () => {
    for (const p of ['contact:view', 'export:unmasked', 'user:manage', 'token:manage', 'audit:read', 'outbox:retry'] as const) expect(can({ role: 'staff' }, p)).toBe(false);
  });
  it('gives kiosk:operate to no person', () => {
    for (const role of ['citizen', 'deputy', 'staff', 'admin'] as const) expect(can({ role }, 'kiosk:operate')).toBe(false);
  });
  it('has a grant list for every grantee and only known permissions in it', () => {
    for (const set of Object.values(grants)) for (const p of set) expect(permissions).toContain(p);
  });
});

describe('requirePermission()', () => {
  it('throws Unauthenticated (401) for anonymous visitors', () => {
    const err = (() => { try { requirePermission(null, 'comment:read'); } catch (e) { return e; } })() as AppError;
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('Unauthenticated');
    expect(err.status).toBe(401);
  });
  it('throws Forbidden (403) for a signed-in user without the permission', () => {
    expect(() => requirePermission({ role: 'citizen' }, 'comment:read')).toThrowError(expect.objectContaining({ code: 'Forbidden', status: 403 }));
    expect(() => requirePermission({ role: 'staff' }, 'user:manage')).toThrowError(expect.objectContaining({ code: 'Forbidden' }));
  });
  it('returns the user when the permission is held', () => {
    const user = { role: 'admin' as const, id: 'x' };
    expect(requirePermission(user, 'audit:read')).toBe(user);
  });
});
