/**
 * Undoing a bulk job (review/bulk-undo.ts, issue 19, decision 026): tags, untags, assignment and
 * internal decisions go back as they were, in batches, as a job with progress and one audit event;
 * a comment someone changed after the job (or whose decision was published since) is left alone
 * and counted; kinds that cannot be undone, a decision the job published, someone else's job, an
 * unfinished or an undone job are refused before anything changes.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { rowsOf } from '../../src/db/rows';
import { decideAdoption } from '../../src/server/review/decide';
import { assignComments } from '../../src/server/review/assign';
import { tagComments } from '../../src/server/review/tags';
import { publishResponses } from '../../src/server/review/respond';
import { BULK_LANE, bulkJobView, jobStatus, registerBulkJobs, startBulk } from '../../src/server/review/bulk-filter';
import { registerBulkUndoJob, startUndo, UNDO_DAYS } from '../../src/server/review/bulk-undo';
import { runHousekeeping } from '../../src/server/jobs/housekeeping';
import { claimJob, runNextJob, type Job } from '../../src/server/jobs/runner';
import { runBulkJob } from '../../src/server/review/bulk-filter';
import type { SessionUser } from '../../src/server/auth/session-user';
import { comment, createStaff, publishSample } from './review-support';

let database: TestDatabase;
let alice: SessionUser;
let bob: SessionUser;
let admin: SessionUser;
const ids: string[] = [];
const article = 5;
const filter = { draft: 'tingche', article };

const asUser = (a: { id: string }, role: SessionUser['role'] = 'staff'): SessionUser =>
  ({ id: a.id, role, name: null, email: null, phone: null, district: null, occupation: null, via: 'session' }) as SessionUser;
const actor = (u: SessionUser) => ({ id: u.id, kind: 'user' as const });
const q = async <T>(query: ReturnType<typeof sql>) => rowsOf<T>(await database.db.execute(query));
const runAll = async () => { while (await runNextJob({ workerId: 'test', exportDir: '/tmp', db: database.db, lane: BULK_LANE })); };
const tagsOf = async (id: string) => (await q<{ name: string }>(sql`select t.name from comment_tags ct join tags t on t.id = ct.tag_id where ct.comment_id = ${id}::uuid order by t.name`)).map((r) => r.name);
const row = async (id: string) => (await q<{ adoption: string | null; reason: string | null; assignee_id: string | null; status: string; responded_at: string | null }>(sql`
  select adoption, reason, assignee_id, status, responded_at from comments where id = ${id}::uuid`))[0];
const refusal = (p: Promise<unknown>) => p.then(() => null, (e) => ({ code: e.code, key: e.fields?.[0]?.key }));

/** Starts a bulk job over the filter as `who`, runs it, and returns its id. */
async function bulk(action: Record<string, unknown>, who = alice, extra: Record<string, unknown> = {}): Promise<string> {
  const started = await startBulk({ filter, action, ...extra }, who, actor(who), database.db, { batch: 4 });
  await runAll();
  expect((await jobStatus(started.job!, database.db)).state).toBe('done');
  return started.job!;
}

beforeAll(async () => {
  database = await createTestDatabase();
  await publishSample(database.db);
  registerBulkJobs();
  registerBulkUndoJob();
  alice = asUser(await createStaff(database.db, '张工'));
  bob = asUser(await createStaff(database.db, '李工'));
  admin = asUser(await createStaff(database.db, '王主任', 'admin'), 'admin');
  for (let i = 0; i < 10; i++) ids.push(await comment(database.db, 'tingche', `第五条规定的停车位配建比例过低，第${i + 1}份意见。`, { article }));
});
afterAll(async () => { await database.close(); });

