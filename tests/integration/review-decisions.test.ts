import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { decideAdoption } from '../../src/server/review/decide';
import { approveResponses, returnResponses } from '../../src/server/review/approve';
import { publishResponses } from '../../src/server/review/respond';
import { hideComment } from '../../src/server/review/moderate';
import { listInbox, resolveFilters } from '../../src/server/review/inbox';
import { countFacets, clearFacetCache } from '../../src/server/review/inbox-counts';
import { commentHistory } from '../../src/server/review/comment-view';
import { rowsOf } from '../../src/db/rows';
import { comment, createStaff, publishSample, requireApproval } from './review-support';

let database: TestDatabase;
let alice: Awaited<ReturnType<typeof createStaff>>;
let bob: Awaited<ReturnType<typeof createStaff>>;
beforeAll(async () => {
  database = await createTestDatabase();
  await publishSample(database.db);
  alice = await createStaff(database.db, '张工');
  bob = await createStaff(database.db, '李工');
});
afterAll(async () => { await database.close(); });

const row = async (id: string) => rowsOf<Record<string, any>>(await database.db.execute(sql`select * from comments where id = ${id}::uuid`))[0];
const auditCount = async () => Number(rowsOf<{ n: number }>(await database.db.execute(sql`select count(*)::int as n from audit_events`))[0].n);

describe('decision rules', () => {
  it.each(['partially_adopted', 'not_adopted', 'already_provided', 'out_of_scope'] as const)('requires a reason for %s and changes nothing without one', async (adoption) => {
    const id = await comment(database.db, 'tingche', `小区停车位太少，建议增加（${adoption}）`);
    const before = await auditCount();
    const err = await decideAdoption({ ids: [id] }, { adoption, reason: '  ' }, alice, database.db).catch((e) => e);
    expect(err.code).toBe('ReasonRequired');
    expect(err.fields[0].field).toBe('reason');
    expect((await row(id)).adoption).toBeNull();
    expect(await auditCount()).toBe(before);
    await decideAdoption({ ids: [id] }, { adoption, reason: '已在第十条作出规定' }, alice, database.db);
    expect((await row(id)).adoption).toBe(adoption);
  });

  it.each(['adopted', 'pending'] as const)('accepts %s without a reason', async (adoption) => {
    const id = await comment(database.db, 'tingche', `建议规定夜间停车收费标准（${adoption}）`);
    await decideAdoption({ ids: [id] }, { adoption }, alice, database.db);
    const r = await row(id);
    expect(r.adoption).toBe(adoption);
    expect(r.reason).toBeNull();
    expect(r.decided_by).toBe(alice.id);
  });

  it('refuses an unknown adoption status', async () => {
    const id = await comment(database.db, 'tingche', '停车收费应当公示');
    const err = await decideAdoption({ ids: [id] }, { adoption: 'maybe' as never }, alice, database.db).catch((e) => e);
    expect(err.code).toBe('ValidationFailed');
  });

  it('keeps an unpublished decision internal, and publishing answers it', async () => {
    const id = await comment(database.db, 'tingche', '建议明确临时停车的时限');
    await decideAdoption({ ids: [id] }, { adoption: 'not_adopted', reason: '属于实施细则内容', response: '感谢您的意见。' }, alice, database.db);
    let r = await row(id);
    expect(r.status).toBe('under_review');
    expect(r.responded_at).toBeNull();
    await publishResponses({ ids: [id] }, alice, database.db);
    r = await row(id);
    expect(r.status).toBe('answered');
    expect(r.responded_at).not.toBeNull();
    const history = await commentHistory(id, null, database.db);
    expect(history.map((h) => h.action)).toEqual(['comment.publish', 'comment.decide']);
    expect(history[1].actorName).toBe('张工');
  });

  it('publishes at once when the draft does not require approval', async () => {
    const id = await comment(database.db, 'tingche', '建议在医院周边增设停车位');
    const res = await decideAdoption({ ids: [id] }, { adoption: 'adopted', response: '已采纳，见第十二条。', publish: true }, alice, database.db);
    expect(res).toMatchObject({ published: 1, awaitingApproval: 0 });
    expect((await row(id)).status).toBe('answered');
  });
});

