/**
 * Housekeeping (src/server/jobs/housekeeping.ts): old export files go and their jobs stop naming them
 * (the download then answers ExportFileMissing), killed exports' .part files go after a day,
 * expired rate-limit windows and sessions go, outbox rows done 90 days ago keep only a masked
 * recipient and no parameters, done message jobs go after 7 days; everything recent stays.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import { jobs, outbox, rateLimits, sessions } from '../../src/db/schema';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { seedReportFixture, type Seeded } from './reports-fixture';
import { runHousekeeping } from '../../src/server/jobs/housekeeping';
import { openExportFile } from '../../src/server/reports/report-export';
import type { SessionUser } from '../../src/server/auth/session-user';

let database: TestDatabase;
let seeded: Seeded;
const exportDir = mkdtempSync(join(tmpdir(), 'kaimen-housekeeping-'));
const DAY = 86_400_000;
const now = new Date('2026-11-21T12:00:00Z');
const ago = (days: number) => new Date(now.getTime() - days * DAY);

beforeAll(async () => {
  database = await createTestDatabase();
  seeded = await seedReportFixture(database.db);
});
afterAll(() => database?.close());

async function doneJob(finishedDaysAgo: number) {
  const [job] = await database.db.insert(jobs).values({
    kind: 'report', createdBy: seeded.staffId, status: 'done', progress: 100, finishedAt: ago(finishedDaysAgo),
    payload: { slug: seeded.slug, round: 1, format: 'csv', audience: 'staff', locale: 'zh-CN' },
  }).returning();
  const file = `${job.id}.csv`;
  writeFileSync(join(exportDir, file), 'x');
  await database.db.update(jobs).set({ resultPath: file }).where(eq(jobs.id, job.id));
  return { id: job.id, path: join(exportDir, file) };
}

describe('housekeeping', () => {
  it('removes what is past its time and keeps the rest', async () => {
    const old = await doneJob(15);
    const recent = await doneJob(2);
    const stalePart = join(exportDir, 'a.csv.123.part');
    const freshPart = join(exportDir, 'b.csv.456.part');
    // A large import's answer never fetched (lookup codes) and its kept body: gone after a day.
    const staleAnswer = join(exportDir, 'import-0b6ad4a8-2f1e-4c49-9a57-3d7c6f1f2b10.answer.json');
    const staleInput = join(exportDir, 'import-1c7be5b9-3a2f-4d5a-8b68-4e8d7a2a3c21.input');
    const freshInput = join(exportDir, 'import-2d8cf6ca-4b3a-4e6b-9c79-5f9e8b3b4d32.input');
    for (const f of [stalePart, freshPart, staleAnswer, staleInput, freshInput]) writeFileSync(f, 'x');
    for (const f of [stalePart, staleAnswer, staleInput]) utimesSync(f, ago(2), ago(2));
    for (const f of [freshPart, freshInput]) utimesSync(f, now, now);
    await database.db.insert(rateLimits).values([
      { key: 'hk:old', points: 1, resetAt: new Date(Date.now() - 2 * 3600_000) },
      { key: 'hk:current', points: 1, resetAt: new Date(Date.now() + 600_000) },
    ]);
    await database.db.insert(sessions).values([
      { id: 'hk-expired', userId: seeded.staffId, expiresAt: ago(3), absoluteExpiresAt: ago(3) },
      { id: 'hk-live', userId: seeded.staffId, expiresAt: new Date(now.getTime() + DAY), absoluteExpiresAt: new Date(now.getTime() + DAY) },
    ]);

    const result = await runHousekeeping({ exportDir, retentionDays: 14, now, db: database.db });
    expect(result).toMatchObject({ exports: 1, partFiles: 3 });
    expect([staleAnswer, staleInput, freshInput].map((f) => existsSync(f))).toEqual([false, false, true]);
    expect(result.limits).toBeGreaterThanOrEqual(1);
    expect(result.sessions).toBeGreaterThanOrEqual(1);

    expect(existsSync(old.path)).toBe(false);
    expect(existsSync(recent.path)).toBe(true);
    expect(existsSync(stalePart)).toBe(false);
    expect(existsSync(freshPart)).toBe(true);
    const keys = (await database.db.select({ key: rateLimits.key }).from(rateLimits)).map((r) => r.key);
    expect(keys).toContain('hk:current');
    expect(keys).not.toContain('hk:old');
    const ids = (await database.db.select({ id: sessions.id }).from(sessions)).map((r) => r.id);
    expect(ids).toContain('hk-live');
    expect(ids).not.toContain('hk-expired');

    // The old job stays listed, without a file: its download says so (410), never streams the folder.
    const staff: SessionUser = { id: seeded.staffId, role: 'staff', name: null, email: null, phone: null, district: null, occupation: null, via: 'session' };
    await expect(openExportFile(old.id, staff, exportDir, null, database.db)).rejects.toMatchObject({ code: 'ExportFileMissing' });
    const again = await openExportFile(recent.id, staff, exportDir, null, database.db);
    await again.stream.cancel();

    // A second run finds nothing more to do.
    expect(await runHousekeeping({ exportDir, retentionDays: 14, now, db: database.db })).toMatchObject({ exports: 0, partFiles: 0, sessions: 0 });
    const [row] = await database.db.execute(sql`select count(*)::int as n from jobs where result_path is null and id = ${old.id}::uuid`).then((r) => r.rows);
    expect(row).toEqual({ n: 1 });
  });

  it('keeps only a masked contact and no parameters on outbox rows done 90 days ago, and drops done message jobs after 7 days', async () => {
    const db = database.db;
    const row = (recipient: string, state: string, daysAgo: number, lastError: string | null = null) => ({
      channel: recipient.includes('@') ? 'email' : 'sms', recipient, kind: 'answered', state, lastError,
      params: { draft: '示例条例', receipt: 'R-HK-1' }, createdAt: ago(daysAgo),
    });
    const inserted = await db.insert(outbox).values([
      row('13800001234', 'delivered', 91),
      row('old.reader@example.cn', 'failed', 120, '550 5.1.1 <old.reader@example.cn>: Recipient address rejected'),
      row('recent@example.cn', 'delivered', 89),
      row('13900005678', 'queued', 100), // still to be sent: its contact is still needed
    ]).returning({ id: outbox.id, recipient: outbox.recipient });
    const idOf = (recipient: string) => inserted.find((r) => r.recipient === recipient)!.id;
    const messageJob = (status: string, finishedDaysAgo: number) =>
      ({ kind: 'message', lane: 'messages', payload: { message: idOf('recent@example.cn') }, status, finishedAt: ago(finishedDaysAgo) });
    const jobsIn = await db.insert(jobs).values([messageJob('done', 8), messageJob('done', 6), messageJob('failed', 30)]).returning({ id: jobs.id });

    const result = await runHousekeeping({ exportDir, retentionDays: 14, now, db });
    expect(result).toMatchObject({ outboxMasked: 2, messageJobs: 1 });

    const byId = new Map((await db.select().from(outbox)).map((r) => [r.id, r]));
    expect(byId.get(idOf('13800001234'))).toMatchObject({ recipient: '138****1234', params: {}, state: 'delivered' });
    expect(byId.get(idOf('old.reader@example.cn'))).toMatchObject({
      recipient: 'o***@example.cn', params: {}, state: 'failed', lastError: '550 5.1.1 <o***@example.cn>: Recipient address rejected',
    });
    expect(byId.get(idOf('recent@example.cn'))).toMatchObject({ recipient: 'recent@example.cn', params: { receipt: 'R-HK-1' } });
    expect(byId.get(idOf('13900005678'))).toMatchObject({ recipient: '13900005678', params: { receipt: 'R-HK-1' } });
    const left = (await db.select({ id: jobs.id }).from(jobs)).map((j) => j.id);
    expect(left).not.toContain(jobsIn[0].id);
    expect(left).toContain(jobsIn[1].id);
    expect(left).toContain(jobsIn[2].id); // a failed job is kept (only done ones go)

    // A second run masks nothing twice (138****1234 stays, is not masked again into 1***4).
    expect(await runHousekeeping({ exportDir, retentionDays: 14, now, db })).toMatchObject({ outboxMasked: 0, messageJobs: 0 });
    expect((await db.select().from(outbox).where(eq(outbox.id, idOf('13800001234'))))[0].recipient).toBe('138****1234');
  });
});
