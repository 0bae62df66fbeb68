/**
 * Undoing a bulk job (issue 19; decision 026): tags, untags, assignments and decisions kept
 * internal. Publishing, answering, approving, hiding and grouping are not undone (a citizen may
 * have read the answer; a hidden comment's reason was a judgement), nor is a decision the job
 * published.
 *
 * - What can be undone was kept while the job ran: each changed comment's state before and after,
 *   in bulk_job_changes, written in each batch's transaction (bulk-filter.ts recordChanges).
 * - Asking for the undo (the job's starter or an admin, with the action's permission, once) queues
 *   a `bulk-undo` job in the bulk lane with one audit event (`comment.bulk.undo`), in one
 *   transaction that also marks the job as being undone.
 * - The undo walks the kept comments 1,000 at a time, locking them, and restores `before` only
 *   where the comment still shows the job's `after`: a comment someone changed since (or whose
 *   decision was published since) is left alone and counted as skipped, with its reason. Tags and
 *   assignment go back through the workspace's own functions (their audit events); decisions with
 *   one `comment.decision.restore` event a batch. Its progress and result read like the job's.
 */
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { getDb, type DbOrTx } from '../../db/client';
import type { MessageKey } from '../../i18n';
import { rowsOf } from '../../db/rows';
import { recordAudit, type Actor } from '../audit';
import { can } from '../auth/permissions';
import type { SessionUser } from '../auth/session-user';
import { AppError } from '../errors';
import { enqueueJob, registerJobHandler, type JobContext } from '../jobs/runner';
import { assignComments } from './assign';
import {
  BULK_BATCH, BULK_JOB, BULK_LANE, BULK_UNDO_JOB, bulkViewOf, changeSnapshot, permissionOf, readJob, saveBatch,
  type BulkJobView, type BulkPayload, type BulkState, type SkipReason,
} from './bulk-filter';
import { clearFacetCache } from './inbox-counts';
import { tagComments } from './tags';
import { auditObject, uuidArray } from './target';

type UndoKind = 'tag' | 'untag' | 'assign' | 'decide';

export interface UndoPayload {
  /** The job undone. */
  of: string;
  kind: UndoKind;
  actor: Actor;
  userId: string;
  /** The comments the job changed (its kept rows). */
  total: number;
  batch: number;
  state: BulkState;
}

/**
 * How long a finished bulk job can be undone: its kept before/after rows (one per changed comment)
 * are pruned by housekeeping after that (jobs/housekeeping.ts pruneUndoChanges). A month covers a
 * round's consultation period and the staff's review after it.
 */
export const UNDO_DAYS = 30;

/** Whether a job that finished at `finishedAt` is past its undo window at `now`. */
export function undoExpired(finishedAt: Date | null, now: Date = new Date()): boolean {
  return finishedAt !== null && now.getTime() - finishedAt.getTime() > UNDO_DAYS * 86_400_000;
}

/** Why a job cannot be undone now. */
export type UndoRefusal = 'notDone' | 'notUndoable' | 'undone' | 'nothing' | 'expired';
export const refusalKey: Record<UndoRefusal, MessageKey> = {
  notDone: 'bulk.undo.refused.notDone', notUndoable: 'bulk.undo.refused.notUndoable', undone: 'bulk.undo.refused.undone', nothing: 'bulk.undo.refused.nothing',
  expired: 'bulk.undo.refused.expired',
};

/** What the undo rule reads of a bulk job: its page's view (bulk-filter.ts bulkJobView). */
export type UndoSubject = Pick<BulkJobView, 'userId' | 'action' | 'undoable' | 'undoneBy' | 'state' | 'finishedAt' | 'changed'>;

/**
 * Why the job cannot be undone now, whoever asks; null when it can. The one statement of the rule:
 * the job page offers 撤销 exactly when this is null (and mayUndo), and startUndo refuses with it.
 */
export function undoBlocked(job: UndoSubject, now: Date = new Date()): UndoRefusal | null {
  if (!job.undoable) return 'notUndoable';
  if (job.undoneBy) return 'undone';
  // A job that failed for good is undone as far as it went (its kept rows are the batches that committed).
  if (job.state !== 'done' && job.state !== 'failed') return 'notDone';
  if (undoExpired(job.finishedAt, now)) return 'expired';
  if (job.changed === 0) return 'nothing';
  return null;
}

