/**
 * Several app instances on one PostgreSQL (issue 9): two built servers share sessions, receipts,
 * idempotency keys and rate limits; a background export started on one finishes exactly once
 * while both runners poll; and when the instance holding an export is killed (SIGKILL), the other
 * takes the job over once its lease (JOB_LEASE_SECONDS, short here) has run out. Migrations run by
 * two starting instances at once: migrations-concurrent.test.ts. PGlite serves one process only,
 * so this needs DATABASE_URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { systemActor } from '../../src/server/audit';
import { createUser } from '../../src/server/auth/users';
import { loadSampleDrafts } from '../../src/server/drafts/sample-drafts';
import { buildApp, fakeIp, postForm, removeBuild, signInOverHttp, startServer, type RunningServer } from '../support/built-server';

const pg = !!process.env.DATABASE_URL;
if (!pg) console.warn('[multi-instance] skipped: two app instances need PostgreSQL (set DATABASE_URL); PGlite serves one process only.');

const PASSWORD = 'Instances-pass-2026';
const LEASE_SECONDS = 3;

describe.skipIf(!pg)('two app instances on one PostgreSQL', () => {
  let database: TestDatabase;
  let buildDir: string;
  let exportDir: string;
  let a: RunningServer;
  let b: RunningServer;
  let staffCookie: string;

  const one = async <T>(query: ReturnType<typeof sql>): Promise<T> => (await database.db.execute(query)).rows[0] as T;
  const job = (id: string) => one<{ status: string; attempts: number; locked_by: string | null; result_path: string | null; finished_at: string | Date | null }>(
    sql`select status, attempts, locked_by, result_path, finished_at from jobs where id = ${id}`);
  async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 60_000): Promise<T> {
    const deadline = Date.now() + ms;
    for (;;) {
      const v = await probe();
      if (v) return v;
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  const comment = (server: RunningServer, body: object) => fetch(`${server.url}/api/v1/drafts/jiesu-jiban/comments`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': fakeIp() }, body: JSON.stringify(body),
  });
  /** Starts a background export on `server` through the report page's form; returns the job id. */
  async function startExport(server: RunningServer, slug: string, round: number, format: string): Promise<string> {
    const res = await postForm(server.url, `/staff/drafts/${slug}/rounds/${round}`, { action: 'export', format }, { cookie: staffCookie });
    await res.body?.cancel();
    expect(res.status).toBe(303);
    const id = /\/staff\/exports\/([0-9a-f-]{36})/.exec(res.headers.get('location') ?? '')?.[1];
    expect(id).toBeTruthy();
    return id!;
  }
  const resultFiles = () => readdirSync(exportDir).filter((f) => !f.endsWith('.part'));

  beforeAll(async () => {
    database = await createTestDatabase();
    await loadSampleDrafts(database.db);
    await createUser({ role: 'staff', account: { kind: 'email', value: 'staff@inst.test' }, password: PASSWORD, name: '工作人员' }, systemActor, database.db);
    await createUser({ role: 'citizen', account: { kind: 'email', value: 'citizen@inst.test' }, password: PASSWORD }, systemActor, database.db);
    exportDir = mkdtempSync(join(tmpdir(), 'kaimen-instances-exports-'));
    buildDir = await buildApp();
    const env = { DATABASE_URL: database.url!, TRUST_PROXY: 'true', EXPORT_DIR: exportDir, JOB_LEASE_SECONDS: String(LEASE_SECONDS) };
    [a, b] = await Promise.all([startServer(buildDir, env), startServer(buildDir, env)]);
    staffCookie = await signInOverHttp(a.url, 'staff@inst.test', PASSWORD);
  }, 240_000);

  afterAll(async () => {
    await Promise.all([a?.stop(), b?.stop()]);
    await database?.close();
    if (buildDir) removeBuild(buildDir);
    if (exportDir) rmSync(exportDir, { recursive: true, force: true });
  });

  it('a session made on A works on B, and signing out on B ends it on A', async () => {
    const cookie = await signInOverHttp(a.url, 'staff@inst.test', PASSWORD);
    const onB = await fetch(`${b.url}/staff`, { headers: { cookie }, redirect: 'manual' });
    expect(onB.status).toBe(200);
    const out = await postForm(b.url, '/signout', {}, { cookie });
    await out.body?.cancel();
    expect(out.status).toBe(303);
    const onA = await fetch(`${a.url}/staff`, { headers: { cookie }, redirect: 'manual' });
    await onA.body?.cancel();
    expect(onA.status).toBe(303);
    expect(onA.headers.get('location')).toMatch(/^\/signin\?/);
  });

  it('a comment submitted on A is looked up on B with its lookup code', async () => {
    const res = await comment(a, { body: '在实例A提交、在实例B查询的意见。' });
    expect(res.status).toBe(201);
    const { receipt, lookupCode } = await res.json() as { receipt: string; lookupCode: string };
    const onB = await fetch(`${b.url}/api/v1/receipts/${receipt}?code=${lookupCode}`, { headers: { 'x-forwarded-for': fakeIp() } });
    expect(onB.status).toBe(200);
    expect(await onB.json()).toMatchObject({ receipt, draft: expect.anything(), status: 'received' });
  });

  it('the same idempotency key sent to A and B at once stores one comment with one receipt', async () => {
    const key = randomUUID();
    const body = { body: '同时发往两个实例的同一条意见。', idempotencyKey: key };
    const [ra, rb] = await Promise.all([comment(a, body), comment(b, body)]);
    expect([ra.status, rb.status].sort()).toEqual([200, 201]);
    const [ja, jb] = await Promise.all([ra.json(), rb.json()]) as Array<{ receipt: string; lookupCode: string }>;
    expect(ja.receipt).toBe(jb.receipt);
    expect(ja.lookupCode).toBe(jb.lookupCode);
    expect(Number((await one<{ n: number }>(sql`select count(*)::int as n from comments where body = ${body.body}`)).n)).toBe(1);
  });

  it('sign-in attempts made on A count on B', async () => {
    for (let i = 0; i < 5; i++) {
      const res = await postForm(i % 2 ? a.url : b.url, '/signin', { account: 'citizen@inst.test', password: 'wrong-password-1' });
      await res.body?.cancel();
      expect(res.status).toBe(401);
    }
    const refused = await postForm(a.url, '/signin', { account: 'citizen@inst.test', password: PASSWORD });
    expect(refused.status).toBe(429);
    expect(await refused.text()).toMatch(/操作过于频繁/);
  });

  it('an export started on A finishes exactly once while both instances poll, and downloads from B', async () => {
    const id = await startExport(a, 'jiesu-jiban', 3, 'csv');
    const done = await until('the export job', async () => {
      const j = await job(id);
      return j.status === 'done' || j.status === 'failed' ? j : null;
    });
    expect(done).toMatchObject({ status: 'done', attempts: 1, result_path: `${id}.csv` });
    expect(resultFiles()).toEqual([`${id}.csv`]);
    const audits = await one<{ n: number }>(sql`select count(*)::int as n from audit_events where action = 'report.export' and after ->> 'jobId' = ${id}`);
    expect(Number(audits.n)).toBe(1);
    const download = await fetch(`${b.url}/staff/exports/${id}/download`, { headers: { cookie: staffCookie } });
    expect(download.status).toBe(200);
    expect(await download.text()).toContain('在实例A提交、在实例B查询的意见。');
  });

  it('when the instance running an export is killed, the other takes it over after the lease', async () => {
    // Enough comments (a closed round) that the DOCX takes several seconds.
    await database.db.execute(sql`
      insert into comments (receipt, lookup_hash, idempotency_key, draft_id, round_id, body, channel, fingerprint)
      select 'TCMI-' || g, 'x', 'mi-' || g, r.draft_id, r.id, '为了让导出任务运行得久一些而批量插入的第' || g || '条意见。', 'web', 'mi' || g
      from rounds r join drafts d on d.id = r.draft_id cross join generate_series(1, 60000) g
      where d.slug = 'tingche' and r.number = 2`);
    const before = resultFiles().length;
    const id = await startExport(a, 'tingche', 2, 'docx');
    const running = await until('an instance to claim the job', async () => {
      const j = await job(id);
      if (j.status === 'done') throw new Error('the export finished before it could be interrupted');
      return j.status === 'running' && j.locked_by ? j : null;
    });
    const holder = [a, b].find((s) => running.locked_by!.includes(`:${s.pid}:`));
    const other = holder === a ? b : a;
    expect(holder, `locked by ${running.locked_by}`).toBeTruthy();
    await holder!.kill();
    const killedAt = Date.now();
    const done = await until('the other instance to finish the job', async () => {
      const j = await job(id);
      return j.status === 'done' || j.status === 'failed' ? j : null;
    }, 90_000);
    expect(done.status).toBe('done');
    expect(done.attempts).toBe(2);
    // Not before the dead instance's lease had run out.
    expect(new Date(done.finished_at!).getTime()).toBeGreaterThan(killedAt + LEASE_SECONDS * 1000 - 1500);
    expect(resultFiles().length).toBe(before + 1);
    expect(resultFiles()).toContain(`${id}.docx`);
    const download = await fetch(`${other.url}/staff/exports/${id}/download`, { headers: { cookie: staffCookie } });
    expect(download.status).toBe(200);
    expect(download.headers.get('content-type')).toMatch(/wordprocessingml/);
    await download.body?.cancel();
  }, 150_000);
});
