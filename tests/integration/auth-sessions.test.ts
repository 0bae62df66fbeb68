/** Sessions against a real database, with an injected clock instead of sleeping. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { sessions } from '../../src/db/schema';
import { systemActor } from '../../src/server/audit';
import { createUser, endAllSessions, setUserActive } from '../../src/server/auth/users';
import { createSession, invalidateSession, validateSessionToken } from '../../src/server/auth/sessions';
import { changePassword } from '../../src/server/auth/password-change';
import { signIn } from '../../src/server/auth/sign-in';

let database: TestDatabase;
const MIN = 60_000;
const DAY = 24 * 60 * MIN;
const t0 = new Date();
const at = (ms: number) => new Date(t0.getTime() + ms);
let citizenId: string;
let staffId: string;
const PASSWORD = 'Session-test-pass-1';

beforeAll(async () => {
  database = await createTestDatabase();
  citizenId = (await createUser({ role: 'citizen', account: { kind: 'phone', value: '13800000001' }, password: PASSWORD }, systemActor, database.db)).id;
  staffId = (await createUser({ role: 'staff', account: { kind: 'email', value: 'staff@s.test' }, password: PASSWORD }, systemActor, database.db)).id;
});
afterAll(async () => { await database.close(); });

const validate = (token: string, now: Date) => validateSessionToken(token, database.db, now);

describe('citizen sessions', () => {
  it('last 30 days and are renewed in their last 15', async () => {
    const s = await createSession(citizenId, 'citizen', database.db, t0);
    expect(s.cookieExpiresAt).toEqual(at(30 * DAY));
    expect((await validate(s.token, at(10 * DAY)))?.renewedCookieExpiresAt).toBeUndefined();
    const renewed = await validate(s.token, at(20 * DAY));
    expect(renewed?.user.id).toBe(citizenId);
    expect(renewed?.renewedCookieExpiresAt).toEqual(at(50 * DAY));
    expect(await validate(s.token, at(50 * DAY))).toBeNull();
    // Expired sessions are deleted, not just refused.
    expect(await database.db.select().from(sessions).where(eq(sessions.id, s.id))).toHaveLength(0);
  });
  it('end without use after 30 days', async () => {
    const s = await createSession(citizenId, 'citizen', database.db, t0);
    expect(await validate(s.token, at(30 * DAY + 1))).toBeNull();
  });
});

describe('staff sessions', () => {
  it('end after 30 idle minutes', async () => {
    const s = await createSession(staffId, 'staff', database.db, t0);
    expect(await validate(s.token, at(29 * MIN))).not.toBeNull();
    expect(await validate(s.token, at(29 * MIN + 30 * MIN))).toBeNull();
  });
  it('are kept alive by activity but end after 12 hours whatever happens', async () => {
    const s = await createSession(staffId, 'staff', database.db, t0);
    expect(s.cookieExpiresAt).toEqual(at(12 * 60 * MIN));
    for (let m = 20; m < 12 * 60; m += 20) expect(await validate(s.token, at(m * MIN)), `minute ${m}`).not.toBeNull();
    expect(await validate(s.token, at(12 * 60 * MIN))).toBeNull();
  });
});

describe('ending sessions', () => {
  it('refuses forged and malformed tokens', async () => {
    expect(await validate('abcdefghijklmnopqrstuvwxyz234567', t0)).toBeNull();
    expect(await validate('not a token', t0)).toBeNull();
    expect(await validate('', t0)).toBeNull();
  });
  it('gives a new token at every sign-in', async () => {
    const a = await signIn({ account: { kind: 'phone', value: '13800000001' }, password: PASSWORD }, { ip: '192.0.2.1' }, database.db);
    const b = await signIn({ account: { kind: 'phone', value: '13800000001' }, password: PASSWORD }, { ip: '192.0.2.1' }, database.db);
    expect(a.session.token).not.toBe(b.session.token);
    expect(await validate(a.session.token, new Date())).not.toBeNull();
  });
  it('sign-out ends the session on the server', async () => {
    const s = await createSession(citizenId, 'citizen', database.db, t0);
    await invalidateSession(s.id, database.db);
    expect(await validate(s.token, t0)).toBeNull();
  });
  it('a password change ends every session and gives a new one', async () => {
    const now = new Date();
    const a = await createSession(citizenId, 'citizen', database.db, now);
    const b = await createSession(citizenId, 'citizen', database.db, now);
    const fresh = await changePassword(citizenId, { currentPassword: PASSWORD, password: 'Another-pass-2026' }, { ip: '192.0.2.2' }, database.db, now);
    expect(await validate(a.token, now)).toBeNull();
    expect(await validate(b.token, now)).toBeNull();
    expect(await validate(fresh.token, now)).not.toBeNull();
    const wrong = await changePassword(citizenId, { currentPassword: 'wrong-password!', password: 'Third-pass-2026' }, { ip: '192.0.2.2' }, database.db).catch((e) => e);
    expect(wrong.code).toBe('InvalidCredentials');
    expect(wrong.fields[0].field).toBe('currentPassword');
  });
  it('an admin can end every session of a user; deactivation ends them too', async () => {
    const now = new Date();
    const a = await createSession(staffId, 'staff', database.db, now);
    expect(await endAllSessions(staffId, { id: null, kind: 'system' }, database.db)).toBeGreaterThanOrEqual(1);
    expect(await validate(a.token, now)).toBeNull();
    const b = await createSession(staffId, 'staff', database.db, now);
    await setUserActive(staffId, false, systemActor, database.db);
    expect(await validate(b.token, now)).toBeNull();
    await setUserActive(staffId, true, systemActor, database.db);
  });
});
