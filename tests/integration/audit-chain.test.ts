/**
 * The audit chain against someone who can rewrite the database but holds neither the audit key
 * nor the anchor file (decision 012): HMAC links, legacy rows only before keyed ones, key
 * rotation, anchors that catch a cut-off tail, and `npm run audit:verify` exiting 1.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { asc, sql } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { createDatabase, migrateDatabase, setDatabase, type Database, type Db } from '../../src/db/client';
import { auditEvents } from '../../src/db/schema';
import { GENESIS, checkAuditChain, hashEvent, hmacEvent, recordAudit, systemActor, verifyAuditChain } from '../../src/server/audit';
import { anchorAuditChain, makeAnchor, readAnchors, readChainHead, writeAnchor } from '../../src/server/audit-anchor';
import { resetConfigCache } from '../../src/server/config';
import { keyId, keyRing, resetKeyRings } from '../../src/server/keys';
import { stopJobRunner } from '../../src/server/jobs/runner';
import { startBackgroundWork } from '../../src/server/boot';
import { log as logger } from '../../src/server/log';
import { main } from '../../src/cli/audit-verify';
import { runMain, runScript } from '../support/cli';

const KEY_1 = 'audit-key-one-for-tests-0123456789abcdef';
const KEY_2 = 'audit-key-two-for-tests-0123456789abcdef';
const OTHER = 'someone-elses-key-for-tests-0123456789ab';

const dir = mkdtempSync(join(tmpdir(), 'kaimen-audit-chain-'));
const saved = { ...process.env };
let n = 0;
const anchorFile = () => join(dir, `anchors-${++n}.jsonl`);

function useKeys(current: string, previous: string[] = []) {
  process.env.AUDIT_KEY = current;
  if (previous.length) process.env.AUDIT_PREVIOUS_KEYS = previous.join(',');
  else delete process.env.AUDIT_PREVIOUS_KEYS;
  process.env.SECRETS_DIR = join(dir, 'secrets');
  resetConfigCache();
  resetKeyRings();
}

beforeAll(() => useKeys(KEY_1));
afterAll(() => {
  for (const k of ['AUDIT_KEY', 'AUDIT_PREVIOUS_KEYS', 'SECRETS_DIR']) {
    if (saved[k] === undefined) delete process.env[k];
    else process.env[k] = saved[k];
  }
  resetConfigCache();
  resetKeyRings();
  rmSync(dir, { recursive: true, force: true });
});

const open: TestDatabase[] = [];
async function fresh(): Promise<Db> {
  const database = await createTestDatabase();
  open.push(database);
  return database.db;
}
afterEach(async () => {
  useKeys(KEY_1);
  await Promise.all(open.splice(0).map((d) => d.close()));
});

async function events(db: Db, count: number, from = 0) {
  for (let i = from; i < from + count; i++) {
    await db.transaction((tx) => recordAudit(tx, systemActor, { action: 'test.event', objectType: 'x', objectId: String(i), after: { i } }));
  }
}

/** A row as the code before decision 012 wrote it: plain SHA-256, no key id. */
async function legacyEvents(db: Db, count: number) {
  let prevHash = GENESIS;
  for (let i = 0; i < count; i++) {
    const e = { at: new Date(Date.UTC(2026, 0, 1, 0, i)), actorId: null, actorKind: 'system', action: 'legacy.event', objectType: 'x', objectId: `L${i}`, ip: null, before: null, after: { i } };
    const hash = hashEvent(prevHash, e);
    await db.insert(auditEvents).values({ ...e, prevHash, hash, keyId: null });
    prevHash = hash;
  }
}

/** What someone with table-owner rights can do: the append-only trigger out of the way. */
async function tamper(db: Db, statement: ReturnType<typeof sql>) {
  await db.execute(sql`alter table audit_events disable trigger user`);
  await db.execute(statement);
  await db.execute(sql`alter table audit_events enable trigger user`);
}

const rowsOf = (db: Db) => db.select().from(auditEvents).orderBy(asc(auditEvents.id));

