/**
 * Sign-up, sign-in, rate limits, reset and verification codes — delivered for real, to an SMTP
 * server and an SMS gateway running in this process — stations, API tokens.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { desc, eq, like } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { auditEvents, outbox, stations, users } from '../../src/db/schema';
import { systemActor } from '../../src/server/audit';
import { signUpSchema, type SignUpInput } from '../../src/server/auth/schemas';
import { confirmSignUp, signUp } from '../../src/server/auth/sign-up';
import { signIn } from '../../src/server/auth/sign-in';
import { confirmPasswordReset, requestPasswordReset } from '../../src/server/auth/password-reset';
import { confirmVerification } from '../../src/server/auth/verify-contact';
import { createUser } from '../../src/server/auth/users';
import { stationsOfDeputy } from '../../src/server/stations/stations';
import { authenticateBearer, createApiToken, revokeApiToken } from '../../src/server/auth/tokens';
import { resetConfigCache } from '../../src/server/config';
import { closeTransports } from '../../src/server/messages/transports';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { startSmsGateway, type SmsGateway } from '../support/sms-gateway';
import { deliverQueued } from '../support/deliver';

let database: TestDatabase;
let smtp: SmtpSink;
let sms: SmsGateway;
const SMS_SECRET = 'test-sms-secret-0123456789abcdefghij';
beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await startSmtpSink();
  sms = await startSmsGateway({ secret: SMS_SECRET });
  Object.assign(process.env, { SMTP_URL: smtp.url, SMS_URL: sms.url, SMS_SECRET });
  resetConfigCache();
});
afterAll(async () => {
  for (const k of ['SMTP_URL', 'SMS_URL', 'SMS_SECRET']) delete process.env[k];
  resetConfigCache();
  closeTransports();
  await Promise.all([database.close(), smtp.close(), sms.close()]);
});

// What reaches people, as their phone or mailbox gets it: the gateway's requests and the mails the SMTP server took.
interface Sent { kind: string; recipient: string; body: string }
let seen = { mails: 0, sms: 0 };
/** Everything delivered since the last `forget()` (delivering what is queued first, as the server's runner would). */
async function sent(): Promise<Sent[]> {
  await deliverQueued(database.db);
  return [
    ...smtp.messages.slice(seen.mails).map((m) => ({ kind: String(m.headers.get('x-kaimen-message')), recipient: m.to[0], body: m.text ?? '' })),
    ...sms.messages.slice(seen.sms).map((m) => ({ kind: m.template, recipient: m.to, body: JSON.stringify(m.params) })),
  ];
}
function forget() {
  seen = { mails: smtp.messages.length, sms: sms.messages.length };
}
beforeEach(forget);

let ipN = 0;
const ip = () => `198.51.100.${++ipN}`;
const input = (account: string, extra: Record<string, string> = {}): SignUpInput => signUpSchema.parse({
  account, password: 'Wang-wu-2026!', passwordConfirm: 'Wang-wu-2026!', name: '王五', district: '朝阳区', occupation: '工程师', ...extra,
});
const lastCode = async (recipient: string) => {
  const m = (await sent()).filter((x) => x.recipient === recipient).at(-1)!;
  return /(?<!\d)(\d{6})(?!\d)/.exec(m.body)![1];
};
/** Signs up and confirms with the code sent, as a person with the phone or mailbox would. */
async function signUpConfirmed(account: string, from = ip()) {
  await signUp(input(account), { ip: from }, database.db);
  const parsed = signUpSchema.shape.account.parse(account);
  return confirmSignUp({ account: parsed, code: await lastCode(parsed.value) }, { ip: from }, database.db);
}

