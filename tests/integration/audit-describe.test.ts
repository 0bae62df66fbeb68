/**
 * The audit trail in plain words (issue 18): every action src/server records has a label, a decision
 * reads "采纳情况：未决定 → 部分采纳", dates read as Beijing dates, contacts stay masked for viewers
 * without contact:view, and nothing — known or unknown — comes out as JSON.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { decideAdoption } from '../../src/server/review/decide';
import { publishResponses } from '../../src/server/review/respond';
import { assignComments } from '../../src/server/review/assign';
import { tagComments } from '../../src/server/review/tags';
import { hideComment, unhideComment } from '../../src/server/review/moderate';
import { commentHistory } from '../../src/server/review/comment-view';
import { updateRound } from '../../src/server/drafts/update-round';
import { createUser } from '../../src/server/auth/users';
import { listAuditEvents } from '../../src/server/auth/audit-log';
import {
  auditText, describeAudit, describeChanges, isKnownAction, loadAuditNames, renderPhrase, type AuditEventLike,
} from '../../src/server/audit-describe';
import { comment, createStaff, publishSample } from './review-support';

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

/** The action strings of every recordAudit call in src/server, found as a reader would grep them. */
function recordedActions(): Map<string, string> {
  const root = resolve(import.meta.dirname, '../../src/server');
  const found = new Map<string, string>();
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (e.name.endsWith('.ts')) {
        const text = readFileSync(path, 'utf8');
        if (!/\brecordAudit\(/.test(text) || path.endsWith(join('server', 'audit.ts'))) continue;
        // `action: 'x.y'`, `action: cond ? 'x.y' : 'x.z'`, and helpers called as audit('x.y', …).
        const exprs = [...text.matchAll(/\baction:\s*([^,}\n]+)/g), ...text.matchAll(/\baudit\(\s*([^,)\n]+)/g)].map((m) => m[1]);
        for (const expr of exprs) for (const lit of expr.matchAll(/'([a-z_]+(?:\.[a-z_]+)+)'/g)) found.set(lit[1], path);
      }
    }
  };
  walk(root);
  return found;
}

const text = (e: AuditEventLike, canViewContact = false, names = undefined as Awaited<ReturnType<typeof loadAuditNames>> | undefined) =>
  auditText(describeAudit(e, { canViewContact, names }), 'zh-CN');

function expectWords(t: { actor: string; action: string; object: string | null; changes: string[] }) {
  for (const line of [t.actor, t.action, t.object ?? '', ...t.changes]) {
    expect(line, line).not.toMatch(/[{}]|":|\[object|undefined|NaN/);
    expect(line, line).not.toMatch(/\b[a-z]+\.[a-z_.]+\b/); // no i18n key or action code left over
    expect(line, line).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-/); // no raw ids
  }
}

describe('labels', () => {
  it('gives every action recorded in src/server a label', () => {
    const actions = recordedActions();
    // The scan must see the known calls, so this test cannot pass by finding nothing.
    for (const a of ['comment.decide', 'comment.approve', 'comment.return', 'feedback.publish', 'feedback.unpublish', 'points.save', 'user.deactivate', 'round.close']) {
      expect(actions.has(a), a).toBe(true);
    }
    expect(actions.size).toBeGreaterThanOrEqual(45);
    const missing = [...actions].filter(([a]) => !isKnownAction(a)).map(([a, file]) => `${a} (${file})`);
    expect(missing, 'add an audit.action.<action> key in zh-CN.ts and en.ts').toEqual([]);
  });

  it('reads an unknown action and unknown fields as words, never JSON', () => {
    const t = text({
      action: 'future.thing', actorKind: 'system', objectType: 'gadget', objectId: 'x1',
      before: { knob: { a: 1, b: [2] }, level: 2 }, after: { knob: 'on', level: 3, list: ['甲', '乙'], when: '2026-12-01T10:00:00.000Z' },
    });
    expect(t.action).toBe('其他操作（future.thing）');
    expect(text({ action: 'unknown', actorKind: 'anonymous', before: null, after: null }).action).toBe('其他操作（unknown）');
    expect(t.actor).toBe('系统');
    expect(t.object).toBe('其他（gadget）');
    expect(t.changes).toContain('其他信息（list）：甲、乙');
    expect(t.changes).toContain('其他信息（when）：2026年12月1日 18:00');
    expect(t.changes).toContain('其他信息（knob）：2 项');
    for (const line of t.changes) expect(line).not.toMatch(/[{}]/);
  });
});

