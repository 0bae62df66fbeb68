/**
 * The first run without a command line (issue 18, decision 021): a setup link is made only while
 * there is no admin; its token creates the first admin once (with its audit events and a
 * session); concurrent submissions make one admin; wrong, used and expired links and links made
 * before an admin existed change nothing. An admin command started while a process holds the
 * embedded database says how to go on (the real tsx CLI). The page and the printed link over a
 * real `npm start` server are in tests/e2e/setup.spec.ts.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { runScript } from '../support/cli';
import { createDatabase, migrateDatabase, type Database, type Db } from '../../src/db/client';
import { auditEvents, sessions, setupLinks, users } from '../../src/db/schema';
import { systemActor } from '../../src/server/audit';
import { createUser } from '../../src/server/auth/users';
import { setupForm, type SetupInput } from '../../src/server/auth/schemas';
import { sha256Hex } from '../../src/server/auth/secrets';
import { verifyPassword } from '../../src/server/auth/passwords';
import { isAppError } from '../../src/server/errors';
import { adminExists, completeSetup, createSetupLinkIfNoAdmin, setupLinkUsable, setupUrl, SETUP_LINK_HOURS } from '../../src/server/auth/setup';

const PASSWORD = 'First-admin-2026';
let ipCounter = 0;
/** A fresh client address per call, so the rate limits of one case do not reach the next. */
const ip = () => `192.0.2.${++ipCounter}`;
const input = (account: string, name = '首位管理员'): SetupInput =>
  setupForm.parse({ name, account, password: PASSWORD, passwordConfirm: PASSWORD });

async function counts(db: Db) {
  const one = async (q: ReturnType<typeof sql>) => Number(((await db.execute(q)) as unknown as { rows: { n: number }[] }).rows[0].n);
  return {
    users: await one(sql`select count(*)::int as n from users`),
    admins: await one(sql`select count(*)::int as n from users where role = 'admin'`),
    sessions: await one(sql`select count(*)::int as n from sessions`),
    audit: await one(sql`select count(*)::int as n from audit_events`),
    used: await one(sql`select count(*)::int as n from setup_links where used_at is not null`),
  };
}

/** The error code a promise rejects with (fails the test when it resolves). */
async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    if (isAppError(err)) return err.code;
    throw err;
  }
  throw new Error('expected a refusal');
}

