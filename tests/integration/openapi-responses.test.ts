/**
 * Real responses of the JSON API against the OpenAPI document (the document is
 * generated from zod, tests/unit/openapi.test.ts checks that): each answer validates both against
 * the zod schema of its route's entry and against the served document's JSON Schema (read back
 * with z.fromJSONSchema), and a changed field fails both.
 */
import { describe, expect, it } from 'vitest';
import { errorResponse } from '../../src/server/errors';
import { apiRoutes } from '../../src/server/openapi';
import { documentedResponse } from '../support/openapi-check';
import { GET as listDrafts } from '../../src/pages/api/v1/drafts/index';
import { GET as getDraft } from '../../src/pages/api/v1/drafts/[slug]/index';
import { GET as getDiff } from '../../src/pages/api/v1/drafts/[slug]/diff';
import { GET as getStats } from '../../src/pages/api/v1/drafts/[slug]/stats';
import { POST as postComment } from '../../src/pages/api/v1/drafts/[slug]/comments';
import { GET as getReceipt } from '../../src/pages/api/v1/receipts/[receipt]';
import { GET as getOpenApi } from '../../src/pages/api/v1/openapi.json';
import { GET as listStaffComments } from '../../src/pages/api/v1/staff/comments/index';
import { GET as getStaffComment } from '../../src/pages/api/v1/staff/comments/[id]/index';
import { POST as postDecision } from '../../src/pages/api/v1/staff/comments/[id]/decision';
import { POST as postTags } from '../../src/pages/api/v1/staff/comments/[id]/tags';
import { POST as postBulk } from '../../src/pages/api/v1/staff/comments/bulk';
import { GET as getJob } from '../../src/pages/api/v1/staff/jobs/[job]';
import { POST as postUndo } from '../../src/pages/api/v1/staff/jobs/[job]/undo';
import { BULK_LANE, registerBulkJobs } from '../../src/server/review/bulk-filter';
import { registerBulkUndoJob } from '../../src/server/review/bulk-undo';
import { runNextJob } from '../../src/server/jobs/runner';
import { createUser } from '../../src/server/auth/users';
import { systemActor } from '../../src/server/audit';
import type { SessionUser } from '../../src/server/auth/session-user';
import { OPEN, validComment, useSeededGlobalDatabase } from './comments-fixtures';

const testDatabase = useSeededGlobalDatabase();

type Call = (ctx: never) => Response | Promise<Response>;
let ip = 0;
async function call(route: Call, path: string, params: Record<string, string> = {}, init?: RequestInit, user: SessionUser | null = null) {
  const url = new URL(`http://localhost${path}`);
  const locals = { locale: 'zh-CN', user, ip: `10.7.0.${++ip}`, largeText: false };
  let res: Response;
  try {
    res = await route({ url, params, request: new Request(url, init), locals } as never);
  } catch (err) {
    res = errorResponse(err, 'zh-CN');
  }
  return { status: res.status, body: (await res.json()) as unknown };
}

/** Checks `body` against the route's zod schema and the document's schema for `status`. */
function expectDocumented(method: 'get' | 'post', path: string, status: number, body: unknown) {
  const route = apiRoutes.find((r) => r.method === method && r.path === path)!;
  const entry = route.responses[String(status)];
  expect(entry, `${method} ${path} ${status} is documented`).toBeDefined();
  if ('schema' in entry) expect(entry.schema.safeParse(body).error, `${path} ${status} (zod)`).toBeUndefined();
  expect(documentedResponse(method, path, status).safeParse(body).error, `${path} ${status} (document)`).toBeUndefined();
}

