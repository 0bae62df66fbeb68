import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { and, asc, eq } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { comments, drafts, provisions, rounds, users, versions } from '../../src/db/schema';
import { submitComment } from '../../src/server/comments/submit-comment';
import { clearTargetCache } from '../../src/server/comments/comment-target';
import { getReceiptStatus } from '../../src/server/comments/get-receipt-status';
import { rateComment } from '../../src/server/comments/rate-comment';
import { listCommentsByUser } from '../../src/server/comments/list-user-comments';
import { toReceiptJson } from '../../src/server/comments/receipt-json';
import { resetLimit } from '../../src/server/auth/rate-limit';
import { toErrorBody } from '../../src/server/errors';
import { deriveLookupCode, hashLookupCode, idempotencyDigest, legacyLookupCode } from '../../src/server/comments/receipts';
import { keyRing } from '../../src/server/keys';
import { createHash } from 'node:crypto';
import { OPEN, caught, commentByReceipt, seedDrafts, validComment } from './comments-fixtures';
import { decideAdoption } from '../../src/server/review/decide';
import { systemActor } from '../../src/server/audit';

let database: TestDatabase;
let userId: string;
beforeAll(async () => {
  database = await createTestDatabase();
  await seedDrafts(database.db);
  [{ id: userId }] = await database.db.insert(users).values({ email: 'citizen@example.com', passwordHash: 'x', role: 'citizen' }).returning({ id: users.id });
});
afterAll(async () => { await database.close(); });
beforeEach(() => clearTargetCache());

let ipCounter = 0;
const freshIp = () => `10.0.0.${++ipCounter}`;
const submit = (raw: unknown, ctx = {}) => submitComment(OPEN, raw, ctx, database.db);
const status = (receipt: string, code?: string | null, ip = freshIp(), uid?: string) => getReceiptStatus({ receipt, code, ip, userId: uid }, database.db);

async function answer(receipt: string, fields: Partial<typeof comments.$inferInsert> = {}) {
  await database.db.update(comments).set({
    status: 'answered', adoption: 'partially_adopted', reason: '部分内容已在第十一条中规定。', response: '感谢您的意见，已作相应修改。',
    respondedAt: new Date(), ...fields,
  }).where(eq(comments.receipt, receipt));
}

describe('lookup codes nobody can compute (issue 15.5)', () => {
  it('derives the code with the server secret: not the public SHA-256 of the key that 8d42629 used', async () => {
    const key = 'partner-0000001';
    const r = await submit({ ...validComment, idempotencyKey: key });
    const digest = createHash('sha256').update(`kaimen:lookup:${key}`).digest();
    let bits = 0n;
    for (let i = 0; i < 5; i++) bits = (bits << 8n) | BigInt(digest[i]);
    const alphabet = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
    let guess = '';
    for (let i = 7; i >= 0; i--) guess += alphabet[Number((bits >> BigInt(i * 5)) & 31n)];
    expect(r.lookupCode).not.toBe(`${guess.slice(0, 4)}-${guess.slice(4)}`);
    expect(r.lookupCode).toBe(deriveLookupCode(key, keyRing('lookup').current));
    expect(deriveLookupCode(key, Buffer.from('another-secret-of-at-least-32-characters'))).not.toBe(r.lookupCode);
  });
  it('answers a retry of a comment stored before the secret with the code it was given then', async () => {
    const key = 'before-the-secret-1';
    const r = await submit({ ...validComment, idempotencyKey: key });
    // As 8d42629 stored it: the hash of the public derivation.
    const old = legacyLookupCode(key);
    await database.db.update(comments).set({ lookupHash: hashLookupCode(r.receipt, old) }).where(eq(comments.id, r.commentId));
    const again = await submit({ ...validComment, idempotencyKey: key });
    expect(again).toMatchObject({ receipt: r.receipt, lookupCode: old, created: false });
    await expect(status(r.receipt, old)).resolves.toMatchObject({ receipt: r.receipt });
  });
  it('refuses a client key in a kiosk\'s, deputy\'s or import\'s namespace, so no one replays theirs', async () => {
    const kioskKey = 'kiosk:ABCDEFGHIJKLMNOPQRSTUV';
    const stored = await submit({ ...validComment, body: '站点自助终端提交的意见内容。' }, { serverKey: kioskKey, channel: 'kiosk' });
    for (const key of [kioskKey, 'KIOSK:abcdefghijklmnop', 'deputy:x:y:0', 'import:LETTER-1']) {
      const err = await caught(() => submit({ ...validComment, body: '站点自助终端提交的意见内容。', idempotencyKey: key }));
      expect(err.code, key).toBe('ValidationFailed');
      expect(err.fields[0]).toMatchObject({ field: 'idempotencyKey' });
    }
    const [row] = await database.db.select().from(comments).where(eq(comments.id, stored.commentId));
    expect(row.idempotencyKey).toBe(idempotencyDigest(kioskKey));
  });
});

