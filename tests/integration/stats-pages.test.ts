/**
 * The statistics pages (issue 18): the three rates day by day on a round with known dates (Beijing
 * days, hidden comments left out, the last day equal to summariseRound's rates); then over HTTP
 * against the built server, the public page of a round whose feedback is not published shows no
 * decision, the published one does, the staff page always does, and every heat-map cell carries
 * its article's label.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { eq } from 'drizzle-orm';
import { comments, rounds } from '../../src/db/schema';
import type { DbOrTx } from '../../src/db/client';
import { publishVersion } from '../../src/server/drafts/publish-version';
import { loadReportScope, summariseRound } from '../../src/server/reports/adoption-report';
import { ratesOverTime } from '../../src/server/reports/rates-over-time';
import { systemActor } from '../../src/server/audit';
import { createUser } from '../../src/server/auth/users';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { buildApp, fakeIp, removeBuild, serverDatabase, signInOverHttp, startServer, type RunningServer } from '../support/built-server';
import { insertSeedComments, seedReportFixture, type Seeded } from './reports-fixture';

const CAPTIONED = `# 统计示例条例

第一条（立法目的） 为了规范统计示例，制定本条例。

第二条 本条例适用于本市。

第三条（一个很长很长的条文标题用来检验截断） 市人民政府负责。
`;

interface At {
  created: string;
  article?: number;
  adoption?: 'adopted' | 'partially_adopted' | 'not_adopted' | 'pending';
  decided?: string;
  responded?: string;
  satisfaction?: 'satisfied' | 'basically_satisfied' | 'not_satisfied';
  rated?: string;
  hidden?: boolean;
}

/** Inserts comments at the given instants (UTC; Beijing is 8 hours ahead) into `roundId`. */
async function insertAt(db: DbOrTx, draftId: string, roundId: string, list: At[]) {
  let i = 0;
  for (const c of list) {
    i += 1;
    await db.insert(comments).values({
      receipt: `ST-${roundId.slice(0, 8)}-${i}`, lookupHash: 'x', idempotencyKey: randomUUID(), draftId, roundId,
      articleNumber: c.article ?? 1, body: `意见${i}`, channel: 'web', fingerprint: `st${i}`,
      status: c.responded ? 'answered' : c.adoption ? 'under_review' : 'received',
      adoption: c.adoption ?? null,
      decidedAt: c.decided ? new Date(c.decided) : null,
      respondedAt: c.responded ? new Date(c.responded) : null,
      satisfaction: c.satisfaction ?? null,
      ratedAt: c.rated ? new Date(c.rated) : null,
      hiddenAt: c.hidden ? new Date(c.created) : null,
      hiddenReason: c.hidden ? '广告' : null,
      createdAt: new Date(c.created),
    });
  }
}