describe('setup links and the first admin', () => {
  let database: TestDatabase;
  let db: Db;
  let usedToken = '';
  beforeAll(async () => {
    database = await createTestDatabase();
    db = database.db;
  });
  afterAll(async () => {
    await database?.close();
  });

  it('makes a link only while there is no admin; stores only the hash; each start makes its own', async () => {
    expect(await adminExists(db)).toBe(false);
    const now = new Date();
    const a = await createSetupLinkIfNoAdmin(db, now);
    const b = await createSetupLinkIfNoAdmin(db, now);
    expect(a && b).toBeTruthy();
    expect(a!.token).toMatch(/^[a-z2-7]{32}$/);
    expect(a!.token).not.toBe(b!.token);
    expect(a!.expiresAt.getTime() - now.getTime()).toBe(SETUP_LINK_HOURS * 3_600_000);
    const rows = await db.select().from(setupLinks);
    expect(rows.map((r) => r.tokenHash).sort()).toEqual([sha256Hex(a!.token), sha256Hex(b!.token)].sort());
    expect(JSON.stringify(rows)).not.toContain(a!.token);
    expect(setupUrl('https://yijian.example.cn', a!.token)).toBe(`https://yijian.example.cn/setup?token=${a!.token}`);
    // Both work while there is no admin.
    expect(await setupLinkUsable(a!.token, { ip: ip() }, db)).toEqual({ expiresAt: a!.expiresAt });
    expect(await setupLinkUsable(b!.token, { ip: ip() }, db)).not.toBeNull();
  });

  it('refuses a wrong, malformed or expired link, and a bad form, without changing anything', async () => {
    const link = (await createSetupLinkIfNoAdmin(db))!;
    const before = await counts(db);
    const wrong = 'a'.repeat(32);
    expect(await setupLinkUsable(wrong, { ip: ip() }, db)).toBeNull();
    expect(await setupLinkUsable('not a token', { ip: ip() }, db)).toBeNull();
    expect(await setupLinkUsable(undefined, { ip: ip() }, db)).toBeNull();
    expect(await codeOf(completeSetup(wrong, input('wrong@setup.test'), { ip: ip() }, db))).toBe('SetupLinkInvalid');
    expect(await codeOf(completeSetup(`${link.token}x`, input('long@setup.test'), { ip: ip() }, db))).toBe('SetupLinkInvalid');
    // A day and a bit later the link has expired.
    const later = new Date(Date.now() + (SETUP_LINK_HOURS + 1) * 3_600_000);
    expect(await setupLinkUsable(link.token, { ip: ip() }, db, later)).toBeNull();
    expect(await codeOf(completeSetup(link.token, input('late@setup.test'), { ip: ip() }, db, later))).toBe('SetupLinkInvalid');
    // The form's own rules: the same as every new password, and both typed alike.
    const bad = setupForm.safeParse({ name: '', account: 'not-an-account', password: '1234567890', passwordConfirm: 'x' });
    expect(bad.success).toBe(false);
    expect(bad.error!.issues.map((i) => `${i.path.join('.')}:${i.message}`).sort()).toEqual([
      'account:auth.field.account', 'name:field.required', 'password:auth.field.passwordCommon',
    ]);
    const differ = setupForm.safeParse({ name: '王', account: 'wang@setup.test', password: PASSWORD, passwordConfirm: `${PASSWORD}!` });
    expect(differ.error!.issues.map((i) => `${i.path.join('.')}:${i.message}`)).toEqual(['passwordConfirm:auth.field.passwordMismatch']);
    expect(await counts(db)).toEqual(before);
    expect(await setupLinkUsable(link.token, { ip: ip() }, db)).not.toBeNull();
  });

  it('limits the links that do not work from one address (429), as sign-in limits failures', async () => {
    const from = ip();
    for (let i = 0; i < 20; i++) expect(await setupLinkUsable('b'.repeat(32), { ip: from }, db)).toBeNull();
    expect(await codeOf(setupLinkUsable('b'.repeat(32), { ip: from }, db))).toBe('RateLimited');
    const link = (await createSetupLinkIfNoAdmin(db))!;
    // Even a good link waits out the window from that address; another address is not affected.
    expect(await codeOf(completeSetup(link.token, input('limited@setup.test'), { ip: from }, db))).toBe('RateLimited');
    expect(await setupLinkUsable(link.token, { ip: ip() }, db)).not.toBeNull();
    expect(await adminExists(db)).toBe(false);
  });

  it('creates the first admin once: audited, signed in, the link used and the others gone', async () => {
    const link = (await createSetupLinkIfNoAdmin(db))!;
    const other = (await createSetupLinkIfNoAdmin(db))!;
    const from = ip();
    const done = await completeSetup(link.token, input(' Admin@Setup.test ', '王管理'), { ip: from }, db);
    usedToken = link.token;
    expect(done.user).toMatchObject({ role: 'admin', name: '王管理', email: 'admin@setup.test', via: 'session' });
    const [row] = await db.select().from(users).where(eq(users.id, done.user.id));
    expect(row.active).toBe(true);
    expect(await verifyPassword(row.passwordHash, PASSWORD)).toBe(true);
    expect(row.passwordHash).not.toContain(PASSWORD);
    const [session] = await db.select().from(sessions).where(eq(sessions.id, done.session.id));
    expect(session.userId).toBe(done.user.id);
    expect(done.session.token).toMatch(/^[a-z2-7]+$/);
    // The link is used, the other link of this first run is removed.
    const links = await db.select().from(setupLinks);
    expect(links.filter((l) => !l.usedAt)).toEqual([]);
    expect(links.find((l) => l.tokenHash === sha256Hex(link.token))!.usedAt).not.toBeNull();
    expect(links.some((l) => l.tokenHash === sha256Hex(other.token))).toBe(false);
    // Audited: the account's creation from that address, then the setup by the new admin; no token anywhere.
    const events = await db.select().from(auditEvents).where(eq(auditEvents.objectId, done.user.id));
    expect(events.map((e) => [e.action, e.actorKind, e.actorId, e.ip])).toEqual([
      ['user.create', 'anonymous', null, from],
      ['auth.setup', 'user', done.user.id, from],
    ]);
    expect((events[0].after as { role: string }).role).toBe('admin');
    expect(JSON.stringify(events)).not.toContain(link.token);
    expect(JSON.stringify(events)).not.toContain('admin@setup.test');
    expect(await adminExists(db)).toBe(true);
  });

  it('once an admin exists: the used link, an old one and a new start all refuse, changing nothing', async () => {
    expect(await createSetupLinkIfNoAdmin(db)).toBeNull();
    const before = await counts(db);
    expect(await setupLinkUsable(usedToken, { ip: ip() }, db)).toBeNull();
    expect(await codeOf(completeSetup(usedToken, input('again@setup.test'), { ip: ip() }, db))).toBe('SetupLinkInvalid');
    expect(await setupLinkUsable('c'.repeat(32), { ip: ip() }, db)).toBeNull();
    expect(await counts(db)).toEqual(before);
    expect(await db.select().from(setupLinks)).toHaveLength(1);
  });
});

