/**
 * Logs and metrics of the built server (decision 018): one JSON access line per request with its
 * id (also the X-Request-Id header and on the error page) and no query string; /metrics only for
 * the addresses in METRICS_ALLOW.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildApp, removeBuild, serverDatabase, startServer, type RunningServer } from '../support/built-server';
import type { TestDatabase } from '../support/test-db';
import { jobs, outbox } from '../../src/db/schema';

let buildDir: string;
let env: Record<string, string>;
let server: RunningServer | undefined;
let testDb: TestDatabase | undefined;

beforeAll(async () => {
  buildDir = await buildApp();
  const made = await serverDatabase('observability');
  env = made.env;
  testDb = made.testDb;
  // A failed job, for the jobs gauge (the runner leaves failed jobs alone).
  await made.database.db.insert(jobs).values({ kind: 'report', payload: {}, status: 'failed' });
  // Outbox rows, for the outbox gauge by state and channel (none queued: the runner leaves these alone).
  await made.database.db.insert(outbox).values([
    { channel: 'email', recipient: 'a@example.cn', kind: 'answered', state: 'failed', lastError: '550' },
    { channel: 'sms', recipient: '13800001111', kind: 'answered', state: 'delivered', delivery: 'sms', sentAt: new Date() },
    { channel: 'sms', recipient: '13800002222', kind: 'round-opened', state: 'delivered', delivery: 'sms', sentAt: new Date() },
  ]);
  if (!testDb) await made.database.close(); // PGlite: one process on the directory
  server = await startServer(buildDir, { ...env, LOG_LEVEL: 'info' });
}, 240_000);

afterAll(async () => {
  await server?.stop();
  await testDb?.close();
  if (buildDir) removeBuild(buildDir);
});

/** The JSON access lines the server wrote for `id`. */
async function accessLines(id: string): Promise<Array<Record<string, any>>> {
  // The line is written when the response has gone out: give the server a moment.
  for (let i = 0; i < 20; i++) {
    const lines = server!.output().split('\n').filter((l) => l.includes(id)).map((l) => JSON.parse(l) as Record<string, any>);
    const access = lines.filter((l) => l.msg === 'request');
    if (access.length) return access;
    await new Promise((r) => setTimeout(r, 50));
  }
  return [];
}

describe('access log', () => {
  it('writes one JSON line per request with the incoming id, the path without its query, status and time', async () => {
    const id = 'proxy-req-0001-abcdef';
    const res = await fetch(`${server!.url}/?phone=13800001111&code=ABCD-EFGH`, { headers: { 'x-request-id': id } });
    await res.text();
    expect(res.headers.get('x-request-id')).toBe(id);
    const lines = await accessLines(id);
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({ level: 'info', req: { id, method: 'GET', path: '/' }, status: 200 });
    expect(typeof lines[0].ms).toBe('number');
    const raw = server!.output();
    expect(raw).not.toContain('13800001111');
    expect(raw).not.toContain('ABCD-EFGH');
    expect(raw).not.toContain('127.0.0.1"'); // no client address in any line
  });

  it('makes a new id when the incoming one is not a plain token, and logs static files too', async () => {
    const res = await fetch(`${server!.url}/favicon.svg`, { headers: { 'x-request-id': 'bad id\twith spaces' } });
    await res.arrayBuffer();
    const id = res.headers.get('x-request-id')!;
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    expect((await accessLines(id))[0]).toMatchObject({ req: { id, path: '/favicon.svg' }, status: res.status });
  });

  it('shows the request id on the error page so it can be quoted', async () => {
    const res = await fetch(`${server!.url}/signin`, { method: 'POST', headers: { origin: 'https://elsewhere.example', 'content-type': 'application/x-www-form-urlencoded' }, body: 'account=x' });
    expect(res.status).toBe(403);
    const id = res.headers.get('x-request-id')!;
    expect(await res.text()).toContain(id);
    expect(await accessLines(id)).toHaveLength(1); // the rewrite to the error page is not a second request
  });

  it('never shows a {placeholder} on the error page opened without the error behind it', async () => {
    const res = await fetch(`${server!.url}/error?code=ConsultationClosed`);
    const html = await res.text();
    expect(res.status).toBe(409);
    expect(html).not.toMatch(/\{\w+\}/);
    expect(html).toContain('请求有误');
  });
});

describe('/metrics', () => {
  it('answers 127.0.0.1 with the Prometheus text: requests by route pattern, latency, jobs, process', async () => {
    await (await fetch(`${server!.url}/drafts/no-such-draft-${Date.now()}`)).text();
    const res = await fetch(`${server!.url}/metrics`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain/);
    const text = await res.text();
    expect(text).toMatch(/kaimen_http_requests_total\{method="GET",route="\/",status="200"\} \d+/);
    expect(text).toContain('route="/drafts/[slug]",status="404"');
    expect(text).not.toContain('no-such-draft');
    expect(text).toContain('kaimen_http_request_duration_seconds_bucket');
    expect(text).toMatch(/kaimen_jobs\{status="failed"\} 1\n/);
    expect(text).toContain('# TYPE kaimen_outbox_messages gauge');
    expect(text).toContain('# HELP kaimen_outbox_messages Messages in the outbox by state (queued, delivered, failed) and channel (sms, email).');
    expect(text).toMatch(/kaimen_outbox_messages\{state="failed",channel="email"\} 1\n/);
    expect(text).toMatch(/kaimen_outbox_messages\{state="delivered",channel="sms"\} 2\n/);
    expect(text).not.toContain('13800001111');
    expect(text).toContain('kaimen_process_resident_memory_bytes');
    // The PostgreSQL pool's connections (PGlite has no pool).
    if (process.env.DATABASE_URL) expect(text).toMatch(/kaimen_db_pool_connections\{state="total"\} [1-9]/);
    else expect(text).not.toContain('kaimen_db_pool_connections{');
  });

  it('is not found from an address outside METRICS_ALLOW', async () => {
    await server!.stop();
    server = await startServer(buildDir, { ...env, METRICS_ALLOW: '10.0.0.0/8,::2' });
    const res = await fetch(`${server.url}/metrics`);
    expect(res.status).toBe(404);
    expect(await res.text()).not.toContain('kaimen_http_requests_total');
  });
});