describe('looking a comment up', () => {
  it('with the lookup code: received, the comment and the article as it stood, never the contact', async () => {
    const r = await submit({ ...validComment, contact: '13912345678', name: '李四' });
    const s = await status(r.receipt, r.lookupCode);
    expect(s).toMatchObject({
      receipt: r.receipt, via: 'code', status: 'received', body: validComment.body, answer: null,
      draft: { slug: OPEN, title: '北京市接诉即办工作条例（草案）' }, round: { number: 3, label: '三审稿' },
      article: { number: 10, label: '第十条' },
    });
    expect(s.article!.text).toContain('诉求工单');
    expect(JSON.stringify(s)).not.toContain('13912345678');
    expect(JSON.stringify(toReceiptJson(s))).not.toContain('13912345678');
  });

  it('accepts the receipt and code as typed by hand (lower case, no dashes, look-alikes)', async () => {
    const r = await submit(validComment);
    const typed = r.receipt.toLowerCase().replace(/-/g, ' ');
    const code = r.lookupCode.toLowerCase().replace('-', '').replace(/0/g, 'o').replace(/1/g, 'l');
    await expect(status(typed, code)).resolves.toMatchObject({ receipt: r.receipt });
  });

  it('gives the API shape of api.md', async () => {
    const r = await submit(validComment);
    const json = toReceiptJson(await status(r.receipt, r.lookupCode));
    expect(json).toMatchObject({ receipt: r.receipt, draft: OPEN, round: 3, article: 10, status: 'received' });
    expect(json).not.toHaveProperty('adoption');
    const g = await submit({ body: '总体意见：赞成。' });
    const general = toReceiptJson(await status(g.receipt, g.lookupCode));
    expect(general).toMatchObject({ receipt: g.receipt, draft: OPEN, round: 3, status: 'received' });
    expect(general).not.toHaveProperty('article');
  });

  it('as the signed-in author, without the code', async () => {
    const r = await submit(validComment, { userId });
    await expect(status(r.receipt, null, freshIp(), userId)).resolves.toMatchObject({ via: 'user', receipt: r.receipt });
    expect(await commentUser(r.receipt)).toBe(userId);
  });

  it('not as another signed-in user, nor anonymously without the code', async () => {
    const r = await submit(validComment);
    expect((await caught(() => status(r.receipt, null, freshIp(), userId))).code).toBe('ReceiptNotFound');
    expect((await caught(() => status(r.receipt, null))).code).toBe('ReceiptNotFound');
  });

  it('a wrong code and an unknown receipt give the same 404', async () => {
    const r = await submit(validComment);
    const wrong = await caught(() => status(r.receipt, 'AAAA-AAAA'));
    expect(wrong.code).toBe('ReceiptNotFound');
    expect(toErrorBody(wrong).status).toBe(404);
    expect(toErrorBody(wrong).body.error.message).toBe('回执号或查询码不正确，请核对后重试。');
    const other = r.receipt.startsWith('JS3') ? await submit(validComment) : r;
    await database.db.delete(comments).where(eq(comments.receipt, other.receipt));
    expect((await caught(() => status(other.receipt, other.lookupCode))).code).toBe('ReceiptNotFound');
  });

  it('a malformed receipt or code, or a typo caught by the check character, is a field error', async () => {
    const r = await submit(validComment);
    const typo = r.receipt.slice(0, -1) + (r.receipt.endsWith('A') ? 'B' : 'A');
    const e1 = await caught(() => status(typo, r.lookupCode));
    expect(e1).toMatchObject({ code: 'ValidationFailed', fields: [{ field: 'receipt', key: 'receipt.field.receiptCheck' }] });
    const e2 = await caught(() => status('hello', r.lookupCode));
    expect(e2.fields[0].key).toBe('receipt.field.receiptFormat');
    const e3 = await caught(() => status(r.receipt, '123'));
    expect(e3.fields[0]).toMatchObject({ field: 'code', key: 'receipt.field.codeFormat' });
  });

  it('a stranger\'s wrong codes never lock the receipt\'s owner out (limits are per client, not per receipt)', async () => {
    const r = await submit(validComment);
    const attacker = '198.51.100.66';
    for (let i = 0; i < 30; i++) expect((await caught(() => status(r.receipt, `AAAA-AA${String(i).padStart(2, '0')}`, attacker))).code).toBe('ReceiptNotFound');
    const limited = await caught(() => status(r.receipt, 'BBBB-BBBB', attacker));
    expect(limited.code).toBe('RateLimited');
    expect(toErrorBody(limited).headers['retry-after']).toMatch(/^\d+$/);
    // The owner, from anywhere else, with the right code: always answered.
    await expect(status(r.receipt, r.lookupCode)).resolves.toMatchObject({ receipt: r.receipt });
    await resetLimit(`lookup:ip:${attacker}`, database.db);
  });

  it('counts a signed-in client\'s wrong codes per account too, whatever its address', async () => {
    const r = await submit(validComment);
    for (let i = 0; i < 30; i++) await caught(() => status(r.receipt, `DDDD-DD${String(i).padStart(2, '0')}`, freshIp(), userId));
    expect((await caught(() => status(r.receipt, 'EEEE-EEEE', freshIp(), userId))).code).toBe('RateLimited');
    await expect(status(r.receipt, r.lookupCode, freshIp())).resolves.toMatchObject({ receipt: r.receipt });
  });

  it('wrong codes are rate-limited per IP across receipts (30 an hour)', async () => {
    const ip = '192.0.2.77';
    const receipts = await Promise.all(Array.from({ length: 4 }, () => submit(validComment)));
    let refused = 0;
    for (let i = 0; i < 32; i++) {
      const err = await caught(() => status(receipts[i % 4].receipt, `CCCC-CC${String(i).padStart(2, '0')}`, ip));
      if (err.code === 'RateLimited') refused++;
    }
    expect(refused).toBe(2);
  });

  it('successful look-ups never count against the limits', async () => {
    const r = await submit(validComment);
    const ip = freshIp();
    for (let i = 0; i < 15; i++) await status(r.receipt, r.lookupCode, ip);
    await expect(status(r.receipt, r.lookupCode, ip)).resolves.toBeDefined();
  });
});

