/**
 * Bulk intake of comments (letters, partner systems): a valid file, an idempotent re-run, one
 * bad row importing nothing with its line named, BOM and CRLF, quoted newlines, formula-looking
 * bodies stored as text, the letters' period rule, duplicate grouping, 10,000 rows, the staff
 * API (CSV and JSON, 422; a body over 2 MB as a job with its progress), progress reports, and
 * `npm run comments:import` with its output file.
 */
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { eq, inArray } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { runMain, runScript, stderrBesidesKeyNotice } from '../support/cli';
import { main } from '../../src/cli/comments-import';
import { createDatabase, migrateDatabase, setDatabase } from '../../src/db/client';
import { auditEvents, comments, lshBuckets } from '../../src/db/schema';
import { bigramKey } from '../../src/server/grouping/text-features';
import { systemActor } from '../../src/server/audit';
import { errorResponse, toErrorBody } from '../../src/server/errors';
import { importComments, type ImportReceipt, type ImportSource } from '../../src/server/comments/import-comments';
import type { ImportProgress } from '../../src/server/comments/import-progress';
import { ASYNC_IMPORT_BYTES, registerImportJob } from '../../src/server/comments/import-job';
import { runNextJob } from '../../src/server/jobs/runner';
import { groupQueuedBatch } from '../../src/server/grouping/group-imported';
import { GET as GET_JOB } from '../../src/pages/api/v1/staff/comments/import/[job]';
import { parseReceipt, verifyLookupCode } from '../../src/server/comments/receipts';
import { createStation } from '../../src/server/stations/stations';
import { POST } from '../../src/pages/api/v1/staff/comments/import';
import { CLOSED, OPEN, caught, commentCount, seedDrafts } from './comments-fixtures';

let database: TestDatabase;
const HEADER = 'external_id,draft,round,article,body,name,publish_name,district,occupation,contact,channel,received_at,station,voices';
const day = 86_400_000;
const iso = (d: Date) => d.toISOString();
/** What the near-groups job does after an import: the queued comments enter the band index and are looked up. */
const runNearGroups = async () => { while ((await groupQueuedBatch(database.db)).done); };

beforeAll(async () => {
  database = await createTestDatabase({ global: true });
  await seedDrafts(database.db);
  await createStation({ code: 'DC-01', name: '东城区测试联络站', type: 'liaison_station', district: '东城区' }, systemActor, database.db);
});
afterAll(async () => {
  setDatabase(undefined);
  await database.close();
});

async function run(source: ImportSource) {
  const receipts: ImportReceipt[] = [];
  const result = await importComments(source, { actor: systemActor, source: 'cli', onReceipt: (r) => receipts.push(r) }, database.db);
  return { ...result, receipts };
}

/** The Chinese messages of a ValidationFailed, by field. */
async function failures(source: ImportSource): Promise<Record<string, string>> {
  const err = await caught(() => importComments(source, { actor: systemActor, source: 'cli' }, database.db));
  expect(err.code).toBe('ValidationFailed');
  const body = toErrorBody(err).body;
  return Object.fromEntries(body.error.fields!.map((f) => [f.field, f.message]));
}

const unique = (p: string) => `${p}-${Math.random().toString(36).slice(2, 10)}`;

