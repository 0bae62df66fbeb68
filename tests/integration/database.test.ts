import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { migrateDatabase } from '../../src/db/client';
import { auditEvents } from '../../src/db/schema';
import { recordAudit, systemActor, verifyAuditChain } from '../../src/server/audit';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
});
afterAll(async () => {
  await database.close();
});

describe('database', () => {
  it('is migrated, and migrating again applies nothing', async () => {
    const before = await database.db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
    await migrateDatabase(database);
    const after = await database.db.execute(sql`select count(*)::int as n from drizzle.__drizzle_migrations`);
    expect(after.rows[0]).toEqual(before.rows[0]);
    expect(Number((before.rows[0] as { n: number }).n)).toBeGreaterThanOrEqual(2);
  });

  it('keeps an append-only, hash-chained audit trail', async () => {
    const db = database.db;
    for (let i = 0; i < 3; i++) {
      await db.transaction((tx) => recordAudit(tx, systemActor, { action: 'test.event', objectId: String(i), after: { i, nested: { b: 1, a: [1, 'x'] } } }));
    }
    expect(await verifyAuditChain(db)).toEqual({ ok: true, checked: 3 });
    await expect(db.execute(sql`update audit_events set action = 'forged'`)).rejects.toThrow();
    await expect(db.execute(sql`delete from audit_events`)).rejects.toThrow();
    // Tampering by someone who can bypass the trigger is detected by the chain.
    await db.execute(sql`alter table audit_events disable trigger audit_events_no_update`);
    await db.execute(sql`update audit_events set after = '{"i": 99}'::jsonb where object_id = '1'`);
    await db.execute(sql`alter table audit_events enable trigger audit_events_no_update`);
    const report = await verifyAuditChain(db);
    expect(report.ok).toBe(false);
    const [second] = await db.select().from(auditEvents).where(sql`object_id = '1'`);
    expect(report.brokenAt).toBe(second.id);
  });
});