describe('the answer and what changed in the next round', () => {
  async function roundArticles(number: number) {
    return database.db
      .select({ number: provisions.number, text: provisions.text, lineageId: provisions.lineageId })
      .from(provisions)
      .innerJoin(versions, eq(versions.id, provisions.versionId))
      .innerJoin(rounds, eq(rounds.id, versions.roundId))
      .innerJoin(drafts, eq(drafts.id, rounds.draftId))
      .where(and(eq(drafts.slug, OPEN), eq(rounds.number, number), eq(provisions.kind, 'article')))
      .orderBy(asc(provisions.seq));
  }
  /** A time inside round 2's period (it ran from 50 to 20 days before the samples were loaded). */
  const inRound2 = () => new Date(Date.now() - 30 * 86400_000);

  it('shows adoption, reason, response and the article in the next round (modified / unchanged / removed)', async () => {
    const [r2, r3] = [await roundArticles(2), await roundArticles(3)];
    const byLineage = new Map(r3.map((a) => [a.lineageId, a]));
    const modified = r2.find((a) => byLineage.has(a.lineageId) && byLineage.get(a.lineageId)!.text.replace(/\s/g, '') !== a.text.replace(/\s/g, ''));
    const same = r2.find((a) => byLineage.has(a.lineageId) && byLineage.get(a.lineageId)!.text === a.text);
    const removed = r2.find((a) => !byLineage.has(a.lineageId));
    expect(modified && same).toBeTruthy();

    const c = await submit({ round: 2, article: modified!.number, body: '这一条应当修改。' }, { now: inRound2() });
    expect(c.receipt.startsWith('JS2-')).toBe(true);
    const before = await status(c.receipt, c.lookupCode);
    expect(before.answer).toBeNull();
    expect(before.nextRound).toBeNull();
    await answer(c.receipt);
    const after = await status(c.receipt, c.lookupCode);
    expect(after.answer).toMatchObject({ adoption: 'partially_adopted', reason: '部分内容已在第十一条中规定。', response: '感谢您的意见，已作相应修改。' });
    expect(after.nextRound).toMatchObject({ round: { number: 3, label: '三审稿' }, change: 'modified' });
    expect(after.nextRound!.diff.some((p) => p.op !== 'equal')).toBe(true);
    expect(toReceiptJson(after)).toMatchObject({ adoption: 'partially_adopted', nextRound: { round: 3, change: 'modified' } });

    const u = await submit({ round: 2, article: same!.number, body: '这一条写得很好。' }, { now: inRound2() });
    await answer(u.receipt, { adoption: 'already_provided' });
    expect((await status(u.receipt, u.lookupCode)).nextRound?.change).toMatch(/^(unchanged|renumbered)$/);

    if (removed) {
      const d = await submit({ round: 2, article: removed.number, body: '这一条应当删除。' }, { now: inRound2() });
      await answer(d.receipt, { adoption: 'adopted' });
      expect((await status(d.receipt, d.lookupCode)).nextRound).toMatchObject({ change: 'removed', article: null });
    }
  });

  it('a comment under review shows no answer even if staff drafted one', async () => {
    const r = await submit(validComment);
    await answer(r.receipt, { status: 'under_review' });
    const s = await status(r.receipt, r.lookupCode);
    expect(s.status).toBe('under_review');
    expect(s.answer).toBeNull();
    expect(toReceiptJson(s)).not.toHaveProperty('response');
  });
});

