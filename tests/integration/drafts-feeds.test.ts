/**
 * The Atom feeds of the drafts (src/server/drafts/feeds.ts and the two routes, called directly):
 * an entry per round published and per feedback page published, newest first, absolute links from
 * PUBLIC_URL, stable ids, unpublished drafts absent, a 404 for a draft without a feed.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { APIContext } from 'astro';
import { and, eq } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { drafts, rounds, versions } from '../../src/db/schema';
import { systemActor } from '../../src/server/audit';
import { createUser } from '../../src/server/auth/users';
import type { SessionUser } from '../../src/server/auth/session-user';
import { resetConfigCache } from '../../src/server/config';
import { publishVersion } from '../../src/server/drafts/publish-version';
import { buildDraftsFeed, loadFeedEntries } from '../../src/server/drafts/feeds';
import { setFeedbackPublished } from '../../src/server/reports/feedback';
import { GET as siteFeedRoute } from '../../src/pages/feed.atom';
import { GET as draftFeedRoute } from '../../src/pages/drafts/[slug]/feed.atom';
import { ROUND1, ROUND2 } from './reports-fixture';

const ORIGIN = 'https://kaimen.example.org';
const savedPublicUrl = process.env.PUBLIC_URL;
let database: TestDatabase;
let staff: SessionUser;

const at = (iso: string) => new Date(iso);
/** The versions' publication times, set by the test (publishVersion stamps now()). */
const published = {
  'feed-a/1': at('2026-01-01T00:00:00Z'),
  'feed-b/1': at('2026-02-01T00:00:00Z'),
  'feed-a/2': at('2026-03-01T00:00:00Z'),
};

async function setPublishedAt(slug: string, round: number, when: Date): Promise<void> {
  const [r] = await database.db.select({ id: rounds.id }).from(rounds).innerJoin(drafts, eq(drafts.id, rounds.draftId))
    .where(and(eq(drafts.slug, slug), eq(rounds.number, round)));
  await database.db.update(versions).set({ publishedAt: when }).where(eq(versions.roundId, r.id));
}

beforeAll(async () => {
  process.env.PUBLIC_URL = ORIGIN;
  resetConfigCache();
  database = await createTestDatabase({ global: true });
  const db = database.db;
  await publishVersion({ slug: 'feed-a', roundNumber: 1, text: ROUND1, code: 'FA', label: '一审稿',
    opensAt: at('2026-01-01T00:00:00Z'), closesAt: at('2026-01-31T10:00:00Z') }, undefined, db);
  await publishVersion({ slug: 'feed-b', roundNumber: 1, text: ROUND1, code: 'FB', title: '关于<示例>&测试的条例（草案）',
    opensAt: at('2026-02-01T00:00:00Z'), closesAt: at('2026-03-01T00:00:00Z') }, undefined, db);
  await publishVersion({ slug: 'feed-a', roundNumber: 2, text: ROUND2, label: '二审稿',
    opensAt: at('2026-03-01T00:00:00Z'), closesAt: at('2026-04-01T00:00:00Z') }, undefined, db);
  for (const [key, when] of Object.entries(published)) {
    const [slug, round] = key.split('/');
    await setPublishedAt(slug, Number(round), when);
  }
  // A draft whose round has no published version yet: not public, in no feed.
  const [hidden] = await db.insert(drafts).values({ slug: 'feed-hidden', title: '尚未公布的条例（草案）', code: 'FH' }).returning();
  await db.insert(rounds).values({ draftId: hidden.id, number: 1, label: '一审稿', opensAt: at('2026-01-01T00:00:00Z'), closesAt: at('2026-12-01T00:00:00Z') });
  const user = await createUser({ role: 'staff', account: { kind: 'email', value: 'staff@feeds.test' }, password: 'Feeds-test-password-1', name: '工作人员' }, systemActor, db);
  staff = { id: user.id, role: 'staff', name: null, email: null, phone: null, district: null, occupation: null, via: 'session' };
});
afterAll(async () => {
  if (savedPublicUrl === undefined) delete process.env.PUBLIC_URL;
  else process.env.PUBLIC_URL = savedPublicUrl;
  resetConfigCache();
  await database?.close();
});

