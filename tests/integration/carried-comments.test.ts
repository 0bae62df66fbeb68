/**
 * Comments carried to the next round (issue 18): round 2 renumbers, adds and removes articles;
 * the comments of round 1 follow each article by lineage to the draft and article pages (public
 * counts, one query for the whole version), to the staff inbox's `carriedTo` filter and to the
 * report's 下一审次 column (plain in CSV, a link to the public article page in XLSX).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { parse } from 'csv-parse/sync';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { eq } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { rounds } from '../../src/db/schema';
import { getDraftRound } from '../../src/server/drafts/get-draft';
import { carriedComments } from '../../src/server/drafts/carried';
import { listInbox, parseInboxFilters, resolveFilters } from '../../src/server/review/inbox';
import { countFacets } from '../../src/server/review/inbox-counts';
import { loadReportScope, type ReportScope } from '../../src/server/reports/adoption-report';
import { writeCommentsCsv } from '../../src/server/reports/export-csv';
import { writeReportXlsx } from '../../src/server/reports/export-xlsx';
import { writeReportDocx } from '../../src/server/reports/export-docx';
import { publicOrigin } from '../../src/server/config';
import { articlesOf, countQueries } from './drafts-support';
import { CARRIED_SLUG, seedCarried } from './carried-fixture';
import { createStaff } from './review-support';

const slug = CARRIED_SLUG;

let database: TestDatabase;
let viewer: { id: string };
let scope: ReportScope;

beforeAll(async () => {
  database = await createTestDatabase();
  const db = database.db;
  await seedCarried(db);
  viewer = await createStaff(db, '审核员');
  scope = await loadReportScope(slug, 1, db);
});
afterAll(() => database?.close());

describe('the lineage the tests rely on', () => {
  it('follows 第二条 to 第四条 and 第三条 to 第五条; 第二、三条 of round 2 are new', async () => {
    const one = await articlesOf(database.db, slug, 1);
    const two = await articlesOf(database.db, slug, 2);
    const lineage = (n: number, list: typeof one) => list.find((a) => a.number === n)!.lineageId;
    expect(lineage(4, two)).toBe(lineage(2, one));
    expect(lineage(5, two)).toBe(lineage(3, one));
    expect(lineage(1, two)).toBe(lineage(1, one));
    expect(one.map((a) => a.lineageId)).not.toContain(lineage(2, two));
    expect(one.map((a) => a.lineageId)).not.toContain(lineage(3, two));
  });
});

describe('the public pages', () => {
  it('counts the previous round’s public comments for every article of the version in one query', async () => {
    const d = await getDraftRound(slug, 2, database.db);
    const { result: carried, queries } = await countQueries(database.db, () => carriedComments(d.rounds, d.round, undefined, database.db));
    expect(queries).toBe(1);
    expect(carried!.previous).toEqual({ number: 1, label: '一审稿', feedbackPublished: false });
    expect(Object.fromEntries(carried!.articles)).toEqual({
      1: { from: 1, count: 2 },
      4: { from: 2, count: 2 }, // the hidden third comment is not counted
      5: { from: 3, count: 1 },
    });
  });

  it('gives the article page its own article only, and says when the feedback page is published', async () => {
    await database.db.update(rounds).set({ feedbackPublishedAt: new Date() }).where(eq(rounds.id, scope.round.id));
    try {
      const d = await getDraftRound(slug, 2, database.db);
      const carried = await carriedComments(d.rounds, d.round, 4, database.db);
      expect(carried!.previous.feedbackPublished).toBe(true);
      expect([...carried!.articles]).toEqual([[4, { from: 2, count: 2 }]]);
      expect((await carriedComments(d.rounds, d.round, 2, database.db))!.articles.size).toBe(0);
    } finally {
      await database.db.update(rounds).set({ feedbackPublishedAt: null }).where(eq(rounds.id, scope.round.id));
    }
  });

  it('has nothing to carry into a first round', async () => {
    const d = await getDraftRound(slug, 1, database.db);
    expect(await carriedComments(d.rounds, d.round, undefined, database.db)).toBeNull();
  });
});

describe('the staff inbox filter carriedTo', () => {
  const list = async (query: string) => listInbox(parseInboxFilters(new URLSearchParams(query)), viewer, database.db);
  const refusal = (p: Promise<unknown>) => p.then(() => { throw new Error('expected a refusal'); }, (e) => e);

  it('lists round 1’s comments on the article that became 第四条 of round 2, hidden ones included for staff', async () => {
    const page = await list(`draft=${slug}&round=2&carriedTo=4`);
    expect(page.items).toHaveLength(3);
    expect(page.items.every((c) => c.roundNumber === 1 && c.articleNumber === 2)).toBe(true);
    expect(page.items.filter((c) => c.hidden)).toHaveLength(1);
    expect((await list(`draft=${slug}&round=2&carriedTo=4&hidden=exclude`)).items).toHaveLength(2);
    const five = await list(`draft=${slug}&round=2&carriedTo=5`);
    expect(five.items.map((c) => c.articleNumber)).toEqual([3]);
  });

  it('resolves the chip’s facts and counts under the filter', async () => {
    const resolved = await resolveFilters(parseInboxFilters(new URLSearchParams(`draft=${slug}&round=2&carriedTo=4`)), database.db);
    expect(resolved.carried).toMatchObject({ round: { number: 2, label: '二审稿' }, article: 4, exists: true, previous: { number: 1, label: '一审稿' }, from: 2 });
    expect((await countFacets(resolved, viewer, database.db)).total).toBe(3);
  });

  it('lists nothing for a new article, an article round 2 lacks, or a first round', async () => {
    expect((await list(`draft=${slug}&round=2&carriedTo=2`)).items).toEqual([]);
    const added = await resolveFilters(parseInboxFilters(new URLSearchParams(`draft=${slug}&round=2&carriedTo=2`)), database.db);
    expect(added.carried).toMatchObject({ exists: true, from: null });
    const missing = await resolveFilters(parseInboxFilters(new URLSearchParams(`draft=${slug}&round=2&carriedTo=99`)), database.db);
    expect(missing.carried).toMatchObject({ exists: false, from: null });
    expect((await list(`draft=${slug}&round=2&carriedTo=99`)).items).toEqual([]);
    const first = await resolveFilters(parseInboxFilters(new URLSearchParams(`draft=${slug}&round=1&carriedTo=1`)), database.db);
    expect(first.carried).toMatchObject({ previous: null });
    expect((await list(`draft=${slug}&round=1&carriedTo=1`)).items).toEqual([]);
  });

  it('refuses carriedTo without a draft and round, with an article, or that is not a number', async () => {
    expect((await refusal(list('carriedTo=4'))).fields).toEqual([expect.objectContaining({ field: 'carriedTo', key: 'carried.needsRound' })]);
    expect((await refusal(list(`draft=${slug}&carriedTo=4`))).fields).toEqual([expect.objectContaining({ field: 'carriedTo', key: 'carried.needsRound' })]);
    expect((await refusal(list(`draft=${slug}&round=2&article=4&carriedTo=4`))).fields).toEqual([expect.objectContaining({ field: 'carriedTo', key: 'carried.withArticle' })]);
    const bad = await refusal(list(`draft=${slug}&round=2&carriedTo=abc`));
    expect(bad.code).toBe('ValidationFailed');
    expect(bad.fields.map((f: { field: string }) => f.field)).toEqual(['carriedTo']);
  });
});

describe('the report’s 下一审次', () => {
  async function collect(write: (out: PassThrough) => Promise<unknown>): Promise<Buffer> {
    const out = new PassThrough();
    const chunks: Buffer[] = [];
    out.on('data', (c: Buffer) => chunks.push(c));
    await write(out);
    return Buffer.concat(chunks);
  }
  const url = (n: number) => `${publicOrigin()}/drafts/${slug}/articles/${n}?round=2`;

  it('says where each comment’s article went, as plain text in the CSV, for staff and the public', async () => {
    for (const audience of ['staff', 'public'] as const) {
      const buf = await collect((out) => writeCommentsCsv(scope, audience, out, {}, database.db));
      const rows = parse(buf, { bom: true, columns: true }) as Array<Record<string, string>>;
      const next = (article: string) => [...new Set(rows.filter((r) => r['条文'] === article).map((r) => r['下一审次']))];
      expect(next('第一条'), audience).toEqual(['二审稿第一条']);
      expect(next('第二条'), audience).toEqual(['二审稿第四条']);
      expect(next('第三条'), audience).toEqual(['二审稿第五条']);
      expect(next('第四条'), audience).toEqual(['已删除']);
      expect(next('总体意见'), audience).toEqual(['']);
      expect(buf.toString('utf8')).not.toContain('http');
    }
  });

  it('has no 下一审次 column for the latest round', async () => {
    const latest = await loadReportScope(slug, 2, database.db);
    const buf = await collect((out) => writeCommentsCsv(latest, 'staff', out, {}, database.db));
    const [header] = parse(buf, { bom: true, to: 1 }) as string[][];
    expect(header).not.toContain('下一审次');
  });

  it('links the next round’s article in the XLSX, on the articles sheet and for each comment', async () => {
    const buf = await collect((out) => writeReportXlsx(scope, 'staff', out, {}, database.db));
    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load(buf as unknown as ArrayBuffer);

    const bySheet = wb.getWorksheet('按条文统计')!;
    const header = (bySheet.getRow(1).values as unknown[]).slice(1);
    const col = header.indexOf('下一审次') + 1;
    const cellOf = (label: string) => {
      for (let i = 2; i <= bySheet.rowCount; i++) if (bySheet.getRow(i).getCell(1).value === label) return bySheet.getRow(i).getCell(col);
      throw new Error(`no row ${label}`);
    };
    expect(cellOf('第二条').value).toEqual({ text: '二审稿第四条（已修改）', hyperlink: url(4) });
    expect(cellOf('第三条').value).toMatchObject({ text: expect.stringMatching(/^二审稿第五条（/), hyperlink: url(5) });
    expect(cellOf('第四条').value).toBe('已删除');

    const sheet = wb.getWorksheet('意见明细')!;
    const cols = (sheet.getRow(1).values as unknown[]).slice(1);
    expect(cols.indexOf('下一审次')).toBe(cols.indexOf('条文') + 1);
    const linked: unknown[] = [];
    sheet.eachRow((row, i) => {
      if (i > 1 && row.getCell(cols.indexOf('条文') + 1).value === '第二条') linked.push(row.getCell(cols.indexOf('下一审次') + 1).value);
    });
    expect(linked).toHaveLength(3);
    for (const v of linked) expect(v).toEqual({ text: '二审稿第四条', hyperlink: url(4) });
  });

  it('names the next round’s article in the DOCX comparison', async () => {
    const buf = await collect((out) => writeReportDocx(scope, 'staff', out, {}, database.db));
    const xml = await (await JSZip.loadAsync(buf)).file('word/document.xml')!.async('string');
    expect(xml).toContain('下一审次条文（二审稿第四条）');
  });
});