describe('a link that outlives the admin made by the command line, and a used link', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  it('refuses a link made before `npm run users:create` made an admin, and a used link', async () => {
    const { db } = database;
    const early = (await createSetupLinkIfNoAdmin(db))!;
    await createUser({ role: 'admin', account: { kind: 'email', value: 'cli-admin@setup.test' }, password: PASSWORD, name: '命令行' }, systemActor, db);
    const before = await counts(db);
    expect(await setupLinkUsable(early.token, { ip: ip() }, db)).toBeNull();
    expect(await codeOf(completeSetup(early.token, input('second@setup.test'), { ip: ip() }, db))).toBe('SetupLinkInvalid');
    expect(await counts(db)).toEqual(before);
  });

  it('a used link stays used even if the admin goes away (it never works twice)', async () => {
    const fresh = await createTestDatabase();
    try {
      const { db } = fresh;
      const link = (await createSetupLinkIfNoAdmin(db))!;
      await completeSetup(link.token, input('once@setup.test'), { ip: ip() }, db);
      // Even with no admin left (removed by hand in the database), the used token does not work again.
      await db.execute(sql`update users set role = 'staff' where email = 'once@setup.test'`);
      expect(await adminExists(db)).toBe(false);
      const before = await counts(db);
      expect(await setupLinkUsable(link.token, { ip: ip() }, db)).toBeNull();
      expect(await codeOf(completeSetup(link.token, input('twice@setup.test'), { ip: ip() }, db))).toBe('SetupLinkInvalid');
      expect(await counts(db)).toEqual(before);
    } finally {
      await fresh.close();
    }
  });
});

describe('two browsers at once', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    await database?.close();
  });

  it('two submissions of one link and of two links (two instances) create exactly one admin', async () => {
    const { db } = database;
    const first = (await createSetupLinkIfNoAdmin(db))!;
    const second = (await createSetupLinkIfNoAdmin(db))!;
    const attempts = [
      completeSetup(first.token, input('one@setup.test', '甲'), { ip: ip() }, db),
      completeSetup(first.token, input('two@setup.test', '乙'), { ip: ip() }, db),
      completeSetup(second.token, input('three@setup.test', '丙'), { ip: ip() }, db),
      completeSetup(second.token, input('four@setup.test', '丁'), { ip: ip() }, db),
    ];
    const results = await Promise.allSettled(attempts);
    const won = results.filter((r) => r.status === 'fulfilled');
    expect(won).toHaveLength(1);
    for (const r of results) {
      if (r.status === 'rejected') expect(isAppError(r.reason) && r.reason.code).toBe('SetupLinkInvalid');
    }
    const c = await counts(db);
    expect(c.admins).toBe(1);
    expect(c.users).toBe(1);
    expect(c.sessions).toBe(1);
    expect(c.used).toBe(1);
    const setups = await db.select().from(auditEvents).where(eq(auditEvents.action, 'auth.setup'));
    expect(setups).toHaveLength(1);
  }, 60_000);
});

describe('an admin command while the server holds the embedded database', () => {
  let dir: string;
  let held: Database;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'kaimen-setup-held-'));
    // This process plays the server: it opens the directory and keeps it (and its lock file).
    held = await createDatabase({ pgliteDir: join(dir, 'db') });
    await migrateDatabase(held);
  });
  afterAll(async () => {
    await held?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('users:create says how to go on, exits 1, and creates nothing (the real tsx command)', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, SEED_SAMPLES: 'false', PGLITE_DIR: join(dir, 'db') };
    delete env.DATABASE_URL;
    const r = await runScript('users-create', ['--role', 'admin', '--email', 'held@setup.test', '--password', PASSWORD], env);
    expect(r.code).toBe(1);
    expect(r.out).toBe('');
    expect(r.err).toContain(`内嵌数据库正被运行中的服务器使用（进程 ${process.pid}`);
    expect(r.err).toContain('请先停止服务器（在运行 npm start 的终端按 Ctrl+C）再运行此命令');
    expect(r.err).toContain('一次性设置链接');
    expect(r.err).toContain('DATABASE_URL');
    expect(r.err).not.toMatch(/\n\s+at /); // no stack trace
    expect(await adminExists(held.db)).toBe(false);
  }, 120_000);
});