/** Rewrites every row from `fromId` on, recomputing each link with `sign` (the attacker's best). */
async function rewriteFrom(db: Db, fromId: number, sign: (prevHash: string, row: typeof auditEvents.$inferSelect) => { hash: string; keyId: string | null }) {
  const rows = await rowsOf(db);
  let prevHash = GENESIS;
  await db.execute(sql`alter table audit_events disable trigger user`);
  for (const row of rows) {
    if (row.id >= fromId) {
      const { hash, keyId: kid } = sign(prevHash, row);
      await db.update(auditEvents).set({ prevHash, hash, keyId: kid }).where(sql`id = ${row.id}`);
      prevHash = hash;
    } else {
      prevHash = row.hash;
    }
  }
  await db.execute(sql`alter table audit_events enable trigger user`);
}

async function checkWithAnchors(db: Db, files: string[]) {
  const read = await readAnchors(files);
  return { read, report: await checkAuditChain(db, { anchors: read.anchors }) };
}

describe('the keyed chain', () => {
  it('signs new rows with the current key and verifies them', async () => {
    const db = await fresh();
    await events(db, 3);
    const rows = await rowsOf(db);
    expect(rows.map((r) => r.keyId)).toEqual([keyId(Buffer.from(KEY_1)), keyId(Buffer.from(KEY_1)), keyId(Buffer.from(KEY_1))]);
    expect(rows[1].hash).toBe(hmacEvent(Buffer.from(KEY_1), rows[1].keyId!, rows[0].hash, rows[1]));
    expect(rows[1].hash).not.toBe(hashEvent(rows[0].hash, rows[1]));
    expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 3 });
  });

  it('(b) refuses a middle row rewritten with the following links recomputed in plain SHA-256', async () => {
    const db = await fresh();
    await events(db, 5);
    await tamper(db, sql`update audit_events set after = '{"i":99}'::jsonb where object_id = '2'`);
    const target = (await rowsOf(db))[2].id;
    // Key id kept: the SHA-256 is not the HMAC the key id promises.
    await rewriteFrom(db, target, (prev, row) => ({ hash: hashEvent(prev, row), keyId: row.keyId }));
    expect(await verifyAuditChain(db)).toMatchObject({ ok: false, brokenAt: target, problem: { kind: 'hash' } });
    // Key id removed, posing as legacy rows: a legacy row after a keyed one.
    await rewriteFrom(db, target, (prev, row) => ({ hash: hashEvent(prev, row), keyId: null }));
    expect(await verifyAuditChain(db)).toMatchObject({ ok: false, brokenAt: target, problem: { kind: 'legacyAfterKeyed' } });
  });

  it('(c) refuses a row re-signed with an HMAC under another key', async () => {
    const db = await fresh();
    await events(db, 4);
    const target = (await rowsOf(db))[1].id;
    const other = Buffer.from(OTHER);
    await tamper(db, sql`update audit_events set action = 'forged' where id = ${target}`);
    await rewriteFrom(db, target, (prev, row) => ({ hash: hmacEvent(other, row.keyId!, prev, row), keyId: row.keyId }));
    expect(await verifyAuditChain(db)).toMatchObject({ ok: false, brokenAt: target, problem: { kind: 'hash' } });
    // Naming the other key: a key this server does not know.
    await rewriteFrom(db, target, (prev, row) => ({ hash: hmacEvent(other, keyId(other), prev, row), keyId: keyId(other) }));
    expect(await verifyAuditChain(db)).toMatchObject({ ok: false, brokenAt: target, problem: { kind: 'unknownKey', keyId: keyId(other) } });
  });

  it('(d) accepts legacy rows followed by keyed rows, and catches a rewritten legacy row at the first keyed one', async () => {
    const db = await fresh();
    await legacyEvents(db, 3);
    await events(db, 2);
    const rows = await rowsOf(db);
    expect(rows.map((r) => r.keyId === null)).toEqual([true, true, true, false, false]);
    expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 5 });
    // A legacy row can be recomputed without a key, but the first keyed row has pinned its hash.
    await tamper(db, sql`update audit_events set after = '{"i":99}'::jsonb where object_id = 'L1'`);
    await rewriteFrom(db, rows[1].id, (prev, row) => (row.keyId === null ? { hash: hashEvent(prev, row), keyId: null } : { hash: row.hash, keyId: row.keyId }));
    // (Relinked, its HMAC no longer matches; left alone, its link does not: either way it breaks.)
    expect(await verifyAuditChain(db)).toMatchObject({ ok: false, brokenAt: rows[3].id, problem: { kind: 'hash' } });
  });

  it('refuses a legacy-looking row appended after keyed rows', async () => {
    const db = await fresh();
    await events(db, 2);
    const [last] = (await rowsOf(db)).slice(-1);
    const e = { at: new Date(), actorId: null, actorKind: 'system', action: 'forged', objectType: null, objectId: null, ip: null, before: null, after: null };
    await db.insert(auditEvents).values({ ...e, prevHash: last.hash, hash: hashEvent(last.hash, e), keyId: null });
    expect(await verifyAuditChain(db)).toMatchObject({ ok: false, brokenAt: last.id + 1, problem: { kind: 'legacyAfterKeyed' } });
  });

  it('(e) verifies the whole chain after a rotation with the old key in AUDIT_PREVIOUS_KEYS', async () => {
    const db = await fresh();
    const file = anchorFile();
    await events(db, 2);
    writeAnchor(file, makeAnchor((await readChainHead(db))!), () => {});
    useKeys(KEY_2, [KEY_1]);
    await events(db, 2, 2);
    writeAnchor(file, makeAnchor((await readChainHead(db))!), () => {});
    const rows = await rowsOf(db);
    expect(new Set(rows.map((r) => r.keyId))).toEqual(new Set([keyId(Buffer.from(KEY_1)), keyId(Buffer.from(KEY_2))]));
    const { read, report } = await checkWithAnchors(db, [file]);
    expect(read.problems).toEqual([]);
    expect(report).toMatchObject({ ok: true, checked: 4, anchorsChecked: 2 });

    // The old key forgotten: its rows and anchors are reported, with the key's id.
    useKeys(KEY_2);
    const forgotten = await checkWithAnchors(db, [file]);
    expect(forgotten.read.problems).toEqual([{ kind: 'unknownKey', source: `${file}:1`, keyId: keyId(Buffer.from(KEY_1)) }]);
    expect(forgotten.report).toMatchObject({ ok: false, brokenAt: rows[0].id, problem: { kind: 'unknownKey', keyId: keyId(Buffer.from(KEY_1)) } });
  });
});