describe('a decision in words', () => {
  it('shows who with role, the label, and 采纳情况：未决定 → 部分采纳 on the comment history', async () => {
    const id = await comment(database.db, 'tingche', '建议增加夜间临时停车位，方便晚归的居民。');
    await decideAdoption({ ids: [id] }, { adoption: 'partially_adopted', reason: '部分内容已在第十条规定', response: '感谢您的意见。' }, alice, database.db);
    await publishResponses({ ids: [id] }, alice, database.db);
    const history = await commentHistory(id, null, database.db);
    const names = await loadAuditNames(history, { canViewContact: false }, database.db);
    const [published, decided] = history.map((h) => text(h, false, names));
    expect(decided.action).toBe('作出决定');
    expect(decided.actor).toBe('张工（工作人员）');
    expect(decided.changes).toContain('采纳情况：未决定 → 部分采纳');
    expect(decided.changes).toContain('理由：（无） → 部分内容已在第十条规定');
    expect(decided.changes).toContain('答复：（无） → 感谢您的意见。');
    expect(decided.changes.join('\n')).not.toContain('涉及意见');
    expect(published.action).toBe('公开答复');
    expect(published.changes).toContain('本次公开答复：1 条');
    for (const t of [published, decided]) expectWords(t);
  });

  it('names the assignee, the tags and the reason for hiding; a bulk change says how many and where states differ', async () => {
    const ids = [
      await comment(database.db, 'tingche', '停车收费标准应当公示，并接受监督。'),
      await comment(database.db, 'tingche', '建议规定物业不得随意提高停车费。'),
    ];
    await decideAdoption({ ids: [ids[0]] }, { adoption: 'adopted' }, alice, database.db);
    await decideAdoption({ ids }, { adoption: 'not_adopted', reason: '属于实施细则内容' }, bob, database.db);
    await assignComments({ ids }, bob.id, alice, database.db);
    await tagComments([ids[0]], ['停车收费'], alice, {}, database.db);
    await hideComment(ids[1], { reason: 'abuse', note: '含人身攻击' }, alice, database.db);
    await unhideComment(ids[1], alice, database.db);

    const first = await commentHistory(ids[0], null, database.db);
    const names = await loadAuditNames(first, { canViewContact: false }, database.db);
    const lines = first.map((h) => text(h, false, names));
    const byAction = (label: string) => lines.find((l) => l.action === label)!;
    expect(byAction('分配').changes).toEqual(expect.arrayContaining(['涉及意见：2 条', '负责人：无人负责 → 李工']));
    expect(byAction('加标签').changes).toContain('标签：停车收费');
    const bulk = lines.filter((l) => l.action === '作出决定')[0];
    expect(bulk.actor).toBe('李工（工作人员）');
    expect(bulk.changes).toContain('采纳情况：采纳 → 未采纳');

    // The admin page sees the whole bulk event: the two comments were in different states.
    const events = await listAuditEvents({ action: 'comment.decide', actionExact: true, limit: 1 }, database.db);
    const all = await loadAuditNames(events, { canViewContact: true }, database.db);
    const admin = text(events[0], true, all);
    expect(admin.object).toBe('选中的意见：2 条');
    expect(admin.changes).toContain('采纳情况：（各条不同） → 未采纳');

    const second = await commentHistory(ids[1], null, database.db);
    const hid = second.map((h) => text(h)).filter((l) => l.action === '屏蔽' || l.action === '取消屏蔽');
    expect(hid.find((l) => l.action === '屏蔽')!.changes).toEqual(expect.arrayContaining(['已屏蔽：否 → 是', '屏蔽原因：（无） → 辱骂攻击（含人身攻击）']));
    expect(hid.find((l) => l.action === '取消屏蔽')!.changes).toContain('已屏蔽：是 → 否');
    for (const l of [...lines, ...hid, admin]) expectWords(l);
  });
});

describe('dates, contacts and every event of the trail', () => {
  it('shows a changed close as Beijing dates', async () => {
    const opensAt = new Date('2026-11-01T00:00:00Z');
    await updateRound('tingche', 1, { closesAt: new Date('2026-12-01T10:00:00Z'), opensAt }, alice, database.db).catch(() => undefined);
    const lines = describeChanges({
      action: 'round.update',
      before: { label: '一审稿', opensAt: '2026-11-01T00:00:00.000Z', closesAt: '2026-12-01T10:00:00.000Z', noteMd: null, closedEarlyReason: null },
      after: { label: '一审稿', opensAt: '2026-11-01T00:00:00.000Z', closesAt: '2026-12-08T10:00:00.000Z', noteMd: null, closedEarlyReason: null },
    }, { canViewContact: false }).map((p) => renderPhrase(p, 'zh-CN'));
    expect(lines).toEqual(['截止时间：2026年12月1日 18:00 → 2026年12月8日 18:00']);
    const en = describeChanges({ action: 'feedback.publish', before: { feedbackPublishedAt: null }, after: { feedbackPublishedAt: '2026-12-08T10:00:00.000Z' } }, { canViewContact: false })
      .map((p) => renderPhrase(p, 'en'));
    expect(en).toEqual(['Feedback published at: not published → 8 Dec 2026, 18:00']);
  });

  it('masks a contact for viewers without contact:view and shows it to those with it', () => {
    const e: AuditEventLike = { action: 'future.contact', actorKind: 'system', before: null, after: { contact: '13812345678', email: 'wang.fang@example.com' } };
    expect(text(e, false).changes).toEqual(['电子邮箱：w***@example.com', '联系方式：138****5678']);
    expect(text(e, true).changes).toEqual(['电子邮箱：wang.fang@example.com', '联系方式：13812345678']);
  });

  it('names a person by their masked contact when they have no name, and their role', async () => {
    const u = await createUser({ role: 'deputy', account: { kind: 'phone', value: '13900001111' }, password: 'correct horse battery' }, alice, database.db);
    const [event] = await listAuditEvents({ action: 'user.create', objectId: u.id }, database.db);
    const names = await loadAuditNames([event, { ...event, actorId: u.id }], { canViewContact: false }, database.db);
    const t = text(event, false, names);
    expect(t.action).toBe('创建账户');
    expect(t.object).toBe('账户：139****1111');
    expect(t.changes).toEqual(['角色：人大代表', '手机号：139****1111', '账户启用：是']);
    expect(text({ ...event, actorId: u.id }, false, names).actor).toBe('139****1111（人大代表）');
  });

  it('describes every event the tests above recorded without JSON', async () => {
    const events = await listAuditEvents({ limit: 500 }, database.db);
    expect(events.length).toBeGreaterThan(10);
    const names = await loadAuditNames(events, { canViewContact: false }, database.db);
    for (const e of events) {
      expect(isKnownAction(e.action), e.action).toBe(true);
      expectWords(text(e, false, names));
    }
  });
});
