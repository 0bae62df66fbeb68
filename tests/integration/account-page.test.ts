/**
 * /account over HTTP against the built server (issue 16): a signed-in citizen sees their own
 * comments, and a decision staff have recorded but not published (status under_review) stays
 * hidden until the comment is answered, as on the receipt page.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { systemActor } from '../../src/server/audit';
import { createUser } from '../../src/server/auth/users';
import { submitComment } from '../../src/server/comments/submit-comment';
import { decideAdoption } from '../../src/server/review/decide';
import type { TestDatabase } from '../support/test-db';
import { buildApp, fakeIp, removeBuild, serverDatabase, signInOverHttp, startServer, type RunningServer } from '../support/built-server';
import { OPEN, seedDrafts, validComment } from './comments-fixtures';

const PASSWORD = 'Account-page-test-1';
let buildDir: string;
let server: RunningServer;
let testDb: TestDatabase | undefined;
let cookie: string;
const receipts = { underReview: '', answered: '', received: '', others: '' };

beforeAll(async () => {
  buildDir = await buildApp();
  const { database, env, testDb: made } = await serverDatabase('account');
  testDb = made;
  const db = database.db;
  await seedDrafts(db);
  const me = await createUser({ role: 'citizen', account: { kind: 'email', value: 'me@account.test' }, password: PASSWORD, name: '我' }, systemActor, db);
  const other = await createUser({ role: 'citizen', account: { kind: 'email', value: 'other@account.test' }, password: PASSWORD }, systemActor, db);
  const underReview = await submitComment(OPEN, validComment, { userId: me.id }, db);
  await decideAdoption({ ids: [underReview.commentId] }, { adoption: 'already_provided', reason: '第十一条已有规定。' }, systemActor, db);
  const answered = await submitComment(OPEN, { article: 11, body: '建议把办理时限写进条文，便于监督。' }, { userId: me.id }, db);
  await decideAdoption({ ids: [answered.commentId] }, { adoption: 'partially_adopted', reason: '已部分吸收。', publish: true }, systemActor, db);
  const received = await submitComment(OPEN, { body: '总体意见：支持尽快出台本条例。' }, { userId: me.id }, db);
  const others = await submitComment(OPEN, { article: 12, body: '这是另一位市民的意见，不应出现。' }, { userId: other.id }, db);
  Object.assign(receipts, { underReview: underReview.receipt, answered: answered.receipt, received: received.receipt, others: others.receipt });
  if (!testDb) await database.close(); // PGlite: the server must be the only process on the dir
  server = await startServer(buildDir, { ...env, TRUST_PROXY: 'true' });
  cookie = await signInOverHttp(server.url, 'me@account.test', PASSWORD);
}, 240_000);

afterAll(async () => {
  await server?.stop();
  await testDb?.close();
  if (buildDir) removeBuild(buildDir);
});

/** The table row of /account that shows `receipt`, as text. */
function rowOf(html: string, receipt: string): string {
  const row = html.split('<tr').find((r) => r.includes(`<code>${receipt}</code>`));
  expect(row, `a row for ${receipt}`).toBeDefined();
  return row!.replace(/<[^>]*>/g, ' ');
}

describe('GET /account', () => {
  it('shows a decision only once the comment is answered, and only my comments', async () => {
    const res = await fetch(`${server.url}/account`, { redirect: 'manual', headers: { cookie, 'x-forwarded-for': fakeIp() } });
    expect(res.status).toBe(200);
    const html = await res.text();
    const underReview = rowOf(html, receipts.underReview);
    expect(underReview).toContain('研究中');
    expect(underReview).not.toContain('已有规定');
    expect(rowOf(html, receipts.answered)).toMatch(/已答复\s*·\s*部分采纳/);
    const received = rowOf(html, receipts.received);
    expect(received).toContain('已收到');
    expect(received).toContain('总体意见');
    expect(html).not.toContain('已有规定');
    expect(html).not.toContain(receipts.others);
  });
});
