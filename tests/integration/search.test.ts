/**
 * Staff word search (review/search.ts, decision 029): terms of 2 to 10 characters, Latin and
 * digits, LIKE's metacharacters taken literally, the window-or-index page (the same answers
 * whichever way a page is found), and sort=relevance. Runs on PGlite, or PostgreSQL with DATABASE_URL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { listInbox, parseInboxFilters } from '../../src/server/review/inbox';
import { sql } from 'drizzle-orm';
import { searchCondition, searchedPageQuery } from '../../src/server/review/search';
import { comment, createStaff, publishSample } from './review-support';
import { tagComments } from '../../src/server/review/tags';

let database: TestDatabase;
let alice: Awaited<ReturnType<typeof createStaff>>;
const ids: Record<string, string> = {};
beforeAll(async () => {
  database = await createTestDatabase();
  await publishSample(database.db);
  alice = await createStaff(database.db, '李工');
  ids.once = await comment(database.db, 'tingche', '建议在老旧小区外墙保温改造时一并解决停车问题，这条意见写得比较长，说明了很多别的情况和理由。');
  ids.twice = await comment(database.db, 'tingche', '外墙保温层脱落有安全隐患，外墙保温必须马上修');
  ids.thrice = await comment(database.db, 'tingche', '外墙保温！外墙保温！外墙保温！');
  ids.other = await comment(database.db, 'tingche', '小区停车难，晚上回家找不到车位');
  ids.latin = await comment(database.db, 'tingche', '热线12345的APP总是闪退，建议改进App');
  ids.percent = await comment(database.db, 'tingche', '收费应当降低50%_以上，路径C:\\temp不要用');
  ids.fifty = await comment(database.db, 'tingche', '收费应当降低50以上');
  ids.late = await comment(database.db, 'tingche', '我们街道的老旧小区很多，楼龄都在三十年以上，外墙保温的问题只是其中之一，另外还有管线老化、屋面漏水、电梯缺失、停车困难等一系列问题需要统筹考虑。');
});
afterAll(async () => { await database.close(); });

const found = async (q: string, extra: Record<string, string> = {}) =>
  (await listInbox(parseInboxFilters({ q, ...extra }), alice, database.db)).items.map((i) => i.id);

describe('word search', () => {
  it('finds terms of two and of ten characters, exactly', async () => {
    expect((await found('停车')).sort()).toEqual([ids.once, ids.other, ids.late].sort());
    expect(await found('外墙保温层脱落有安全')).toEqual([ids.twice]);
    expect(await found('外墙保温层脱落有危险')).toEqual([]);
    expect((await found('外墙保温')).sort()).toEqual([ids.once, ids.twice, ids.thrice, ids.late].sort());
  });
  it('finds Latin letters and digits, case-insensitively', async () => {
    expect(await found('12345')).toEqual([ids.latin]);
    expect(await found('app')).toEqual([ids.latin]);
    expect(await found('APP 热线')).toEqual([ids.latin]);
  });
  it('takes LIKE metacharacters literally', async () => {
    expect(await found('50%')).toEqual([ids.percent]);
    expect(await found('50%_')).toEqual([ids.percent]);
    expect(await found('%_')).toEqual([ids.percent]);
    expect(await found('C:\\temp')).toEqual([ids.percent]);
    expect(await found('50以')).toEqual([ids.fifty]);
    expect(await found('%%')).toEqual([]);
    expect(await found('\\\\')).toEqual([]);
  });
  it('answers the same from the bigram index as from the newest-first window', async () => {
    // The window holds every comment here; a window of one row makes the index answer instead.
    for (const [q, order] of [['外墙保温', 'newest'], ['外墙保温', 'relevance'], ['停车 小区', 'newest'], ['50%', 'newest']] as const) {
      const s = searchCondition(q);
      const ask = async (window?: number) => ((await database.db.execute(searchedPageQuery({
        base: sql`true`, condition: s.condition!, terms: s.terms, columns: sql`c.id`, limit: 51, order, window,
      }))).rows as Array<{ id: string }>).map((r) => r.id);
      const viaIndex = await ask(1);
      expect(viaIndex.length).toBeGreaterThan(0);
      expect(viaIndex).toEqual(await ask());
    }
  });
});

describe('tag filter', () => {
  it('finds the comments of a tag newest first, alone and with a word, the same from the hashed window as through the index', async () => {
    await tagComments([ids.once, ids.twice, ids.late], ['保温'], alice, {}, database.db);
    expect(await found('', { tag: '保温' })).toEqual([ids.late, ids.twice, ids.once]);
    expect(await found('停车', { tag: '保温' })).toEqual([ids.late, ids.once]);
    // Page by page with the cursor: no gaps, no repeats.
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listInbox(parseInboxFilters({ tag: '保温', limit: '1', ...(cursor ? { cursor } : {}) }), alice, database.db);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([ids.late, ids.twice, ids.once]);
    // The window's form (the tag's ids hashed) and the index's (a semi-join) agree.
    const [{ id: tag }] = (await database.db.execute(sql`select id from tags where name = '保温'`)).rows as Array<{ id: string }>;
    const semi = sql`c.id in (select ct.comment_id from comment_tags ct where ct.tag_id = ${tag}::uuid)`;
    const ask = async (window?: number) => ((await database.db.execute(searchedPageQuery({
      base: sql`true`, condition: semi, windowCondition: sql`(${semi}) is true`, terms: [], columns: sql`c.id`, limit: 51, order: 'newest', window,
    }))).rows as Array<{ id: string }>).map((r) => r.id);
    expect(await ask()).toEqual([ids.late, ids.twice, ids.once]);
    expect(await ask(1)).toEqual(await ask());
  });
});

describe('sort=relevance', () => {
  it('ranks more mentions per length first; the default order stays newest first', async () => {
    expect(await found('外墙保温', { sort: 'relevance' })).toEqual([ids.thrice, ids.twice, ids.once, ids.late]);
    expect(await found('外墙保温')).toEqual([ids.late, ids.thrice, ids.twice, ids.once]);
    expect(await found('外墙保温', { sort: 'newest' })).toEqual([ids.late, ids.thrice, ids.twice, ids.once]);
    // Two terms: their occurrences add up.
    expect(await found('外墙保温 停车', { sort: 'relevance' })).toEqual([ids.once, ids.late]);
  });
  it('pages with a cursor without gaps or repeats', async () => {
    const all = await found('外墙保温', { sort: 'relevance' });
    const first = await listInbox(parseInboxFilters({ q: '外墙保温', sort: 'relevance', limit: '2' }), alice, database.db);
    expect(first.items.map((i) => i.id)).toEqual(all.slice(0, 2));
    expect(first.relevance).toEqual({ ranked: 4, capped: false });
    const second = await listInbox(parseInboxFilters({ q: '外墙保温', sort: 'relevance', limit: '2', cursor: first.nextCursor! }), alice, database.db);
    expect(second.items.map((i) => i.id)).toEqual(all.slice(2));
    expect(second.nextCursor).toBeNull();
    // A newest-first cursor is not a relevance cursor.
    const newest = await listInbox(parseInboxFilters({ q: '外墙保温', limit: '1' }), alice, database.db);
    await expect(listInbox(parseInboxFilters({ q: '外墙保温', sort: 'relevance', cursor: newest.nextCursor! }), alice, database.db)).rejects.toThrow();
  });
  it('is ignored without a query', async () => {
    const page = await listInbox(parseInboxFilters({ sort: 'relevance' }), alice, database.db);
    expect(page.items.length).toBe(8);
    expect(page.relevance).toBeUndefined();
  });
});
