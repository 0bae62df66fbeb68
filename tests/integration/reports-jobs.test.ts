/**
 * The export job runner on the jobs table: claim with SKIP LOCKED, lease takeover after an
 * instance died, exactly one completion, hand-back on shutdown; and the export requests (direct
 * or job, permissions, audit, downloads).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { eq, sql } from 'drizzle-orm';
import ExcelJS from 'exceljs';
import { auditEvents, jobs } from '../../src/db/schema';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { seedReportFixture, type Seeded } from './reports-fixture';
import { claimJob, enqueueJob, registerJobHandler, renewLease, runNextJob } from '../../src/server/jobs/runner';
import { exportJobName, getExportJob, listExportJobs, openExportFile, requestReportExport, runReportJob } from '../../src/server/reports/report-export';
import type { SessionUser } from '../../src/server/auth/session-user';

let database: TestDatabase;
let seeded: Seeded;
let staff: SessionUser;
let admin: SessionUser;
const exportDir = mkdtempSync(join(tmpdir(), 'kaimen-exports-test-'));
const person = (id: string, role: SessionUser['role']): SessionUser => ({ id, role, name: null, email: null, phone: null, district: null, occupation: null, via: 'session' });

beforeAll(async () => {
  registerJobHandler('report', runReportJob);
  database = await createTestDatabase();
  seeded = await seedReportFixture(database.db);
  staff = person(seeded.staffId, 'staff');
  admin = person(seeded.adminId, 'admin');
});
afterAll(() => database?.close());

const reportPayload = (format = 'csv', audience = 'staff') => ({ slug: seeded.slug, round: 1, format, audience, locale: 'zh-CN' });
const jobRow = async (id: string) => (await database.db.select().from(jobs).where(eq(jobs.id, id)))[0];
const clear = () => database.db.execute(sql`update jobs set status = 'done' where status in ('queued', 'running')`);

describe('the runner', () => {
  it('runs a queued report job to completion and writes the file', async () => {
    await clear();
    const job = await enqueueJob('report', reportPayload('xlsx'), seeded.staffId, database.db);
    const ran = await runNextJob({ workerId: 'w1', exportDir, db: database.db });
    expect(ran?.id).toBe(job.id);
    const row = await jobRow(job.id);
    expect(row).toMatchObject({ status: 'done', progress: 100, attempts: 1, lockedBy: null });
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.readFile(join(exportDir, row.resultPath!));
    const { rows } = await database.db.execute<{ n: number }>(sql`select count(*)::int as n from comments where round_id = ${seeded.round1}`);
    expect(wb.getWorksheet('意见明细')!.rowCount - 1).toBe(Number(rows[0].n));
    expect(await runNextJob({ workerId: 'w1', exportDir, db: database.db })).toBeNull();
  });

  it('never lets two workers claim the same job', async () => {
    await clear();
    const job = await enqueueJob('report', reportPayload(), seeded.staffId, database.db);
    const [a, b] = await Promise.all([claimJob('a', 60_000, database.db), claimJob('b', 60_000, database.db)]);
    expect([a?.id, b?.id].filter(Boolean)).toEqual([job.id]);
  });

  it('takes over a job whose worker died once its lease ran out; the dead worker can no longer finish it', async () => {
    await clear();
    const job = await enqueueJob('report', reportPayload('docx'), seeded.staffId, database.db);
    const dead = await claimJob('dead', 60_000, database.db);
    expect(dead?.id).toBe(job.id);
    // Still leased: nobody else gets it.
    expect(await claimJob('other', 60_000, database.db)).toBeNull();
    await database.db.execute(sql`update jobs set locked_until = now() - interval '1 second' where id = ${job.id}`);
    const ran = await runNextJob({ workerId: 'alive', exportDir, db: database.db });
    expect(ran?.id).toBe(job.id);
    const row = await jobRow(job.id);
    expect(row).toMatchObject({ status: 'done', attempts: 2 });
    expect(existsSync(join(exportDir, row.resultPath!))).toBe(true);
    expect(await renewLease(job.id, 'dead', 60_000, 50, database.db)).toBe(false);
  });

  it('gives a job back to the queue when the server stops, without counting the try', async () => {
    await clear();
    let started = () => {};
    const running = new Promise<void>((r) => { started = r; });
    registerJobHandler('wait-for-stop', (ctx) => {
      started();
      return new Promise((_, reject) => ctx.signal.addEventListener('abort', () => reject(ctx.signal.reason)));
    });
    const job = await enqueueJob('wait-for-stop', {}, seeded.staffId, database.db);
    const stop = new AbortController();
    const run = runNextJob({ workerId: 'stopping', exportDir, signal: stop.signal, db: database.db });
    await running;
    stop.abort();
    await run;
    expect(await jobRow(job.id)).toMatchObject({ status: 'queued', attempts: 0, lockedBy: null });
    // A stopped runner claims nothing.
    expect(await runNextJob({ workerId: 'stopping', exportDir, signal: stop.signal, db: database.db })).toBeNull();
  });

  it('fails a job with a permanent error and keeps the reason', async () => {
    await clear();
    const job = await enqueueJob('report', { ...reportPayload(), slug: 'no-such-draft' }, seeded.staffId, database.db);
    await runNextJob({ workerId: 'w', exportDir, db: database.db });
    expect(await jobRow(job.id)).toMatchObject({ status: 'failed', error: 'DraftNotFound' });
  });
});

describe('export requests', () => {
  it('streams a small round directly and records the export in the audit trail', async () => {
    const plan = await requestReportExport({ slug: seeded.slug, round: 1, format: 'csv', user: staff }, database.db);
    expect(plan.mode).toBe('direct');
    if (plan.mode === 'direct') expect(plan.audience).toBe('staff');
    const [event] = await database.db.select().from(auditEvents).where(eq(auditEvents.action, 'report.export')).orderBy(sql`id desc`).limit(1);
    expect(event.after).toMatchObject({ format: 'csv', personal: false, unmasked: false, mode: 'direct' });
  });

  it('refuses people without report:export', async () => {
    await expect(requestReportExport({ slug: seeded.slug, round: 1, format: 'csv', user: person(seeded.staffId, 'citizen') }, database.db)).rejects.toMatchObject({ code: 'Forbidden' });
    await expect(requestReportExport({ slug: seeded.slug, round: 7, format: 'csv', user: staff }, database.db)).rejects.toMatchObject({ code: 'RoundNotFound' });
  });

  it('runs a background export as a job its creator can follow and download; others cannot', async () => {
    await clear();
    const plan = await requestReportExport({ slug: seeded.slug, round: 1, format: 'csv', user: admin, background: true }, database.db);
    expect(plan.mode).toBe('job');
    if (plan.mode !== 'job') return;
    await expect(openExportFile(plan.job.id, admin, exportDir, null, database.db)).rejects.toMatchObject({ code: 'ExportNotReady' });
    await runNextJob({ workerId: 'w', exportDir, db: database.db });
    expect((await getExportJob(plan.job.id, admin, database.db)).status).toBe('done');
    expect((await listExportJobs(admin, database.db)).map((j) => j.id)).toContain(plan.job.id);
    await expect(getExportJob(plan.job.id, staff, database.db)).rejects.toMatchObject({ code: 'NotFound' });
    const file = await openExportFile(plan.job.id, admin, exportDir, null, database.db);
    expect(file.fileName).toBe('示例管理条例（草案）-一审稿-意见采纳情况报告.csv');
    const text = readFileSync(join(exportDir, `${plan.job.id}.csv`), 'utf8');
    // An admin holds contact:view: the file has the contacts, masked since full ones were not chosen.
    expect(text).toContain('l***@example.com');
    expect(text).not.toContain('lisi@example.com');
    await file.stream.cancel();
    const downloads = await database.db.select().from(auditEvents).where(eq(auditEvents.action, 'report.download'));
    expect(downloads.map((d) => d.objectId)).toContain(plan.job.id);
  });
});

describe('export job names', () => {
  it('names each job by its draft\'s title and round label, resolved when listing, and by the slug when the draft is gone', async () => {
    await clear();
    const one = await enqueueJob('report', { ...reportPayload('docx'), round: 1 }, seeded.adminId, database.db);
    const two = await enqueueJob('report', { ...reportPayload('xlsx'), round: 2 }, seeded.adminId, database.db);
    const gone = await enqueueJob('report', { ...reportPayload('csv'), slug: 'no-such-draft', round: 3 }, seeded.adminId, database.db);
    await clear();
    const views = new Map((await listExportJobs(admin, database.db)).map((j) => [j.id, j]));
    expect(views.get(one.id)).toMatchObject({ draftTitle: '示例管理条例（草案）', roundLabel: '一审稿' });
    expect(exportJobName(views.get(one.id)!, 'zh-CN')).toBe('《示例管理条例（草案）》一审稿 · DOCX');
    expect(exportJobName(views.get(two.id)!, 'zh-CN')).toBe('《示例管理条例（草案）》二审稿 · XLSX');
    expect(exportJobName(views.get(gone.id)!, 'zh-CN')).toBe('《no-such-draft》3 · CSV');
    expect(exportJobName(await getExportJob(two.id, admin, database.db), 'en')).toBe('示例管理条例（草案）, 二审稿 · XLSX');
    expect(exportJobName(views.get(one.id)!, 'zh-CN')).not.toContain(seeded.slug);
  });
});
