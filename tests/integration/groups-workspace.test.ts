/**
 * Groups people can work with (issue 19): the representative text once, each member as its
 * differences, identical members counted and listable page by page; names staff edit apart from
 * confirming; merging ticked groups into the largest; moving ticked members out; a group decision
 * that keeps members' own decisions unless overwritten.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { rowsOf } from '../../src/db/rows';
import type { SessionUser } from '../../src/server/auth/session-user';
import { decideAdoption } from '../../src/server/review/decide';
import { getGroup, groupDisplayName, groupSelection } from '../../src/server/review/groups';
import { compactDiff, listGroupMembers, memberDiff, type MemberPart } from '../../src/server/review/group-members';
import { groupFormSchema, runGroupAction, runGroupMerge } from '../../src/server/review/group-actions';
import { groupMembersQuerySchema, groupMergeSchema } from '../../src/server/review/schemas';
import { encodeCursor } from '../../src/server/params';
import { parseOrFail } from '../../src/server/validation';
import { isKnownAction } from '../../src/server/audit-describe';
import { comment, createStaff, publishSample } from './review-support';

/** Campaign letters on unrelated subjects (so no two campaigns are grouped together), each with a clause to reword. */
const LETTERS = [
  { text: '建议物业费按实际服务面积计价，并每年向全体业主公示收支明细。物业企业不得以任何名义在物业费之外另行收取公共设施使用费，违者由住房城乡建设部门责令退还。', from: '每年向全体业主公示收支明细', to: '每季度在小区公告栏公示收支明细' },
  { text: '电梯维修资金的使用应当经过业主大会表决同意，维修完成后由第三方机构验收。验收报告应当在电梯轿厢内张贴不少于三十日，接受全体业主监督。', from: '第三方机构验收', to: '街道办事处组织验收' },
  { text: '小区停车位应当优先满足业主需要，出租给业主以外的人员时期限不得超过六个月。开发商不得将规划车位只售不租，也不得以高价变相强迫业主购买。', from: '六个月', to: '一年' },
  { text: '老旧小区加装电梯的费用分摊办法应当由政府制定指导标准，低楼层住户的采光和噪声损失应当给予合理补偿，街道应当组织协商并记录在案。', from: '合理补偿', to: '一次性经济补偿' },
  { text: '业主委员会成员应当每年公开个人履职情况和报酬领取情况，任期届满前三个月启动换届程序，换届选举由街道和居委会全程监督指导。', from: '三个月', to: '六十日' },
  { text: '垃圾分类投放点的设置应当征求周边住户意见，距离住宅楼窗户不少于十米，并安排专人在投放时段值守，夏季每日至少清运两次以防异味扰民。', from: '两次', to: '三次' },
  { text: '物业服务企业退出时应当在三十日内移交全部档案资料和共用设施设备，拒不移交的由主管部门记入信用档案并向社会公布，新旧物业交接期间不得停止服务。', from: '记入信用档案', to: '处以罚款' },
];
const OPENING = '我是东城区居民，';
const SIGNOFF = '望采纳！';

let database: TestDatabase;
let alice: SessionUser;
const actor = () => ({ id: alice.id, kind: 'user' as const });
const q = async <T>(query: ReturnType<typeof sql>) => rowsOf<T>(await database.db.execute(query));
const groupOf = async (id: string) => (await q<{ group_id: string | null }>(sql`select group_id from comments where id = ${id}::uuid`))[0].group_id;
const text = (parts: MemberPart[], op: 'insert' | 'delete') => parts.filter((p) => p.op === op).map((p) => ('text' in p ? p.text : '')).join('');
const form = (raw: Record<string, unknown>) => parseOrFail(groupFormSchema, raw);

/** The members of a fresh group: founder, two identical copies (one with extra spaces), two variants. */
let letters = 0;
async function campaign() {
  const letter = LETTERS[letters++];
  const ids = {
    founder: await comment(database.db, 'wuye', letter.text),
    same1: await comment(database.db, 'wuye', letter.text),
    same2: await comment(database.db, 'wuye', `${letter.text.replace('，', ' ， ')}\n`),
    opening: await comment(database.db, 'wuye', `${OPENING}${letter.text}${SIGNOFF}`),
    clause: await comment(database.db, 'wuye', letter.text.replace(letter.from, letter.to)),
  };
  // Grouped by hand, so the test does not depend on how copies are detected at submission.
  const group = await groupSelection(Object.values(ids), actor(), database.db);
  return { ids, group, letter };
}

beforeAll(async () => {
  database = await createTestDatabase({ global: true });
  await publishSample(database.db, 'wuye', 1, 'wuye-guanli');
  const staff = await createStaff(database.db, '赵工');
  alice = { id: staff.id, role: 'staff', name: '赵工', email: null, phone: null, district: null, occupation: null, via: 'session' };
});
afterAll(async () => { await database.close(); });