describe('sign-up and sign-in', () => {
  it('sends a code to a new account, which signs in only once the code is confirmed', async () => {
    await signUp(input('13900000001'), { ip: ip() }, database.db);
    const [pending] = await database.db.select().from(users).where(eq(users.phone, '13900000001'));
    expect(pending).toMatchObject({ role: 'citizen', signupPending: true, district: '朝阳区' });
    expect(pending.passwordHash).toMatch(/^\$argon2id\$/);
    // Not before the code: a pending sign-up cannot sign in (that would tell who has an account).
    const early = await signIn({ account: { kind: 'phone', value: '13900000001' }, password: 'Wang-wu-2026!' }, { ip: ip() }, database.db).catch((e) => e);
    expect(early.code).toBe('InvalidCredentials');
    const code = await lastCode('13900000001');
    const account = { kind: 'phone' as const, value: '13900000001' };
    expect((await confirmSignUp({ account, code: code === '000000' ? '111111' : '000000' }, { ip: ip() }, database.db).catch((e) => e)).code).toBe('CodeInvalid');
    const r = await confirmSignUp({ account, code }, { ip: ip() }, database.db);
    expect(r.session.token).toMatch(/^[a-z2-7]{32}$/);
    const [after] = await database.db.select().from(users).where(eq(users.id, r.user.id));
    expect(after.verifiedAt).not.toBeNull();
    expect(after.signupPending).toBe(false);
    expect((await signIn({ account, password: 'Wang-wu-2026!' }, { ip: ip() }, database.db)).user.id).toBe(r.user.id);
  });
  it('answers a sign-up for an existing account like a new one, and tells the owner instead', async () => {
    await signUpConfirmed('dup@example.cn');
    const before = await database.db.select().from(users);
    forget();
    // The same call, the same (empty) answer: nothing says the account exists.
    await expect(signUp(input('DUP@example.cn'), { ip: ip() }, database.db)).resolves.toBeUndefined();
    expect(await database.db.select().from(users)).toEqual(before);
    const notices = await sent();
    expect(notices).toHaveLength(1);
    expect(notices[0]).toMatchObject({ kind: 'signup-exists', recipient: 'dup@example.cn' });
    expect(notices[0].body).not.toMatch(/(?<!\d)\d{6}(?!\d)/);
    // It links the reset page with the account filled in.
    expect(notices[0].body).toContain('/account/reset?account=dup%40example.cn');
    // A code for the existing account cannot be had, so its password cannot be taken over.
    const err = await confirmSignUp({ account: { kind: 'email', value: 'dup@example.cn' }, code: '123456' }, { ip: ip() }, database.db).catch((e) => e);
    expect(err.code).toBe('CodeInvalid');
  });
  it('lets a sign-up that was never confirmed be made again, by whoever receives the code', async () => {
    await signUp(input('again@example.cn'), { ip: ip() }, database.db);
    const first = await lastCode('again@example.cn');
    await signUp(input('again@example.cn', { name: '赵六' }), { ip: ip() }, database.db);
    const second = await lastCode('again@example.cn');
    const account = { kind: 'email' as const, value: 'again@example.cn' };
    if (first !== second) expect((await confirmSignUp({ account, code: first }, { ip: ip() }, database.db).catch((e) => e)).code).toBe('CodeInvalid');
    const r = await confirmSignUp({ account, code: second }, { ip: ip() }, database.db);
    expect(r.user.name).toBe('赵六');
    expect(await database.db.select().from(users).where(eq(users.email, 'again@example.cn'))).toHaveLength(1);
  });
  it('answers a wrong password and an unknown account the same way, and audits both', async () => {
    await signUpConfirmed('li@example.cn');
    const wrong = await signIn({ account: { kind: 'email', value: 'li@example.cn' }, password: 'not-the-password' }, { ip: ip() }, database.db).catch((e) => e);
    const unknown = await signIn({ account: { kind: 'email', value: 'nobody@example.cn' }, password: 'not-the-password' }, { ip: ip() }, database.db).catch((e) => e);
    expect(wrong.code).toBe('InvalidCredentials');
    expect(unknown.code).toBe('InvalidCredentials');
    const failed = await database.db.select().from(auditEvents).where(eq(auditEvents.action, 'auth.signin.failed'));
    // (the first test's early sign-in of a pending sign-up is the third)
    expect(failed.map((e) => (e.after as { reason: string }).reason).sort()).toEqual(['signup_pending', 'unknown_account', 'wrong_password']);
    const ok = await signIn({ account: { kind: 'email', value: 'li@example.cn' }, password: 'Wang-wu-2026!' }, { ip: ip() }, database.db);
    expect(ok.user.email).toBe('li@example.cn');
    expect(await database.db.select().from(auditEvents).where(eq(auditEvents.action, 'auth.signin'))).toHaveLength(2);
  });
  it('refuses deactivated accounts with the same message', async () => {
    const u = await createUser({ role: 'staff', account: { kind: 'email', value: 'gone@example.cn' }, password: 'Gone-away-2026' }, systemActor, database.db);
    await database.db.update(users).set({ active: false }).where(eq(users.id, u.id));
    const err = await signIn({ account: { kind: 'email', value: 'gone@example.cn' }, password: 'Gone-away-2026' }, { ip: ip() }, database.db).catch((e) => e);
    expect(err.code).toBe('InvalidCredentials');
  });
});