/** Whether `user` may undo the job now, and why not; null when they may. Throws Forbidden. */
export function undoRefusal(job: UndoSubject, user: SessionUser): UndoRefusal | null {
  if (!mayUndo(job, user)) throw new AppError('Forbidden');
  return undoBlocked(job);
}

/** May `user` undo this kind of job of this starter (without throwing)? The starter or an admin, with the action's permission. */
export function mayUndo(view: { userId: string | null; action: string }, user: SessionUser): boolean {
  const permission = permissionOf[view.action as keyof typeof permissionOf];
  return !!permission && (view.userId === user.id || user.role === 'admin') && can(user, permission);
}

/** The job page's confirmation form (POST /staff/jobs/{id}). */
export const undoFormSchema = z.object({ confirm: z.literal('1') });

export interface UndoStart {
  job: string;
  /** The comments whose change will be undone, unless changed since. */
  total: number;
}

/**
 * Queues the undo of bulk job `id` for `user`. Throws NotFound (no such bulk job), Forbidden (not
 * the starter nor an admin, or without the action's permission), Conflict (not finished, not
 * undoable, already undone, or nothing it changed) before anything changes.
 */
export async function startUndo(id: string, user: SessionUser, actor: Actor, db: DbOrTx = getDb(), opts: { batch?: number } = {}): Promise<UndoStart> {
  return db.transaction(async (tx) => {
    // The job's row locked: two undo requests at once queue one undo.
    const locked = rowsOf(await tx.execute(sql`select id from jobs where id = ${id}::uuid and kind = ${BULK_JOB} for update`));
    if (!locked.length) throw new AppError('NotFound');
    const { status, payload } = await readJob(id, tx);
    const p = payload!;
    const refused = undoRefusal(bulkViewOf(status, p), user);
    const [{ n }] = rowsOf<{ n: number }>(await tx.execute(sql`select count(*)::int as n from bulk_job_changes where job_id = ${id}::uuid`));
    const why = refused ?? (n === 0 ? 'nothing' : null);
    if (why) throw new AppError('Conflict', {}, [{ field: 'job', key: refusalKey[why] }]);
    const undo: UndoPayload = {
      of: id, kind: p.action.kind as UndoKind, actor, userId: user.id, total: n, batch: opts.batch ?? BULK_BATCH,
      state: { cursor: null, done: 0, changed: 0, skipped: {}, groupId: null },
    };
    const job = await enqueueJob(BULK_UNDO_JOB, undo, user.id, tx, { lane: BULK_LANE });
    await tx.execute(sql`update jobs set payload = jsonb_set(payload, '{undoneBy}', to_jsonb(${job.id}::text)) where id = ${id}::uuid`);
    await recordAudit(tx, actor, {
      action: 'comment.bulk.undo', objectType: 'job', objectId: job.id,
      after: { job: id, action: p.action.kind, matched: n },
    });
    return { job: job.id, total: n };
  });
}

interface Kept {
  id: string;
  before: Record<string, unknown>;
  after: Record<string, unknown>;
  /** The comment still shows what the job left. */
  same: boolean;
  published: boolean;
}

/** The `bulk-undo` job: batches over the kept comments until none is left; resumes from the stored cursor. */
export async function runUndoJob(ctx: JobContext): Promise<void> {
  const p = ctx.job.payload as UndoPayload;
  const [user] = rowsOf<{ role: SessionUser['role']; active: boolean }>(await ctx.db.execute(sql`select role, active from users where id = ${p.userId}::uuid`));
  if (!user?.active || !can({ id: p.userId, role: user.role } as SessionUser, permissionOf[p.kind])) throw new AppError('Forbidden');
  const snap = changeSnapshot(p.kind);
  let state = p.state;
  for (;;) {
    ctx.signal.throwIfAborted();
    const next = await ctx.db.transaction(async (tx) => {
      const after = state.cursor ? sql`and b.comment_id > ${state.cursor.id}::uuid` : sql``;
      const rows = rowsOf<Kept>(await tx.execute(sql`
        select b.comment_id as id, b.before, b.after, ${snap} = b.after as same,
          (c.responded_at is not null or c.approval_requested_at is not null) as published
        from bulk_job_changes b join comments c on c.id = b.comment_id
        where b.job_id = ${p.of}::uuid ${after}
        order by b.comment_id
        limit ${p.batch}
        for update of c`));
      const s: BulkState = { ...state, skipped: { ...state.skipped } };
      if (rows.length) {
        const eligible = rows.filter((r) => r.same);
        for (const r of rows) {
          if (r.same) continue;
          const why: SkipReason = p.kind === 'decide' && r.published ? 'published' : 'changedSince';
          s.skipped[why] = (s.skipped[why] ?? 0) + 1;
        }
        const restored = eligible.length ? await restore(p, eligible, tx) : 0;
        // An earlier assignee no longer active staff cannot be given the comment back.
        if (eligible.length > restored) s.skipped.assigneeGone = (s.skipped.assigneeGone ?? 0) + eligible.length - restored;
        s.done += rows.length;
        s.changed += restored;
        s.cursor = { at: '', id: rows[rows.length - 1].id };
      }
      await saveBatch(ctx, s, p.total, tx);
      return { state: s, more: rows.length === p.batch };
    });
    state = next.state;
    clearFacetCache();
    await ctx.progress(Math.min(99, Math.floor((state.done / Math.max(1, p.total)) * 100)));
    if (!next.more) return;
  }
}

