/**
 * Acting on every comment that matches a filter (review/bulk-filter.ts, issue 19): refused before
 * anything changes, skipped decisions counted, batches walked by a resumable job, the job's
 * progress, and the API's two endpoints against the OpenAPI document.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { rowsOf } from '../../src/db/rows';
import { decideAdoption } from '../../src/server/review/decide';
import { BULK_LANE, jobStatus, registerBulkJobs, runBulkJob, startBulk } from '../../src/server/review/bulk-filter';
import { claimJob, runNextJob, type Job } from '../../src/server/jobs/runner';
import type { SessionUser } from '../../src/server/auth/session-user';
import { comment, createStaff, publishSample } from './review-support';
import { bulkFormSchema, runBulkAction } from '../../src/server/review/bulk-action';
import { groupSelection } from '../../src/server/review/groups';

let database: TestDatabase;
let alice: SessionUser;
let bob: SessionUser;
const article = 7;
const ids: string[] = [];

const asUser = (a: { id: string }, role: SessionUser['role'] = 'staff', email: string | null = null): SessionUser =>
  ({ id: a.id, role, name: null, email, phone: null, district: null, occupation: null, via: 'session' }) as SessionUser;
const actor = (u: SessionUser) => ({ id: u.id, kind: 'user' as const });
const q = async <T>(query: ReturnType<typeof sql>) => rowsOf<T>(await database.db.execute(query));
const jobsCount = async () => (await q<{ n: number }>(sql`select count(*)::int as n from jobs where kind = 'bulk'`))[0].n;
const auditCount = async () => (await q<{ n: number }>(sql`select count(*)::int as n from audit_events`))[0].n;
const runAll = async () => { while (await runNextJob({ workerId: 'test', exportDir: '/tmp', db: database.db, lane: BULK_LANE })); };

beforeAll(async () => {
  // Global: the workspace's form actions (runBulkAction) use the process's database.
  database = await createTestDatabase({ global: true });
  await publishSample(database.db);
  registerBulkJobs();
  alice = asUser(await createStaff(database.db, '张工'));
  bob = asUser(await createStaff(database.db, '李工'));
  for (let i = 0; i < 23; i++) ids.push(await comment(database.db, 'tingche', `第七条的收费标准应当公示，第${i + 1}份意见。`, { article }));
  // Someone decided one of them by hand earlier.
  await decideAdoption({ ids: [ids[4]] }, { adoption: 'partially_adopted', reason: '部分内容已在第九条规定' }, actor(bob), database.db);
});
afterAll(async () => { await database.close(); });

describe('acting on a filter', () => {
  it('refuses, before anything changes, a decision without its reason, an unknown action, or a missing permission', async () => {
    const [jobs, audit] = [await jobsCount(), await auditCount()];
    const filter = { draft: 'tingche', article };
    const noReason = await startBulk({ filter, action: { kind: 'decide', adoption: 'not_adopted' } }, alice, actor(alice), database.db).catch((e) => e);
    expect(noReason.code).toBe('ReasonRequired');
    const unknown = await startBulk({ filter, action: { kind: 'delete' } }, alice, actor(alice), database.db).catch((e) => e);
    expect(unknown.code).toBe('ValidationFailed');
    const deputy = await startBulk({ filter, action: { kind: 'tag', tags: ['收费'] } }, asUser(alice, 'deputy'), actor(alice), database.db).catch((e) => e);
    expect(deputy.code).toBe('Forbidden');
    const nobody = await startBulk({ filter, action: { kind: 'assign', assignee: 'nobody@example.cn' } }, alice, actor(alice), database.db).catch((e) => e);
    expect(nobody.fields).toEqual([{ field: 'action.assignee', key: 'review.assigneeUnknown' }]);
    expect([await jobsCount(), await auditCount()]).toEqual([jobs, audit]);
  });

  it('says 0 without a job when nothing matches', async () => {
    const jobs = await jobsCount();
    const r = await startBulk({ filter: { draft: 'tingche', article: 99 }, action: { kind: 'tag', tags: ['收费'] } }, alice, actor(alice), database.db);
    expect(r).toEqual({ job: null, matched: 0 });
    expect(await jobsCount()).toBe(jobs);
  });

  it('decides every matching comment in batches, skipping the decision made by hand, with one audit event for the request', async () => {
    const started = await startBulk({
      filter: { draft: 'tingche', article }, action: { kind: 'decide', adoption: 'not_adopted', reason: '属于收费管理的实施细则', response: '感谢您的意见。' },
    }, alice, actor(alice), database.db, { batch: 5 });
    expect(started.matched).toBe(23);
    const request = await q<{ after: Record<string, unknown> }>(sql`select after from audit_events where action = 'comment.bulk' and object_id = ${started.job}`);
    expect(request).toHaveLength(1);
    expect(request[0].after).toMatchObject({ matched: 23, filter: { draft: 'tingche', article } });
    // A comment that arrives after the request is not one of "the 23 you confirmed".
    const late = await comment(database.db, 'tingche', '第七条还应规定收费的调整程序。', { article });
    expect((await jobStatus(started.job!, database.db)).state).toBe('queued');
    await runAll();
    const s = await jobStatus(started.job!, database.db);
    expect(s).toMatchObject({ state: 'done', done: 23, total: 23, changed: 22, skipped: 1, skippedBy: { decided: 1 } });
    const rows = await q<{ id: string; adoption: string | null; reason: string | null }>(sql`select id, adoption, reason from comments where id = any(${`{${[...ids, late].join(',')}}`}::uuid[])`);
    const by = new Map(rows.map((r) => [r.id, r]));
    expect(by.get(ids[4])).toMatchObject({ adoption: 'partially_adopted', reason: '部分内容已在第九条规定' });
    expect(ids.filter((id) => id !== ids[4]).every((id) => by.get(id)!.adoption === 'not_adopted')).toBe(true);
    expect(by.get(late)!.adoption).toBeNull();
    // The workspace's own events, batch by batch: each comment's history shows its decision once.
    const decided = await q<{ ids: string[] }>(sql`select after->'ids' as ids from audit_events where action = 'comment.decide' and actor_id = ${alice.id}::uuid`);
    const all = decided.flatMap((d) => d.ids);
    expect(all).toHaveLength(22);
    expect(new Set(all).size).toBe(22);
  });

  it('overwrites earlier decisions only when asked', async () => {
    const started = await startBulk({
      filter: { draft: 'tingche', article, adoption: 'partially_adopted' }, action: { kind: 'decide', adoption: 'adopted' }, overwrite: true,
    }, alice, actor(alice), database.db);
    expect(started.matched).toBe(1);
    await runAll();
    expect(await jobStatus(started.job!, database.db)).toMatchObject({ state: 'done', changed: 1, skipped: 0 });
    expect((await q<{ adoption: string }>(sql`select adoption from comments where id = ${ids[4]}::uuid`))[0].adoption).toBe('adopted');
  });

  it('publishes what is decided and counts the rest by reason', async () => {
    const started = await startBulk({ filter: { draft: 'tingche', article }, action: { kind: 'publish' } }, alice, actor(alice), database.db, { batch: 10 });
    await runAll();
    // 23 decided (22 + the one adopted since), 1 late comment undecided.
    expect(await jobStatus(started.job!, database.db)).toMatchObject({ state: 'done', total: 24, changed: 23, skippedBy: { undecided: 1 } });
    const again = await startBulk({ filter: { draft: 'tingche', article }, action: { kind: 'publish' } }, alice, actor(alice), database.db);
    await runAll();
    expect(await jobStatus(again.job!, database.db)).toMatchObject({ changed: 0, skippedBy: { published: 23, undecided: 1 } });
  });

  it('tags, assigns and groups every matching comment, one group for all batches', async () => {
    const tag = await startBulk({ filter: { draft: 'tingche', article }, action: { kind: 'tag', tags: ['收费公示'] } }, alice, actor(alice), database.db, { batch: 7 });
    const assign = await startBulk({ filter: { draft: 'tingche', article }, action: { kind: 'assign', assignee: 'me' } }, alice, actor(alice), database.db, { batch: 7 });
    const group = await startBulk({ filter: { draft: 'tingche', round: 1, article }, action: { kind: 'group' } }, alice, actor(alice), database.db, { batch: 7 });
    await runAll();
    for (const j of [tag, assign, group]) expect(await jobStatus(j.job!, database.db)).toMatchObject({ state: 'done', changed: 24 });
    const tagged = await q<{ n: number }>(sql`select count(*)::int as n from comment_tags ct join tags t on t.id = ct.tag_id where t.name = '收费公示'`);
    expect(tagged[0].n).toBe(24);
    const assigned = await q<{ n: number }>(sql`select count(*)::int as n from comments where article_number = ${article} and assignee_id = ${alice.id}::uuid`);
    expect(assigned[0].n).toBe(24);
    const groups = await q<{ g: string | null }>(sql`select distinct group_id as g from comments where article_number = ${article}`);
    expect(groups).toHaveLength(1);
    expect(groups[0].g).not.toBeNull();
  });

  it('refuses approval of one\'s own decisions and skips them', async () => {
    const id = await comment(database.db, 'tingche', '第七条应当规定物业公司公示收费的期限。', { article: 8 });
    await database.db.execute(sql`update drafts set require_approval = true where slug = 'tingche'`);
    await decideAdoption({ ids: [id] }, { adoption: 'adopted', publish: true }, actor(alice), database.db);
    await database.db.execute(sql`update drafts set require_approval = false where slug = 'tingche'`);
    const own = await startBulk({ filter: { draft: 'tingche', article: 8 }, action: { kind: 'approve' } }, alice, actor(alice), database.db);
    await runAll();
    expect(await jobStatus(own.job!, database.db)).toMatchObject({ changed: 0, skippedBy: { ownDecision: 1 } });
    const other = await startBulk({ filter: { draft: 'tingche', article: 8 }, action: { kind: 'approve' } }, bob, actor(bob), database.db);
    await runAll();
    expect(await jobStatus(other.job!, database.db)).toMatchObject({ changed: 1 });
  });
});

describe('a bulk job that dies', () => {
  it('resumes after the last batch that committed, acting on no comment twice', async () => {
    const started = await startBulk({ filter: { draft: 'tingche', article }, action: { kind: 'untag', tags: ['收费公示'] } }, alice, actor(alice), database.db, { batch: 5 });
    const job = (await claimJob('dies', 60_000, database.db, BULK_LANE)) as Job;
    expect(job.id).toBe(started.job);
    let batches = 0;
    const crash = new Error('进程被杀');
    const err = await runBulkJob({
      job, db: database.db, exportDir: '/tmp', workerId: 'dies', signal: new AbortController().signal,
      async progress() { if (++batches === 2) throw crash; },
    }).catch((e) => e);
    expect(err).toBe(crash);
    expect(await jobStatus(started.job!, database.db)).toMatchObject({ state: 'running', done: 10, changed: 10 });
    // Its lease runs out; another instance takes the job over.
    await database.db.execute(sql`update jobs set locked_until = now() - interval '1 second' where id = ${started.job}::uuid`);
    await runAll();
    expect(await jobStatus(started.job!, database.db)).toMatchObject({ state: 'done', done: 24, changed: 24 });
    const untagged = await q<{ ids: string[] }>(sql`select after->'ids' as ids from audit_events where action = 'comment.untag'`);
    const all = untagged.flatMap((u) => u.ids);
    expect(all).toHaveLength(24);
    expect(new Set(all).size).toBe(24);
  });

  it('changes nothing in a batch whose lease another instance holds', async () => {
    const started = await startBulk({ filter: { draft: 'tingche', article }, action: { kind: 'tag', tags: ['第二轮'] } }, alice, actor(alice), database.db, { batch: 5 });
    const job = (await claimJob('first', 60_000, database.db, BULK_LANE)) as Job;
    const err = await runBulkJob({
      job, db: database.db, exportDir: '/tmp', workerId: 'impostor', signal: new AbortController().signal, async progress() {},
    }).catch((e) => e);
    expect(err.name).toBe('LeaseLost');
    expect((await q<{ n: number }>(sql`select count(*)::int as n from comment_tags ct join tags t on t.id = ct.tag_id where t.name = '第二轮'`))[0].n).toBe(0);
    expect(await jobStatus(started.job!, database.db)).toMatchObject({ done: 0, changed: 0 });
    await database.db.execute(sql`update jobs set locked_until = now() - interval '1 second' where id = ${started.job}::uuid`);
    await runAll();
    expect(await jobStatus(started.job!, database.db)).toMatchObject({ state: 'done', changed: 24 });
  });
});

describe('a group or a selection decided in one go', () => {
  it('keeps a decision someone made by hand unless overwrite is chosen, and says how many it kept', async () => {
    const members = [];
    for (let i = 0; i < 3; i++) members.push(await comment(database.db, 'tingche', `建议第十条增加充电车位的规定（${i}）`, { article: 10 }));
    const groupId = await groupSelection(members, actor(alice), database.db);
    await decideAdoption({ ids: [members[1]] }, { adoption: 'partially_adopted', reason: '充电车位另有规定' }, actor(bob), database.db);
    const form = (extra: Record<string, unknown>) => bulkFormSchema.parse({ action: 'decide', groupId, adoption: 'not_adopted', reason: '不属于本条例调整范围', ...extra });
    const kept = await runBulkAction(form({}), alice, actor(alice));
    expect(kept).toMatchObject({ count: 2, skipped: 1 });
    const adoption = async (id: string) => (await q<{ adoption: string }>(sql`select adoption from comments where id = ${id}::uuid`))[0].adoption;
    expect(await adoption(members[1])).toBe('partially_adopted');
    expect(await adoption(members[0])).toBe('not_adopted');
    const all = await runBulkAction(form({ overwrite: 'on' }), alice, actor(alice));
    expect(all).toMatchObject({ count: 3, skipped: 0 });
    expect(await adoption(members[1])).toBe('not_adopted');
    // One comment chosen on its own is decided as asked.
    const one = await runBulkAction(bulkFormSchema.parse({ action: 'decide', ids: [members[2]], adoption: 'adopted' }), alice, actor(alice));
    expect(one).toMatchObject({ count: 1, skipped: 0 });
  });
});