describe('rate limits', () => {
  it('allows 5 sign-in attempts per account per minute, whatever the IP', async () => {
    const account = { kind: 'email' as const, value: 'target@example.cn' };
    for (let i = 0; i < 5; i++) expect((await signIn({ account, password: 'guess-guess-1' }, { ip: ip() }, database.db).catch((e) => e)).code).toBe('InvalidCredentials');
    const err = await signIn({ account, password: 'guess-guess-1' }, { ip: ip() }, database.db).catch((e) => e);
    expect(err.code).toBe('RateLimited');
    expect(err.status).toBe(429);
    expect(Number(err.headers['retry-after'])).toBeGreaterThan(0);
  });
  it('caps failed sign-ins of an account at 100 an hour, with growing delays, whatever the IPs; the right password then waits too', async () => {
    const { limits } = await import('../../src/server/auth/limits');
    const { rateLimits } = await import('../../src/db/schema');
    await createUser({ role: 'admin', account: { kind: 'email', value: 'sieged@example.cn' }, password: 'Sieged-pass-2026' }, systemActor, database.db);
    const account = { kind: 'email' as const, value: 'sieged@example.cn' };
    const waits: number[] = [];
    const wait = async (ms: number) => { waits.push(ms); };
    for (let i = 0; i < 8; i++) {
      expect((await signIn({ account, password: 'guess-guess-1' }, { ip: ip(), wait }, database.db).catch((e) => e)).code).toMatch(/InvalidCredentials|RateLimited/);
      await database.db.delete(rateLimits).where(eq(rateLimits.key, limits.signInAccount(account.value).key)); // only the hourly cap is under test
    }
    expect(waits.slice(0, 5)).toEqual([0, 0, 0, 0, 0]);
    expect(waits[7]).toBeGreaterThan(0);
    // The rest of the hour's hundred, as a distributed attacker would spend them.
    const failKey = limits.signInFailuresAccount(account.value).key;
    await database.db.update(rateLimits).set({ points: 100 }).where(eq(rateLimits.key, failKey));
    const capped = await signIn({ account, password: 'Sieged-pass-2026' }, { ip: ip(), wait }, database.db).catch((e) => e);
    expect(capped.code).toBe('RateLimited');
    await database.db.delete(rateLimits).where(eq(rateLimits.key, failKey));
    expect((await signIn({ account, password: 'Sieged-pass-2026' }, { ip: ip(), wait }, database.db)).user.email).toBe('sieged@example.cn');
  });
  it('allows 20 sign-in attempts per IP per minute, whatever the account', async () => {
    const from = ip();
    for (let i = 0; i < 20; i++) await signIn({ account: { kind: 'email', value: `x${i}@example.cn` }, password: 'guess-guess-1' }, { ip: from }, database.db).catch(() => {});
    const err = await signIn({ account: { kind: 'email', value: 'x99@example.cn' }, password: 'guess-guess-1' }, { ip: from }, database.db).catch((e) => e);
    expect(err.code).toBe('RateLimited');
  });
  it('allows 10 sign-ups per IP per hour', async () => {
    const from = ip();
    for (let i = 0; i < 10; i++) await signUp(input(`many${i}@example.cn`), { ip: from }, database.db);
    expect((await signUp(input('many10@example.cn'), { ip: from }, database.db).catch((e) => e)).code).toBe('RateLimited');
    expect(await database.db.select().from(users).where(eq(users.email, 'many10@example.cn'))).toHaveLength(0);
  });
});