/** Groups comments by a key of what is to be done to them. */
function byKey<T>(rows: readonly Kept[], of: (r: Kept) => T): Map<string, { value: T; ids: string[] }> {
  const out = new Map<string, { value: T; ids: string[] }>();
  for (const r of rows) {
    const value = of(r);
    const key = JSON.stringify(value);
    const e = out.get(key) ?? { value, ids: [] };
    e.ids.push(r.id);
    out.set(key, e);
  }
  return out;
}

/** Puts `rows` back as they were before the job; returns how many were restored. */
async function restore(p: UndoPayload, rows: Kept[], tx: DbOrTx): Promise<number> {
  switch (p.kind) {
    case 'tag':
    case 'untag': {
      const tagsOf = (x: Record<string, unknown>) => new Set((x.tags as string[] | undefined) ?? []);
      const plans = byKey(rows, (r) => {
        const [before, after] = [tagsOf(r.before), tagsOf(r.after)];
        return { remove: [...after].filter((t) => !before.has(t)), add: [...before].filter((t) => !after.has(t)) };
      });
      for (const { value, ids } of plans.values()) {
        if (value.remove.length) await tagComments(ids, value.remove, p.actor, { remove: true }, tx);
        if (value.add.length) await tagComments(ids, value.add, p.actor, {}, tx);
      }
      return rows.length;
    }
    case 'assign': {
      const plans = byKey(rows, (r) => (r.before.assignee as string | null) ?? null);
      const assignees = [...plans.values()].map((v) => v.value).filter((v): v is string => v !== null);
      // Someone assigned before who is no longer active staff cannot be assigned again: left as is.
      const active = new Set(assignees.length ? rowsOf<{ id: string }>(await tx.execute(sql`
        select id from users where id = any(${uuidArray(assignees)}) and role in ('staff', 'admin') and active`)).map((u) => u.id) : []);
      let n = 0;
      for (const { value, ids } of plans.values()) {
        if (value !== null && !active.has(value)) continue;
        await assignComments({ ids }, value, p.actor, tx);
        n += ids.length;
      }
      return n;
    }
    case 'decide': {
      const ids = rows.map((r) => r.id);
      const ts = (k: string) => sql`(b.before->>${k})::timestamptz`;
      await tx.execute(sql`
        update comments c set
          adoption = (b.before->>'adoption')::adoption, reason = b.before->>'reason', response = b.before->>'response',
          status = (b.before->>'status')::comment_status, decided_by = (b.before->>'decidedBy')::uuid, decided_at = ${ts('decidedAt')},
          approved_by = (b.before->>'approvedBy')::uuid, responded_at = ${ts('respondedAt')}, approval_requested_at = ${ts('approvalRequestedAt')}
        from bulk_job_changes b
        where b.job_id = ${p.of}::uuid and b.comment_id = c.id and c.id = any(${uuidArray(ids)})`);
      // The job left one decision on all of them; what comes back is said when it is one too.
      const earlier = [...new Set(rows.map((r) => r.before.adoption ?? null))];
      await recordAudit(tx, p.actor, {
        action: 'comment.decision.restore', ...auditObject({ ids }, ids),
        before: { adoption: rows[0].after.adoption ?? null },
        after: { ids, job: p.of, ...(earlier.length === 1 ? { adoption: earlier[0] } : {}) },
      });
      return rows.length;
    }
  }
}

/** The undo's job kind, registered beside the bulk kinds (boot.ts); resumable like them. */
export function registerBulkUndoJob(): void {
  registerJobHandler(BULK_UNDO_JOB, runUndoJob, { maxAttempts: 10 });
}
