/**
 * The HTTP edges of commenting: the JSON API routes (called as Astro would, errors mapped as the
 * middleware maps them) and the strict form reader used by the comment form handler.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { errorResponse } from '../../src/server/errors';
import { clearTargetCache } from '../../src/server/comments/comment-target';
import { readForm } from '../../src/server/web/forms';
import { postCommentForm } from '../../src/server/web/comment-form';
import { zhCN } from '../../src/i18n/zh-CN';
import { RECEIPT_COOKIE, RECENT_COOKIE } from '../../src/server/web/web-session';
import { POST } from '../../src/pages/api/v1/drafts/[slug]/comments';
import { GET } from '../../src/pages/api/v1/receipts/[receipt]';
import { CLOSED, OPEN, commentCount, validComment, useSeededGlobalDatabase } from './comments-fixtures';

const testDatabase = useSeededGlobalDatabase();
beforeEach(() => clearTargetCache());

let ipCounter = 0;
type Call = (ctx: never) => Response | Promise<Response>;
async function call(route: Call, ctx: { params: Record<string, string>; request: Request; url?: URL; ip?: string }): Promise<Response> {
  const locals = { locale: 'zh-CN', user: null, ip: ctx.ip ?? `10.1.0.${++ipCounter}`, largeText: false };
  try {
    return await route({ ...ctx, url: ctx.url ?? new URL(ctx.request.url), locals } as never);
  } catch (err) {
    return errorResponse(err, 'zh-CN');
  }
}

const post = (body: BodyInit | null, headers: Record<string, string> = { 'content-type': 'application/json' }, slug = OPEN, ip?: string) =>
  call(POST as Call, { params: { slug }, request: new Request(`http://localhost/api/v1/drafts/${slug}/comments`, { method: 'POST', body, headers }), ip });
const postJson = (data: unknown, slug = OPEN, ip?: string) => post(JSON.stringify(data), { 'content-type': 'application/json' }, slug, ip);

async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get('content-type')).toMatch(/application\/json/);
  const body = await res.json();
  expect(body.error.code).toBe(code);
  expect(body.error.message).toMatch(/[\u4e00-\u9fff]/);
  return body;
}

describe('POST /api/v1/drafts/{slug}/comments', () => {
  it('201 { receipt, lookupCode }, then 200 with the same receipt for the same idempotencyKey', async () => {
    const key = randomUUID();
    const first = await postJson({ ...validComment, idempotencyKey: key });
    expect(first.status).toBe(201);
    const a = await first.json();
    expect(a).toEqual({ receipt: expect.stringMatching(/^JS3-/), lookupCode: expect.stringMatching(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/) });
    expect(first.headers.get('location')).toBe(`/api/v1/receipts/${a.receipt}`);
    const again = await postJson({ ...validComment, idempotencyKey: key });
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual(a);
  });

  it('409 Conflict for the same key with a different body', async () => {
    const key = randomUUID();
    await postJson({ ...validComment, idempotencyKey: key });
    await expectError(await postJson({ ...validComment, body: '换了内容的另一条意见。', idempotencyKey: key }), 409, 'Conflict');
  });

  it('400 ValidationFailed with Chinese field messages, nothing stored', async () => {
    const before = await commentCount(testDatabase().db);
    const body = await expectError(await postJson({ article: 10, body: '  ', contact: 'nope' }), 400, 'ValidationFailed');
    expect(body.error.fields).toEqual(expect.arrayContaining([
      { field: 'body', message: '请填写此项。' },
      { field: 'contact', message: expect.stringContaining('11 位手机号') },
    ]));
    expect(await commentCount(testDatabase().db)).toBe(before);
  });

  it('400 MalformedJson for a malformed body', async () => {
    await expectError(await post('{"body": "建议修改第十条"'), 400, 'MalformedJson');
    await expectError(await post(''), 400, 'MalformedJson');
  });

  it('400 for bytes that are not UTF-8', async () => {
    const bytes = new Uint8Array([...new TextEncoder().encode('{"body":"建议'), 0xff, 0xfe, ...new TextEncoder().encode('修改第十条"}')]);
    await expectError(await post(bytes), 400, 'BadRequest');
  });

  it('415 for a body that is not JSON', async () => {
    await expectError(await post('body=x', { 'content-type': 'application/x-www-form-urlencoded' }), 415, 'UnsupportedMediaType');
  });

  it('413 for more than 64 KB, refused before reading it', async () => {
    let pulled = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        pulled++;
        controller.enqueue(new Uint8Array(16 * 1024).fill(0x20));
        if (pulled > 100) controller.close();
      },
    });
    const req = new Request(`http://localhost/api/v1/drafts/${OPEN}/comments`, {
      method: 'POST', body: stream, headers: { 'content-type': 'application/json' }, duplex: 'half',
    } as RequestInit);
    const res = await call(POST as Call, { params: { slug: OPEN }, request: req });
    await expectError(res, 413, 'PayloadTooLarge');
    expect(pulled).toBeLessThanOrEqual(6);
    const declared = await post(JSON.stringify({ body: 'x'.repeat(70_000) }));
    await expectError(declared, 413, 'PayloadTooLarge');
  });

  it('409 ConsultationClosed outside the period, 404 for an unknown draft or article', async () => {
    await expectError(await postJson({ body: '停车收费应当听证。' }, CLOSED), 409, 'ConsultationClosed');
    await expectError(await postJson(validComment, 'no-such-draft'), 404, 'DraftNotFound');
    await expectError(await postJson({ ...validComment, article: 999 }), 404, 'ArticleNotFound');
  });
});

describe('GET /api/v1/receipts/{receipt}', () => {
  const get = (receipt: string, code?: string, ip?: string) => {
    const url = new URL(`http://localhost/api/v1/receipts/${encodeURIComponent(receipt)}${code !== undefined ? `?code=${encodeURIComponent(code)}` : ''}`);
    return call(GET as Call, { params: { receipt }, request: new Request(url), url, ip });
  };

  it('gives the status with the lookup code', async () => {
    const { receipt, lookupCode } = await (await postJson(validComment)).json();
    const res = await get(receipt, lookupCode);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-store');
    expect(await res.json()).toMatchObject({ receipt, draft: OPEN, round: 3, article: 10, status: 'received' });
  });

  it('404 ReceiptNotFound for a wrong code or none, 400 for a malformed receipt, 429 after too many guesses', async () => {
    const { receipt } = await (await postJson(validComment)).json();
    const ip = '203.0.113.5';
    await expectError(await get(receipt, 'AAAA-AAAA', ip), 404, 'ReceiptNotFound');
    await expectError(await get(receipt, undefined, ip), 404, 'ReceiptNotFound');
    await expectError(await get('JS3-XXXX', 'AAAA-AAAA', ip), 400, 'ValidationFailed');
    for (let i = 0; i < 28; i++) await get(receipt, `BBBB-BB${String(i).padStart(2, '0')}`, ip);
    await expectError(await get(receipt, 'CCCC-CCCC', ip), 429, 'RateLimited');
  });
});

describe('reading the comment form strictly', () => {
  const formRequest = (body: BodyInit, type = 'application/x-www-form-urlencoded') =>
    new Request('http://localhost/drafts/x/comment', { method: 'POST', body, headers: { 'content-type': type } });

  it('decodes UTF-8 fields, + as space, and keeps every value', async () => {
    const form = await readForm(formRequest('body=%E5%BB%BA%E8%AE%AE+%E4%BF%AE%E6%94%B9&name=a&name=b&publishName=on'));
    expect(form.get('body')).toBe('建议 修改');
    expect(form.get('name')).toBe('a');
    expect(form.getAll('name')).toEqual(['a', 'b']);
    expect(form.get('publishName')).toBe('on');
  });

  it('refuses invalid UTF-8, naming each field, instead of storing replacement characters', async () => {
    await expect(readForm(formRequest('body=%E5%BB%BA%FF%FE&name=ok&district=%E5%BB'))).rejects.toMatchObject({
      code: 'ValidationFailed',
      fields: [{ field: 'body', key: 'comment.field.invalidEncoding' }, { field: 'district', key: 'comment.field.invalidEncoding' }],
    });
    // Raw bytes that are not UTF-8 at all.
    await expect(readForm(formRequest(new Uint8Array([0x62, 0x3d, 0xff])))).rejects.toMatchObject({ code: 'BadRequest' });
  });

  it('refuses other content types and more than 64 KB', async () => {
    await expect(readForm(formRequest('{}', 'application/json'))).rejects.toMatchObject({ code: 'UnsupportedMediaType' });
    // The comment form and the receipt pages take no files: a multipart body is refused as other types are.
    await expect(readForm(formRequest('--B--', 'multipart/form-data; boundary=B'), undefined, true)).rejects.toMatchObject({ code: 'UnsupportedMediaType' });
    await expect(readForm(formRequest(`body=${'a'.repeat(65 * 1024)}`))).rejects.toMatchObject({ code: 'PayloadTooLarge' });
    expect((await readForm(formRequest(`body=${'a'.repeat(60 * 1024)}`))).get('body')).toHaveLength(60 * 1024);
  });
});

describe('the comment page\'s POST (postCommentForm)', () => {
  function page(body: string) {
    const jar = new Map<string, string>();
    const astro = {
      request: new Request(`http://localhost/drafts/${OPEN}/comment`, { method: 'POST', body, headers: { 'content-type': 'application/x-www-form-urlencoded' } }),
      locals: { locale: 'zh-CN' as const, user: null, ip: `10.2.0.${++ipCounter}` },
      response: { status: 200, headers: new Headers() },
      cookies: {
        get: (name: string) => (jar.has(name) ? { value: jar.get(name)! } : undefined),
        set: (name: string, value: string) => void jar.set(name, value),
        delete: (name: string) => void jar.delete(name),
      },
    };
    return { astro, jar };
  }
  const form = (fields: Record<string, string>) => new URLSearchParams({ article: '10', ...fields }).toString();

  it('refuses a field that is not UTF-8 with its message, keeps what was typed, stores nothing', async () => {
    const before = await commentCount(testDatabase().db);
    const { astro, jar } = page(`${form({ name: '王五' })}&body=${encodeURIComponent('建议明确时限')}%E4%B8`);
    const out = await postCommentForm({ astro, slug: OPEN });
    expect(out.done).toBe(false);
    if (out.done) return;
    expect(astro.response.status).toBe(400);
    expect(out.errors.body).toBe('提交的内容含有无法识别的字符编码，请重新输入后提交。');
    expect(out.values.name).toBe('王五');
    expect(out.values.body).toBe('建议明确时限\ufffd');
    expect(jar.size).toBe(0);
    expect(await commentCount(testDatabase().db)).toBe(before);
  });

  it('stores a comment and sets the receipt cookie; the same comment sent again keeps its first key and receipt', async () => {
    const first = page(form({ body: '同一浏览器再次提交的同一条意见。', idempotencyKey: randomUUID() }));
    const a = await postCommentForm({ astro: first.astro, slug: OPEN });
    expect(a).toEqual({ done: true, receipt: expect.stringMatching(/^JS3-/) });
    expect(first.jar.get(RECEIPT_COOKIE)).toMatch(/^new\./);
    // Reloaded form, new key, same text, the recent cookie from the first answer.
    const again = page(form({ body: '同一浏览器再次提交的同一条意见。', idempotencyKey: randomUUID() }));
    again.jar.set(RECENT_COOKIE, first.jar.get(RECENT_COOKIE)!);
    expect(await postCommentForm({ astro: again.astro, slug: OPEN })).toEqual(a);
  });

  it('a key reused for other text: 409, the message at the top, the key cleared', async () => {
    const key = randomUUID();
    await postCommentForm({ astro: page(form({ body: '第一条意见的内容。', idempotencyKey: key })).astro, slug: OPEN });
    const { astro } = page(form({ body: '换了内容的另一条意见。', idempotencyKey: key }));
    const out = await postCommentForm({ astro, slug: OPEN });
    expect(astro.response.status).toBe(409);
    expect(out).toMatchObject({ done: false, errors: { form: zhCN['comment.keyReused'] }, values: { idempotencyKey: '', body: '换了内容的另一条意见。' } });
  });

  it('a closed round: the period message, no field errors', async () => {
    const { astro } = page(form({ body: '对已结束征求的意见。' }));
    const out = await postCommentForm({ astro, slug: CLOSED });
    expect(out).toMatchObject({ done: false, periodMessage: expect.stringMatching(/[\u4e00-\u9fff]/), notFound: null, errors: {} });
  });
});
