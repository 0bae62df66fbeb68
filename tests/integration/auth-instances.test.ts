/**
 * Rate limits hold across app instances: two built servers on one PostgreSQL database, and
 * sign-in attempts on A count on B. PGlite is one process only, so this needs DATABASE_URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { systemActor } from '../../src/server/audit';
import { createUser } from '../../src/server/auth/users';
import { buildApp, postForm, removeBuild, startServer, type RunningServer } from '../support/built-server';

const pg = !!process.env.DATABASE_URL;
if (!pg) console.warn('[auth-instances] skipped: two app instances need PostgreSQL (set DATABASE_URL); PGlite serves one process only.');

describe.skipIf(!pg)('two app instances on one PostgreSQL', () => {
  let database: TestDatabase;
  let buildDir: string;
  let a: RunningServer;
  let b: RunningServer;

  beforeAll(async () => {
    database = await createTestDatabase();
    await createUser({ role: 'citizen', account: { kind: 'email', value: 'shared@inst.test' }, password: 'Shared-pass-2026' }, systemActor, database.db);
    buildDir = await buildApp();
    const env = { DATABASE_URL: database.url!, TRUST_PROXY: 'true' };
    [a, b] = await Promise.all([startServer(buildDir, env), startServer(buildDir, env)]);
  }, 240_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await database?.close();
    if (buildDir) removeBuild(buildDir);
  });

  it('counts sign-in attempts of one account made on A when they continue on B', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await postForm(a.url, '/signin', { account: 'shared@inst.test', password: 'wrong-password-1' });
      expect(res.status).toBe(401);
      await res.body?.cancel();
    }
    const refused = await postForm(b.url, '/signin', { account: 'shared@inst.test', password: 'Shared-pass-2026' });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(await refused.text()).toMatch(/操作过于频繁，请 \d+ 秒后再试/);
  });

  it('counts attempts from one IP across both instances', async () => {
    const ip = '192.0.2.77';
    for (let i = 0; i < 20; i++) {
      const server = i % 2 ? a : b;
      const res = await postForm(server.url, '/signin', { account: `n${i}@inst.test`, password: 'wrong-password-1' }, { 'x-forwarded-for': ip });
      expect(res.status).toBe(401);
      await res.body?.cancel();
    }
    const refused = await postForm(a.url, '/signin', { account: 'other@inst.test', password: 'wrong-password-1' }, { 'x-forwarded-for': ip });
    expect(refused.status).toBe(429);
    await refused.body?.cancel();
  });
});