describe('the three rates over time', () => {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(() => database?.close());

  it('counts each comment, response, decision and rating on its Beijing day, running totals, every day filled in', async () => {
    const db = database.db;
    const r = await publishVersion({ slug: 'tongji', title: '统计示例条例（草案）', roundNumber: 1, label: '一审稿',
      opensAt: new Date('2026-03-01T00:00:00Z'), closesAt: new Date('2026-03-10T00:00:00Z'), text: CAPTIONED }, undefined, db);
    await insertAt(db, r.draftId, r.roundId, [
      // 03-02 01:00 Beijing (still 03-01 in UTC); adopted and answered 03-03; rated satisfied 03-05.
      { created: '2026-03-01T17:00:00Z', adoption: 'adopted', decided: '2026-03-03T02:00:00Z', responded: '2026-03-03T02:00:00Z', satisfaction: 'satisfied', rated: '2026-03-05T01:00:00Z' },
      // 03-02; not adopted at 23:30 on 03-05, answered at 00:30 on 03-06 (15:30 and 16:30 UTC on 03-05); rated 03-06.
      { created: '2026-03-02T03:00:00Z', adoption: 'not_adopted', decided: '2026-03-05T15:30:00Z', responded: '2026-03-05T16:30:00Z', satisfaction: 'not_satisfied', rated: '2026-03-06T02:00:00Z' },
      // 03-03 00:30 Beijing; marked pending on 03-05: not a decision.
      { created: '2026-03-02T16:30:00Z', adoption: 'pending', decided: '2026-03-05T02:00:00Z' },
      // Hidden: never counted, though adopted, answered and rated on 03-04.
      { created: '2026-03-04T02:00:00Z', adoption: 'adopted', decided: '2026-03-04T03:00:00Z', responded: '2026-03-04T03:00:00Z', satisfaction: 'satisfied', rated: '2026-03-04T04:00:00Z', hidden: true },
    ]);
    const scope = await loadReportScope('tongji', 1, db);
    expect(await ratesOverTime(scope, {}, db)).toBeNull();
    const days = (await ratesOverTime(scope, { withDecisions: true }, db))!;
    const pick = ({ day, comments, responded, decided, adopted, rated, satisfied, response, adoption, satisfaction }: (typeof days)[number]) =>
      ({ day, comments, responded, decided, adopted, rated, satisfied, response, adoption, satisfaction });
    expect(days.map(pick)).toEqual([
      { day: '2026-03-02', comments: 2, responded: 0, decided: 0, adopted: 0, rated: 0, satisfied: 0, response: 0, adoption: null, satisfaction: null },
      { day: '2026-03-03', comments: 3, responded: 1, decided: 1, adopted: 1, rated: 0, satisfied: 0, response: 1 / 3, adoption: 1, satisfaction: null },
      { day: '2026-03-04', comments: 3, responded: 1, decided: 1, adopted: 1, rated: 0, satisfied: 0, response: 1 / 3, adoption: 1, satisfaction: null },
      { day: '2026-03-05', comments: 3, responded: 1, decided: 2, adopted: 1, rated: 1, satisfied: 1, response: 1 / 3, adoption: 0.5, satisfaction: 1 },
      { day: '2026-03-06', comments: 3, responded: 2, decided: 2, adopted: 1, rated: 2, satisfied: 1, response: 2 / 3, adoption: 0.5, satisfaction: 0.5 },
    ]);
    const summary = await summariseRound(scope, { includeHidden: false }, db);
    expect([summary.rates.response, summary.rates.adoption, summary.rates.satisfaction]).toEqual([2 / 3, 0.5, 0.5]);

    // Published: the public gets the same figures.
    await db.update(rounds).set({ feedbackPublishedAt: new Date() }).where(eq(rounds.id, r.roundId));
    expect(await ratesOverTime(await loadReportScope('tongji', 1, db), {}, db)).toEqual(days);
  });

  it('ends on the rates of the adoption report for the report fixture, and is empty for a round without comments', async () => {
    const seeded = await seedReportFixture(database.db, 'tongji-fixture');
    const scope = await loadReportScope(seeded.slug, 1, database.db);
    const days = (await ratesOverTime(scope, { withDecisions: true }, database.db))!;
    const { rates } = await summariseRound(scope, { includeHidden: false }, database.db);
    expect(days.length).toBeGreaterThan(1);
    expect(days.at(-1)).toMatchObject({ comments: 11, responded: rates.responded, decided: rates.decided, adopted: rates.adopted, rated: rates.rated, satisfied: rates.satisfied,
      response: rates.response, adoption: rates.adoption, satisfaction: rates.satisfaction });
    // Consecutive days, each total never smaller than the day before.
    for (let i = 1; i < days.length; i++) {
      expect(Date.parse(days[i].day) - Date.parse(days[i - 1].day)).toBe(86400_000);
      for (const k of ['comments', 'responded', 'decided', 'adopted', 'rated', 'satisfied'] as const) expect(days[i][k]).toBeGreaterThanOrEqual(days[i - 1][k]);
    }
    expect(await ratesOverTime(await loadReportScope(seeded.slug, 2, database.db), { withDecisions: true }, database.db)).toEqual([]);
  });
});

// ── The pages, over HTTP ──────────────────────────────────────────────────────
const PASSWORD = 'Stats-pages-test-1';
let buildDir: string;
let server: RunningServer;
let testDb: TestDatabase | undefined;
let seeded: Seeded;

async function get(path: string, cookie?: string) {
  const res = await fetch(`${server.url}${path}`, { redirect: 'manual', headers: { 'x-forwarded-for': fakeIp(), ...(cookie ? { cookie } : {}) } });
  return { status: res.status, html: await res.text(), location: res.headers.get('location') };
}