describe('password reset through the outbox', () => {
  it('sends a code, accepts it once, ends sessions, and says nothing about unknown accounts', async () => {
    const r = await signUpConfirmed('13900000002');
    forget();
    await requestPasswordReset({ kind: 'phone', value: '13900000002' }, { ip: ip() }, database.db);
    await requestPasswordReset({ kind: 'phone', value: '13900000099' }, { ip: ip() }, database.db); // no error, no message
    expect(await database.db.select().from(outbox).where(eq(outbox.recipient, '13900000099'))).toHaveLength(0);
    expect((await sent()).map((m) => m.recipient)).toEqual(['13900000002']);
    // The gateway got the template's name and its parameters, signed; the code only there.
    expect(sms.messages.at(-1)).toMatchObject({ to: '13900000002', template: 'reset', params: { minutes: '15' } });
    const code = await lastCode('13900000002');
    const account = { kind: 'phone' as const, value: '13900000002' };
    const bad = await confirmPasswordReset({ account, code: code === '123456' ? '654321' : '123456', password: 'Brand-new-2026' }, { ip: ip() }, database.db).catch((e) => e);
    expect(bad.code).toBe('CodeInvalid');
    const unknown = await confirmPasswordReset({ account: { kind: 'phone', value: '13900000099' }, code, password: 'Brand-new-2026' }, { ip: ip() }, database.db).catch((e) => e);
    expect(unknown.code).toBe('CodeInvalid');
    await confirmPasswordReset({ account, code, password: 'Brand-new-2026' }, { ip: ip() }, database.db);
    const again = await confirmPasswordReset({ account, code, password: 'Brand-new-2027' }, { ip: ip() }, database.db).catch((e) => e);
    expect(again.code).toBe('CodeInvalid');
    const { validateSessionToken } = await import('../../src/server/auth/sessions');
    expect(await validateSessionToken(r.session.token, database.db)).toBeNull();
    expect((await signIn({ account, password: 'Brand-new-2026' }, { ip: ip() }, database.db)).user.id).toBe(r.user.id);
  });
  it('keeps no code where staff could read it: sealed while queued, erased once sent, never in the audit trail', async () => {
    await createUser({ role: 'admin', account: { kind: 'email', value: 'boss@example.cn' }, password: 'Boss-password-2026' }, systemActor, database.db);
    await requestPasswordReset({ kind: 'email', value: 'boss@example.cn' }, { ip: ip() }, database.db);
    // Queued, not yet sent: the row holds ciphertext only.
    const [queued] = await database.db.select().from(outbox).where(eq(outbox.recipient, 'boss@example.cn'));
    expect(queued).toMatchObject({ kind: 'reset', state: 'queued' });
    expect(queued.sealed).toMatch(/^v1\./);
    const mails = (await sent()).filter((m) => m.recipient === 'boss@example.cn');
    expect(mails).toHaveLength(1);
    const code = /(?<!\d)(\d{6})(?!\d)/.exec(mails[0].body)![1];
    expect(JSON.stringify(queued)).not.toContain(code);
    // The mail links the reset page with the account filled in.
    expect(mails[0].body).toContain('/account/reset-confirm?account=boss%40example.cn');
    const [row] = await database.db.select().from(outbox).where(eq(outbox.recipient, 'boss@example.cn'));
    expect(row).toMatchObject({ kind: 'reset', state: 'delivered', delivery: 'smtp', sealed: null, attempts: 1 });
    expect(JSON.stringify(row)).not.toContain(code);
    const events = await database.db.select().from(auditEvents);
    expect(JSON.stringify(events)).not.toContain(code);
  });
  it('sends no more than 5 codes an hour to one phone, whatever asks', async () => {
    await signUpConfirmed('13900000003');
    forget();
    for (let i = 0; i < 8; i++) {
      // Each request from its own address and past the per-account limit, as a spread-out attacker would.
      const { rateLimits } = await import('../../src/db/schema');
      await database.db.delete(rateLimits).where(like(rateLimits.key, 'reset:%'));
      await requestPasswordReset({ kind: 'phone', value: '13900000003' }, { ip: ip() }, database.db);
    }
    // The sign-up's code was the first of the hour.
    expect((await sent()).filter((m) => m.recipient === '13900000003')).toHaveLength(4);
  });
});

describe('deputies and stations', () => {
  it('links a deputy to an existing station and refuses an unknown one', async () => {
    await database.db.insert(stations).values({ code: 'HD-001', name: '海淀区某街道代表联络站', type: 'liaison_station', district: '海淀区' });
    const d = await createUser({ role: 'deputy', account: { kind: 'email', value: 'deputy@example.cn' }, password: 'Deputy-pass-2026', stations: ['HD-001'] }, systemActor, database.db);
    expect((await stationsOfDeputy(d.id, database.db)).map(({ code, name }) => ({ code, name }))).toEqual([{ code: 'HD-001', name: '海淀区某街道代表联络站' }]);
    const err = await createUser({ role: 'deputy', account: { kind: 'email', value: 'deputy2@example.cn' }, password: 'Deputy-pass-2026', stations: ['NOPE'] }, systemActor, database.db).catch((e) => e);
    expect(err.code).toBe('StationNotFound');
    expect(await database.db.select().from(users).where(eq(users.email, 'deputy2@example.cn'))).toHaveLength(0);
  });
});

describe('API tokens', () => {
  it('authenticate a staff account until revoked, stored only as a hash', async () => {
    const staff = await createUser({ role: 'staff', account: { kind: 'email', value: 'api@example.cn' }, password: 'Api-user-2026!' }, systemActor, database.db);
    const { id, token } = await createApiToken({ userId: staff.id, label: '统计脚本' }, systemActor, database.db);
    expect(token).toMatch(/^kmn_/);
    const rows = await database.db.query.apiTokens.findMany();
    expect(rows.some((r) => r.tokenHash.includes(token) || r.tokenHash === token)).toBe(false);
    expect((await authenticateBearer(token, database.db))?.via).toBe('token');
    expect(await authenticateBearer(`${token}x`, database.db)).toBeNull();
    await revokeApiToken(id, systemActor, database.db);
    expect(await authenticateBearer(token, database.db)).toBeNull();
    expect(await database.db.select().from(auditEvents).where(like(auditEvents.action, 'token.%'))).toHaveLength(2);
  });
  it('are refused for citizens', async () => {
    const c = await createUser({ role: 'citizen', account: { kind: 'email', value: 'cit@example.cn' }, password: 'Citizen-pass-2026' }, systemActor, database.db);
    expect((await createApiToken({ userId: c.id, label: 'x' }, systemActor, database.db).catch((e) => e)).code).toBe('ValidationFailed');
  });
});