interface ParsedEntry { id: string; title: string; link: string; updated: string; summary: string }

/** Just enough of an Atom document to check it: the feed's own elements and its entries. */
function parseAtom(xml: string) {
  const text = (s: string, tag: string) => {
    const m = new RegExp(`<${tag}(?: [^>]*)?>(?:<!\\[CDATA\\[([\\s\\S]*?)\\]\\]>|([^<]*))</${tag}>`).exec(s);
    return m ? (m[1] ?? m[2]) : '';
  };
  const head = xml.split('<entry>')[0];
  const entries: ParsedEntry[] = [...xml.matchAll(/<entry>([\s\S]*?)<\/entry>/g)].map(([, e]) => ({
    id: text(e, 'id'),
    title: text(e, 'title'),
    link: /<link href="([^"]+)"\/>/.exec(e)?.[1] ?? '',
    updated: text(e, 'updated'),
    summary: text(e, 'summary'),
  }));
  return {
    root: /<feed [^>]*>/.exec(xml)?.[0] ?? '',
    id: text(head, 'id'),
    title: text(head, 'title'),
    updated: text(head, 'updated'),
    self: /<link rel="self" href="([^"]+)"\/>/.exec(head)?.[1] ?? '',
    alternate: /<link rel="alternate" href="([^"]+)"\/>/.exec(head)?.[1] ?? '',
    author: text(head, 'author'),
    entries,
  };
}

async function call(route: (ctx: APIContext) => Response | Promise<Response>, path: string, params: Record<string, string> = {}) {
  const url = new URL(`http://localhost:9999${path}`);
  const res = await route({ url, params, request: new Request(url, { headers: { host: 'evil.example' } }), locals: { locale: 'zh-CN' } } as unknown as APIContext);
  return { status: res.status, headers: res.headers, body: await res.text() };
}

