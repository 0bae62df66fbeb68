import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { listInbox, parseInboxFilters, resolveFilters } from '../../src/server/review/inbox';
import { countFacets, clearFacetCache } from '../../src/server/review/inbox-counts';
import { tagComments, createTag, listTags } from '../../src/server/review/tags';
import { assignComments } from '../../src/server/review/assign';
import { mergeGroups, splitGroup } from '../../src/server/review/groups';
import { rowsOf } from '../../src/db/rows';
import { comment, createStaff, publishSample } from './review-support';

let database: TestDatabase;
let alice: Awaited<ReturnType<typeof createStaff>>;
const ids: Record<string, string> = {};
beforeAll(async () => {
  database = await createTestDatabase();
  await publishSample(database.db);
  await publishSample(database.db, 'wuye', 1, 'wuye-guanli');
  alice = await createStaff(database.db, '王工');
  ids.leak = await comment(database.db, 'wuye', '楼顶漏雨三年了，物业一直不修', { article: 3 });
  ids.fee = await comment(database.db, 'wuye', '物业费收费标准应当公开透明', { contact: '13812345678' });
  ids.park = await comment(database.db, 'tingche', '小区停车难，建议挖掘停车资源');
  ids.mix = await comment(database.db, 'wuye', '物品堆放在业主楼道里，没人管', { district: '朝阳区' });
  ids.a = await comment(database.db, 'wuye', '电梯维修基金的使用应当经过业主大会表决同意并且向全体业主公示');
  ids.b = await comment(database.db, 'wuye', '电梯维修基金的使用应当经过业主大会表决同意并向全体业主公示！');
  ids.c = await comment(database.db, 'wuye', '电梯维修基金的使用应当经过业主大会表决同意并且向全体业主公示。');
  ids.other = await comment(database.db, 'wuye', '建议规定物业服务企业退出时的交接程序');
});
afterAll(async () => { await database.close(); });

const group = async (id: string) => rowsOf<{ group_id: string | null }>(await database.db.execute(sql`select group_id from comments where id = ${id}::uuid`))[0].group_id;

describe('two-character Chinese search', () => {
  it('finds 漏雨 and 物业 through the bigram index, exactly', async () => {
    expect((await listInbox({ q: '漏雨' }, alice, database.db)).items.map((i) => i.id)).toEqual([ids.leak]);
    const wuye = (await listInbox({ q: '物业' }, alice, database.db)).items.map((i) => i.id);
    expect(wuye.sort()).toEqual([ids.leak, ids.fee, ids.other].sort());
    // 物品…业主 has the bigram-free neighbours but not the word 物业
    expect(wuye).not.toContain(ids.mix);
    expect((await listInbox({ q: '停车 资源' }, alice, database.db)).items.map((i) => i.id)).toEqual([ids.park]);
  });
  it('falls back to LIKE for one character and says so', async () => {
    const page = await listInbox({ q: '梯' }, alice, database.db);
    expect(page.shortTerms).toEqual(['梯']);
    expect(page.items.length).toBe(3);
  });
  it('escapes LIKE wildcards', async () => {
    expect((await listInbox({ q: '%%' }, alice, database.db)).items).toEqual([]);
  });
});

describe('filters, cursor and counts', () => {
  it('filters by draft, round, article, district and contact-free fields', async () => {
    expect((await listInbox({ draft: 'wuye', round: 1, article: 3 }, alice, database.db)).items.map((i) => i.id)).toEqual([ids.leak]);
    expect((await listInbox({ district: '朝阳区' }, alice, database.db)).items.map((i) => i.id)).toEqual([ids.mix]);
    expect((await listInbox({ draft: 'tingche' }, alice, database.db)).items.map((i) => i.id)).toEqual([ids.park]);
    expect((await listInbox({ draft: 'nope' }, alice, database.db)).items).toEqual([]);
  });
  it('refuses a round without a draft and a forged cursor', async () => {
    expect((await listInbox({ round: 1 }, alice, database.db).catch((e) => e)).code).toBe('ValidationFailed');
    expect((await listInbox({ cursor: 'abc' }, alice, database.db).catch((e) => e)).code).toBe('ValidationFailed');
    expect(() => parseInboxFilters(new URLSearchParams('status=nope'))).toThrow();
    expect(parseInboxFilters(new URLSearchParams('status=&q=漏雨'))).toEqual({ q: '漏雨' });
  });
  it('pages with a cursor without gaps or repeats', async () => {
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const page = await listInbox({ limit: 3, cursor }, alice, database.db);
      seen.push(...page.items.map((i) => i.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toHaveLength(8);
    expect(new Set(seen).size).toBe(8);
  });
  it('filters by tag (with its children), assignee and status, and counts each facet under the other filters', async () => {
    const draftId = rowsOf<{ id: string }>(await database.db.execute(sql`select id from drafts where slug = 'wuye'`))[0].id;
    const parent = await createTag({ name: '维修', draftId }, alice, database.db);
    await createTag({ name: '电梯', draftId, parentId: parent.id }, alice, database.db);
    expect((await listTags(draftId, database.db)).map((t) => t.path)).toEqual(['维修', '维修 / 电梯']);
    await tagComments([ids.a, ids.leak], ['电梯'], alice, {}, database.db);
    await tagComments([ids.fee], ['收费'], alice, {}, database.db);
    expect((await listInbox({ tag: '维修', draft: 'wuye' }, alice, database.db)).items.map((i) => i.id).sort()).toEqual([ids.a, ids.leak].sort());
    expect((await listInbox({ tag: '收费' }, alice, database.db)).items.map((i) => i.id)).toEqual([ids.fee]);
    await assignComments({ ids: [ids.fee] }, alice.id, alice, database.db);
    expect((await listInbox({ assignee: 'me' }, alice, database.db)).items.map((i) => i.id)).toEqual([ids.fee]);
    clearFacetCache();
    const counts = await countFacets(await resolveFilters({ draft: 'wuye', channel: 'web' }, database.db), alice, database.db);
    expect(counts.total).toBe(7);
    expect(counts.channel?.get('web')).toBe(7);
    expect(counts.status?.get('received')).toBe(7);
    expect(counts.district?.get('朝阳区')).toBe(1);
  });
});

describe('grouping at submission', () => {
  it('groups identical and near-identical comments of a round, not different ones', async () => {
    const g = await group(ids.a);
    expect(g).not.toBeNull();
    expect(await group(ids.b)).toBe(g);
    expect(await group(ids.c)).toBe(g);
    expect(await group(ids.other)).toBeNull();
    const dup = await comment(database.db, 'wuye', '物业费收费标准应当公开透明。');
    expect(await group(dup)).toBe(await group(ids.fee));
    expect(await group(ids.fee)).not.toBeNull();
  });
  it('never groups across rounds or drafts', async () => {
    const x = await comment(database.db, 'tingche', '物业费收费标准应当公开透明');
    expect(await group(x)).toBeNull();
  });
  it('splits and merges groups', async () => {
    const g = (await group(ids.a))!;
    await splitGroup([ids.c], alice, database.db);
    expect(await group(ids.c)).toBeNull();
    expect(await group(ids.a)).toBe(g);
    // a new copy joins the existing group, not the split-out comment
    const again = await comment(database.db, 'wuye', '电梯维修基金的使用应当经过业主大会表决同意并且向全体业主公示');
    expect(await group(again)).toBe(g);
    expect(await group(ids.c)).toBeNull();
    const fg = (await group(ids.fee))!;
    const moved = await mergeGroups(g, [fg], alice, database.db);
    expect(moved).toBe(2);
    expect(await group(ids.fee)).toBe(g);
  });
});