describe('reading a group', () => {
  it('shows the founder once, counts identical members, and gives each other member only its differences', async () => {
    const { ids, group, letter } = await campaign();
    const page = await listGroupMembers(group, {}, database.db);
    expect(page.representative?.id).toBe(ids.founder);
    expect(page.representative?.body).toBe(letter.text);
    expect(page.identical).toBe(2);
    expect(page.different).toBe(2);
    expect(page.items.map((m) => m.id)).toEqual([ids.opening, ids.clause]);
    const [opening, clause] = page.items;
    expect(text(opening.parts, 'insert')).toBe(OPENING + SIGNOFF);
    expect(text(opening.parts, 'delete')).toBe('');
    // The shared letter is not repeated: a little context around each change, the rest a gap.
    expect(opening.parts.some((p) => p.op === 'gap')).toBe(true);
    expect(opening.parts.filter((p) => p.op === 'equal').map((p) => ('text' in p ? p.text : '')).join('').length).toBeLessThan(letter.text.length / 2);
    expect(text(clause.parts, 'delete')).toContain('年向全体业主');
    expect(text(clause.parts, 'insert')).toContain('季度在小区公告栏');
    expect(clause.parts.filter((p) => p.op === 'delete' || p.op === 'insert').length).toBeLessThanOrEqual(4);
  });

  it('lists the identical members on request, page by page without gaps or repeats', async () => {
    const { ids, group } = await campaign();
    const seen: string[] = [];
    let cursor: string | undefined;
    do {
      const query = parseOrFail(groupMembersQuerySchema, { show: 'identical', ...(cursor ? { cursor } : {}) });
      const page = await listGroupMembers(group, { identical: true, cursor: query.cursor, limit: 1 }, database.db);
      expect(page.items.every((m) => m.parts.length === 0)).toBe(true);
      seen.push(...page.items.map((m) => m.id));
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    expect(seen).toEqual([ids.same1, ids.same2]);
    // A cursor this page did not write is refused, not queried.
    expect(() => parseOrFail(groupMembersQuerySchema, { cursor: 'abc' })).toThrow();
    expect(() => parseOrFail(groupMembersQuerySchema, { cursor: encodeCursor({ us: -1, id: ids.same1 }) })).toThrow();
  });

  it('never lets a hidden comment represent the group, yet keeps it reachable as a member', async () => {
    const { ids, group } = await campaign();
    await database.db.execute(sql`update comments set hidden_at = now(), hidden_reason = 'abuse' where id = ${ids.founder}::uuid`);
    const page = await listGroupMembers(group, {}, database.db);
    expect(page.representative?.id).toBe(ids.same1);
    // The hidden founder's text is the representative's: it is counted with the identical members.
    expect(page.identical).toBe(2);
    const identical = await listGroupMembers(group, { identical: true }, database.db);
    expect(identical.items.find((m) => m.id === ids.founder)?.hidden).toBe(true);
  });

  it('compacts a diff to its changes with context, and bounds long removals', () => {
    expect(compactDiff([{ op: 'equal', text: '甲'.repeat(50) }, { op: 'insert', text: '乙' }], 5)).toEqual([
      { op: 'gap' }, { op: 'equal', text: '甲'.repeat(5) }, { op: 'insert', text: '乙' },
    ]);
    const long = memberDiff(`${'丙'.repeat(200)}丁`, '丁');
    expect(long).toEqual([{ op: 'delete', text: `${'丙'.repeat(60)}…` }, { op: 'equal', text: '丁' }]);
  });

  it('is not found for an unknown group', async () => {
    expect((await listGroupMembers('00000000-0000-4000-8000-000000000000', {}, database.db).catch((e) => e)).code).toBe('NotFound');
  });
});

describe('names', () => {
  it('names a group by its first sentence until staff name it; renaming does not confirm, and blank goes back', async () => {
    const { group } = await campaign();
    await database.db.execute(sql`update comment_groups set confirmed = false where id = ${group}::uuid`);
    const before = await getGroup(group, database.db);
    expect(groupDisplayName(before.label, before.nameSample, 'zh-CN')).toBe('老旧小区加装电梯的费用分摊办法应当由政府制定指导标准，低楼…');
    await runGroupAction(group, form({ action: 'rename', label: '  物业费计价方式倡议 ' }), alice, actor());
    const named = await getGroup(group, database.db);
    expect([named.label, named.confirmed]).toEqual(['物业费计价方式倡议', false]);
    const audit = await q<{ action: string; after: { label: string } }>(sql`select action, after from audit_events where object_id = ${group} and action = 'group.rename'`);
    expect(audit.map((a) => a.after.label)).toEqual(['物业费计价方式倡议']);
    expect(isKnownAction('group.rename')).toBe(true);
    await runGroupAction(group, form({ action: 'rename', label: '   ' }), alice, actor());
    expect((await getGroup(group, database.db)).label).toBeNull();
    // Confirming is its own step, and keeps the name.
    await runGroupAction(group, form({ action: 'rename', label: '物业费倡议' }), alice, actor());
    await runGroupAction(group, form({ action: 'confirm' }), alice, actor());
    expect(await getGroup(group, database.db)).toMatchObject({ label: '物业费倡议', confirmed: true });
    // A name with direction controls is refused.
    expect(() => form({ action: 'rename', label: '名\u202e称' })).toThrow();
  });
});

describe('merging and moving out by selection', () => {
  it('merges the ticked groups into the largest unless another is chosen, and needs two', async () => {
    const big = await campaign();
    const small = [await comment(database.db, 'wuye', '建议小区公共收益单独记账'), await comment(database.db, 'wuye', '建议小区公共收益单独记账并公示')];
    const smallGroup = await groupSelection(small, actor(), database.db);
    const merged = await runGroupMerge(parseOrFail(groupMergeSchema, { groups: [smallGroup, big.group] }), alice, actor());
    expect(merged).toEqual({ target: big.group, moved: 2 });
    expect(await groupOf(small[0])).toBe(big.group);
    expect((await q(sql`select 1 from comment_groups where id = ${smallGroup}::uuid`)).length).toBe(0);

    // A chosen survivor wins, even the smaller one, and counts as ticked.
    const other = await groupSelection([await comment(database.db, 'wuye', '建议设立业主监督小组'), await comment(database.db, 'wuye', '建议设立业主监督小组！')], actor(), database.db);
    const chosen = await runGroupMerge(parseOrFail(groupMergeSchema, { groups: [big.group], target: other }), alice, actor());
    expect(chosen.target).toBe(other);
    expect(await groupOf(big.ids.founder)).toBe(other);

    const one = await runGroupMerge(parseOrFail(groupMergeSchema, { groups: [other] }), alice, actor()).catch((e) => e);
    expect([one.code, one.fields]).toEqual(['ValidationFailed', [{ field: 'groups', key: 'groups.mergeNeedsTwo' }]]);
  });

  it('moves one member out to stand alone, two or more into a new group, and refuses comments of another group', async () => {
    const { ids, group } = await campaign();
    const alone = await runGroupAction(group, form({ action: 'split', ids: [ids.clause] }), alice, actor());
    expect([alone.count, alone.newGroup, alone.groupId]).toEqual([1, null, group]);
    expect(await groupOf(ids.clause)).toBeNull();

    const two = await runGroupAction(group, form({ action: 'split', ids: [ids.same1, ids.opening] }), alice, actor());
    expect(two.newGroup).toBeTruthy();
    expect([await groupOf(ids.same1), await groupOf(ids.opening)]).toEqual([two.newGroup, two.newGroup]);
    expect(await groupOf(ids.founder)).toBe(group);

    const stranger = await runGroupAction(group, form({ action: 'split', ids: [ids.same1] }), alice, actor()).catch((e) => e);
    expect([stranger.code, stranger.fields]).toEqual(['ValidationFailed', [{ field: 'ids', key: 'groups.notMembers' }]]);
    expect(await groupOf(ids.same1)).toBe(two.newGroup);
    const none = await runGroupAction(group, form({ action: 'split', ids: [] }), alice, actor()).catch((e) => e);
    expect(none.code).toBe('ValidationFailed');

    // Moving out the last members says the group is gone.
    const last = await runGroupAction(group, form({ action: 'split', ids: [ids.founder, ids.same2] }), alice, actor());
    expect(last.groupId).toBeNull();
  });
});

describe('a decision for the whole group', () => {
  it('keeps a member\'s own decision unless overwrite is ticked, and says how many it kept', async () => {
    const { ids, group } = await campaign();
    await decideAdoption({ ids: [ids.opening] }, { adoption: 'partially_adopted', reason: '公示周期另行规定' }, actor(), database.db);
    expect((await getGroup(group, database.db)).decided).toBe(1);
    const kept = await runGroupAction(group, form({ action: 'decide', adoption: 'adopted', response: '已采纳。' }), alice, actor());
    expect([kept.count, kept.skipped]).toEqual([4, 1]);
    const adoption = async (id: string) => (await q<{ adoption: string }>(sql`select adoption from comments where id = ${id}::uuid`))[0].adoption;
    expect(await adoption(ids.opening)).toBe('partially_adopted');
    expect(await adoption(ids.same1)).toBe('adopted');
    const over = await runGroupAction(group, form({ action: 'decide', adoption: 'pending', overwrite: 'on' }), alice, actor());
    expect([over.count, over.skipped]).toEqual([5, 0]);
    expect(await adoption(ids.opening)).toBe('pending');
  });
});