describe('anchors', () => {
  it('(a) catch the newest rows deleted, which the chain alone cannot see', async () => {
    const db = await fresh();
    const file = anchorFile();
    await events(db, 5);
    const state = await anchorAuditChain(db, file, null, () => {});
    expect(state).toMatchObject({ count: 5 });
    expect(await checkWithAnchors(db, [file])).toMatchObject({ report: { ok: true, checked: 5, anchorsChecked: 1 } });

    const rows = await rowsOf(db);
    await tamper(db, sql`delete from audit_events where id >= ${rows[3].id}`);
    expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 3 }); // what the old check would say
    const { report } = await checkWithAnchors(db, [file]);
    expect(report).toMatchObject({ ok: false, brokenAt: rows[4].id, problem: { kind: 'anchorMissing', lastRowId: rows[2].id, count: 3 } });

    await tamper(db, sql`delete from audit_events`);
    expect((await checkWithAnchors(db, [file])).report).toMatchObject({ ok: false, problem: { kind: 'anchorMissing', lastRowId: 0, count: 0 } });
  });

  it('catch a rewritten chain of legacy rows that they cover', async () => {
    const db = await fresh();
    const file = anchorFile();
    await legacyEvents(db, 4);
    await anchorAuditChain(db, file, null, () => {});
    const rows = await rowsOf(db);
    // Without a keyed row after them, legacy rows can be recomputed: only the anchor sees it.
    await tamper(db, sql`update audit_events set after = '{"i":99}'::jsonb where object_id = 'L1'`);
    await rewriteFrom(db, rows[1].id, (prev, row) => ({ hash: hashEvent(prev, row), keyId: null }));
    expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 4 });
    expect((await checkWithAnchors(db, [file])).report).toMatchObject({ ok: false, brokenAt: rows[3].id, problem: { kind: 'anchorMismatch', count: 4 } });
  });

  it('refuse a forged anchor line and skip a line cut short', async () => {
    const db = await fresh();
    const file = anchorFile();
    await events(db, 3);
    await anchorAuditChain(db, file, null, () => {});
    const good = JSON.parse(readFileSync(file, 'utf8').trim());
    appendFileSync(file, '{"at":"2026-12-01T00:00:00.000Z","lastId":1');
    // The next anchor starts on a line of its own after the torn one.
    await events(db, 1, 3);
    await anchorAuditChain(db, file, { lastId: good.lastId, count: good.count }, () => {});
    const read = await readAnchors([file]);
    expect(read.unreadable).toEqual([`${file}:2`]);
    expect(read.anchors).toHaveLength(2);
    expect(read.problems).toEqual([]);
    appendFileSync(file, `${JSON.stringify({ ...good, lastId: 2, count: 2 })}\n`);
    expect((await readAnchors([file])).problems).toEqual([{ kind: 'forged', source: `${file}:4` }]);
  });

  it('are written only when the chain has grown, counting only the new rows', async () => {
    const db = await fresh();
    const file = anchorFile();
    expect(await anchorAuditChain(db, file, null, () => {})).toBeNull();
    expect(existsSync(file)).toBe(false);
    await events(db, 2);
    const logged: string[] = [];
    const first = await anchorAuditChain(db, file, null, (l) => logged.push(l));
    expect(await anchorAuditChain(db, file, first, (l) => logged.push(l))).toBe(first);
    await events(db, 3, 2);
    const second = await anchorAuditChain(db, file, first, (l) => logged.push(l));
    expect(second).toMatchObject({ count: 5 });
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(logged).toEqual(lines.map((l) => `[audit] anchor ${l}`));
    // A log holding the anchor lines among others serves as an anchor file too.
    const log = join(dir, 'server.log');
    writeFileSync(log, `[kaimen] started\n2026-12-04 ${logged[1]}\n`);
    expect((await readAnchors([log])).anchors).toEqual([expect.objectContaining({ lastId: second!.lastId, count: 5 })]);
    // The server's JSON log (src/server/log.ts): the anchor in its `anchor` field, among other lines.
    const info = vi.spyOn(logger, 'info').mockImplementation(() => {});
    await events(db, 1, 5);
    const third = await anchorAuditChain(db, file, second);
    const written = info.mock.calls.map((c: unknown[]) => c[0] as Record<string, unknown>).find((o: Record<string, unknown>) => typeof o === 'object' && 'anchor' in o)!;
    info.mockRestore();
    const jsonLog = join(dir, 'server.jsonl');
    writeFileSync(jsonLog, `${JSON.stringify({ level: 'info', msg: 'request', req: { id: 'x' } })}\n${JSON.stringify({ level: 'info', msg: '[audit] anchor', ...written })}\n`);
    expect(await readAnchors([jsonLog])).toMatchObject({ anchors: [expect.objectContaining({ lastId: third!.lastId, count: 6 })], unreadable: [] });
  });

  it('are written about every minute by the job runner (here every 100 ms), and once more when it stops', async () => {
    const database = await createTestDatabase({ global: true });
    open.push(database);
    const file = anchorFile();
    try {
      await startBackgroundWork({ exportDir: join(dir, 'exports'), anchorFile: file, anchorEveryMs: 100, pollMs: 60_000 });
      await events(database.db, 2);
      await expect.poll(() => existsSync(file) && readFileSync(file, 'utf8').trim().split('\n').length, { timeout: 10_000 }).toBe(1);
      await new Promise((r) => setTimeout(r, 400));
      expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1); // nothing new, nothing written
      await events(database.db, 1, 2);
      await expect.poll(() => readFileSync(file, 'utf8').trim().split('\n').length, { timeout: 10_000 }).toBe(2);
      await events(database.db, 1, 3);
    } finally {
      await stopJobRunner();
      setDatabase(undefined);
    }
    const lines = readFileSync(file, 'utf8').trim().split('\n');
    expect(JSON.parse(lines[lines.length - 1])).toMatchObject({ count: 4 });
    expect((await checkWithAnchors(database.db, [file])).report).toMatchObject({ ok: true, checked: 4 });
  });
});