describe('responses match the OpenAPI document', () => {
  it('reading: drafts, one round, the diff, the statistics', async () => {
    const list = await call(listDrafts as Call, '/api/v1/drafts');
    expect(list.status).toBe(200);
    expect((list.body as unknown[]).length).toBeGreaterThan(0);
    expectDocumented('get', '/api/v1/drafts', 200, list.body);
    const draft = await call(getDraft as Call, `/api/v1/drafts/${OPEN}`, { slug: OPEN });
    expect(draft.status).toBe(200);
    expectDocumented('get', '/api/v1/drafts/{slug}', 200, draft.body);
    const diff = await call(getDiff as Call, `/api/v1/drafts/${OPEN}/diff`, { slug: OPEN });
    expect(diff.status).toBe(200);
    expectDocumented('get', '/api/v1/drafts/{slug}/diff', 200, diff.body);
    const stats = await call(getStats as Call, `/api/v1/drafts/${OPEN}/stats`, { slug: OPEN });
    expect(stats.status).toBe(200);
    expectDocumented('get', '/api/v1/drafts/{slug}/stats', 200, stats.body);
  });

  it('commenting: the receipt, its status, and the error envelope', async () => {
    const posted = await call(postComment as Call, `/api/v1/drafts/${OPEN}/comments`, { slug: OPEN }, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(validComment) });
    expect(posted.status).toBe(201);
    expectDocumented('post', '/api/v1/drafts/{slug}/comments', 201, posted.body);
    const { receipt, lookupCode } = posted.body as { receipt: string; lookupCode: string };
    const status = await call(getReceipt as Call, `/api/v1/receipts/${receipt}?code=${lookupCode}`, { receipt });
    expect(status.status).toBe(200);
    expectDocumented('get', '/api/v1/receipts/{receipt}', 200, status.body);
    const missing = await call(getDraft as Call, '/api/v1/drafts/no-such-draft', { slug: 'no-such-draft' });
    expect(missing.status).toBe(404);
    expectDocumented('get', '/api/v1/drafts/{slug}', 404, missing.body);
    const invalid = await call(postComment as Call, `/api/v1/drafts/${OPEN}/comments`, { slug: OPEN }, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"body":""}' });
    expect(invalid.status).toBe(400);
    expectDocumented('post', '/api/v1/drafts/{slug}/comments', 400, invalid.body);
  });

  it('staff: the inbox, one comment, a decision and tags', async () => {
    const row = await createUser({ role: 'admin', account: { kind: 'email', value: 'openapi@example.cn' }, password: 'correct horse battery staple', name: '审阅' }, systemActor, testDatabase().db);
    const admin: SessionUser = { id: row.id, role: 'admin', name: '审阅', email: 'openapi@example.cn', phone: null, district: null, occupation: null, via: 'token' };
    const json = (data: unknown): RequestInit => ({ method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(data) });
    const page = await call(listStaffComments as Call, '/api/v1/staff/comments', {}, undefined, admin);
    expect(page.status).toBe(200);
    expectDocumented('get', '/api/v1/staff/comments', 200, page.body);
    const id = (page.body as { items: Array<{ id: string }> }).items[0].id;
    const one = await call(getStaffComment as Call, `/api/v1/staff/comments/${id}`, { id }, undefined, admin);
    expect(one.status).toBe(200);
    expectDocumented('get', '/api/v1/staff/comments/{id}', 200, one.body);
    const tagged = await call(postTags as Call, `/api/v1/staff/comments/${id}/tags`, { id }, json({ tags: ['交通'] }), admin);
    expect(tagged.status).toBe(200);
    expectDocumented('post', '/api/v1/staff/comments/{id}/tags', 200, tagged.body);
    const decided = await call(postDecision as Call, `/api/v1/staff/comments/${id}/decision`, { id }, json({ adoption: 'adopted', response: '已采纳。', publish: true }), admin);
    expect(decided.status).toBe(200);
    expectDocumented('post', '/api/v1/staff/comments/{id}/decision', 200, decided.body);
    const refused = await call(postDecision as Call, `/api/v1/staff/comments/${id}/decision`, { id }, json({ adoption: 'not_adopted' }), admin);
    expect(refused.status).toBe(422);
    expectDocumented('post', '/api/v1/staff/comments/{id}/decision', 422, refused.body);
    const bulk = await call(postBulk as Call, '/api/v1/staff/comments/bulk', {}, json({ filter: { draft: OPEN }, action: { kind: 'tag', tags: ['批量'] } }), admin);
    expect(bulk.status).toBe(202);
    expectDocumented('post', '/api/v1/staff/comments/bulk', 202, bulk.body);
    const job = (bulk.body as { job: string }).job;
    const progress = await call(getJob as Call, `/api/v1/staff/jobs/${job}`, { job }, undefined, admin);
    expect(progress.status).toBe(200);
    expect(progress.body).toMatchObject({ state: 'queued', done: 0, total: (bulk.body as { matched: number }).matched });
    expectDocumented('get', '/api/v1/staff/jobs/{job}', 200, progress.body);
    // Undo: refused while the job waits, queued once it is done.
    const early = await call(postUndo as Call, `/api/v1/staff/jobs/${job}/undo`, { job }, { method: 'POST' }, admin);
    expect(early.status).toBe(409);
    expectDocumented('post', '/api/v1/staff/jobs/{job}/undo', 409, early.body);
    registerBulkJobs();
    registerBulkUndoJob();
    while (await runNextJob({ workerId: 'openapi', exportDir: '/tmp', lane: BULK_LANE }));
    const undo = await call(postUndo as Call, `/api/v1/staff/jobs/${job}/undo`, { job }, { method: 'POST' }, admin);
    expect(undo.status).toBe(202);
    expectDocumented('post', '/api/v1/staff/jobs/{job}/undo', 202, undo.body);
    const none = await call(postBulk as Call, '/api/v1/staff/comments/bulk', {}, json({ filter: { draft: 'no-such-draft' }, action: { kind: 'publish' } }), admin);
    expect(none).toEqual({ status: 200, body: { job: null, matched: 0 } });
    const noReason = await call(postBulk as Call, '/api/v1/staff/comments/bulk', {}, json({ filter: { draft: OPEN }, action: { kind: 'decide', adoption: 'not_adopted' } }), admin);
    expect(noReason.status).toBe(422);
    expectDocumented('post', '/api/v1/staff/comments/bulk', 422, noReason.body);
    const missingJob = await call(getJob as Call, '/api/v1/staff/jobs/00000000-0000-4000-8000-000000000000', { job: '00000000-0000-4000-8000-000000000000' }, undefined, admin);
    expect(missingJob.status).toBe(404);
    expectDocumented('get', '/api/v1/staff/jobs/{job}', 404, missingJob.body);
    const anonymous = await call(getStaffComment as Call, `/api/v1/staff/comments/${id}`, { id });
    expect(anonymous.status).toBe(401);
    expectDocumented('get', '/api/v1/staff/comments/{id}', 401, anonymous.body);
  });

  it('fails a response whose field changed', async () => {
    const draft = (await call(getDraft as Call, `/api/v1/drafts/${OPEN}`, { slug: OPEN })).body as { round: { number: unknown } };
    draft.round.number = String(draft.round.number);
    expect(documentedResponse('get', '/api/v1/drafts/{slug}', 200).safeParse(draft).success).toBe(false);
  });

  it('serves the document with the public origin as its server', async () => {
    const doc = (await call(getOpenApi as Call, '/api/v1/openapi.json')).body as { openapi: string; servers: Array<{ url: string }>; paths: object };
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.servers).toHaveLength(1);
    expect(doc.servers[0].url).toMatch(/^https?:\/\/[^/]+$/);
    expect(Object.keys(doc.paths)).toEqual(Object.keys((await import('../../src/server/openapi')).openApiDocument.paths));
  });
});
