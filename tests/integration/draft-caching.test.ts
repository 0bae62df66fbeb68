/**
 * HTTP caching of the public draft pages (issue 21): the page state behind the ETag
 * (drafts/page-state.ts) moves with every change the pages show — a comment, a late-committed
 * comment, a hidden one, imported letters, a period change, feedback published, the time — and
 * only then; over real HTTP
 * against the built server, anonymous GETs get a stable weak ETag, Last-Modified, 304s and a
 * public Cache-Control with no personal bits (no idempotency key), a comment changes the ETag,
 * and signed-in pages stay no-store.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { and, eq } from 'drizzle-orm';
import { comments, drafts, rounds } from '../../src/db/schema';
import { systemActor } from '../../src/server/audit';
import { createUser } from '../../src/server/auth/users';
import { COMMENT_WINDOW_MS, draftPageState } from '../../src/server/drafts/page-state';
import { updateRound } from '../../src/server/drafts/update-round';
import { importComments } from '../../src/server/comments/import-comments';
import { STATE_TTL_MS } from '../../src/server/web/public-cache';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { buildApp, serverDatabase, postForm, removeBuild, signInOverHttp, startServer, type RunningServer } from '../support/built-server';
import { CLOSED, OPEN, TIMED, seedDrafts } from './comments-fixtures';
import { insertComment } from './drafts-support';

describe('the page state behind the ETag', () => {
  let database: TestDatabase;
  // One moment for every reading: the digest also moves with the time (see the last test).
  const now = new Date();
  const digest = async (slug = OPEN, withComments = true) => (await draftPageState(slug, { withComments, now }, database.db))!.digest;

  beforeAll(async () => {
    database = await createTestDatabase();
    await seedDrafts(database.db);
  });
  afterAll(async () => {
    await database?.close();
  });

  it('is stable while nothing changes, and null for a draft that does not exist', async () => {
    expect(await digest()).toBe(await digest());
    expect(await draftPageState('no-such-draft', {}, database.db)).toBeNull();
  });

  it('moves when a comment arrives, even one committed after a later one, and when one is hidden', async () => {
    const before = await digest();
    const comparison = await digest(OPEN, false);
    await insertComment(database.db, OPEN, 3, 10);
    const afterOne = await digest();
    expect(afterOne).not.toBe(before);
    // The comparison page shows no counts: its state does not move with comments.
    expect(await digest(OPEN, false)).toBe(comparison);
    // A transaction that began earlier commits now: its created_at is older than the newest comment's.
    await insertComment(database.db, OPEN, 3, 11);
    const [latest] = await database.db.select({ id: comments.id }).from(comments).where(eq(comments.articleNumber, 11));
    await database.db.update(comments).set({ createdAt: new Date(Date.now() - 60_000) }).where(eq(comments.id, latest.id));
    const afterLate = await digest();
    expect(afterLate).not.toBe(afterOne);
    // Hidden by staff: the public count drops, the state moves (the counts' version).
    await database.db.update(comments).set({ hiddenAt: new Date(), hiddenReason: 'spam' }).where(eq(comments.id, latest.id));
    expect(await digest()).not.toBe(afterLate);
  });

  it('moves when letters are imported with their own, older dates', async () => {
    const before = await digest(CLOSED);
    // tingche round 2: open from 40 days ago until 10 days ago.
    const received = new Date(Date.now() - 15 * 86400_000).toISOString();
    const csv = 'external_id,draft,round,article,body,received_at\n'
      + `caching-1,${CLOSED},2,,截止前寄出、截止后录入的来信，建议增加停车位。,${received}\n`;
    expect((await importComments({ csv }, { actor: systemActor, source: 'cli' }, database.db)).imported).toBe(1);
    expect(await digest(CLOSED)).not.toBe(before);
  });

  it('moves when the period changes, also back to where it was, and when feedback is published', async () => {
    const before = await digest(TIMED);
    const [round] = await database.db.select().from(rounds).innerJoin(drafts, eq(drafts.id, rounds.draftId)).where(and(eq(drafts.slug, TIMED), eq(rounds.number, 1)));
    const closes = round.rounds.closesAt;
    await updateRound(TIMED, 1, { closesAt: new Date(closes.getTime() + 86400_000) }, systemActor, database.db);
    const extended = await digest(TIMED);
    expect(extended).not.toBe(before);
    // Back to the first close: the page now lists two changes, so the state is not the first one again.
    await updateRound(TIMED, 1, { closesAt: closes, closeReason: '测试' }, systemActor, database.db, new Date(closes.getTime() - 86400_000 * 30));
    const back = await digest(TIMED);
    expect(back).not.toBe(before);
    expect(back).not.toBe(extended);
    await database.db.update(rounds).set({ feedbackPublishedAt: new Date() }).where(eq(rounds.id, round.rounds.id));
    expect(await digest(TIMED)).not.toBe(back);
  });

  it('moves when the round opens or closes, and with the hours left', async () => {
    const [round] = await database.db.select().from(rounds).innerJoin(drafts, eq(drafts.id, rounds.draftId)).where(and(eq(drafts.slug, OPEN), eq(rounds.number, 3)));
    const at = (ms: number) => draftPageState(OPEN, { now: new Date(ms) }, database.db).then((s) => s!.digest);
    const closes = round.rounds.closesAt.getTime();
    // Within one hour bucket and one comment window: the same; across the close: another.
    const t = Math.floor((closes - 5 * 3600_000) / 3600_000) * 3600_000 + 60_000;
    expect(await at(t)).toBe(await at(t + 1000));
    expect(await at(closes - 1000)).not.toBe(await at(closes + 1000));
    expect(await at(closes - 3 * 3600_000)).not.toBe(await at(closes - 2 * 3600_000));
  });
});

describe('the draft pages over HTTP', () => {
  let buildDir: string;
  let server: RunningServer;
  let testDb: TestDatabase | undefined;
  let citizen: string;
  let closesAt: number;
  const DRAFT = `/drafts/${OPEN}?round=3`;
  const ARTICLE = `/drafts/${OPEN}/articles/10?round=3`;
  const DIFF = `/drafts/${OPEN}/diff?from=2&to=3`;

  beforeAll(async () => {
    buildDir = await buildApp();
    const { database, env, testDb: made } = await serverDatabase('draft-caching');
    testDb = made;
    await seedDrafts(database.db);
    const [open] = await database.db.select({ closesAt: rounds.closesAt }).from(rounds).innerJoin(drafts, eq(drafts.id, rounds.draftId)).where(and(eq(drafts.slug, OPEN), eq(rounds.number, 3)));
    closesAt = open.closesAt.getTime();
    await createUser({ role: 'citizen', account: { kind: 'email', value: 'reader@caching.test' }, password: 'Caching-test-password-1', name: '读者甲' }, systemActor, database.db);
    if (!testDb) await database.close(); // PGlite: the server must be the only process on the dir
    server = await startServer(buildDir, { ...env, TRUST_PROXY: 'true' });
    citizen = await signInOverHttp(server.url, 'reader@caching.test', 'Caching-test-password-1');
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
    await testDb?.close();
    if (buildDir) removeBuild(buildDir);
  });

  const get = (path: string, headers: Record<string, string> = {}) => fetch(server.url + path, { headers });
  /** Waits while a five-minute comment window or an hour left of the period is about to turn (either gives the pages new ETags). */
  const clearOfBoundaries = async () => {
    const window = COMMENT_WINDOW_MS - (Date.now() % COMMENT_WINDOW_MS);
    const hour = (closesAt - Date.now()) % 3600_000;
    for (const left of [window, hour]) if (left < 40_000) await new Promise((r) => setTimeout(r, left + 500));
  };

  it('answers anonymous GETs with a stable weak ETag, Last-Modified and a public Cache-Control', async () => {
    await clearOfBoundaries();
    for (const path of [DRAFT, ARTICLE, DIFF]) {
      const first = await get(path);
      expect(first.status, path).toBe(200);
      const etag = first.headers.get('etag');
      expect(etag, path).toMatch(/^W\/"[\w-]+"$/);
      expect(first.headers.get('cache-control'), path).toMatch(/^public, max-age=\d+, stale-while-revalidate=\d+$/);
      expect(first.headers.get('vary'), path).toBe('Cookie');
      expect(first.headers.get('set-cookie'), path).toBeNull();
      const lastModified = first.headers.get('last-modified');
      expect(Date.parse(lastModified!), path).toBeLessThanOrEqual(Date.now() + 1000);
      const html = await first.text();
      // Nothing of one visitor in what every visitor gets: no idempotency key in the forms.
      if (path !== DIFF) expect(html, path).toContain('class="comment-form"');
      expect(html, path).not.toContain('name="idempotencyKey"');
      const again = await get(path);
      expect(again.headers.get('etag'), path).toBe(etag);
      expect(await again.text(), path).toBe(html);
      // A repeat visit: 304 without a body, by ETag or (without one) by date.
      const revalidated = await get(path, { 'if-none-match': etag! });
      expect(revalidated.status, path).toBe(304);
      expect(await revalidated.text(), path).toBe('');
      expect(revalidated.headers.get('etag'), path).toBe(etag);
      expect((await get(path, { 'if-none-match': 'W/"other"' })).status, path).toBe(200);
      expect((await get(path, { 'if-modified-since': lastModified! })).status, path).toBe(304);
      expect((await get(path, { 'if-modified-since': new Date(Date.parse(lastModified!) - 60_000).toUTCString() })).status, path).toBe(200);
    }
    // Another language is another page, with its own ETag.
    const zh = (await get(DRAFT)).headers.get('etag');
    const en = await get(DRAFT, { cookie: 'lang=en' });
    expect(en.headers.get('etag')).not.toBe(zh);
    expect(await en.text()).toContain('lang="en"');
  }, 90_000);

  it('changes the ETag once a comment arrives, and the form without script still stores it once', async () => {
    await clearOfBoundaries();
    const before = await get(DRAFT);
    const etag = before.headers.get('etag')!;
    const body = '建议第十条写明工单的办理时限，并在网站上公开每一件工单的办理进度。';
    const fields = { round: '3', article: '10', body, name: '张三', contact: '13900001111' };
    const posted = await postForm(server.url, `/drafts/${OPEN}/comment`, fields);
    expect(posted.status).toBe(303);
    // The same text again from the same browser (its recent-comments cookie): the same receipt.
    const recent = posted.headers.getSetCookie().find((c) => c.startsWith('kaimen_recent='))!.split(';')[0];
    const again = await postForm(server.url, `/drafts/${OPEN}/comment`, fields, { cookie: recent });
    expect(again.headers.get('location')).toBe(posted.headers.get('location'));
    await new Promise((r) => setTimeout(r, STATE_TTL_MS + 100));
    const after = await get(DRAFT);
    expect(after.headers.get('etag')).not.toBe(etag);
    expect((await get(DRAFT, { 'if-none-match': etag })).status).toBe(200);
    const html = await after.text();
    // The commenter's name (not to be published) and contact are not on the public page.
    expect(html).not.toContain('张三');
    expect(html).not.toContain('13900001111');
  }, 90_000);

  it('keeps signed-in pages out of every shared cache', async () => {
    for (const path of [DRAFT, ARTICLE, DIFF]) {
      const res = await get(path, { cookie: citizen });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('cache-control'), path).toBe('no-store');
      expect(res.headers.get('etag'), path).toBeNull();
      const html = await res.text();
      expect(html, path).toContain('/account');
      if (path !== DIFF) expect(html, path).toContain('读者甲');
      // A signed-in render never lands in the anonymous cache.
      const anonymous = await (await get(path)).text();
      expect(anonymous, path).not.toContain('读者甲');
      expect(anonymous, path).not.toContain('/signout');
    }
  });
});
