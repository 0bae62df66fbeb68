/**
 * Reading a draft: getDraftRound's shape and query count, diffRounds, and the JSON of the public
 * reading API (routes called directly; the middleware maps thrown AppErrors to JSON).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { APIContext } from 'astro';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { loadSampleDrafts } from '../../src/server/drafts/sample-drafts';
import { findArticleLineage, getDraftRound } from '../../src/server/drafts/get-draft';
import { diffRounds } from '../../src/server/drafts/diff-rounds';
import { GET as listRoute } from '../../src/pages/api/v1/drafts/index';
import { GET as draftRoute } from '../../src/pages/api/v1/drafts/[slug]/index';
import { GET as diffRoute } from '../../src/pages/api/v1/drafts/[slug]/diff';
import { countQueries, insertComment } from './drafts-support';

let database: TestDatabase;
const now = new Date();

beforeAll(async () => {
  database = await createTestDatabase({ global: true });
  await loadSampleDrafts(database.db, now);
  for (const n of [10, 10, 10, 3]) await insertComment(database.db, 'jiesu-jiban', 3, n);
  await insertComment(database.db, 'jiesu-jiban', 3, null);
  await insertComment(database.db, 'jiesu-jiban', 2, 10);
  // Hidden by staff: never counted in public.
  await insertComment(database.db, 'jiesu-jiban', 3, 10, true);
  await insertComment(database.db, 'jiesu-jiban', 3, null, true);
});
afterAll(async () => {
  await database.close();
});

async function call(route: (ctx: APIContext) => Response | Promise<Response>, path: string, params: Record<string, string> = {}) {
  const url = new URL(`http://localhost${path}`);
  const res = await route({ url, params, request: new Request(url), locals: { locale: 'zh-CN' } } as unknown as APIContext);
  return { status: res.status, headers: res.headers, body: await res.json() };
}

describe('getDraftRound', () => {
  it('reads a whole round in two queries, whatever its size', async () => {
    const big = await countQueries(database.db, () => getDraftRound('lifafa', 2, database.db));
    expect(big.queries).toBe(2);
    expect(big.result.articles).toHaveLength(120);
    expect(big.result.chapters).toHaveLength(6);
    expect(big.result.chapters[1].sections).toHaveLength(5);
    const small = await countQueries(database.db, () => getDraftRound('tingche', 1, database.db));
    expect(small.queries).toBe(2);
    // Again, with the immutable text cached: still two queries, the same text.
    const warm = await countQueries(database.db, () => getDraftRound('lifafa', 2, database.db));
    expect(warm.queries).toBe(2);
    expect(warm.result.articles).toEqual(big.result.articles);
  });

  it('keeps comment counts current when the text comes from the cache', async () => {
    const before = await getDraftRound('tingche', 2, database.db);
    expect(before.articles[28].commentCount).toBe(0);
    await insertComment(database.db, 'tingche', 2, 29);
    await insertComment(database.db, 'tingche', 2, null);
    const after = await getDraftRound('tingche', 2, database.db);
    expect(after.articles[28].commentCount).toBe(1);
    expect(after.generalCommentCount).toBe(1);
    expect(before.articles[28].commentCount).toBe(0);
  });

  it('defaults to the latest round and builds chapters, articles, paragraphs and items', async () => {
    const d = await getDraftRound('jiesu-jiban', undefined, database.db);
    expect(d.round.number).toBe(3);
    expect(d.round.status).toBe('open');
    expect(d.rounds.map((r) => [r.number, r.label, r.status])).toEqual([
      [1, '一审稿', 'closed'],
      [2, '二审稿', 'closed'],
      [3, '三审稿', 'open'],
    ]);
    expect(d.round.noteMd).toMatch(/^# 关于/);
    expect(d.chapters.map((c) => c.label)).toEqual(['第一章', '第二章', '第三章', '第四章', '第五章']);
    expect(d.chapters[0].title).toBe('总则');
    expect(d.articles).toHaveLength(38);
    expect(d.articles.map((a) => a.number)).toEqual(Array.from({ length: 38 }, (_, i) => i + 1));
    const a10 = d.articles[9];
    expect(a10).toMatchObject({ number: 10, label: '第十条', chapter: 2, section: null, caption: null });
    expect(a10.paragraphs.map((p) => p.text).join('\n')).toBe(a10.text);
    // Items stay under their paragraph, markers included.
    const withItems = d.articles.find((a) => a.paragraphs.some((p) => p.items.length > 0))!;
    expect(withItems.paragraphs.flatMap((p) => p.items)[0]).toMatch(/^（一）/);
    expect(d.version.preamble[0]).toContain('2021年9月24日');
  });

  it('counts comments per article and general comments of this round only', async () => {
    const d = await getDraftRound('jiesu-jiban', 3, database.db);
    expect(d.articles[9].commentCount).toBe(3);
    expect(d.articles[2].commentCount).toBe(1);
    expect(d.articles.reduce((s, a) => s + a.commentCount, 0)).toBe(4);
    expect(d.generalCommentCount).toBe(1);
    const r2 = await getDraftRound('jiesu-jiban', 2, database.db);
    expect(r2.articles[9].commentCount).toBe(1);
    expect(r2.generalCommentCount).toBe(0);
  });

  it('throws DraftNotFound and RoundNotFound', async () => {
    await expect(getDraftRound('no-such-draft', undefined, database.db)).rejects.toMatchObject({ code: 'DraftNotFound', status: 404 });
    await expect(getDraftRound('jiesu-jiban', 4, database.db)).rejects.toMatchObject({ code: 'RoundNotFound', status: 404 });
  });

  it('follows an article through the rounds by its lineage id', async () => {
    const d = await getDraftRound('jiesu-jiban', 3, database.db);
    const stops = await findArticleLineage(d, d.articles[9].id, database.db);
    expect(stops.map((s) => [s.round.number, s.article?.label ?? null])).toEqual([
      [1, '第十一条'],
      [2, '第十条'],
      [3, '第十条'],
    ]);
    const added = await findArticleLineage(d, d.articles[20].id, database.db); // 京津冀联动, new in round 3
    expect(added.map((s) => s.article?.number ?? null)).toEqual([null, null, 21]);
  });
});

describe('diffRounds', () => {
  it('停车条例: exactly 第二十三条, 第二十九条 and 第三十九条 changed', async () => {
    const d = await diffRounds('tingche', 1, 2, database.db);
    expect(d.tally).toEqual({ unchanged: 40, renumbered: 0, modified: 3, added: 0, removed: 0 });
    expect(d.articles.filter((e) => e.change === 'modified').map((e) => e.to!.label)).toEqual(['第二十三条', '第二十九条', '第三十九条']);
  });

  it('defaults to the latest round against the one before, and refuses impossible pairs', async () => {
    const d = await diffRounds('jiesu-jiban', undefined, undefined, database.db);
    expect([d.from.number, d.to.number]).toEqual([2, 3]);
    await expect(diffRounds('jiesu-jiban', 2, 2, database.db)).rejects.toMatchObject({ code: 'ValidationFailed' });
    await expect(diffRounds('wuye-guanli', undefined, undefined, database.db)).rejects.toMatchObject({ code: 'ValidationFailed' });
    await expect(diffRounds('jiesu-jiban', 1, 5, database.db)).rejects.toMatchObject({ code: 'RoundNotFound' });
  });
});

describe('public reading API', () => {
  it('GET /api/v1/drafts lists drafts with rounds, ISO dates and statuses', async () => {
    const { status, headers, body } = await call(listRoute, '/api/v1/drafts');
    expect(status).toBe(200);
    expect(headers.get('cache-control')).toBe('public, max-age=30');
    const js = body.find((d: { slug: string }) => d.slug === 'jiesu-jiban');
    expect(js.title).toBe('北京市接诉即办工作条例（草案）');
    expect(js.rounds).toHaveLength(3);
    expect(js.rounds[2]).toMatchObject({ number: 3, label: '三审稿', status: 'open' });
    expect(new Date(js.rounds[2].opensAt).toISOString()).toBe(js.rounds[2].opensAt);
    expect(body.find((d: { slug: string }) => d.slug === 'lifafa').rounds[1].status).toBe('upcoming');
  });

  it('GET /api/v1/drafts/{slug}?round=N has the documented shape', async () => {
    const { status, body } = await call(draftRoute, '/api/v1/drafts/jiesu-jiban?round=3', { slug: 'jiesu-jiban' });
    expect(status).toBe(200);
    expect(body).toMatchObject({ slug: 'jiesu-jiban', title: '北京市接诉即办工作条例（草案）', round: { number: 3, label: '三审稿', status: 'open' } });
    expect(typeof body.round.opensAt).toBe('string');
    expect(body.chapters[1]).toEqual({ number: 2, label: '第二章', title: '诉求办理', sections: [] });
    const a10 = body.articles[9];
    expect(Object.keys(a10).sort()).toEqual(['chapter', 'commentCount', 'id', 'label', 'number', 'paragraphs', 'section', 'text'].sort());
    expect(a10).toMatchObject({ number: 10, label: '第十条', chapter: 2, section: null, commentCount: 3 });
    expect(a10.paragraphs[0]).toEqual({ text: expect.any(String), items: [] });
    // The id is the lineage: the same article in round 2 has the same id.
    const r2 = await call(draftRoute, '/api/v1/drafts/jiesu-jiban?round=2', { slug: 'jiesu-jiban' });
    expect(r2.body.articles[9].id).toBe(a10.id);
    expect(r2.body.articles[9].number).toBe(10);
  });

  it('GET /api/v1/drafts/{slug} without a round gives the latest; bad input gives the catalogue errors', async () => {
    expect((await call(draftRoute, '/api/v1/drafts/lifafa', { slug: 'lifafa' })).body.round.number).toBe(2);
    await expect(call(draftRoute, '/api/v1/drafts/nope', { slug: 'nope' })).rejects.toMatchObject({ code: 'DraftNotFound', status: 404 });
    await expect(call(draftRoute, '/api/v1/drafts/BAD%20slug', { slug: 'BAD slug' })).rejects.toMatchObject({ code: 'DraftNotFound' });
    await expect(call(draftRoute, '/api/v1/drafts/lifafa?round=abc', { slug: 'lifafa' })).rejects.toMatchObject({
      code: 'ValidationFailed',
      status: 400,
      fields: [{ field: 'round', key: 'drafts.field.round' }],
    });
    await expect(call(draftRoute, '/api/v1/drafts/lifafa?round=9', { slug: 'lifafa' })).rejects.toMatchObject({ code: 'RoundNotFound', status: 404 });
  });

  it('GET /api/v1/drafts/{slug}/diff has the documented shape', async () => {
    const { status, body } = await call(diffRoute, '/api/v1/drafts/tingche/diff?from=1&to=2', { slug: 'tingche' });
    expect(status).toBe(200);
    expect(body.articles).toHaveLength(43);
    const changed = body.articles.filter((a: { change: string }) => a.change !== 'unchanged');
    expect(changed.map((a: { from: { number: number }; to: { number: number } }) => [a.from.number, a.to.number])).toEqual([[23, 23], [29, 29], [39, 39]]);
    expect(changed[1].to.text).toContain('应当由业主依法共同决定');
    const lifafa = await call(diffRoute, '/api/v1/drafts/lifafa/diff?from=1&to=2', { slug: 'lifafa' });
    expect(lifafa.body.summary).toEqual({ unchanged: 2, renumbered: 61, modified: 42, added: 15, removed: 1 });
    const removed = lifafa.body.articles.find((a: { change: string }) => a.change === 'removed');
    expect(removed).toEqual({ change: 'removed', from: { number: 3, text: expect.any(String) }, similarity: 0 });
    await expect(call(diffRoute, '/api/v1/drafts/tingche/diff?from=0', { slug: 'tingche' })).rejects.toMatchObject({ code: 'ValidationFailed' });
  });
});