describe('the site feed', () => {
  it('lists every published round newest first, with absolute links from PUBLIC_URL', async () => {
    const res = await call(siteFeedRoute, '/feed.atom');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    expect(res.headers.get('cache-control')).toBe('public, max-age=30');
    expect(res.body.startsWith('<?xml version="1.0" encoding="utf-8"?>')).toBe(true);
    const feed = parseAtom(res.body);
    expect(feed.root).toContain('xmlns="http://www.w3.org/2005/Atom"');
    expect(feed.root).toContain('xml:lang="zh-CN"');
    expect(feed.title).toBe('开门 · 法规草案征求意见动态');
    expect(feed.id).toBe('tag:kaimen.example.org,2026:feed');
    expect(feed.self).toBe(`${ORIGIN}/feed.atom`);
    expect(feed.alternate).toBe(`${ORIGIN}/`);
    expect(feed.entries.map((e) => e.title)).toEqual([
      '《示例管理条例》二审稿公开征求意见',
      '《关于&lt;示例&gt;&amp;测试的条例（草案）》一审稿公开征求意见',
      '《示例管理条例》一审稿公开征求意见',
    ]);
    expect(feed.entries.map((e) => e.link)).toEqual([
      `${ORIGIN}/drafts/feed-a?round=2`,
      `${ORIGIN}/drafts/feed-b?round=1`,
      `${ORIGIN}/drafts/feed-a?round=1`,
    ]);
    expect(feed.entries.map((e) => e.updated)).toEqual([published['feed-a/2'], published['feed-b/1'], published['feed-a/1']].map((d) => d.toISOString()));
    expect(feed.updated).toBe(published['feed-a/2'].toISOString());
    // The comment period in Beijing time (10:00Z is 18:00 in Beijing).
    expect(feed.entries[2].summary).toBe('<p>征求意见期：2026年1月1日 08:00 至 2026年1月31日 18:00（北京时间）</p>');
    expect(res.body).not.toContain('evil.example');
    expect(res.body).not.toContain('feed-hidden');
    expect(res.body).not.toContain('尚未公布');
  });

  it('adds the feedback entry only once the feedback page is published, and drops it when withdrawn', async () => {
    const ids = (await loadFeedEntries(null, database.db)).map((e) => `${e.slug}/${e.round}/${e.kind}`);
    expect(ids).not.toContain('feed-a/1/feedback');

    const when = at('2026-03-15T04:00:00Z');
    await setFeedbackPublished({ slug: 'feed-a', round: 1, published: true }, staff, null, database.db, when);
    const feed = parseAtom((await call(siteFeedRoute, '/feed.atom')).body);
    expect(feed.entries).toHaveLength(4);
    expect(feed.entries[0]).toMatchObject({
      id: 'tag:kaimen.example.org,2026:drafts/feed-a/rounds/1/feedback',
      title: '《示例管理条例》一审稿意见采纳情况公布',
      link: `${ORIGIN}/drafts/feed-a/feedback?round=1`,
      updated: when.toISOString(),
    });
    expect(feed.updated).toBe(when.toISOString());
    // The round's own entry keeps its id and place.
    expect(feed.entries[3].id).toBe('tag:kaimen.example.org,2026:drafts/feed-a/rounds/1/opened');

    await setFeedbackPublished({ slug: 'feed-a', round: 1, published: false }, staff, null, database.db, when);
    expect((await loadFeedEntries(null, database.db)).map((e) => e.kind)).toEqual(['opened', 'opened', 'opened']);
    await setFeedbackPublished({ slug: 'feed-a', round: 1, published: true }, staff, null, database.db, when);
  });

  it('keeps at most the limit, the newest ones', async () => {
    const two = await loadFeedEntries(null, database.db, 2);
    expect(two.map((e) => `${e.slug}/${e.round}/${e.kind}`)).toEqual(['feed-a/1/feedback', 'feed-a/2/opened']);
  });

  it('is the same document while nothing changes (ids and updated are stable)', async () => {
    const a = await buildDraftsFeed(null, 'zh-CN', database.db, ORIGIN);
    const b = await buildDraftsFeed(null, 'zh-CN', database.db, ORIGIN);
    expect(b.xml).toBe(a.xml);
  });

  it('speaks English to a reader who chose it', async () => {
    const { xml } = await buildDraftsFeed(null, 'en', database.db, ORIGIN);
    const feed = parseAtom(xml);
    expect(feed.root).toContain('xml:lang="en"');
    expect(feed.entries[1].title).toBe('“示例管理条例”, 二审稿: open for public comment');
  });
});

describe('the feed of one draft', () => {
  it('has only that draft, newest first, and its own id and links', async () => {
    const res = await call(draftFeedRoute, '/drafts/feed-a/feed.atom', { slug: 'feed-a' });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/atom+xml; charset=utf-8');
    const feed = parseAtom(res.body);
    expect(feed.title).toBe('《示例管理条例》征求意见动态');
    expect(feed.id).toBe('tag:kaimen.example.org,2026:drafts/feed-a/feed');
    expect(feed.self).toBe(`${ORIGIN}/drafts/feed-a/feed.atom`);
    expect(feed.alternate).toBe(`${ORIGIN}/drafts/feed-a`);
    expect(feed.entries.map((e) => e.link)).toEqual([
      `${ORIGIN}/drafts/feed-a/feedback?round=1`,
      `${ORIGIN}/drafts/feed-a?round=2`,
      `${ORIGIN}/drafts/feed-a?round=1`,
    ]);
    expect(feed.entries.every((e) => e.link.startsWith(`${ORIGIN}/`))).toBe(true);
    expect(feed.updated).toBe(feed.entries[0].updated);
  });

  it('is a 404 for a draft that does not exist, is not published, or a malformed slug', async () => {
    for (const slug of ['no-such-draft', 'feed-hidden', '..%00']) {
      await expect(call(draftFeedRoute, `/drafts/${slug}/feed.atom`, { slug }), slug).rejects.toMatchObject({ code: 'DraftNotFound' });
    }
  });
});