describe('second-person approval (a setting per draft)', () => {
  it('holds a published response until another staff member approves it', async () => {
    await requireApproval(database.db, 'tingche', true);
    try {
      const id = await comment(database.db, 'tingche', '建议停车场收费标准向社会公开');
      const res = await decideAdoption({ ids: [id] }, { adoption: 'partially_adopted', reason: '部分内容已有规定', response: '谢谢。', publish: true }, alice, database.db);
      expect(res).toMatchObject({ published: 0, awaitingApproval: 1 });
      let r = await row(id);
      expect(r.status).toBe('under_review');
      expect(r.responded_at).toBeNull();
      expect(r.approval_requested_at).not.toBeNull();

      const self = await approveResponses({ ids: [id] }, alice, database.db).catch((e) => e);
      expect(self.code).toBe('SelfApprovalRefused');
      expect((await row(id)).status).toBe('under_review');

      await approveResponses({ ids: [id] }, bob, database.db);
      r = await row(id);
      expect(r.status).toBe('answered');
      expect(r.approved_by).toBe(bob.id);
      expect(r.responded_at).not.toBeNull();
      expect(r.approval_requested_at).toBeNull();
      const again = await approveResponses({ ids: [id] }, bob, database.db).catch((e) => e);
      expect(again.code).toBe('NothingToApprove');
    } finally {
      await requireApproval(database.db, 'tingche', false);
    }
  });

  it('can send a waiting response back, which stays unpublished', async () => {
    await requireApproval(database.db, 'tingche', true);
    try {
      const id = await comment(database.db, 'tingche', '建议对占用消防通道停车加重处罚');
      await decideAdoption({ ids: [id] }, { adoption: 'adopted', response: '采纳。', publish: true }, alice, database.db);
      await returnResponses({ ids: [id] }, bob, database.db);
      const r = await row(id);
      expect(r.status).toBe('under_review');
      expect(r.approval_requested_at).toBeNull();
      expect(r.responded_at).toBeNull();
    } finally {
      await requireApproval(database.db, 'tingche', false);
    }
  });
});

describe('groups and bulk decisions', () => {
  it('decides a whole campaign group in one statement; each member gets the answer and the history', async () => {
    const text = '坚决支持第十条，建议老旧小区优先建设停车设施！';
    const ids = [];
    for (let i = 0; i < 12; i++) ids.push(await comment(database.db, 'tingche', text));
    const groupId = (await row(ids[0])).group_id;
    expect(groupId).not.toBeNull();
    for (const id of ids) expect((await row(id)).group_id).toBe(groupId);
    const before = await auditCount();
    const res = await decideAdoption({ groupId }, { adoption: 'adopted', response: '您的意见已采纳。', publish: true }, alice, database.db);
    expect(res.ids).toHaveLength(12);
    expect(await auditCount()).toBe(before + 1);
    for (const id of ids) {
      const r = await row(id);
      expect(r).toMatchObject({ adoption: 'adopted', status: 'answered', response: '您的意见已采纳。' });
    }
    const history = await commentHistory(ids[5], groupId, database.db);
    expect(history[0]).toMatchObject({ action: 'comment.decide' });
    expect((history[0].after as { count: number }).count).toBe(12);
  });

  it('decides a selection', async () => {
    const a = await comment(database.db, 'tingche', '建议共享单位停车位');
    const b = await comment(database.db, 'tingche', '建议错时开放机关停车场');
    const res = await decideAdoption({ ids: [a, b] }, { adoption: 'pending' }, alice, database.db);
    expect(res.ids.sort()).toEqual([a, b].sort());
    expect((await row(b)).adoption).toBe('pending');
  });
});

describe('moderation', () => {
  it('hides a comment from public views but keeps it in the inbox and the counts', async () => {
    const id = await comment(database.db, 'tingche', '这是一条含有辱骂内容的停车意见');
    const filters = { draft: 'tingche', round: 1 };
    clearFacetCache();
    const before = await countFacets(await resolveFilters(filters, database.db), alice, database.db);
    await hideComment(id, { reason: 'abuse', note: '人身攻击' }, alice, database.db);
    const r = await row(id);
    expect(r.hidden_at).not.toBeNull();
    expect(r.hidden_reason).toBe('abuse: 人身攻击');
    clearFacetCache();
    const after = await countFacets(await resolveFilters(filters, database.db), alice, database.db);
    expect(after.total).toBe(before.total);
    const page = await listInbox({ ...filters, hidden: 'only' }, alice, database.db);
    expect(page.items.map((i) => i.id)).toContain(id);
    expect(page.items.find((i) => i.id === id)?.hidden).toBe(true);
    await decideAdoption({ ids: [id] }, { adoption: 'out_of_scope', reason: '与本条例无关' }, alice, database.db);
    expect((await row(id)).adoption).toBe('out_of_scope');
  });

  it('requires a reason to hide', async () => {
    const id = await comment(database.db, 'tingche', '建议停车场设置无障碍车位');
    const err = await hideComment(id, { reason: '' }, alice, database.db).catch((e) => e);
    expect(err.code).toBe('ValidationFailed');
    expect((await row(id)).hidden_at).toBeNull();
  });
});
