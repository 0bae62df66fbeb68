/**
 * 主要意见 per article (reports/points.ts): saved, confirmed, unconfirmed again by an edit, cleared;
 * publishing the feedback page refused without confirmed points and warned (with counts) about
 * unanswered and undecided comments; only confirmed text reaches the public page and the reports;
 * the draft, the home page's list and the receipts know when the feedback is published.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq, like, sql } from 'drizzle-orm';
import { articlePoints, auditEvents, comments, rounds } from '../../src/db/schema';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { seedReportFixture, type Seeded } from './reports-fixture';
import { loadFeedback, setFeedbackPublished } from '../../src/server/reports/feedback';
import { feedbackReadiness, loadRoundPoints, saveArticlePoints } from '../../src/server/reports/points';
import { articlePointsForm } from '../../src/server/reports/schemas';
import { loadReportScope, summariseArticles } from '../../src/server/reports/adoption-report';
import { getDraftRound } from '../../src/server/drafts/get-draft';
import { listDrafts } from '../../src/server/drafts/list-drafts';
import { getReceiptStatus } from '../../src/server/comments/get-receipt-status';
import { generateReceipt } from '../../src/server/comments/receipts';
import { parseOrFail } from '../../src/server/validation';
import type { SessionUser } from '../../src/server/auth/session-user';
import { writeReportDocx } from '../../src/server/reports/export-docx';
import { writeReportXlsx } from '../../src/server/reports/export-xlsx';
import { PassThrough } from 'node:stream';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';

async function collect(write: (out: PassThrough) => Promise<unknown>): Promise<Buffer> {
  const out = new PassThrough();
  const chunks: Buffer[] = [];
  out.on('data', (c: Buffer) => chunks.push(c));
  await write(out);
  return Buffer.concat(chunks);
}

let database: TestDatabase;
let seeded: Seeded;
let staff: SessionUser;
let admin: SessionUser;
const person = (id: string, role: SessionUser['role']): SessionUser => ({ id, role, name: null, email: null, phone: null, district: null, occupation: null, via: 'session' });

beforeAll(async () => {
  database = await createTestDatabase();
  seeded = await seedReportFixture(database.db, 'points');
  staff = person(seeded.staffId, 'staff');
  admin = person(seeded.adminId, 'admin');
});
afterAll(() => database?.close());

const save = (article: number, text: string, action: 'save' | 'confirm', base: string, who = staff) =>
  saveArticlePoints({ slug: seeded.slug, round: 1, article, text, base, action }, who, '127.0.0.1', database.db);
async function row(article: number) {
  const [r] = await database.db.select().from(articlePoints).where(and(eq(articlePoints.roundId, seeded.round1), eq(articlePoints.articleNumber, article)));
  return r;
}
const baseOf = async (article: number) => {
  const r = await row(article);
  return r ? String(r.updatedAt.getTime()) : '';
};
const publish = (acknowledged?: boolean) =>
  setFeedbackPublished({ slug: seeded.slug, round: 1, published: true, acknowledged }, staff, null, database.db);
async function publishedAt(): Promise<Date | null> {
  const [r] = await database.db.select({ at: rounds.feedbackPublishedAt }).from(rounds).where(eq(rounds.id, seeded.round1));
  return r.at;
}

describe('writing and confirming 主要意见', () => {
  it('lists the articles with public comments, with counts and tags, and nothing written yet', async () => {
    const { entries, readiness } = await loadRoundPoints(seeded.slug, 1, staff, database.db);
    expect(entries.map((e) => e.number)).toEqual([0, 1, 2, 3, 4]);
    // Article 4: four public comments (the hidden one is not published, so not counted).
    expect(entries.find((e) => e.number === 4)).toMatchObject({ comments: 4, text: '', base: '', confirmedAt: null });
    expect(entries.find((e) => e.number === 2)?.tags[0]).toEqual({ key: '适用范围', count: 2 });
    expect(readiness).toMatchObject({ articles: 5, missing: [0, 1, 2, 3, 4] });
    await expect(loadRoundPoints(seeded.slug, 1, person(seeded.staffId, 'deputy'), database.db)).rejects.toMatchObject({ code: 'Forbidden' });
  });

  it('saves unconfirmed, confirms, keeps the confirmation for the same text and clears it on an edit', async () => {
    expect(await save(2, '一是建议扩大适用范围（2人次）。', 'save', '')).toBe('saved');
    expect(await row(2)).toMatchObject({ text: '一是建议扩大适用范围（2人次）。', confirmedAt: null, confirmedBy: null, updatedBy: seeded.staffId });

    expect(await save(2, '一是建议扩大适用范围（2人次）。', 'confirm', await baseOf(2), admin)).toBe('confirmed');
    expect(await row(2)).toMatchObject({ confirmedBy: seeded.adminId, updatedBy: seeded.staffId });
    const listed = (await loadRoundPoints(seeded.slug, 1, staff, database.db)).entries.find((e) => e.number === 2)!;
    expect(listed.confirmedBy).toBe('管理员');
    expect(listed.confirmedAt).toBeInstanceOf(Date);

    // Saving the same text again changes nothing: still confirmed.
    expect(await save(2, '一是建议扩大适用范围（2人次）。', 'save', await baseOf(2))).toBe('unchanged');
    expect((await row(2)).confirmedBy).toBe(seeded.adminId);

    // An edit clears the confirmation.
    expect(await save(2, '一是建议扩大适用范围（3人次）。', 'save', await baseOf(2))).toBe('saved');
    expect(await row(2)).toMatchObject({ text: '一是建议扩大适用范围（3人次）。', confirmedAt: null, confirmedBy: null });
    const scope = await loadReportScope(seeded.slug, 1, database.db);
    expect((await summariseArticles(scope, { includeHidden: false }, database.db)).find((a) => a.number === 2)?.points).toBeNull();

    const events = await database.db.select().from(auditEvents).where(and(eq(auditEvents.objectId, seeded.round1), like(auditEvents.action, 'points.%')));
    expect(events.map((e) => e.action)).toEqual(['points.save', 'points.confirm', 'points.save']);
    expect(events[1].actorId).toBe(seeded.adminId);
    expect(events[2].before).toMatchObject({ article: 2, confirmed: true });
    expect(events[2].after).toMatchObject({ article: 2, confirmed: false, text: '一是建议扩大适用范围（3人次）。' });
  });

  it('refuses a save over someone else’s newer text, an unknown article and a writer without draft:manage; changes nothing', async () => {
    const stale = await baseOf(2);
    await save(2, '另一位工作人员的文字。', 'save', stale, admin);
    await expect(save(2, '我的旧稿。', 'confirm', stale)).rejects.toMatchObject({ code: 'PointsChanged' });
    await expect(save(2, '凭空写的。', 'save', '')).rejects.toMatchObject({ code: 'PointsChanged' });
    expect((await row(2)).text).toBe('另一位工作人员的文字。');
    await expect(save(99, '第九十九条不存在。', 'save', '')).rejects.toMatchObject({ code: 'ArticleNotFound' });
    await expect(save(3, '代表不能写。', 'save', '', person(seeded.staffId, 'deputy'))).rejects.toMatchObject({ code: 'Forbidden' });
    expect(await row(99)).toBeUndefined();
    expect(await row(3)).toBeUndefined();
  });

  it('checks the form: confirming needs text, text has a limit, the hidden fields must be well formed', () => {
    const fieldsOf = (raw: Record<string, string>) => {
      try { parseOrFail(articlePointsForm, raw); return []; } catch (err) { return (err as { fields: Array<{ field: string; key: string }> }).fields; }
    };
    expect(fieldsOf({ article: '2', text: ' \u200b ', base: '', action: 'confirm' })).toEqual([expect.objectContaining({ field: 'text', key: 'points.field.required' })]);
    expect(fieldsOf({ article: '2', text: '字'.repeat(5001), base: '', action: 'save' })).toEqual([expect.objectContaining({ field: 'text', key: 'field.tooLong' })]);
    expect(fieldsOf({ article: 'x', text: '好', base: 'y', action: 'publish' }).map((f) => f.field).sort()).toEqual(['action', 'article', 'base']);
    expect(parseOrFail(articlePointsForm, { article: '0', text: '  一是……\r\n二是……  ', base: '', action: 'save' })).toEqual({ article: 0, text: '一是……\n二是……', base: '', action: 'save' });
  });

  it('removes the text when saved empty', async () => {
    expect(await save(1, '临时文字。', 'save', '')).toBe('saved');
    expect(await save(1, '', 'save', await baseOf(1))).toBe('cleared');
    expect(await row(1)).toBeUndefined();
    const [event] = await database.db.select().from(auditEvents).where(and(eq(auditEvents.objectId, seeded.round1), eq(auditEvents.action, 'points.clear')));
    expect(event.before).toMatchObject({ article: 1, text: '临时文字。' });
  });
});

describe('publishing the feedback page', () => {
  it('is refused while an article with public comments lacks confirmed points, naming them', async () => {
    await save(2, '一是建议明确适用范围包括相关服务活动（2人次）。', 'confirm', await baseOf(2));
    await save(3, '一是建议细化区级职责（2人次）。', 'save', '');
    const err = await publish(true).catch((e) => e);
    expect(err).toMatchObject({ code: 'FeedbackPointsMissing', params: { count: 4, total: 5, articles: '总体意见、第一条、第三条、第四条' } });
    expect(await publishedAt()).toBeNull();
  });

  it('then warns with the counts of unanswered and undecided comments until the staff confirm they publish anyway', async () => {
    for (const article of [0, 1, 3, 4]) await save(article, `第${article}项：一是……（1人次）。`, 'confirm', await baseOf(article));
    const { rows: [c] } = await database.db.execute<{ unanswered: number; undecided: number }>(sql`
      select count(*) filter (where responded_at is null)::int as unanswered,
        count(*) filter (where adoption is null or adoption = 'pending')::int as undecided
      from comments where round_id = ${seeded.round1} and hidden_at is null`);
    expect([Number(c.unanswered), Number(c.undecided)]).toEqual([3, 2]);
    const scope = await loadReportScope(seeded.slug, 1, database.db);
    expect(await feedbackReadiness(scope, database.db)).toEqual({ articles: 5, missing: [], unanswered: 3, undecided: 2 });

    const err = await publish().catch((e) => e);
    expect(err).toMatchObject({ code: 'FeedbackUnfinished', params: { unanswered: 3, undecided: 2 }, fields: [{ field: 'acknowledge' }] });
    expect(await publishedAt()).toBeNull();
    expect(await publish(true)).toBeInstanceOf(Date);
  });

  it('shows only confirmed text on the public page: an edit after publication takes it off until confirmed again', async () => {
    let f = await loadFeedback(seeded.slug, 1, database.db);
    expect(f.articles.find((a) => a.number === 2)?.points).toBe('一是建议明确适用范围包括相关服务活动（2人次）。');
    expect(f.articles.find((a) => a.number === 0)?.points).toBe('第0项：一是……（1人次）。');
    // Who confirmed it is for staff reports, not the public page.
    expect(JSON.stringify(f)).not.toContain('管理员');
    expect(JSON.stringify(f)).not.toContain('工作人员');

    await save(3, '尚未确认的新文字。', 'save', await baseOf(3));
    f = await loadFeedback(seeded.slug, 1, database.db);
    expect(f.articles.find((a) => a.number === 3)?.points).toBeNull();
    expect(JSON.stringify(f)).not.toContain('尚未确认的新文字');
    const scope = await loadReportScope(seeded.slug, 1, database.db);
    const staffView = await summariseArticles(scope, { includeHidden: true }, database.db);
    expect(staffView.find((a) => a.number === 3)?.points).toBeNull();
    expect(staffView.find((a) => a.number === 2)?.points).toMatchObject({ text: '一是建议明确适用范围包括相关服务活动（2人次）。', confirmedBy: '工作人员' });
  });

  it('puts the confirmed text with who confirmed it in the DOCX and XLSX reports, and says plainly where none is confirmed', async () => {
    const scope = await loadReportScope(seeded.slug, 1, database.db);
    const zip = await JSZip.loadAsync(await collect((out) => writeReportDocx(scope, 'staff', out, {}, database.db)));
    const docx = (await zip.file('word/document.xml')!.async('string')).replace(/<[^>]+>/g, '');
    expect(docx).toContain('主要意见：一是建议明确适用范围包括相关服务活动（2人次）。');
    expect(docx).toMatch(/（以上主要意见由工作人员于\d{4}年\d{1,2}月\d{1,2}日确认）/);
    expect(docx).toContain('本条的主要意见尚未经工作人员确认，报告中不列出。');
    expect(docx).not.toContain('尚未确认的新文字');
    expect(docx).not.toContain('尚未归纳');

    const wb = new ExcelJS.Workbook();
    await wb.xlsx.load((await collect((out) => writeReportXlsx(scope, 'staff', out, {}, database.db))) as unknown as ArrayBuffer);
    const sheet = wb.getWorksheet('按条文统计')!;
    const header = (sheet.getRow(1).values as unknown[]).map(String);
    const col = (name: string) => header.indexOf(name);
    const rowOf = (label: string) => { let found: ExcelJS.Row | undefined; sheet.eachRow((r) => { if (r.getCell(1).value === label) found = r; }); return found!; };
    expect(String(rowOf('第二条').getCell(col('主要意见')).value)).toBe('一是建议明确适用范围包括相关服务活动（2人次）。');
    expect(String(rowOf('第二条').getCell(col('确认人及时间')).value)).toMatch(/^工作人员 /);
    expect(String(rowOf('第三条').getCell(col('主要意见')).value)).toBe('（尚未确认）');
    expect(String(rowOf('第三条').getCell(col('确认人及时间')).value ?? '')).toBe('');
  });

  it('lets the draft page, the home page and every receipt of the round link to it', async () => {
    const d = await getDraftRound(seeded.slug, 1, database.db);
    expect(d.round.feedbackPublishedAt).toBeInstanceOf(Date);
    expect(d.rounds.find((r) => r.number === 2)?.feedbackPublishedAt).toBeNull();
    const listed = (await listDrafts(database.db)).find((x) => x.slug === seeded.slug)!;
    expect(listed.rounds.map((r) => r.feedbackPublished)).toEqual([true, false]);

    // A receipt of round 1, read by its signed-in author.
    const receipt = generateReceipt('SL', 1);
    await database.db.update(comments).set({ userId: seeded.staffId, receipt }).where(eq(comments.id, seeded.ids[1]));
    const c = { receipt };
    const status = await getReceiptStatus({ receipt: c.receipt, code: null, userId: seeded.staffId, ip: '192.0.2.7' }, database.db);
    expect(status.round).toEqual({ number: 1, label: '一审稿', feedbackPublished: true });

    await setFeedbackPublished({ slug: seeded.slug, round: 1, published: false }, staff, null, database.db);
    const again = await getReceiptStatus({ receipt: c.receipt, code: null, userId: seeded.staffId, ip: '192.0.2.7' }, database.db);
    expect(again.round.feedbackPublished).toBe(false);
    expect((await getDraftRound(seeded.slug, 1, database.db)).round.feedbackPublishedAt).toBeNull();
  });
});
