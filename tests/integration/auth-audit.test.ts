/** The audit trail: append-only in the database, HMAC-chained, checked by `npm run audit:verify` (more: audit-chain.test.ts). */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import type { Db } from '../../src/db/client';
import { recordAudit, systemActor, verifyAuditChain } from '../../src/server/audit';
import { createUser } from '../../src/server/auth/users';
import { signIn } from '../../src/server/auth/sign-in';
import { resetConfigCache } from '../../src/server/config';
import { resetKeyRings } from '../../src/server/keys';
import { main } from '../../src/cli/audit-verify';
import { runMain } from '../support/cli';

// This file's own audit key and anchor file (the command below reads them), never ./data's.
const saved = { AUDIT_KEY: process.env.AUDIT_KEY, AUDIT_ANCHOR_FILE: process.env.AUDIT_ANCHOR_FILE };
let database: TestDatabase;
beforeAll(async () => {
  process.env.AUDIT_KEY = 'auth-audit-test-key-0123456789abcdef-xyz';
  process.env.AUDIT_ANCHOR_FILE = join(mkdtempSync(join(tmpdir(), 'kaimen-anchors-')), 'anchors.jsonl');
  resetConfigCache();
  resetKeyRings();
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.close();
  for (const [k, v] of Object.entries(saved)) {
    if (v === undefined) delete process.env[k];
    else process.env[k] = v;
  }
  resetConfigCache();
  resetKeyRings();
});

async function someEvents(db: Db) {
  await createUser({ role: 'staff', account: { kind: 'email', value: `a${Math.random()}@audit.test` }, password: 'Audit-test-2026' }, systemActor, db);
  await db.transaction((tx) => recordAudit(tx, { id: null, kind: 'system', ip: '127.0.0.1' }, { action: 'test.one', objectType: 'x', objectId: '1', before: { a: 1 }, after: { a: 2 } }));
  await signIn({ account: { kind: 'email', value: 'nobody@audit.test' }, password: 'whatever-123' }, { ip: '203.0.113.9' }, db).catch(() => {});
}

/** Tampering needs the trigger out of the way, as an attacker with table-owner rights would do. */
async function tamper(db: Db, statement: ReturnType<typeof sql>) {
  await db.execute(sql`alter table audit_events disable trigger user`);
  await db.execute(statement);
  await db.execute(sql`alter table audit_events enable trigger user`);
}

describe('audit trail', () => {
  it('records sign-in failures and account changes with who, what, where', async () => {
    await someEvents(database.db);
    const rows = (await database.db.execute(sql`select action, actor_kind, ip, object_type from audit_events order by id`)).rows;
    expect(rows.map((r) => r.action)).toEqual(['user.create', 'test.one', 'auth.signin.failed']);
    expect(rows[2]).toMatchObject({ actor_kind: 'anonymous', ip: '203.0.113.9' });
    expect(await verifyAuditChain(database.db)).toEqual({ ok: true, checked: 3 });
  });
  it('is refused UPDATE and DELETE by the database itself', async () => {
    const update = await database.db.execute(sql`update audit_events set action = 'x' where id = 1`).catch((e) => e);
    expect(String(update.cause ?? update)).toMatch(/append-only/);
    const del = await database.db.execute(sql`delete from audit_events`).catch((e) => e);
    expect(String(del.cause ?? del)).toMatch(/append-only/);
    expect(await verifyAuditChain(database.db)).toMatchObject({ ok: true });
  });
  it('detects an edited event', async () => {
    await tamper(database.db, sql`update audit_events set after = '{"a":3}'::jsonb where action = 'test.one'`);
    const report = await verifyAuditChain(database.db);
    expect(report.ok).toBe(false);
    expect(report.brokenAt).toBe(2);
  });
});

describe('npm run audit:verify', () => {
  // In-process with a database of its own (this file's was tampered with above); the started
  // script's smoke test is in audit-chain.test.ts.
  it('passes on an intact chain and fails with a clear message on a deleted event', async () => {
    const fresh = await createTestDatabase();
    try {
      await someEvents(fresh.db);
      const good = await runMain(main, [], { database: fresh });
      expect(good.out).toMatch(/审计链完整/);
      expect(good.err).toBe('');
      expect(good.code).toBe(0);

      await tamper(fresh.db, sql`delete from audit_events where id = (select min(id) + 1 from audit_events)`);
      const bad = await runMain(main, [], { database: fresh });
      expect(bad.code).toBe(1);
      expect(bad.err).toMatch(/审计链在第 \d+ 条记录处断开/);
    } finally {
      await fresh.close();
    }
  });
});
