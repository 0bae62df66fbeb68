/**
 * Reads from a replica (issue 22, src/db/replica.ts): anonymous reading pages use getReadDb(),
 * which is the replica only inside withReplicaReads and while the replica answers within
 * READ_MAX_LAG_MS; a replica that is down or lags more sends reads to the primary, never an
 * error, and /healthz says which. The same PostgreSQL database stands in for the replica here
 * (it is not in recovery: lag 0), a port nobody listens on for a dead one; the real streaming
 * replica is exercised by bench/cluster.ts. Needs DATABASE_URL (PGlite has no replica).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { buildApp, freePort, removeBuild, startServer, type RunningServer } from '../support/built-server';
import { getDb, type Db } from '../../src/db/client';
import { getReadDb, openReadReplica, setReadReplica, withReplicaReads, type ReadReplica } from '../../src/db/replica';
import { checkHealth } from '../../src/server/health';
import { loadSampleDrafts } from '../../src/server/drafts/sample-drafts';
import { getDraftRound } from '../../src/server/drafts/get-draft';
import { getDraftStats } from '../../src/server/reports/stats';
import { readsFromReplica } from '../../src/server/web/replica-reads';

const pg = !!process.env.DATABASE_URL;
if (!pg) console.warn('[read-replica] skipped: a read replica needs PostgreSQL (set DATABASE_URL).');

const SLUG = 'jiesu-jiban';
const CLOSED = 'tingche';
const primaryPool = () => (getDb() as unknown as { $client: import('pg').Pool }).$client;
const deadUrl = async () => `postgres://postgres@127.0.0.1:${await freePort()}/nowhere`;

describe.skipIf(!pg)('the read handle', () => {
  let database: TestDatabase;
  const opened: ReadReplica[] = [];
  const open = async (url: string, extra: { maxLagMs?: number; measureLag?: (db: Db) => Promise<number> } = {}) => {
    const replica = await openReadReplica({ url, maxLagMs: extra.maxLagMs ?? 5000, poolMax: 2, checkEveryMs: 60_000, measureLag: extra.measureLag }, primaryPool());
    opened.push(replica);
    setReadReplica(replica);
    return replica;
  };

  beforeAll(async () => {
    database = await createTestDatabase({ global: true });
    await loadSampleDrafts(database.db);
  });
  afterAll(async () => {
    setReadReplica(undefined);
    for (const r of opened) await r.close();
    await database?.close();
  });

  it('is the replica inside an anonymous reading scope while it keeps up, the primary elsewhere', async () => {
    const replica = await open(database.url!);
    expect(replica.health()).toMatchObject({ state: 'ok', lagMs: 0, readsFrom: 'replica' });
    expect(withReplicaReads(() => getReadDb())).toBe(replica.db);
    expect(getReadDb()).toBe(getDb());
    const fromReplica = await withReplicaReads(() => getDraftRound(SLUG));
    expect(fromReplica.draft.slug).toBe(SLUG);
    expect((await checkHealth()).replica).toMatchObject({ state: 'ok', readsFrom: 'replica', maxLagMs: 5000 });
  });

  it('falls back to the primary when the replica is down: pages are still served', async () => {
    const replica = await open(await deadUrl());
    expect(replica.health()).toMatchObject({ state: 'down', lagMs: null, readsFrom: 'primary' });
    expect(withReplicaReads(() => getReadDb())).toBe(getDb());
    expect((await withReplicaReads(() => getDraftRound(SLUG))).draft.slug).toBe(SLUG);
    expect((await withReplicaReads(() => getDraftStats(SLUG))).draft.slug).toBe(SLUG);
    // A statement sent to the replica's handle itself runs on the primary instead.
    const { rows } = await replica.db.execute(sql`select 1 as one`);
    expect(rows[0]).toMatchObject({ one: 1 });
    expect(replica.health().fallbacks).toBeGreaterThan(0);
    const health = await checkHealth();
    expect(health.status).toBe('ok');
    expect(health.replica).toMatchObject({ state: 'down', readsFrom: 'primary' });
  });

  it('falls back to the primary while the replica lags more than the bound, and returns when it catches up', async () => {
    let lag = 60_000;
    const replica = await open(database.url!, { maxLagMs: 5000, measureLag: async () => lag });
    expect(replica.health()).toMatchObject({ state: 'lagging', lagMs: 60_000, readsFrom: 'primary' });
    expect(withReplicaReads(() => getReadDb())).toBe(getDb());
    expect((await withReplicaReads(() => getDraftRound(SLUG))).draft.slug).toBe(SLUG);
    lag = 1200;
    expect(await replica.check()).toMatchObject({ state: 'ok', lagMs: 1200, readsFrom: 'replica' });
    expect(withReplicaReads(() => getReadDb())).toBe(replica.db);
  });

  it('is used only for anonymous GETs of the reading pages', () => {
    for (const route of ['/drafts/[slug]', '/drafts/[slug]/stats', '/drafts/[slug]/feedback', '/drafts/[slug]/data.csv', '/drafts/[slug]/diff', '/api/v1/drafts/[slug]/stats']) {
      expect(readsFromReplica('GET', route, true), route).toBe(true);
      expect(readsFromReplica('GET', route, false), route).toBe(false);
      expect(readsFromReplica('POST', route, true), route).toBe(false);
    }
    for (const route of ['/receipts/[receipt]', '/drafts/[slug]/comment', '/staff', '/account', '/api/v1/receipts/[receipt]', undefined]) {
      expect(readsFromReplica('GET', route, true), String(route)).toBe(false);
    }
  });
});

describe.skipIf(!pg)('a built server with DATABASE_READ_URL', () => {
  let database: TestDatabase;
  let buildDir: string;
  const servers: RunningServer[] = [];

  beforeAll(async () => {
    database = await createTestDatabase();
    await loadSampleDrafts(database.db);
    // The closed draft's answer published, so its feedback page and data.csv exist.
    await database.db.execute(sql`update rounds set feedback_published_at = now()
      where id = (select r.id from rounds r join drafts d on d.id = r.draft_id where d.slug = ${CLOSED} order by r.number desc limit 1)`);
    buildDir = await buildApp();
  }, 300_000);
  afterAll(async () => {
    for (const s of servers) await s.stop();
    if (buildDir) removeBuild(buildDir);
    await database?.close();
  });

  const pages = [`/drafts/${SLUG}`, `/drafts/${SLUG}/stats`, `/drafts/${CLOSED}/feedback`, `/drafts/${CLOSED}/data.csv`, `/drafts/${SLUG}/diff?from=2&to=3`, `/api/v1/drafts/${SLUG}`, `/api/v1/drafts/${SLUG}/stats`];
  const health = async (server: RunningServer) => (await (await fetch(`${server.url}/healthz`)).json()) as { status: string; replica?: { state: string; readsFrom: string } };

  it('serves every reading page from the primary when the replica address answers nothing', async () => {
    const server = await startServer(buildDir, { DATABASE_URL: database.url!, DATABASE_READ_URL: await deadUrl() });
    servers.push(server);
    expect(await health(server)).toMatchObject({ status: 'ok', replica: { state: 'down', readsFrom: 'primary' } });
    for (const path of pages) {
      const res = await fetch(`${server.url}${path}`);
      await res.arrayBuffer();
      expect(res.status, path).toBe(200);
    }
  }, 120_000);

  it('reads from a replica that keeps up, and says so on /healthz', async () => {
    const server = await startServer(buildDir, { DATABASE_URL: database.url!, DATABASE_READ_URL: database.url!, READ_MAX_LAG_MS: '2000' });
    servers.push(server);
    expect(await health(server)).toMatchObject({ status: 'ok', replica: { state: 'ok', readsFrom: 'replica', maxLagMs: 2000, lagMs: 0 } });
    for (const path of pages) {
      const res = await fetch(`${server.url}${path}`);
      await res.arrayBuffer();
      expect(res.status, path).toBe(200);
    }
  }, 120_000);
});