describe('rating the answer, once', () => {
  it('is refused before the comment is answered', async () => {
    const r = await submit(validComment);
    const err = await caught(() => rateComment({ receipt: r.receipt, code: r.lookupCode, ip: freshIp() }, { satisfaction: 'satisfied' }, database.db));
    expect(err.code).toBe('CommentNotAnswered');
  });

  it('stores one rating with an optional remark, then refuses with AlreadyRated', async () => {
    const r = await submit(validComment);
    await answer(r.receipt);
    const creds = { receipt: r.receipt, code: r.lookupCode, ip: freshIp() };
    await expect(rateComment(creds, { satisfaction: 'basically_satisfied', remark: '  答复及时。\r\n希望继续改进。 ' }, database.db)).resolves.toEqual({ satisfaction: 'basically_satisfied' });
    const [row] = await database.db.select().from(comments).where(eq(comments.receipt, r.receipt));
    expect(row).toMatchObject({ satisfaction: 'basically_satisfied', satisfactionRemark: '答复及时。\n希望继续改进。' });
    expect(row.ratedAt).toBeInstanceOf(Date);
    expect((await caught(() => rateComment(creds, { satisfaction: 'not_satisfied' }, database.db))).code).toBe('AlreadyRated');
    expect((await status(r.receipt, r.lookupCode)).satisfaction).toMatchObject({ value: 'basically_satisfied' });
  });

  it('concurrent ratings store one', async () => {
    const r = await submit(validComment);
    await answer(r.receipt);
    const creds = { receipt: r.receipt, code: r.lookupCode, ip: freshIp() };
    const results = await Promise.allSettled((['satisfied', 'not_satisfied', 'basically_satisfied'] as const).map((s) => rateComment(creds, { satisfaction: s }, database.db)));
    expect(results.filter((x) => x.status === 'fulfilled')).toHaveLength(1);
  });

  it('refuses a missing or unknown rating, a long remark, control characters and a wrong code', async () => {
    const r = await submit(validComment);
    await answer(r.receipt);
    const creds = { receipt: r.receipt, code: r.lookupCode, ip: freshIp() };
    expect((await caught(() => rateComment(creds, {}, database.db))).fields[0]).toMatchObject({ field: 'satisfaction', key: 'receipt.rate.choose' });
    expect((await caught(() => rateComment(creds, { satisfaction: 'meh' }, database.db))).fields[0].key).toBe('receipt.rate.choose');
    expect((await caught(() => rateComment(creds, { satisfaction: 'satisfied', remark: '长'.repeat(501) }, database.db))).fields[0].key).toBe('receipt.field.remarkTooLong');
    expect((await caught(() => rateComment(creds, { satisfaction: 'satisfied', remark: '好\u0007' }, database.db))).fields[0].key).toBe('comment.field.controlChars');
    expect((await caught(() => rateComment({ ...creds, code: 'AAAA-AAAA' }, { satisfaction: 'satisfied' }, database.db))).code).toBe('ReceiptNotFound');
    const [row] = await database.db.select().from(comments).where(eq(comments.receipt, r.receipt));
    expect(row.satisfaction).toBeNull();
  });
});

