/**
 * The three export formats read back with independent readers (csv-parse, exceljs's reader, the
 * DOCX unzipped with jszip and its XML checked), their numbers checked against the database; and
 * contacts masked by default for everyone, full only when chosen with a purpose by a holder of
 * export:unmasked, with the choice in the job and the audit trail (docs/decisions/013-masked-exports.md).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { desc, eq, sql } from 'drizzle-orm';
import { auditEvents, jobs } from '../../src/db/schema';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { seedReportFixture, type Seeded } from './reports-fixture';
import { loadReportScope, summariseRound, type ReportScope } from '../../src/server/reports/adoption-report';
import { writeCommentsCsv } from '../../src/server/reports/export-csv';
import { writeReportXlsx } from '../../src/server/reports/export-xlsx';
import { writeReportDocx } from '../../src/server/reports/export-docx';
import type { Audience } from '../../src/server/reports/columns';
import { openExportFile, requestReportExport, runReportJob, streamReport, type ExportPlan } from '../../src/server/reports/report-export';
import { registerJobHandler, runNextJob } from '../../src/server/jobs/runner';
import type { ExportOptions } from '../../src/server/reports/export-options';
import type { SessionUser } from '../../src/server/auth/session-user';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { listGroups } from '../../src/server/review/groups';

let database: TestDatabase;
let seeded: Seeded;
let scope: ReportScope;

beforeAll(async () => {
  registerJobHandler('report', runReportJob);
  database = await createTestDatabase();
  seeded = await seedReportFixture(database.db);
  scope = await loadReportScope(seeded.slug, 1, database.db);
});
afterAll(() => database?.close());

async function collect(write: (out: PassThrough) => Promise<unknown>): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await write(out);
  return Buffer.concat(chunks);
}

async function dbCount(where: ReturnType<typeof sql>): Promise<number> {
  const { rows } = await database.db.execute<{ n: number }>(sql`select count(*)::int as n from comments where round_id = ${scope.round.id} and ${where}`);
  return Number(rows[0].n);
}

const csvOf = async (audience: Audience, opts: ExportOptions = {}) => {
  const buf = await collect((out) => writeCommentsCsv(scope, audience, out, opts, database.db));
  return { buf, rows: parse(buf, { bom: true, columns: true }) as Array<Record<string, string>> };
};

describe('CSV', () => {
  it('starts with a BOM, has one row per comment and leaves out names and contacts without contact:view', async () => {
    const { buf, rows } = await csvOf('staff');
    expect([...buf.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    expect(rows).toHaveLength(await dbCount(sql`true`));
    expect(Object.keys(rows[0])).not.toContain('联系方式');
    expect(Object.keys(rows[0])).not.toContain('姓名');
    expect(buf.toString('utf8')).not.toContain('13800000001');
    expect(rows.filter((r) => r['采纳情况'] === '采纳')).toHaveLength(await dbCount(sql`adoption = 'adopted'`));
    expect(rows.filter((r) => r['已屏蔽'] === '是')).toHaveLength(await dbCount(sql`hidden_at is not null`));
  });

  it('neutralises every cell that a spreadsheet would run as a formula', async () => {
    const { rows } = await csvOf('staff');
    const bodies = rows.map((r) => r['意见内容']);
    expect(bodies).toContain(`'=HYPERLINK("http://evil.example","点我")`);
    expect(bodies).toContain("'+建议明确范围");
    expect(bodies).toContain("'@立法目的应写明保障权益");
    for (const r of rows) for (const v of Object.values(r)) expect(v).not.toMatch(/^[=+\-@\t\r]/);
  });

  it('includes names and contacts for an exporter with contact:view, masked unless full contacts were chosen', async () => {
    const masked = await csvOf('staff-personal');
    expect(Object.keys(masked.rows[0])).toContain('联系方式（已脱敏）');
    expect(Object.keys(masked.rows[0])).not.toContain('联系方式');
    // A name the commenter did not let be published is masked too; a published one stays whole.
    expect(masked.rows.find((r) => r['联系方式（已脱敏）'] === 'l***@example.com')?.['姓名']).toBe('李*');
    expect(masked.rows.find((r) => r['联系方式（已脱敏）'] === '138****0001')?.['姓名']).toBe('张三');
    expect(masked.buf.toString('utf8')).not.toMatch(/lisi@example\.com|13800000001|13800000004|李四/);
    const full = await csvOf('staff-personal', { unmasked: true });
    expect(full.rows.find((r) => r['联系方式'] === 'lisi@example.com')?.['姓名']).toBe('李四');
  });

  it('gives the public no hidden comment, no contact, names only with consent and only published decisions', async () => {
    const { buf, rows } = await csvOf('public');
    expect(rows).toHaveLength(await dbCount(sql`hidden_at is null`));
    expect(buf.toString('utf8')).not.toContain('广告');
    expect(Object.keys(rows[0])).not.toContain('联系方式');
    expect(Object.keys(rows[0])).not.toContain('回执号');
    const names = rows.map((r) => r['姓名']).filter(Boolean);
    expect(names).not.toContain('李四');
    expect(names).toContain('张三');
    const unpublished = rows.find((r) => r['意见内容'] === '处罚标准太轻。')!;
    expect(unpublished['采纳情况']).toBe('未处理');
    expect(unpublished['答复']).toBe('');
  });
});

describe('XLSX', () => {
  it('reads back with exceljs: summary sheets and one row per comment, matching the database', async () => {
    const buf = await collect((out) => writeReportXlsx(scope, 'staff', out, {}, database.db));
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(buf as unknown as ArrayBuffer);
    expect(wb.worksheets.map((w) => w.name)).toEqual(['概况', '按渠道统计', '按区统计', '按职业统计', '按采纳情况统计', '按条文统计', '批量意见', '意见明细']);
    const overview = wb.getWorksheet('概况')!;
    const facts = new Map<string, unknown>();
    overview.eachRow((row) => facts.set(String(row.getCell(1).value), row.getCell(2).value));
    expect(facts.get('意见条数')).toBe(await dbCount(sql`true`));
    expect(facts.get('已屏蔽条数')).toBe(await dbCount(sql`hidden_at is not null`));
    const s = await summariseRound(scope, { includeHidden: true }, database.db);
    expect(facts.get('答复率')).toBe(`${((s.rates.responded / s.comments) * 100).toFixed(1)}%`);
    expect(facts.get('批量意见组数')).toBe(1);

    const channel = wb.getWorksheet('按渠道统计')!;
    let web = 0;
    channel.eachRow((row, i) => { if (i > 1 && row.getCell(1).value === '网站') web = Number(row.getCell(2).value); });
    expect(web).toBe(await dbCount(sql`channel = 'web'`));

    const sheet = wb.getWorksheet('意见明细')!;
    expect(sheet.rowCount - 1).toBe(await dbCount(sql`true`));
    const header = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(header).toContain('意见内容');
    expect(header).not.toContain('联系方式');
    const bodyCol = header.indexOf('意见内容') + 1;
    const bodies: unknown[] = [];
    sheet.eachRow((row, i) => { if (i > 1) bodies.push(row.getCell(bodyCol).value); });
    // A formula-looking comment stays a plain string cell.
    expect(bodies).toContain('=HYPERLINK("http://evil.example","点我")');
  });
});

describe('DOCX', () => {
  let xml: string;
  let footer: string;
  beforeAll(async () => {
    const buf = await collect((out) => writeReportDocx(scope, 'staff', out, {}, database.db));
    const zip = await JSZip.loadAsync(buf);
    xml = await zip.file('word/document.xml')!.async('string');
    const footerName = Object.keys(zip.files).find((f) => /^word\/footer\d*\.xml$/.test(f))!;
    footer = await zip.file(footerName)!.async('string');
  });
  const text = () => xml.replace(/<[^>]+>/g, '');

  it('is A4 with the margins of an official document and page numbers', () => {
    const sect = xml.slice(xml.lastIndexOf('<w:sectPr'));
    expect(sect).toMatch(/<w:pgSz w:w="11906" w:h="16838"/);
    expect(sect).toMatch(/<w:pgMar w:top="2098" w:right="1474" w:bottom="1984" w:left="1587"/);
    expect(footer).toContain('PAGE');
  });

  it('has the title, numbered tables and the summary counted from the database', async () => {
    expect(text()).toContain('关于《示例管理条例（草案）》一审稿公开征求意见采纳情况的报告');
    expect(text()).toContain('表1　按渠道统计');
    expect(text()).toContain('表4　按采纳情况统计');
    const visible = await dbCount(sql`hidden_at is null`);
    expect(text()).toContain(`意见${visible}条`);
  });

  it('lists comments by article, a campaign once, no hidden comment and no contact', () => {
    const t = text();
    expect(t.indexOf('（三）第二条')).toBeGreaterThan(0);
    expect(t.indexOf('（三）第二条')).toBeLessThan(t.indexOf('（五）第四条'));
    expect(t).toContain('【批量意见3条】统一诉求：加大处罚力度。');
    expect(t.split('统一诉求：加大处罚力度。')).toHaveLength(2);
    expect(t).not.toContain('被屏蔽的广告');
    expect(t).not.toContain('13800000001');
    expect(t).toContain('理由：与本条无关。');
  });

  it('captions the general comments\' table without doubling 意见', () => {
    const t = text();
    expect(t).toMatch(/表\d+　总体意见及采纳情况/);
    expect(t).toMatch(/表\d+　第二条意见及采纳情况/);
    expect(t).not.toContain('意见意见');
  });

  it('sets an adopted article beside its text in the next round', () => {
    const t = text();
    expect(t).toContain('第二条修改对照');
    expect(t).toContain('本条例适用于本市行政区域内的示例管理及相关服务活动。');
  });
});

describe('group names', () => {
  const groupsSheet = async () => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await collect((out) => writeReportXlsx(scope, 'staff', out, {}, database.db))) as unknown as ArrayBuffer);
    const names: unknown[] = [];
    wb.getWorksheet('批量意见')!.eachRow((row, i) => { if (i > 1) names.push(row.getCell(2).value); });
    const detail: unknown[] = [];
    const sheet = wb.getWorksheet('意见明细')!;
    const col = (sheet.getRow(1).values as unknown[]).indexOf('批量意见');
    sheet.eachRow((row, i) => { if (i > 1) detail.push(row.getCell(col).value); });
    return { names, detail };
  };
  const docxText = async () => (await (await JSZip.loadAsync(await collect((out) => writeReportDocx(scope, 'staff', out, {}, database.db)))).file('word/document.xml')!.async('string')).replace(/<[^>]+>/g, '');

  it('print a group by its label, and by the first sentence of its text when it has none, in every format and on the staff pages', async () => {
    const withLabel = await csvOf('staff');
    expect(withLabel.rows.filter((r) => r['批量意见'] === '加大处罚力度')).toHaveLength(3);
    expect((await groupsSheet()).names).toEqual(['加大处罚力度']);

    await database.db.execute(sql`update comment_groups set label = null where round_id = ${scope.round.id}`);
    try {
      const name = '统一诉求：加大处罚力度';
      const { rows } = await csvOf('staff');
      expect(rows.filter((r) => r['批量意见'] === name)).toHaveLength(3);
      expect(rows.filter((r) => r['批量意见'] !== '').map((r) => r['意见内容'])).toEqual(Array(3).fill('统一诉求：加大处罚力度。'));
      const sheet = await groupsSheet();
      expect(sheet.names).toEqual([name]);
      expect(sheet.detail.filter((v) => v === name)).toHaveLength(3);
      const docx = await docxText();
      expect(docx).toMatch(/表\d+　批量意见.*1统一诉求：加大处罚力度3/);
      expect(docx).not.toContain('未命名');
      const [group] = await listGroups({ roundId: scope.round.id }, database.db);
      expect(group).toMatchObject({ label: null, nameSample: '统一诉求：加大处罚力度。' });
    } finally {
      await database.db.execute(sql`update comment_groups set label = '加大处罚力度' where round_id = ${scope.round.id}`);
    }
  });
});

describe('contacts masked by default (PIPL: minimum necessary, purpose-bound)', () => {
  const exportDir = mkdtempSync(join(tmpdir(), 'kaimen-masked-exports-'));
  const person = (id: string, role: SessionUser['role']): SessionUser => ({ id, role, name: null, email: null, phone: null, district: null, occupation: null, via: 'session' });
  const admin = () => person(seeded.adminId, 'admin');
  const staff = () => person(seeded.staffId, 'staff');
  const request = (user: SessionUser, format: 'csv' | 'xlsx' | 'docx', extra: { fullContacts?: boolean; purpose?: string; background?: boolean } = {}) =>
    requestReportExport({ slug: seeded.slug, round: 1, format, user, ...extra }, database.db);
  const bytes = async (plan: ExportPlan) => {
    if (plan.mode !== 'direct') throw new Error('expected a direct export');
    return Buffer.from(await new Response(streamReport(plan, 'zh-CN', database.db)).arrayBuffer());
  };
  const xlsxText = async (buf: Buffer) => {
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(buf as unknown as ArrayBuffer);
    const cells: string[] = [];
    wb.getWorksheet('意见明细')!.eachRow((row) => row.eachCell((c) => cells.push(String(c.value))));
    return cells.join('\n');
  };
  const docxText = async (buf: Buffer) => (await (await JSZip.loadAsync(buf)).file('word/document.xml')!.async('string')).replace(/<[^>]+>/g, '');
  const lastExportEvent = async () => (await database.db.select().from(auditEvents).where(eq(auditEvents.action, 'report.export')).orderBy(desc(auditEvents.id)).limit(1))[0];
  const counts = async () => {
    const { rows } = await database.db.execute<{ jobs: number; events: number }>(sql`
      select (select count(*)::int from jobs) as jobs, (select count(*)::int from audit_events where action = 'report.export') as events`);
    return { jobs: Number(rows[0].jobs), events: Number(rows[0].events) };
  };

  it('masks phone numbers, e-mail addresses and unpublished names for an admin who chose nothing, in all three formats', async () => {
    const csvPlan = await request(admin(), 'csv');
    const csv = (await bytes(csvPlan)).toString('utf8');
    const xlsx = await xlsxText(await bytes(await request(admin(), 'xlsx')));
    const docx = await docxText(await bytes(await request(admin(), 'docx')));
    for (const text of [csv, xlsx, docx]) {
      expect(text).toContain('138****0001');
      expect(text).toContain('l***@example.com');
      expect(text).not.toContain('13800000001');
      expect(text).not.toContain('lisi@example.com');
      expect(text).not.toContain('李四');
    }
    expect(csv).toContain('联系方式（已脱敏）');
    expect(csvPlan).toMatchObject({ mode: 'direct', audience: 'staff-personal', unmasked: false });
    expect((await lastExportEvent()).after).toMatchObject({ personal: true, unmasked: false });
    expect((await lastExportEvent()).after).not.toHaveProperty('purpose');
  });

  it('refuses full contacts to someone without export:unmasked, with a field message, exporting and recording nothing', async () => {
    const before = await counts();
    const refused = await request(staff(), 'csv', { fullContacts: true, purpose: '电话回访第二条意见的提出人', background: true }).catch((e) => e);
    expect(refused).toMatchObject({ code: 'Forbidden', status: 403 });
    expect(refused.fields).toEqual([expect.objectContaining({ field: 'fullContacts', key: 'exports.unmaskedForbidden' })]);
    expect(await counts()).toEqual(before);
  });

  it('refuses full contacts without a purpose of reasonable length, exporting and recording nothing', async () => {
    const before = await counts();
    for (const purpose of [undefined, '', '   ', '\u200B\u200B', '回访', 'x'.repeat(201), '回访\u202E核实意见提出人']) {
      const refused = await request(admin(), 'xlsx', { fullContacts: true, purpose }).catch((e) => e);
      expect(refused, String(purpose)).toMatchObject({ code: 'ValidationFailed', status: 400 });
      expect(refused.fields, String(purpose)).toEqual([expect.objectContaining({ field: 'purpose' })]);
    }
    expect(await counts()).toEqual(before);
  });

  it('gives full contacts with export:unmasked and a purpose, recorded in the job, the audit trail and the file name', async () => {
    const purpose = '电话回访第二条意见的提出人，核实所述情况';
    const direct = await request(admin(), 'csv', { fullContacts: true, purpose: `  ${purpose} ` });
    expect(direct).toMatchObject({ mode: 'direct', unmasked: true });
    const csv = (await bytes(direct)).toString('utf8');
    expect(csv).toContain('lisi@example.com');
    expect(csv).toContain('13800000001');
    expect(csv).toContain('李四');
    expect((await lastExportEvent()).after).toMatchObject({ unmasked: true, purpose, mode: 'direct' });

    await database.db.execute(sql`update jobs set status = 'done' where status in ('queued', 'running')`);
    const plan = await request(admin(), 'xlsx', { fullContacts: true, purpose, background: true });
    if (plan.mode !== 'job') throw new Error('expected a job');
    const event = await lastExportEvent();
    expect(event.after).toMatchObject({ unmasked: true, purpose, mode: 'job', jobId: plan.job.id });
    // The audit trail records the choice, never the data.
    expect(JSON.stringify(event)).not.toMatch(/lisi@example\.com|13800000001/);
    const [job] = await database.db.select().from(jobs).where(eq(jobs.id, plan.job.id));
    expect(job.payload).toMatchObject({ unmasked: true, purpose });
    await runNextJob({ workerId: 'w', exportDir, db: database.db });
    const file = await openExportFile(plan.job.id, admin(), exportDir, null, database.db);
    await file.stream.cancel();
    expect(file.fileName).toBe('示例管理条例（草案）-一审稿-意见采纳情况报告-含完整联系方式.xlsx');
    const text = await xlsxText(readFileSync(join(exportDir, `${plan.job.id}.xlsx`)));
    expect(text).toContain('lisi@example.com');
    const [download] = await database.db.select().from(auditEvents).where(eq(auditEvents.action, 'report.download')).orderBy(desc(auditEvents.id)).limit(1);
    expect(download).toMatchObject({ objectId: plan.job.id, after: expect.objectContaining({ unmasked: true, purpose }) });
    // The same person without export:unmasked (a role changed since) cannot download it.
    await expect(openExportFile(plan.job.id, { ...admin(), role: 'staff' }, exportDir, null, database.db)).rejects.toMatchObject({ code: 'Forbidden' });
  });
});