describe('npm run audit:verify (f)', () => {
  /** The command in-process against `database`, with AUDIT_ANCHOR_FILE set to `anchors` for the call. */
  async function verify(database: Database, anchors: string, ...args: string[]) {
    process.env.AUDIT_ANCHOR_FILE = anchors;
    resetConfigCache();
    try {
      const r = await runMain(main, args, { database });
      return { code: r.code, out: r.out + r.err };
    } finally {
      if (saved.AUDIT_ANCHOR_FILE === undefined) delete process.env.AUDIT_ANCHOR_FILE;
      else process.env.AUDIT_ANCHOR_FILE = saved.AUDIT_ANCHOR_FILE;
      resetConfigCache();
    }
  }

  it('anchors a verified chain, then exits 1 when its newest rows are cut off or an anchor is forged', async () => {
    const file = anchorFile();
    const database = await createTestDatabase();
    open.push(database);
    await events(database.db, 4);
    const rows = await rowsOf(database.db);

    const good = await verify(database, file);
    expect(good.out).toContain('审计链完整：已核对 4 条记录和 0 个锚点');
    expect(good.out).toContain(`已写入新锚点：到第 ${rows[3].id} 条，共 4 条记录`);
    expect(good.out).toMatch(/\[audit\] anchor \{/);
    expect(good.code).toBe(0);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
    const again = await verify(database, file);
    expect(again.out).toContain('审计链完整：已核对 4 条记录和 1 个锚点');
    expect(again.code).toBe(0);

    await tamper(database.db, sql`delete from audit_events where id >= ${rows[2].id}`);
    const cut = await verify(database, file);
    expect(cut.code).toBe(1);
    expect(cut.out).toContain(`锚点（${file}:1）记载审计链到第 ${rows[3].id} 条共 4 条记录`);
    expect(cut.out).toContain('末尾的记录被截去或删除了');
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(2); // no anchor after a failed check

    const forgedFile = join(dir, 'forged.jsonl');
    const forged = makeAnchor({ lastId: rows[1].id, count: 2, head: rows[1].hash }, { ...keyRing('audit'), current: Buffer.from(OTHER) });
    writeFileSync(forgedFile, `${JSON.stringify(forged)}\n`);
    const bad = await verify(database, join(dir, 'none.jsonl'), '--anchors', forgedFile);
    expect(bad.code).toBe(1);
    expect(bad.out).toContain(`锚点签名不符（${forgedFile}:1）`);
    const missing = await verify(database, file, '--anchors', join(dir, 'nope.jsonl'));
    expect(missing.code).toBe(1);
    expect(missing.out).toContain('找不到锚点文件');
  });

  it('runs as the started script: checks the configured database, prints the anchor line, exits 0 (smoke)', async () => {
    const file = anchorFile();
    const env: NodeJS.ProcessEnv = { ...process.env, AUDIT_KEY: KEY_1, AUDIT_ANCHOR_FILE: file, SECRETS_DIR: join(dir, 'secrets'), SEED_SAMPLES: 'false' };
    let rows;
    if (process.env.DATABASE_URL) {
      const database = await createTestDatabase();
      open.push(database);
      env.DATABASE_URL = database.url!;
      await events(database.db, 2);
      rows = await rowsOf(database.db);
    } else {
      env.PGLITE_DIR = join(dir, 'cli-db');
      const d = await createDatabase({ pgliteDir: env.PGLITE_DIR });
      await migrateDatabase(d);
      await events(d.db, 2);
      rows = await rowsOf(d.db);
      await d.close();
    }
    const r = await runScript('audit-verify', [], env);
    expect(r.err).toBe('');
    expect(r.out).toContain('审计链完整：已核对 2 条记录和 0 个锚点');
    expect(r.out).toMatch(/\[audit\] anchor \{/);
    expect(r.out).toContain(`已写入新锚点：到第 ${rows[1].id} 条，共 2 条记录（${file}）。`);
    expect(r.code).toBe(0);
    expect(readFileSync(file, 'utf8').trim().split('\n')).toHaveLength(1);
  }, 120_000);
});