describe('undoing a bulk job', () => {
  it('takes off the tags a bulk tag added, in batches with progress and one audit event, keeping tags the comments had and a later hand change', async () => {
    await tagComments([ids[0]], ['配建比例'], actor(bob), {}, database.db);
    const job = await bulk({ kind: 'tag', tags: ['配建比例'] });
    expect(await jobStatus(job, database.db)).toMatchObject({ changed: 10 });
    // After the job, someone adds another tag to one of them by hand.
    await tagComments([ids[1]], ['停车位'], actor(bob), {}, database.db);
    const before = (await q<{ n: number }>(sql`select count(*)::int as n from audit_events where action = 'comment.bulk.undo'`))[0].n;
    const undo = await startUndo(job, alice, actor(alice), database.db, { batch: 3 });
    // Nine kept: the comment tagged by hand before the job was not changed by it.
    expect(undo.total).toBe(9);
    expect((await jobStatus(undo.job, database.db)).state).toBe('queued');
    await runAll();
    expect(await jobStatus(undo.job, database.db)).toMatchObject({ state: 'done', kind: 'bulk-undo', done: 9, total: 9, changed: 8, skipped: 1, skippedBy: { changedSince: 1 } });
    expect(await tagsOf(ids[0])).toEqual(['配建比例']);
    expect(await tagsOf(ids[1])).toEqual(['停车位', '配建比例'].sort());
    for (const id of ids.slice(2)) expect(await tagsOf(id)).toEqual([]);
    const events = await q<{ after: Record<string, unknown>; object_id: string }>(sql`select after, object_id from audit_events where action = 'comment.bulk.undo' order by id`);
    expect(events).toHaveLength(before + 1);
    expect(events.at(-1)).toMatchObject({ object_id: undo.job, after: { job, action: 'tag', matched: 9 } });
    // The job's page knows it was undone and where the undo is; the undo knows its job.
    expect(await bulkJobView(job, database.db)).toMatchObject({ undoneBy: undo.job, undoable: true });
    expect(await bulkJobView(undo.job, database.db)).toMatchObject({ action: 'undo', of: job, undoable: false });
    // Once only.
    expect(await refusal(startUndo(job, alice, actor(alice), database.db))).toEqual({ code: 'Conflict', key: 'bulk.undo.refused.undone' });
  });

  it('puts back the tags a bulk untag took off', async () => {
    await tagComments(ids.slice(0, 4), ['收费'], actor(bob), {}, database.db);
    const job = await bulk({ kind: 'untag', tags: ['收费'] });
    for (const id of ids) expect(await tagsOf(id)).not.toContain('收费');
    await startUndo(job, alice, actor(alice), database.db);
    await runAll();
    for (const id of ids.slice(0, 4)) expect(await tagsOf(id)).toContain('收费');
    for (const id of ids.slice(4)) expect(await tagsOf(id)).not.toContain('收费');
  });

  it('gives comments back to whoever had them, leaving a comment reassigned by hand since', async () => {
    await assignComments({ ids: ids.slice(0, 3) }, bob.id, actor(bob), database.db);
    const job = await bulk({ kind: 'assign', assignee: 'me' });
    for (const id of ids) expect((await row(id)).assignee_id).toBe(alice.id);
    await assignComments({ ids: [ids[5]] }, bob.id, actor(bob), database.db);
    // An admin may undo someone else's job.
    const undo = await startUndo(job, admin, actor(admin), database.db);
    await runAll();
    expect(await jobStatus(undo.job, database.db)).toMatchObject({ changed: 9, skippedBy: { changedSince: 1 } });
    for (const id of ids.slice(0, 3)) expect((await row(id)).assignee_id).toBe(bob.id);
    expect((await row(ids[5])).assignee_id).toBe(bob.id);
    for (const id of [...ids.slice(3, 5), ...ids.slice(6)]) expect((await row(id)).assignee_id).toBeNull();
  });

  it('restores the decisions before an unpublished bulk decision, except one decided or published since', async () => {
    await decideAdoption({ ids: [ids[0]] }, { adoption: 'partially_adopted', reason: '部分内容已在第九条规定' }, actor(bob), database.db);
    const earlier = await row(ids[0]);
    const job = await bulk({ kind: 'decide', adoption: 'not_adopted', reason: '配建比例由规划部门确定' }, alice, { overwrite: true });
    expect(await jobStatus(job, database.db)).toMatchObject({ changed: 10 });
    // After the job: one decided again by hand, one published.
    await decideAdoption({ ids: [ids[1]] }, { adoption: 'adopted' }, actor(bob), database.db);
    await publishResponses({ ids: [ids[2]] }, actor(bob), database.db);
    const undo = await startUndo(job, alice, actor(alice), database.db, { batch: 4 });
    await runAll();
    expect(await jobStatus(undo.job, database.db)).toMatchObject({ state: 'done', total: 10, changed: 8, skipped: 2, skippedBy: { changedSince: 1, published: 1 } });
    expect(await row(ids[0])).toEqual(earlier);
    expect(await row(ids[1])).toMatchObject({ adoption: 'adopted' });
    expect(await row(ids[2])).toMatchObject({ adoption: 'not_adopted' });
    expect((await row(ids[2])).responded_at).not.toBeNull();
    for (const id of ids.slice(3)) expect(await row(id)).toMatchObject({ adoption: null, reason: null });
    // Each restored comment's history says so.
    const restored = await q<{ ids: string[] }>(sql`select after->'ids' as ids from audit_events where action = 'comment.decision.restore'`);
    expect(restored.flatMap((r) => r.ids).sort()).toEqual([ids[0], ...ids.slice(3)].sort());
  });

  it('undoes a job that gave up as far as its committed batches went', async () => {
    const started = await startBulk({ filter, action: { kind: 'tag', tags: ['半途'] } }, alice, actor(alice), database.db, { batch: 4 });
    const job = (await claimJob('dies', 60_000, database.db, BULK_LANE)) as Job;
    let batches = 0;
    await runBulkJob({
      job, db: database.db, exportDir: '/tmp', workerId: 'dies', signal: new AbortController().signal,
      async progress() { if (++batches === 2) throw new Error('进程被杀'); },
    }).catch(() => {});
    await database.db.execute(sql`update jobs set status = 'failed', locked_by = null where id = ${started.job}::uuid`);
    const tagged = async () => (await q<{ n: number }>(sql`select count(*)::int as n from comment_tags ct join tags t on t.id = ct.tag_id where t.name = '半途'`))[0].n;
    expect(await tagged()).toBe(8);
    const undo = await startUndo(started.job!, alice, actor(alice), database.db);
    expect(undo.total).toBe(8);
    await runAll();
    expect(await tagged()).toBe(0);
  });

  it('refuses what cannot be undone, someone else\'s job, and a job not finished, before anything changes', async () => {
    const jobsBefore = (await q<{ n: number }>(sql`select count(*)::int as n from jobs where kind = 'bulk-undo'`))[0].n;
    const published = await bulk({ kind: 'decide', adoption: 'adopted', response: '感谢您的意见。', publish: true }, alice, { overwrite: true });
    expect(await refusal(startUndo(published, alice, actor(alice), database.db))).toEqual({ code: 'Conflict', key: 'bulk.undo.refused.notUndoable' });
    const publish = await bulk({ kind: 'publish' });
    expect(await refusal(startUndo(publish, alice, actor(alice), database.db))).toEqual({ code: 'Conflict', key: 'bulk.undo.refused.notUndoable' });
    const respond = await bulk({ kind: 'respond', response: '我们将认真研究。' }, alice, { overwrite: true });
    expect(await refusal(startUndo(respond, alice, actor(alice), database.db))).toEqual({ code: 'Conflict', key: 'bulk.undo.refused.notUndoable' });
    const hide = await bulk({ kind: 'hide', reason: 'spam' }, admin);
    expect(await refusal(startUndo(hide, admin, actor(admin), database.db))).toEqual({ code: 'Conflict', key: 'bulk.undo.refused.notUndoable' });
    const tag = await bulk({ kind: 'tag', tags: ['复核'] });
    expect(await refusal(startUndo(tag, bob, actor(bob), database.db))).toEqual({ code: 'Forbidden', key: undefined });
    const queued = (await startBulk({ filter, action: { kind: 'tag', tags: ['未完'] } }, alice, actor(alice), database.db)).job!;
    expect(await refusal(startUndo(queued, alice, actor(alice), database.db))).toEqual({ code: 'Conflict', key: 'bulk.undo.refused.notDone' });
    expect(await refusal(startUndo('00000000-0000-4000-8000-000000000000', alice, actor(alice), database.db))).toEqual({ code: 'NotFound', key: undefined });
    expect((await q<{ n: number }>(sql`select count(*)::int as n from jobs where kind = 'bulk-undo'`))[0].n).toBe(jobsBefore);
    await runAll();
  });

  it('keeps a job\'s changes for UNDO_DAYS: past that the undo is refused and housekeeping deletes them, as it does an undone job\'s', async () => {
    const kept = async (job: string) => (await q<{ n: number }>(sql`select count(*)::int as n from bulk_job_changes where job_id = ${job}::uuid`))[0].n;
    const old = await bulk({ kind: 'tag', tags: ['旧批次'] });
    const undone = await bulk({ kind: 'tag', tags: ['已撤销'] });
    const recent = await bulk({ kind: 'tag', tags: ['近期'] });
    await startUndo(undone, alice, actor(alice), database.db);
    await runAll();
    await database.db.execute(sql`update jobs set finished_at = now() - make_interval(days => ${UNDO_DAYS + 1}) where id = ${old}::uuid`);
    expect(await kept(old)).toBe(10);
    const tagged = await tagsOf(ids[0]);
    expect(await refusal(startUndo(old, alice, actor(alice), database.db))).toEqual({ code: 'Conflict', key: 'bulk.undo.refused.expired' });
    expect(await tagsOf(ids[0])).toEqual(tagged);
    const result = await runHousekeeping({ exportDir: '/tmp/kaimen-no-exports', retentionDays: 14, db: database.db });
    // Also the rows of the jobs the tests above undid.
    expect(result.undoChanges).toBeGreaterThanOrEqual(20);
    expect((await q<{ n: number }>(sql`select count(*)::int as n from bulk_job_changes x join jobs j on j.id = x.job_id where j.payload ? 'undoneBy'`))[0].n).toBe(0);
    expect([await kept(old), await kept(undone), await kept(recent)]).toEqual([0, 0, 10]);
    // The recent job can still be undone.
    await startUndo(recent, alice, actor(alice), database.db);
    await runAll();
    expect(await tagsOf(ids[0])).not.toContain('近期');
  });
});