describe('importComments()', () => {
  it('imports a valid file: receipts, hashed lookup codes, text features, station, channel, one audit event', async () => {
    const id = unique('L');
    const received = new Date(Date.now() - day);
    const csv = [
      HEADER,
      `${id}-1,${OPEN},3,10,建议明确诉求工单记录的时限，避免遗漏。,王某,是,东城区,退休教师,139 1234 5678,letter,${iso(received)},DC-01,3`,
      `${id}-2,${OPEN},,,对整部条例的总体意见：应当增加公众参与的规定。,,,,,,api,,,`,
    ].join('\n');
    const before = await commentCount(database.db);
    const r = await run({ csv });
    expect(r).toMatchObject({ rows: 2, imported: 2, alreadyPresent: 0 });
    expect(await commentCount(database.db)).toBe(before + 2);
    expect(r.receipts.map((x) => [x.line, x.externalId, x.status])).toEqual([[2, `${id}-1`, 'imported'], [3, `${id}-2`, 'imported']]);
    const [a, b] = await Promise.all(r.receipts.map((x) => database.db.query.comments.findFirst({ where: eq(comments.receipt, x.receipt) })));
    expect(parseReceipt(a!.receipt)).toMatchObject({ ok: true, draftCode: 'JS', round: 3 });
    expect(verifyLookupCode(a!.receipt, r.receipts[0].lookupCode!, a!.lookupHash)).toBe(true);
    expect(a!.lookupHash).not.toContain(r.receipts[0].lookupCode!.replace('-', ''));
    expect(a).toMatchObject({
      articleNumber: 10, name: '王某', publishName: true, district: '东城区', occupation: '退休教师', contact: '13912345678',
      channel: 'letter', voices: 3, createdAt: received,
    });
    expect(a!.stationId).toBeTruthy();
    expect(a!.bigrams).toContain(bigramKey('时限'));
    expect(a!.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(a!.minhash).toHaveLength(64);
    // Stands alone: all its band keys enter the band index, once the near-groups job has looked it up.
    expect(await database.db.select().from(lshBuckets).where(eq(lshBuckets.commentId, a!.id))).toHaveLength(0);
    await runNearGroups();
    expect(await database.db.select().from(lshBuckets).where(eq(lshBuckets.commentId, a!.id))).toHaveLength(16);
    expect(b).toMatchObject({ articleId: null, articleNumber: null, channel: 'api', publishName: false, contact: null, voices: 1 });
    const [audit] = await database.db.select().from(auditEvents).where(eq(auditEvents.action, 'comment.import')).orderBy(auditEvents.id);
    expect(audit.objectId).toBe(r.sha256);
    expect(audit.after).toMatchObject({ source: 'cli', rows: 2, imported: 2, alreadyPresent: 0 });
    expect(JSON.stringify(audit)).not.toContain('13912345678');
  });

  it('is idempotent: the same file again imports nothing new and reports the stored receipts', async () => {
    const csv = `${HEADER}\n${unique('R')},${OPEN},,5,第五条应当写明办理时限。,,,,,,,,,\n${unique('R')},${OPEN},,,总体上赞成这部条例。,,,,,,,,,\n`;
    const first = await run({ csv });
    const count = await commentCount(database.db);
    const again = await run({ csv });
    expect(again).toMatchObject({ rows: 2, imported: 0, alreadyPresent: 2 });
    expect(await commentCount(database.db)).toBe(count);
    expect(again.receipts.map((x) => x.receipt)).toEqual(first.receipts.map((x) => x.receipt));
    expect(again.receipts.every((x) => x.status === 'already_present' && x.lookupCode === null)).toBe(true);
    // The same id with a different comment is refused, naming the line.
    const changed = csv.replace('第五条应当写明办理时限。', '第五条应当删去。');
    expect(await failures({ csv: changed })).toEqual({ 'line 2: external_id': expect.stringContaining('已导入过一条内容不同的意见') });
    expect(await commentCount(database.db)).toBe(count);
  });

  it('imports nothing when one row is bad, and names every bad line with its reason in Chinese', async () => {
    const good = (n: number) => `${unique('G')},${OPEN},,,这是第${n}条有效的来信意见。,,,,,,,,,`;
    const csv = [HEADER, good(1), good(2), `${unique('B')},${OPEN},,,太短,,,,,,,,,`, good(3),
      `${unique('B')},${OPEN},,999,第九百九十九条不存在。,,,,,,,,,`, `,${OPEN},,,没有来信编号的意见。,,,,,,,,,`,
      `${unique('B')},no-such-draft,,,草案不存在的意见。,,,,,,,,,`, `${unique('B')},${OPEN},,,渠道不对的意见内容。,,,,,,fax,,,`,
      `${unique('B')},${OPEN},,,站点不存在的意见。,,,,,,,,XX-99,`, `${unique('B')},${OPEN},,,人数不对的意见内容。,,,,,,,,,0`,
      `${unique('B')},${OPEN},,,公开姓名填错的意见。,,maybe,,,,,,,`, `${unique('B')},${OPEN},,,联系方式不对的意见。,,,,,12345,,,,`].join('\n');
    const before = await commentCount(database.db);
    const fields = await failures({ csv });
    expect(await commentCount(database.db)).toBe(before);
    expect(fields).toEqual({
      'line 4: body': '至少需要 5 个字。',
      'line 6: article': expect.stringContaining('没有第 999 条'),
      'line 7: external_id': expect.stringContaining('来信编号'),
      'line 8: draft': expect.stringContaining('没有找到草案“no-such-draft”'),
      'line 9: channel': expect.stringContaining('letter'),
      'line 10: station': expect.stringContaining('XX-99'),
      'line 11: voices': expect.stringContaining('1 到 100000'),
      'line 12: publish_name': expect.stringContaining('是 或 否'),
      'line 13: contact': expect.stringContaining('11 位手机号'),
    });
  });

  it('refuses unknown and missing columns, malformed CSV and an empty file', async () => {
    expect(await failures({ csv: 'external_id,draft,text\nA-1,x,y' })).toEqual({
      'line 1: text': expect.stringContaining('无法识别的列名“text”'),
      'line 1: body': '缺少必需的列 body。',
    });
    expect(await failures({ csv: `${HEADER}\n` })).toEqual({ file: expect.stringContaining('没有意见数据') });
    expect(Object.keys(await failures({ csv: `${HEADER}\nA-1,${OPEN},,,"未闭合的引号,,,,,,,,,` }))).toEqual([expect.stringMatching(/^line \d+: file$/)]);
    expect(Object.keys(await failures({ csv: `${HEADER}\nA-1,${OPEN},,,多了一列的意见内容。,,,,,,,,,,extra` }))).toEqual(['line 2: file']);
  });

  it('reads a UTF-8 BOM, CRLF line ends and Chinese headers', async () => {
    const csv = `\uFEFF来信编号,草案,条,意见,联系方式\r\n${unique('BOM')},${OPEN},3,带有字节顺序标记的文件也能导入。,user@Example.COM\r\n`;
    const r = await run({ csv: Buffer.from(csv, 'utf8') });
    expect(r.imported).toBe(1);
    const row = await database.db.query.comments.findFirst({ where: eq(comments.receipt, r.receipts[0].receipt) });
    expect(row).toMatchObject({ articleNumber: 3, body: '带有字节顺序标记的文件也能导入。', contact: 'user@example.com' });
  });

  it('keeps quoted newlines in a body and counts lines from where each row starts', async () => {
    const csv = `${HEADER}\n${unique('Q')},${OPEN},,,"第一段意见。\n\n第二段，含有""引号""和,逗号。",,,,,,,,,\n${unique('Q')},${OPEN},,,短,,,,,,,,,\n`;
    expect(await failures({ csv })).toEqual({ 'line 5: body': '至少需要 5 个字。' });
    const ok = await run({ csv: csv.replace(',短,', ',这一行现在够长了。,') });
    const row = await database.db.query.comments.findFirst({ where: eq(comments.receipt, ok.receipts[0].receipt) });
    expect(row!.body).toBe('第一段意见。\n\n第二段，含有"引号"和,逗号。');
    expect(ok.receipts.map((r) => r.line)).toEqual([2, 5]);
  });

  it('stores formula-looking bodies as plain text', async () => {
    const bodies = ['=HYPERLINK("http://evil.example","点击查看")', '+1+1 建议增加条文', '-2 建议删除', '@SUM(A1:A9) 建议', 'NULL,{}', 'C:\\路径\\"引号"{大括号}, 逗号'];
    const csv = [HEADER, ...bodies.map((b) => `${unique('F')},${OPEN},,,"${b.replace(/"/g, '""')}",,,,,,,,,`)].join('\n');
    const r = await run({ csv });
    const rows = await database.db.select({ body: comments.body }).from(comments).where(inArray(comments.receipt, r.receipts.map((x) => x.receipt)));
    expect(rows.map((x) => x.body).sort()).toEqual([...bodies].sort());
  });

  it('accepts letters received within a closed period, refuses those received after it or in the future', async () => {
    // tingche round 2: open from 40 days ago until 10 days ago.
    const inTime = new Date(Date.now() - 15 * day);
    const dateOnly = new Date(Date.now() - 20 * day).toLocaleDateString('sv-SE', { timeZone: 'Asia/Shanghai' });
    const csv = `${HEADER}\n${unique('P')},${CLOSED},,,截止前寄出、截止后录入的来信。,,,,,,,${iso(inTime)},,\n${unique('P')},${CLOSED},2,,只写了收信日期的来信意见。,,,,,,,${dateOnly},,\n`;
    const r = await run({ csv });
    expect(r.imported).toBe(2);
    const row = await database.db.query.comments.findFirst({ where: eq(comments.receipt, r.receipts[0].receipt) });
    expect(row!.createdAt).toEqual(inTime);
    expect(r.receipts[0].receipt).toMatch(/^TC2-/);
    const late = new Date(Date.now() - 5 * day);
    const future = new Date(Date.now() + day);
    const fields = await failures({ csv: `${HEADER}\n${unique('P')},${CLOSED},2,,截止之后才收到的来信。,,,,,,,${iso(late)},,\n${unique('P')},${CLOSED},,,没有收信时间的来信意见。,,,,,,,,,\n${unique('P')},${OPEN},,,收信时间在将来的来信。,,,,,,,${iso(future)},,\n${unique('P')},${OPEN},,,收信时间格式不对的来信。,,,,,,,2026/03/01,,` });
    expect(fields).toEqual({
      'line 2: received_at': expect.stringMatching(/不在第 2 审次的征求意见期（.+至.+）内/),
      'line 3: round': expect.stringContaining('没有处于征求意见期的审次'),
      'line 4: received_at': '收信时间晚于现在，请核对。',
      'line 5: received_at': expect.stringContaining('格式不正确'),
    });
  });

  it('groups exact duplicates with each other and with earlier comments of the round', async () => {
    const body = '坚决反对第十二条关于诉求标注的规定，请予删除！';
    const csv = [HEADER, ...[1, 2, 3].map(() => `${unique('D')},${OPEN},,12,"${body}",,,,,,,,,`)].join('\n');
    const r = await run({ csv });
    expect(r.grouped).toBe(3);
    const rows = await database.db.select().from(comments).where(inArray(comments.receipt, r.receipts.map((x) => x.receipt)));
    const groups = new Set(rows.map((x) => x.groupId));
    expect(groups.size).toBe(1);
    expect([...groups][0]).toBeTruthy();
    await runNearGroups();
    const inBandIndex = await database.db.selectDistinct({ id: lshBuckets.commentId }).from(lshBuckets)
      .where(inArray(lshBuckets.commentId, rows.map((x) => x.id)));
    const founder = rows.filter((x) => inBandIndex.some((b) => b.id === x.id));
    expect(founder).toHaveLength(1); // members are represented by the founder
    expect([...groups][0]).toBe(founder[0].id); // a new group takes its founder's id, as in grouping.ts
    const more = await run({ csv: `${HEADER}\n${unique('D')},${OPEN},,12,"${body.replace('！', '。')}",,,,,,,,,` });
    await runNearGroups();
    const [late] = await database.db.select().from(comments).where(eq(comments.receipt, more.receipts[0].receipt));
    expect(late.groupId).toBe([...groups][0]);
    expect(await database.db.select().from(lshBuckets).where(eq(lshBuckets.commentId, late.id))).toHaveLength(0);
  });

  it('imports 10,000 rows (with in-file duplicates of one id reported once as already present)', async () => {
    const id = unique('K');
    const lines = [HEADER];
    for (let i = 0; i < 10_000; i++) lines.push(`${id}-${i},${i % 2 ? OPEN : 'wuye-guanli'},,,第${i}封来信：建议加强物业服务监管，公开收费标准，编号${i}。,居民${i},,,,,,,,`);
    lines.push(lines[1]);
    const before = await commentCount(database.db);
    const started = Date.now();
    const r = await run({ csv: lines.join('\n') });
    expect(r).toMatchObject({ rows: 10_001, imported: 10_000, alreadyPresent: 1 });
    expect(new Set(r.receipts.map((x) => x.receipt)).size).toBe(10_000);
    expect(r.receipts.at(-1)).toMatchObject({ line: 10_002, externalId: `${id}-0`, status: 'already_present', receipt: r.receipts[0].receipt });
    expect(await commentCount(database.db)).toBe(before + 10_000);
    console.log(`[comments-import] 10,000 rows in ${Date.now() - started} ms`);
  }, 120_000);

  it('reports progress after each stored batch: rows stored, rows read, the share of the file read, then grouping', async () => {
    const id = unique('P');
    const lines = [HEADER];
    for (let i = 0; i < 12; i++) lines.push(`${id}-${i},${OPEN},,,第${i}封来信：关于工单回访的建议，编号${i}。,,,,,,,,,`);
    const csv = lines.join('\n');
    const seen: ImportProgress[] = [];
    const r = await importComments({ csv: Buffer.from(csv) }, { actor: systemActor, source: 'cli', batchSize: 5, onProgress: (p) => seen.push(p) }, database.db);
    expect(r.imported).toBe(12);
    expect(seen.map((p) => [p.stored, p.read, p.phase])).toEqual([[5, 5, 'rows'], [10, 10, 'rows'], [12, 12, 'rows'], [12, 12, 'grouping']]);
    // The share read is the bytes parsed up to the last row of the batch: the header and five rows of the file, …
    const bytesTo = (rows: number) => Buffer.byteLength(lines.slice(0, rows + 1).join('\n')) + 1;
    expect(seen[0].fraction).toBeCloseTo(bytesTo(5) / Buffer.byteLength(csv), 2);
    expect(seen[1].fraction).toBeGreaterThan(seen[0].fraction!);
    expect(seen[2].fraction).toBe(1);
    // … and JSON rows count rows.
    const json: ImportProgress[] = [];
    await importComments({ rows: lines.slice(1, 8).map((l) => ({ external_id: `${l.split(',')[0]}-j`, draft: OPEN, body: l.split(',')[4] })) },
      { actor: systemActor, source: 'api', batchSize: 5, onProgress: (p) => json.push(p) }, database.db);
    expect(json.map((p) => [p.stored, p.fraction])).toEqual([[5, 5 / 7], [7, 1], [7, 1]]);
  });

  it('takes JSON rows with their position as the line', async () => {
    const r = await run({ rows: [{ externalId: unique('J'), draft: OPEN, article: 3, body: '通过接口提交的意见内容。', publishName: false, channel: 'api' }] });
    expect(r.receipts[0]).toMatchObject({ line: 1, status: 'imported' });
    expect(await failures({ rows: [{ external_id: unique('J'), draft: OPEN, body: 'x' }, 'nonsense'] })).toEqual({
      'row 1: body': '至少需要 5 个字。',
      'row 2': expect.stringContaining('JSON 对象'),
    });
  });
});

describe('POST /api/v1/staff/comments/import', () => {
  type Call = (ctx: never) => Response | Promise<Response>;
  const staff = { id: null, role: 'staff', via: 'token' };
  async function post(body: string, type: string, user: unknown = staff): Promise<Response> {
    const request = new Request('http://localhost/api/v1/staff/comments/import', { method: 'POST', body, headers: { 'content-type': type } });
    try {
      return await (POST as Call)({ request, url: new URL(request.url), params: {}, locals: { locale: 'zh-CN', user, ip: '10.9.0.1', largeText: false } } as never);
    } catch (err) {
      return errorResponse(err, 'zh-CN');
    }
  }

  it('answers 200 with receipts for CSV, 422 naming the line for a bad row, 403 for a citizen', async () => {
    const id = unique('API');
    const ok = await post(`${HEADER}\n${id},${OPEN},,,合作系统推送的一条意见。,,,,,,api,,,\n`, 'text/csv; charset=utf-8');
    expect(ok.status).toBe(200);
    const body = await ok.json();
    expect(body).toMatchObject({ rows: 1, imported: 1, alreadyPresent: 0, receipts: [{ line: 2, externalId: id, status: 'imported' }] });
    expect(body.receipts[0].lookupCode).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    const again = await (await post(JSON.stringify({ rows: [{ external_id: id, draft: OPEN, body: '合作系统推送的一条意见。', channel: 'api' }] }), 'application/json')).json();
    expect(again).toMatchObject({ imported: 0, alreadyPresent: 1, receipts: [{ receipt: body.receipts[0].receipt, lookupCode: null }] });

    const bad = await post(`${HEADER}\n${unique('API')},${OPEN},,,好的一条意见内容。,,,,,,,,,\n${unique('API')},${OPEN},,,坏,,,,,,,,,\n`, 'text/csv');
    expect(bad.status).toBe(422);
    expect(await bad.json()).toEqual({ error: { code: 'ValidationFailed', message: expect.any(String), fields: [{ field: 'line 3: body', message: '至少需要 5 个字。' }] } });
    expect((await post('{}', 'application/json')).status).toBe(400);
    expect((await post('a,b', 'text/plain')).status).toBe(415);
    expect((await post(`${HEADER}\n`, 'text/csv', { id: null, role: 'citizen', via: 'session' })).status).toBe(403);
    expect((await post(`${HEADER}\n`, 'text/csv', null)).status).toBe(401);
  });

  it('runs a body over 2 MB as a job: 202, progress in rows, then the answer once; refused rows fail the job naming the line', async () => {
    const exportDir = mkdtempSync(join(tmpdir(), 'kaimen-import-job-'));
    const saved = process.env.EXPORT_DIR;
    process.env.EXPORT_DIR = exportDir;
    registerImportJob();
    const get = async (job: string, user: unknown = staff) => {
      const request = new Request(`http://localhost/api/v1/staff/comments/import/${job}`);
      try {
        return await (GET_JOB as Call)({ request, url: new URL(request.url), params: { job }, locals: { locale: 'zh-CN', user, ip: '10.9.0.1', largeText: false } } as never);
      } catch (err) {
        return errorResponse(err, 'zh-CN');
      }
    };
    const runJob = () => runNextJob({ workerId: 'test-import', exportDir, db: database.db });
    try {
      const id = unique('BIG');
      const filler = '建议对物业服务收费标准和公共收益的使用情况定期公示，并接受业主监督。'.repeat(4);
      const lines = [HEADER];
      for (let i = 0, bytes = 0; bytes < ASYNC_IMPORT_BYTES + 10_000; i++) {
        lines.push(`${id}-${i},${OPEN},,,第${i}封：${filler},,,,,,api,,,`);
        bytes += Buffer.byteLength(lines.at(-1)!) + 1;
      }
      const csv = lines.join('\n');
      expect(Buffer.byteLength(csv)).toBeGreaterThan(ASYNC_IMPORT_BYTES);
      const before = await commentCount(database.db);
      const started = await post(csv, 'text/csv');
      expect(started.status).toBe(202);
      const { job, status, url } = await started.json();
      expect([status, url]).toEqual(['queued', `/api/v1/staff/comments/import/${job}`]);
      expect(await commentCount(database.db)).toBe(before); // nothing yet: the job does the work
      expect(await (await get(job)).json()).toMatchObject({ job, status: 'queued', progress: null, result: null });
      expect((await get(job, { id: null, role: 'staff', via: 'session' })).status).toBe(404); // someone else's import

      await runJob();
      const done = await (await get(job)).json();
      const rows = lines.length - 1;
      expect(done).toMatchObject({ status: 'done', progress: { stored: rows, percent: 100, phase: 'grouping' }, result: { rows, imported: rows, alreadyPresent: 0 } });
      expect(done.result.receipts).toHaveLength(rows);
      expect(done.result.receipts[0].lookupCode).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
      expect(await commentCount(database.db)).toBe(before + rows);
      // The lookup codes are given once: the answer file is gone, and so is the kept body.
      expect(await (await get(job)).json()).toMatchObject({ status: 'done', result: null });
      expect(readdirSync(exportDir)).toEqual([]);

      const bad = `${csv.replaceAll(id, unique('BAD'))}\n${unique('BAD')},${OPEN},,,坏,,,,,,,,,`;
      const refused = await (await post(bad, 'text/csv')).json();
      await runJob();
      expect(await (await get(refused.job)).json()).toMatchObject({
        status: 'failed', result: null, error: { error: { code: 'ValidationFailed', fields: [{ field: `line ${rows + 2}: body`, message: '至少需要 5 个字。' }] } },
      });
      expect(await commentCount(database.db)).toBe(before + rows);
    } finally {
      process.env.EXPORT_DIR = saved;
      rmSync(exportDir, { recursive: true, force: true });
    }
  }, 180_000);
});

describe('npm run comments:import', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'kaimen-comments-import-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const cli = (...args: string[]) => runMain(main, args, { database });

  it('writes receipts and lookup codes to the output file, re-runs idempotently, and exits 1 naming bad lines', async () => {
    const file = join(dir, '来信.csv');
    writeFileSync(file, `${HEADER}\n${unique('CLI')},${OPEN},,,"=1+1 看起来像公式的来信",,,,,,,,,\n`);
    const first = await cli('--file', file);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toContain('新增 1 条');
    const out = join(dir, '来信.receipts.csv');
    const lines = readFileSync(out, 'utf8').replace(/^\uFEFF/, '').trim().split('\n');
    expect(lines[0]).toBe('line,external_id,receipt,lookup_code,status');
    expect(lines[1]).toMatch(/^2,CLI-\w+,JS3-\w{4}-\w{2},\w{4}-\w{4},imported$/);
    const again = await cli('--file', file);
    expect(again.code).toBe(0);
    expect(again.out).toContain('新增 0 条，已导入过 1 条');
    expect(again.out).toContain('来信.receipts-2.csv');
    expect(readFileSync(out, 'utf8')).toContain(',imported'); // never overwritten

    const bad = join(dir, 'bad.csv');
    writeFileSync(bad, `${HEADER}\n${unique('CLI')},${OPEN},,,好的一条意见内容。,,,,,,,,,\n${unique('CLI')},${OPEN},,,坏,,,,,,,,,\n`);
    const refused = await cli('--file', bad, '--out', join(dir, 'bad-out.csv'));
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('ValidationFailed');
    expect(refused.err).toContain('line 3: body: 至少需要 5 个字。');
    expect(existsSync(join(dir, 'bad-out.csv'))).toBe(false);
    expect(existsSync(join(dir, 'bad-out.csv.partial'))).toBe(false);
    const missing = await cli('--file', join(dir, 'nope.csv'));
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('无法读取文件');
    const taken = await cli('--file', file, '--out', out);
    expect(taken.code).toBe(1);
    expect(taken.err).toContain('已存在');
  });

  it('runs as the started script: imports into the configured database, writes the receipts, exits 0 (smoke)', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, SEED_SAMPLES: 'false' };
    if (database.url) {
      env.DATABASE_URL = database.url;
    } else {
      delete env.DATABASE_URL;
      env.PGLITE_DIR = join(dir, 'db');
      const own = await createDatabase({ pgliteDir: env.PGLITE_DIR });
      await migrateDatabase(own);
      await seedDrafts(own.db);
      await own.close();
    }
    const file = join(dir, 'smoke.csv');
    writeFileSync(file, `${HEADER}\n${unique('CLI')},${OPEN},,,一条从命令行导入的来信。,,,,,,,,,\n`);
    const r = await runScript('comments-import', ['--file', file], env);
    expect(stderrBesidesKeyNotice(r.err)).toBe('');
    expect(r.out).toContain('新增 1 条');
    expect(r.out).toContain(`回执号和查询码已写入 ${join(dir, 'smoke.receipts.csv')}`);
    expect(r.code).toBe(0);
    expect(readFileSync(join(dir, 'smoke.receipts.csv'), 'utf8')).toMatch(/,imported\n$/);
  }, 120_000);
});