/** The heat-map cells of `html`, by drawing (wide, narrow): article number, <title> and the texts. */
function heatCells(html: string) {
  const svgs = [...html.matchAll(/<svg class="chart-svg heat-map (wide|narrow)"[\s\S]*?<\/svg>/g)];
  return svgs.map((m) => ({
    variant: m[1],
    cells: [...m[0].matchAll(/<g class="heat-cell[^"]*" data-article="(\d+)">([\s\S]*?)<\/g>/g)].map((c) => ({
      article: Number(c[1]),
      title: /<title>([^<]*)<\/title>/.exec(c[2])?.[1] ?? '',
      texts: [...c[2].matchAll(/<text[^>]*>([^<]*)<\/text>/g)].map((x) => x[1]),
    })),
  }));
}

describe('the statistics pages', () => {
  beforeAll(async () => {
    buildDir = await buildApp();
    const { database, env, testDb: made } = await serverDatabase('stats');
    testDb = made;
    const db = database.db;
    seeded = await seedReportFixture(db, 'tongji');
    // Round 2 (open, feedback not published) gets the same comments; round 1's feedback is published.
    await insertSeedComments(db, seeded.draftId, seeded.round2);
    await db.update(rounds).set({ feedbackPublishedAt: new Date() }).where(eq(rounds.id, seeded.round1));
    const captioned = await publishVersion({ slug: 'biaoti', title: '统计示例条例（草案）', roundNumber: 1, label: '一审稿',
      opensAt: new Date('2026-03-01T00:00:00Z'), closesAt: new Date('2026-03-10T00:00:00Z'), text: CAPTIONED }, undefined, db);
    await insertAt(db, captioned.draftId, captioned.roundId, [{ created: '2026-03-02T03:00:00Z' }, { created: '2026-03-02T04:00:00Z' }, { created: '2026-03-02T05:00:00Z', article: 3 }]);
    await createUser({ role: 'staff', account: { kind: 'email', value: 'stats-staff@stats.test' }, password: PASSWORD, name: '统计员' }, systemActor, db);
    await createUser({ role: 'citizen', account: { kind: 'email', value: 'stats-citizen@stats.test' }, password: PASSWORD }, systemActor, db);
    if (!testDb) await database.close(); // PGlite: the server must be the only process on the dir
    server = await startServer(buildDir, { ...env, TRUST_PROXY: 'true' });
  }, 300_000);

  afterAll(async () => {
    await server?.stop();
    await testDb?.close();
    if (buildDir) removeBuild(buildDir);
  });

  it('public, before the feedback is published: counts, heat map and sources, no decision and no personal data', async () => {
    const { status, html } = await get('/drafts/tongji/stats?round=2');
    expect(status).toBe(200);
    expect(html).toContain('《示例管理条例（草案）》二审稿意见统计');
    expect(html).toContain('答复率、采纳率、满意率和采纳情况将在本审次的意见采纳情况公布后公开。');
    expect(html).not.toContain('<svg class="chart-svg line-chart');
    expect(html).not.toContain('id="st-adoption-title"');
    expect(html.replace(/<[^>]*>/g, ' ')).not.toMatch(/\d+\.\d%/);
    for (const decision of ['部分采纳', '未采纳', '已有规定', '不属于本条例调整范围']) expect(html).not.toContain(decision);
    // Hidden comment and personal data left out.
    for (const secret of ['这是一条被屏蔽的广告', '广告商', '张三', '13800000001', 'lisi@example.com']) expect(html).not.toContain(secret);
    expect(html).toContain('第四条：4条意见');
    expect(html).toContain('id="st-channel-title"');
    expect(html).toContain('id="st-district-title"');
    // The round switcher stays on the statistics.
    expect(html).toContain('href="/drafts/tongji/stats?round=1"');
  });

  it('public, once published: the rates, their course as a line chart with its table, and the adoption', async () => {
    const { status, html } = await get('/drafts/tongji/stats?round=1');
    expect(status).toBe(200);
    expect(html).not.toContain('公布后公开');
    expect(html).toContain('<svg class="chart-svg line-chart wide"');
    expect(html).toContain('<svg class="chart-svg line-chart narrow"');
    expect(html).toContain('id="st-adoption-title"');
    expect(html).toContain('部分采纳');
    // The table view of the line chart: one row per day, the last one the round's rates (8 of 11 answered, 3 of 9 decided adopted, 2 of 3 rated satisfied).
    const table = /<figure class="chart line"[\s\S]*?<\/figure>/.exec(html)![0];
    const last = [...table.matchAll(/<tr><th scope="row">(\d{4}-\d{2}-\d{2})<\/th>([\s\S]*?)<\/tr>/g)].at(-1)!;
    expect(last[2].replace(/<[^>]*>/g, '')).toBe('72.7%（8/11）33.3%（3/9）66.7%（2/3）');
    for (const secret of ['这是一条被屏蔽的广告', '广告商', '张三', '13800000001']) expect(html).not.toContain(secret);
  });

  it('labels every heat-map cell with its article, in both drawings, readable on hover and in the table', async () => {
    const { html } = await get('/drafts/tongji/stats?round=1');
    const drawings = heatCells(html);
    expect(drawings.map((d) => d.variant)).toEqual(['wide', 'narrow']);
    const labels = ['第一条', '第二条', '第三条', '第四条'];
    for (const d of drawings) {
      expect(d.cells.map((c) => c.article)).toEqual([1, 2, 3, 4]);
      for (const c of d.cells) {
        const label = labels[c.article - 1];
        expect(c.title).toMatch(new RegExp(`^${label}：\\d+条意见$`));
        expect(c.texts[0]).toBe(label);
        expect(c.texts.at(-1)).toMatch(/^\d+条$/);
      }
    }
    expect(html).toContain('>第四条</a></th><td class="num">4</td>');
  });

  it('shows captions on the cells: whole on hover and in the table, cut with … when too long for the cell', async () => {
    const { status, html } = await get('/drafts/biaoti/stats');
    expect(status).toBe(200);
    const long = '一个很长很长的条文标题用来检验截断';
    for (const d of heatCells(html)) {
      const [first, second, third] = d.cells;
      expect(first.texts).toEqual(['第一条', '立法目的', '2条']);
      expect(first.title).toBe('第一条（立法目的）：2条意见');
      // No caption: the label and the count only.
      expect(second.texts).toEqual(['第二条', '0条']);
      expect(third.title).toBe(`第三条（${long}）：1条意见`);
      expect(third.texts[1]).toMatch(/^一个很长.*…$/);
      expect(third.texts[1].length).toBeLessThan(long.length);
    }
    expect(html).toContain(`>第三条（${long}）</a></th><td class="num">1</td>`);
  });

  it('staff: decisions always, with the processing status; anonymous visitors and citizens are refused', async () => {
    const cookie = await signInOverHttp(server.url, 'stats-staff@stats.test', PASSWORD);
    const { status, html } = await get('/staff/drafts/tongji/rounds/2/stats', cookie);
    expect(status).toBe(200);
    expect(html).toContain('<svg class="chart-svg line-chart wide"');
    expect(html).toContain('id="st-adoption-title"');
    expect(html).toContain('id="st-status-title"');
    expect(html).toContain('本审次的意见采纳情况尚未公布');
    expect(heatCells(html)[0].cells).toHaveLength(4);
    // Linked from the round's report page and the staff draft page.
    expect((await get('/staff/drafts/tongji/rounds/2', cookie)).html).toContain('href="/staff/drafts/tongji/rounds/2/stats"');
    expect((await get('/staff/drafts/tongji', cookie)).html).toContain('href="/staff/drafts/tongji/rounds/1/stats"');

    const anonymous = await get('/staff/drafts/tongji/rounds/2/stats');
    expect(anonymous.status).not.toBe(200);
    expect(anonymous.html).not.toContain('<svg class="chart-svg line-chart');
    const citizen = await get('/staff/drafts/tongji/rounds/2/stats', await signInOverHttp(server.url, 'stats-citizen@stats.test', PASSWORD));
    expect(citizen.status).toBe(403);
    expect(citizen.html).not.toContain('<svg class="chart-svg line-chart');
  });

  it('the draft page links to its statistics; a round that is not there is a 404', async () => {
    expect((await get('/drafts/tongji?round=1')).html).toContain('href="/drafts/tongji/stats?round=1"');
    for (const bad of ['?round=9', '?round=abc', '?round=-1']) expect((await get(`/drafts/tongji/stats${bad}`)).status).toBe(404);
    expect((await get('/drafts/no-such-draft/stats')).status).toBe(404);
  });
});