describe('listCommentsByUser', () => {
  it("lists a user's comments, newest first, without contact details", async () => {
    const [{ id: other }] = await database.db.insert(users).values({ email: 'other@example.com', passwordHash: 'x', role: 'citizen' }).returning({ id: users.id });
    const a = await submit({ ...validComment, contact: '13900000000' }, { userId: other });
    const b = await submit({ body: '总体意见：支持出台。' }, { userId: other });
    await answer(a.receipt, { adoption: 'adopted', reason: null });
    const list = await listCommentsByUser(other, database.db);
    expect(list.map((c) => c.receipt)).toEqual([b.receipt, a.receipt]);
    expect(list[0]).toMatchObject({ article: null, status: 'received', adoption: null, draft: { slug: OPEN }, round: { number: 3 } });
    expect(list[1]).toMatchObject({ article: { number: 10, label: '第十条' }, status: 'answered', adoption: 'adopted' });
    expect(JSON.stringify(list)).not.toContain('13900000000');
  });

  it('hides a decision staff have recorded but not published (under review)', async () => {
    const [{ id: author }] = await database.db.insert(users).values({ email: 'decided@example.com', passwordHash: 'x', role: 'citizen' }).returning({ id: users.id });
    const c = await submit(validComment, { userId: author });
    await decideAdoption({ ids: [c.commentId] }, { adoption: 'not_adopted', reason: '与上位法不一致。' }, systemActor, database.db);
    expect(await commentByReceipt(database.db, c.receipt)).toMatchObject({ status: 'under_review', adoption: 'not_adopted' });
    const [mine] = await listCommentsByUser(author, database.db);
    expect(mine).toMatchObject({ receipt: c.receipt, status: 'under_review', adoption: null });
  });
});

async function commentUser(receipt: string) {
  const [row] = await database.db.select({ userId: comments.userId }).from(comments).where(eq(comments.receipt, receipt));
  return row.userId;
}
