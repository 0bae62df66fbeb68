import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { randomUUID } from 'node:crypto';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { submitComment } from '../../src/server/comments/submit-comment';
import { clearTargetCache } from '../../src/server/comments/comment-target';
import { parseReceipt, hashLookupCode, idempotencyDigest } from '../../src/server/comments/receipts';
import { bigramKeysOf, fingerprintOf } from '../../src/server/grouping/text-features';
import { BODY_MAX } from '../../src/server/comments/schemas';
import { toErrorBody } from '../../src/server/errors';
import {
  CLOSED, OPEN, TIMED, TIMED_CLOSES, TIMED_OPENS, UPCOMING, caught, commentByReceipt, commentCount, seedDrafts, validComment,
} from './comments-fixtures';
import { log } from '../../src/server/log';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  await seedDrafts(database.db);
});
afterAll(async () => { await database.close(); });
beforeEach(() => clearTargetCache());

const submit = (raw: unknown, slug = OPEN, ctx = {}) => submitComment(slug, raw, ctx, database.db);

describe('submitting a comment', () => {
  it('stores it on 第十条 of the open round and returns a receipt and lookup code', async () => {
    const before = await commentCount(database.db);
    const r = await submit({ ...validComment, name: '王大妈', district: '朝阳区', occupation: '退休', contact: '139 1234 5678' });
    expect(r.created).toBe(true);
    expect(r.receipt).toMatch(/^JS3-[0-9A-Z]{4}-[0-9A-Z]{2}$/);
    expect(parseReceipt(r.receipt).ok).toBe(true);
    expect(r.lookupCode).toMatch(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
    expect(await commentCount(database.db)).toBe(before + 1);
    const row = await commentByReceipt(database.db, r.receipt);
    expect(row).toMatchObject({
      articleNumber: 10, body: validComment.body, name: '王大妈', publishName: false, district: '朝阳区', occupation: '退休',
      contact: '13912345678', channel: 'web', status: 'received', voices: 1,
    });
    expect(row.articleId).not.toBeNull();
    expect(row.lookupHash).toBe(hashLookupCode(r.receipt, r.lookupCode));
    expect(row.lookupHash).not.toContain(r.lookupCode.replace('-', ''));
    expect(row.bigrams).toEqual(bigramKeysOf(validComment.body));
    expect(row.fingerprint).toBe(fingerprintOf(validComment.body));
  });

  it('stores a general comment (总体意见) without an article', async () => {
    const r = await submit({ body: '总体上赞成，建议尽快出台。' });
    const row = await commentByReceipt(database.db, r.receipt);
    expect(row.articleId).toBeNull();
    expect(row.articleNumber).toBeNull();
  });

  it('keeps line breaks, normalises \\r\\n, trims, and accepts tabs', async () => {
    const r = await submit({ body: '  第一点：\r\n\t工单要留痕。\r第二点：要回访。  ' });
    expect((await commentByReceipt(database.db, r.receipt)).body).toBe('第一点：\n\t工单要留痕。\n第二点：要回访。');
  });

  it('stores a script tag exactly as typed (shown escaped everywhere)', async () => {
    const body = '<script>alert("x")</script> 请删除第十条';
    const r = await submit({ body });
    expect((await commentByReceipt(database.db, r.receipt)).body).toBe(body);
  });

  it('accepts an email contact and the API types (publishName true, article as a number)', async () => {
    const r = await submit({ article: 10, body: '建议公开工单处理进度。', contact: 'Wang.Li@Example.COM', publishName: true, name: '王丽' });
    expect(await commentByReceipt(database.db, r.receipt)).toMatchObject({ contact: 'Wang.Li@example.com', publishName: true });
  });

  it('accepts +86 mobile numbers and form strings ("on", "10")', async () => {
    const r = await submit({ article: '10', body: '建议公开工单处理进度。', contact: '+86 139-1234-5678', publishName: 'on' });
    expect(await commentByReceipt(database.db, r.receipt)).toMatchObject({ contact: '13912345678', publishName: true, articleNumber: 10 });
  });

  it('records the signed-in user and the channel', async () => {
    const r = await submit(validComment, OPEN, { channel: 'api' });
    expect((await commentByReceipt(database.db, r.receipt)).channel).toBe('api');
  });
});

describe('bad input is refused with a clear message and stores nothing', () => {
  const cases: Array<[string, Record<string, unknown>, string, string]> = [
    ['empty comment', { body: '' }, 'body', 'field.required'],
    ['missing comment', { article: 10 }, 'body', 'field.required'],
    ['whitespace-only comment', { body: ' \n\t\u3000 ' }, 'body', 'field.required'],
    ['too short', { body: '同意。' }, 'body', 'field.tooShort'],
    ['too long', { body: '长'.repeat(BODY_MAX + 1) }, 'body', 'field.tooLong'],
    ['a control character', { body: '建议\u0007修改第十条' }, 'body', 'comment.field.controlChars'],
    ['an escape sequence', { body: '建议修改\u001b[31m第十条' }, 'body', 'comment.field.controlChars'],
    ['a NUL byte', { body: '建议修改\u0000第十条' }, 'body', 'comment.field.controlChars'],
    ['a lone surrogate (invalid UTF-16/8)', { body: '建议修改\ud800第十条' }, 'body', 'comment.field.invalidEncoding'],
    ['a script tag in the name', { ...validComment, name: '<script>alert(1)</script>' }, 'name', 'comment.field.angleBrackets'],
    ['a newline in the district', { ...validComment, district: '朝阳\n区' }, 'district', 'comment.field.controlChars'],
    ['a name too long', { ...validComment, name: '名'.repeat(51) }, 'name', 'field.tooLong'],
    ['an invalid mobile number', { ...validComment, contact: '1391234567' }, 'contact', 'comment.field.contactInvalid'],
    ['a landline', { ...validComment, contact: '010-12345678' }, 'contact', 'comment.field.contactInvalid'],
    ['a mobile starting 12', { ...validComment, contact: '12912345678' }, 'contact', 'comment.field.contactInvalid'],
    ['an invalid email', { ...validComment, contact: 'wang@' }, 'contact', 'comment.field.contactInvalid'],
    ['a non-numeric article', { ...validComment, article: '第十条' }, 'article', 'field.invalid'],
    ['a negative article', { ...validComment, article: -1 }, 'article', 'field.invalid'],
    ['a body of the wrong type', { body: 12345 }, 'body', 'field.required'],
    ['a malformed idempotency key', { ...validComment, idempotencyKey: 'short' }, 'idempotencyKey', 'comment.field.keyInvalid'],
  ];
  for (const [name, raw, field, key] of cases) {
    it(name, async () => {
      const before = await commentCount(database.db);
      const err = await caught(() => submit(raw));
      expect(err.code).toBe('ValidationFailed');
      expect(err.fields.find((f) => f.field === field)?.key).toBe(key);
      const body = toErrorBody(err, 'zh-CN').body.error;
      expect(body.fields?.find((f) => f.field === field)?.message).toMatch(/[\u4e00-\u9fff]/);
      expect(await commentCount(database.db)).toBe(before);
    });
  }

  it('reports the limits in the message', async () => {
    const err = await caught(() => submit({ body: '长'.repeat(BODY_MAX + 1) }));
    expect(toErrorBody(err).body.error.fields![0].message).toBe('不能超过 5000 个字。');
    const short = await caught(() => submit({ body: '好的' }));
    expect(toErrorBody(short).body.error.fields![0].message).toBe('至少需要 5 个字。');
  });

  it('a body that is not an object', async () => {
    expect((await caught(() => submit('body'))).code).toBe('ValidationFailed');
    expect((await caught(() => submit(null))).code).toBe('ValidationFailed');
    expect((await caught(() => submit([1, 2]))).code).toBe('ValidationFailed');
  });

  it('an article that does not exist in this round', async () => {
    const before = await commentCount(database.db);
    const err = await caught(() => submit({ ...validComment, article: 999 }));
    expect(err.code).toBe('ArticleNotFound');
    expect(toErrorBody(err).body.error.message).toBe('本审次草案中没有第 999 条。');
    expect(await commentCount(database.db)).toBe(before);
  });

  it('a slug that does not exist', async () => {
    const err = await caught(() => submit(validComment, 'no-such-draft'));
    expect(err.code).toBe('DraftNotFound');
    expect(toErrorBody(err).status).toBe(404);
  });

  it('a round that does not exist', async () => {
    expect((await caught(() => submit({ ...validComment, round: 7 }))).code).toBe('RoundNotFound');
  });
});

describe('the comment period, checked on the server in Asia/Shanghai', () => {
  it('refuses a closed round with ConsultationClosed and when it closed', async () => {
    const before = await commentCount(database.db);
    const err = await caught(() => submit({ body: '停车收费应当听证。' }, CLOSED));
    expect(err.code).toBe('ConsultationClosed');
    expect(toErrorBody(err).body.error.message).toMatch(/^征求意见已于 \d{4}年\d{1,2}月\d{1,2}日 \d\d:\d\d 截止/);
    expect(toErrorBody(err).status).toBe(409);
    expect(await commentCount(database.db)).toBe(before);
  });

  it('refuses an upcoming round with ConsultationNotOpen and when it opens', async () => {
    const err = await caught(() => submit({ body: '立法法修正很有必要。' }, UPCOMING));
    expect(err.code).toBe('ConsultationNotOpen');
    expect(toErrorBody(err).body.error.message).toMatch(/^征求意见将于 \d{4}年/);
  });

  it('refuses an earlier round of an open draft when named explicitly', async () => {
    expect((await caught(() => submit({ ...validComment, round: 2 }))).code).toBe('ConsultationClosed');
  });

  it('opens and closes at the exact Beijing time, whatever the process time zone', async () => {
    const second = 1000;
    const body = { article: 1, body: '测试边界时间的意见。' };
    expect((await caught(() => submit(body, TIMED, { now: new Date(TIMED_OPENS.getTime() - second) }))).code).toBe('ConsultationNotOpen');
    await expect(submit(body, TIMED, { now: TIMED_OPENS })).resolves.toMatchObject({ created: true });
    await expect(submit(body, TIMED, { now: new Date(TIMED_CLOSES.getTime() - second) })).resolves.toMatchObject({ created: true });
    const err = await caught(() => submit(body, TIMED, { now: TIMED_CLOSES }));
    expect(err.code).toBe('ConsultationClosed');
    expect(toErrorBody(err).body.error.message).toContain('2026年12月1日 18:00');
  });

  it('re-checks the period in the database even when the cached round is stale', async () => {
    // Warm the cache while open, then close the round behind its back.
    const key = randomUUID();
    await submit({ article: 1, body: '缓存期间的第一条意见。' }, TIMED, { now: TIMED_OPENS });
    const { rounds } = await import('../../src/db/schema');
    const { eq } = await import('drizzle-orm');
    const original = await database.db.select().from(rounds).where(eq(rounds.closesAt, TIMED_CLOSES));
    await database.db.update(rounds).set({ closesAt: new Date(TIMED_OPENS.getTime() + 1000) }).where(eq(rounds.id, original[0].id));
    try {
      const err = await caught(() => submit({ article: 1, body: '缓存过期后的意见。', idempotencyKey: key }, TIMED, { now: new Date(TIMED_OPENS.getTime() + 60_000) }));
      expect(err.code).toBe('ConsultationClosed');
    } finally {
      await database.db.update(rounds).set({ closesAt: TIMED_CLOSES }).where(eq(rounds.id, original[0].id));
    }
  });
});

describe('exactly once', () => {
  it('the same key twice gives the same receipt and lookup code and one row', async () => {
    const key = randomUUID();
    const before = await commentCount(database.db);
    const a = await submit({ ...validComment, idempotencyKey: key, contact: 'a@example.com' });
    const b = await submit({ ...validComment, idempotencyKey: key, contact: 'a@example.com' });
    expect(a.created).toBe(true);
    expect(b).toMatchObject({ created: false, receipt: a.receipt, lookupCode: a.lookupCode, commentId: a.commentId });
    expect(await commentCount(database.db)).toBe(before + 1);
    expect((await commentByReceipt(database.db, a.receipt)).idempotencyKey).toBe(idempotencyDigest(key));
  });

  it('20 parallel submissions with one key store one comment and all get its receipt', async () => {
    const key = randomUUID();
    const before = await commentCount(database.db);
    const results = await Promise.all(Array.from({ length: 20 }, () => submit({ ...validComment, idempotencyKey: key })));
    expect(new Set(results.map((r) => r.receipt)).size).toBe(1);
    expect(new Set(results.map((r) => r.lookupCode)).size).toBe(1);
    expect(results.filter((r) => r.created)).toHaveLength(1);
    expect(await commentCount(database.db)).toBe(before + 1);
  });

  it('without a key, each request is a new comment', async () => {
    const a = await submit(validComment);
    const b = await submit(validComment);
    expect(a.receipt).not.toBe(b.receipt);
  });

  it('the same key with a different comment is refused with Conflict and stores nothing', async () => {
    const key = randomUUID();
    await submit({ ...validComment, idempotencyKey: key });
    const before = await commentCount(database.db);
    for (const changed of [{ body: '另一条完全不同的意见。' }, { article: 11 }, { contact: '13912345678' }, { publishName: true }]) {
      const err = await caught(() => submit({ ...validComment, ...changed, idempotencyKey: key }));
      expect(err.code).toBe('Conflict');
      expect(toErrorBody(err).status).toBe(409);
    }
    expect((await caught(() => submit({ ...validComment, article: 1, idempotencyKey: key }, TIMED, { now: TIMED_OPENS }))).code).toBe('Conflict');
    expect(await commentCount(database.db)).toBe(before);
  });

  it('a retry after the period closed still gets its receipt', async () => {
    const key = randomUUID();
    const raw = { article: 2, body: '截止前提交的意见。', idempotencyKey: key };
    const first = await submit(raw, TIMED, { now: TIMED_OPENS });
    const retry = await submit(raw, TIMED, { now: TIMED_CLOSES });
    expect(retry).toMatchObject({ receipt: first.receipt, created: false });
  });
});

describe('personal information stays out of logs', () => {
  it('a database failure is logged without the query parameters', async () => {
    const spy = vi.spyOn(log, 'error').mockImplementation(() => {});
    const fail = () => Promise.reject(Object.assign(new Error('Failed query: insert into comments … params: 13987654321'), { cause: { code: '57P01', message: 'terminating connection' } }));
    const failing = new Proxy(database.db, {
      get(target, prop, receiver) {
        if (prop === 'execute' || prop === 'transaction') return fail;
        // The pool itself, for statements run as named prepared statements (db/client.ts executePrepared).
        if (prop === '$client') return { totalCount: 0, query: fail };
        return Reflect.get(target, prop, receiver);
      },
    });
    const err = await caught(() => submitComment(OPEN, { ...validComment, contact: '13987654321' }, {}, failing));
    expect(err.code).toBe('ServiceUnavailable');
    const logged = spy.mock.calls.flat().map(String).join('\n');
    spy.mockClear();
    expect(logged).toContain('57P01');
    expect(logged).not.toContain('13987654321');
    expect(logged).not.toContain('params');
  });
});
