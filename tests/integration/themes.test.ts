/**
 * Themes of a round against a database (src/server/themes/): the labelled fixture's four arguments
 * stored as four themes, the campaign counted once per person, the English and lone comments in
 * 其他独立意见 (reachable through the inbox's theme filter); staff labels that survive a recomputation;
 * comments that arrive later assigned incrementally; the job's trigger; the API's shape and bad input.
 */
import { readFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { commentGroups, comments, users } from '../../src/db/schema';
import { rowsOf } from '../../src/db/rows';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { publishVersion } from '../../src/server/drafts/publish-version';
import { computeRoundThemes, refreshRoundThemes } from '../../src/server/themes/compute-themes';
import { labelTheme, loadThemes, themesStatus } from '../../src/server/themes/read-themes';
import { enqueueThemeRefreshes, enqueueThemes, pendingThemesJob } from '../../src/server/themes/themes-job';
import { listInbox } from '../../src/server/review/inbox';
import { themesResponse } from '../../src/server/api-responses';
import { GET } from '../../src/pages/api/v1/staff/drafts/[slug]/rounds/[n]/themes';
import type { SessionUser } from '../../src/server/auth/session-user';

interface FixtureComment { argument: string | null; body: string; campaign?: boolean; english?: boolean; contact?: string }
const fixture = JSON.parse(readFileSync('tests/fixtures/themes/article-comments.json', 'utf8')) as { draft: string; comments: FixtureComment[] };

let database: TestDatabase;
let staff: SessionUser;
let roundId: string;
let draftId: string;
let groupId: string;
const argumentOf = new Map<string, string | null>();
const DAY = 86_400_000;
const slug = 'ddzxc';

async function insertComment(body: string, opts: { article?: number | null; at: Date; group?: string | null; contact?: string | null }): Promise<string> {
  const [row] = await database.db.insert(comments).values({
    receipt: `TH-${randomUUID().slice(0, 8)}`, lookupHash: 'x', idempotencyKey: randomUUID(), draftId, roundId,
    articleNumber: opts.article === undefined ? 2 : opts.article, body, channel: 'web', fingerprint: randomUUID(),
    groupId: opts.group ?? null, contact: opts.contact ?? null, createdAt: opts.at,
  }).returning({ id: comments.id });
  return row.id;
}

beforeAll(async () => {
  database = await createTestDatabase({ global: true });
  const now = Date.now();
  const r = await publishVersion({ slug, code: 'DD', title: '电动自行车管理条例（草案）', roundNumber: 1, label: '一审稿', text: fixture.draft, opensAt: new Date(now - 10 * DAY), closesAt: new Date(now + 10 * DAY) }, undefined, database.db);
  roundId = r.roundId;
  draftId = r.draftId;
  const [u] = await database.db.insert(users).values({ email: `staff-${randomUUID()}@example.com`, passwordHash: 'x', role: 'staff', name: '工作人员' }).returning();
  staff = { id: u.id, role: 'staff', name: null, email: null, phone: null, district: null, occupation: null, via: 'session' };
  const [g] = await database.db.insert(commentGroups).values({ roundId, confirmed: true, label: '充电设施' }).returning();
  groupId = g.id;
  let i = 0;
  for (const c of fixture.comments) {
    const id = await insertComment(c.body, { at: new Date(now - 5 * DAY + (i++) * 60_000), group: c.campaign ? groupId : null, contact: c.contact ?? null });
    argumentOf.set(id, c.argument);
  }
  await insertComment('建议加强公众参与，立法听证应当公开。', { article: null, at: new Date(now - 4 * DAY) });
  await insertComment('立法过程应当公开听证，扩大公众参与。', { article: null, at: new Date(now - 4 * DAY + 1000) });
});
afterAll(() => database?.close());

const membersOf = async (themeId: string) => rowsOf<{ comment_id: string }>(await database.db.execute(sql`select comment_id from theme_comments where theme_id = ${themeId}`)).map((r) => r.comment_id);

describe('computing a round', () => {
  it('stores the four arguments as four themes and the campaign once per person', async () => {
    const summary = await computeRoundThemes(roundId, database.db);
    expect(summary).toMatchObject({ mode: 'full', comments: fixture.comments.length + 2 });
    const { themes } = await loadThemes(slug, 1, 2, staff, database.db);
    const real = themes.filter((t) => !t.other);
    expect(real.length).toBe(4);
    const args = await Promise.all(real.map(async (t) => new Set((await membersOf(t.id)).map((id) => argumentOf.get(id)))));
    expect(args.every((s) => s.size === 1)).toBe(true);
    expect(new Set(args.map((s) => [...s][0]))).toEqual(new Set(['speed', 'charging', 'helmet', 'plate']));
    // The campaign: 8 copies from 7 people (two from one contact), in the charging theme, first.
    const charging = real[0];
    const members = await membersOf(charging.id);
    const copies = members.filter((id) => fixture.comments[[...argumentOf.keys()].indexOf(id)]?.campaign);
    expect(copies).toHaveLength(8);
    expect(charging.comments).toBe(members.length);
    expect(charging.people).toBe(members.length - 1);
    expect(charging.quotes.length).toBeGreaterThanOrEqual(2);
    expect(charging.quotes.length).toBeLessThanOrEqual(3);
    for (const q of charging.quotes) expect(q.text).not.toMatch(/139\d{8}/);
    // Themes of three or more stay themes; the English and the lone comments are in 其他独立意见, last.
    const other = themes[themes.length - 1];
    expect(other.other).toBe(true);
    expect(other.label).toBe('其他独立意见');
    const otherMembers = await membersOf(other.id);
    const english = [...argumentOf].find(([id]) => fixture.comments[[...argumentOf.keys()].indexOf(id)].english)![0];
    expect(otherMembers).toContain(english);
    expect(other.comments).toBe(otherMembers.length);
    // Every comment is in exactly one theme.
    const all = rowsOf<{ n: number }>(await database.db.execute(sql`select count(*)::int as n from theme_comments where round_id = ${roundId}`));
    expect(Number(all[0].n)).toBe(fixture.comments.length + 2);
  });

  it("links each theme to its comments through the inbox's theme filter", async () => {
    const { themes } = await loadThemes(slug, 1, 'all', staff, database.db);
    for (const t of themes) {
      const page = await listInbox({ draft: slug, round: 1, theme: t.id, limit: 200 }, staff, database.db);
      expect(page.items.length, t.label).toBe(t.comments);
    }
    expect(themes.some((t) => t.article === 0 && !t.other)).toBe(true);
  });

  it('keeps a staff label and the theme id across a recomputation', async () => {
    const { themes } = await loadThemes(slug, 1, 2, staff, database.db);
    const helmet = themes.find((t) => t.keyPhrases.includes('头盔'))!;
    await labelTheme({ slug, round: 1, theme: helmet.id, label: '儿童头盔与头盔标准' }, staff, null, database.db);
    await computeRoundThemes(roundId, database.db);
    const after = (await loadThemes(slug, 1, 2, staff, database.db)).themes.find((t) => t.id === helmet.id)!;
    expect(after).toMatchObject({ label: '儿童头盔与头盔标准', labelEdited: true, autoLabel: helmet.autoLabel });
    const audit = rowsOf<{ action: string }>(await database.db.execute(sql`select action from audit_events where action = 'theme.label'`));
    expect(audit).toHaveLength(1);
    await expect(labelTheme({ slug, round: 1, theme: randomUUID(), label: 'x' }, staff, null, database.db)).rejects.toMatchObject({ code: 'NotFound' });
  });

  it('assigns comments that arrive later to the nearest theme, a campaign copy to its group, the rest to 其他独立意见', async () => {
    const before = await loadThemes(slug, 1, 2, staff, database.db);
    const speed = before.themes.find((t) => t.keyPhrases.includes('限速'))!;
    const charging = before.themes.find((t) => t.keyPhrases.includes('充电'))!;
    const at = new Date();
    const a = await insertComment('限速十五公里太慢，希望提高到二十五公里。', { at });
    const b = await insertComment('老旧小区没有充电桩，禁止楼道充电之前必须先建成集中充电设施。', { at, group: groupId, contact: '13900000001' });
    const c = await insertComment('建议条例的英文译本同时公布。', { at });
    expect(await enqueueThemeRefreshes(database.db)).toBe(1);
    expect(await enqueueThemeRefreshes(database.db)).toBe(0);
    const summary = await refreshRoundThemes(roundId, database.db);
    expect(summary).toMatchObject({ mode: 'incremental', comments: 3 });
    const themeOf = async (id: string) => rowsOf<{ theme_id: string }>(await database.db.execute(sql`select theme_id from theme_comments where comment_id = ${id}`))[0]?.theme_id;
    expect(await themeOf(a)).toBe(speed.id);
    expect(await themeOf(b)).toBe(charging.id);
    const after = await loadThemes(slug, 1, 2, staff, database.db);
    expect(await themeOf(c)).toBe(after.themes.find((t) => t.other)!.id);
    const chargingAfter = after.themes.find((t) => t.id === charging.id)!;
    // One more comment, from a person already counted.
    expect(chargingAfter.comments).toBe(charging.comments + 1);
    expect(chargingAfter.people).toBe(charging.people);
    const status = await themesStatus(roundId, database.db);
    expect(status.run).toMatchObject({ mode: 'incremental' });
    expect(status.waiting).toBe(0);
    expect(await refreshRoundThemes(roundId, database.db)).toMatchObject({ mode: 'unchanged' });
  });

  it('queues one job per round, a waiting refresh becoming a full computation', async () => {
    await database.db.execute(sql`delete from jobs`);
    const first = await enqueueThemes(roundId, 'auto', null, database.db);
    expect(await enqueueThemes(roundId, 'full', staff.id, database.db)).toBe(first);
    expect(await pendingThemesJob(roundId, database.db)).toMatchObject({ id: first, mode: 'full', status: 'queued' });
  });
});

describe('GET /api/v1/staff/drafts/{slug}/rounds/{n}/themes', () => {
  const get = async (path: string, query = '') => {
    const [, s, n] = path.split('/');
    const url = new URL(`http://x/api/v1/staff/drafts/${s}/rounds/${n}/themes${query}`);
    // The route reads the process-wide database, which this file's is ({ global: true }).
    return (GET as unknown as (ctx: unknown) => Promise<Response>)({ locals: { user: staff }, params: { slug: s, n }, url });
  };

  it('answers the contract: general by default, one article, every article, [] for an article without comments', async () => {
    const general = await (await get(`/${slug}/1`)).json();
    expect(themesResponse.safeParse(general).success).toBe(true);
    expect(general.themes.every((t: { article: number | null }) => t.article === null)).toBe(true);
    const two = await (await get(`/${slug}/1`, '?article=2')).json();
    expect(two.themes[0]).toEqual({
      id: expect.any(String), article: 2, other: false, label: expect.any(String), keyPhrases: expect.any(Array),
      comments: expect.any(Number), people: expect.any(Number), quotes: expect.any(Array),
    });
    expect(Object.keys(two.themes[0].quotes[0]).sort()).toEqual(['receipt', 'text']);
    const all = await (await get(`/${slug}/1`, '?article=all')).json();
    expect(all.themes.length).toBe(general.themes.length + two.themes.length);
    expect(await (await get(`/${slug}/1`, '?article=1')).json()).toEqual({ themes: [] });
  });

  it('refuses bad input: unknown draft or round 404, a bad article 400', async () => {
    await expect(get('/no-such-draft/1')).rejects.toMatchObject({ code: 'DraftNotFound', status: 404 });
    await expect(get(`/${slug}/7`)).rejects.toMatchObject({ code: 'RoundNotFound', status: 404 });
    await expect(get(`/${slug}/1`, '?article=abc')).rejects.toMatchObject({ code: 'ValidationFailed', status: 400 });
    await expect(get(`/${slug}/x`)).rejects.toMatchObject({ status: 404 });
  });
});

describe('a round larger than one page of reading', () => {
  it('reads every comment once, however many share a timestamp (keyset pages of 1,000)', async () => {
    const now = Date.now();
    const r = await publishVersion({ slug: 'ddzxc-big', code: 'DB', title: '电动自行车管理条例（草案）', roundNumber: 1, label: '一审稿', text: fixture.draft, opensAt: new Date(now - 10 * DAY), closesAt: new Date(now + 10 * DAY) }, undefined, database.db);
    // 2,500 comments on three instants: every page boundary falls inside a run of equal created_at.
    const bodies = fixture.comments.filter((c) => !c.campaign).map((c) => c.body);
    const rows = Array.from({ length: 2500 }, (_, i) => ({
      receipt: `TB-${randomUUID().slice(0, 8)}`, lookupHash: 'x', idempotencyKey: randomUUID(), draftId: r.draftId, roundId: r.roundId,
      articleNumber: 2, body: `${bodies[i % bodies.length]}（${i}）`, channel: 'web' as const, fingerprint: randomUUID(),
      createdAt: new Date(now - DAY + (i % 3) * 1000),
    }));
    for (let i = 0; i < rows.length; i += 500) await database.db.insert(comments).values(rows.slice(i, i + 500));
    // Microseconds, which a JavaScript Date would round away (a page key taken from one reads rows twice).
    await database.db.execute(sql`update comments set created_at = created_at + interval '123 microseconds' where round_id = ${r.roundId}`);
    const summary = await computeRoundThemes(r.roundId, database.db);
    expect(summary).toMatchObject({ mode: 'full', comments: 2500 });
    const [n] = rowsOf<{ n: number; d: number }>(await database.db.execute(sql`
      select count(*)::int as n, count(distinct comment_id)::int as d from theme_comments where round_id = ${r.roundId}`));
    expect(n).toEqual({ n: 2500, d: 2500 });
    const { themes } = await loadThemes('ddzxc-big', 1, 2, staff, database.db);
    expect(themes.reduce((s, t) => s + t.comments, 0)).toBe(2500);
  });
});
