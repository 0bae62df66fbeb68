/**
 * The three export formats read back with independent readers (csv-parse, exceljs's reader, the
 * DOCX unzipped with jszip and its XML checked), their numbers checked against the database.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { sql } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { seedReportFixture, type Seeded } from './reports-fixture';
import { loadReportScope, summariseRound, type ReportScope } from '../../src/server/reports/adoption-report';
import { writeCommentsCsv } from '../../src/server/reports/export-csv';
import { writeReportXlsx } from '../../src/server/reports/export-xlsx';
import { writeReportDocx } from '../../src/server/reports/export-docx';
import type { Audience } from '../../src/server/reports/columns';

let database: TestDatabase;
let seeded: Seeded;
let scope: ReportScope;

beforeAll(async () => {
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

const csvOf = async (audience: Audience) => {
  const buf = await collect((out) => writeCommentsCsv(scope, audience, out, {}, database.db));
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

  it('includes names and contacts for an exporter with contact:view', async () => {
    const { rows } = await csvOf('staff-personal');
    expect(rows.find((r) => r['联系方式'] === 'lisi@example.com')?.['姓名']).toBe('李四');
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

  it('sets an adopted article beside its text in the next round', () => {
    const t = text();
    expect(t).toContain('第二条修改对照');
    expect(t).toContain('本条例适用于本市行政区域内的示例管理及相关服务活动。');
  });
});
