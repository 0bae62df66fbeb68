/**
 * Acting on every comment that matches a filter, not a page of it (issue 19; decision 023):
 * "decide all 5,000 comments on 第十二条 that nobody has decided" is one request.
 *
 * - The request is checked whole before anything changes (permission, the action's own rules,
 *   e.g. a reason for 不予采纳), the matching comments are counted, and a `bulk` job is queued
 *   with one audit event (`comment.bulk`: the filter, the action, the count) in one transaction.
 *   A filter matching nothing queues nothing.
 * - The job walks the matching comments oldest first by (created_at, id), up to the moment of
 *   the request (comments that arrive later are not in "the N you confirmed"), 1,000 at a time.
 *   Each batch applies the action through the same domain function as the workspace (so the
 *   same rules, messages and per-comment audit events) and records its cursor and counts in the
 *   job row in the same transaction, under the job's lease: a job killed mid-way resumes after
 *   the last batch that committed, and no comment is acted on twice.
 * - For tags, untags, assignment and a decision without publish, each batch also keeps every
 *   changed comment's state before and after in bulk_job_changes, so the job can be undone
 *   (review/bulk-undo.ts, decision 026).
 * - Comments the action does not fit are skipped and counted by reason: a decision or response
 *   made earlier (unless `overwrite`), nothing to publish, not waiting for approval, the
 *   requester's own decision (approval needs a second person), already hidden.
 */
import { sql, type SQL } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { rowsOf } from '../../db/rows';
import { recordAudit, type Actor } from '../audit';
import { can, type Permission } from '../auth/permissions';
import type { SessionUser } from '../auth/session-user';
import { AppError } from '../errors';
import { enqueueJob, LeaseLost, registerJobHandler, type JobContext } from '../jobs/runner';
import { parseOrFail } from '../validation';
import { isUuid } from '../params';
import { approveResponses } from './approve';
import { assignComments } from './assign';
import { checkDecision, decideAdoption } from './decide';
import { addToGroup } from './groups';
import { clearFacetCache } from './inbox-counts';
import { filterConditions, resolveFilters, whereOf } from './inbox';
import { hideComments } from './moderate';
import { publishResponses, respondComments } from './respond';
import { bulkRequestSchema, type BulkActionInput, type BulkRequest, type InboxFilters } from './schemas';
import { tagComments } from './tags';
import { templateBody } from './templates';

export const BULK_JOB = 'bulk';
/** Undoing a bulk job (review/bulk-undo.ts): same lane, same progress, its own kind. */
export const BULK_UNDO_JOB = 'bulk-undo';
/** Its own lane: a bulk action never waits behind an export, and runs one at a time per instance. */
export const BULK_LANE = 'bulk';
export const BULK_BATCH = 1000;

type Kind = BulkActionInput['kind'];

export const permissionOf: Record<Kind, Permission> = {
  tag: 'comment:tag', untag: 'comment:tag', assign: 'comment:assign', decide: 'comment:decide', respond: 'comment:decide',
  publish: 'comment:decide', approve: 'comment:approve', group: 'comment:tag', hide: 'comment:hide',
};

/** Why a comment was left alone; the job's result counts each. */
export const skipReasons = ['decided', 'undecided', 'published', 'waiting', 'hasResponse', 'notWaiting', 'ownDecision', 'hidden', 'changedSince', 'assigneeGone'] as const;
export type SkipReason = (typeof skipReasons)[number];

/** The action as the job runs it: names resolved to ids, texts resolved from templates. */
export type ResolvedAction =
  | { kind: 'tag' | 'untag'; tags: string[] }
  | { kind: 'assign'; assigneeId: string | null }
  | { kind: 'decide'; adoption: string; reason: string | null; response: string | null; publish: boolean }
  | { kind: 'respond'; response: string }
  | { kind: 'publish' | 'approve' | 'group' }
  | { kind: 'hide'; reason: string; note: string | null };

export interface BulkState {
  /** Where the next batch starts: the (created_at, id) of the last comment walked. */
  cursor: { at: string; id: string } | null;
  done: number;
  changed: number;
  skipped: Partial<Record<SkipReason, number>>;
  /** The group the `group` action fills (made by its first batch). */
  groupId: string | null;
}

export interface BulkPayload {
  filter: InboxFilters;
  action: ResolvedAction;
  overwrite: boolean;
  actor: Actor;
  /** The requester: `assignee: me` and the approval rule refer to them. */
  userId: string;
  /** Comments created after this are not part of the request. */
  cutoff: string;
  total: number;
  /** Comments per batch (BULK_BATCH; the tests use small ones to walk several). */
  batch: number;
  state: BulkState;
  /** Each changed comment's before and after are kept (bulk_job_changes): the job can be undone. */
  recorded?: boolean;
  /** The job undoing this one, once asked. */
  undoneBy?: string;
}

export interface BulkStart {
  job: string | null;
  matched: number;
}

/** The SQL condition of a filter: the inbox's conditions, plus `group` as the campaign. */
async function matchCondition(filter: InboxFilters & { group?: string }, userId: string, db: DbOrTx): Promise<SQL> {
  const filters = { ...filter, campaign: filter.campaign ?? filter.group };
  delete (filters as { group?: string }).group;
  return whereOf(filterConditions(await resolveFilters(filters, db), { id: userId }).values());
}

/** Resolves what the job needs and checks the action's rules; throws before anything changes. */
async function resolveAction(action: BulkActionInput, user: SessionUser, db: DbOrTx): Promise<ResolvedAction> {
  switch (action.kind) {
    case 'tag':
    case 'untag':
      return { kind: action.kind, tags: action.tags };
    case 'assign': {
      if (action.assignee === null) return { kind: 'assign', assigneeId: null };
      if (action.assignee === 'me') return { kind: 'assign', assigneeId: user.id };
      const byId = isUuid(action.assignee);
      const [u] = rowsOf<{ id: string }>(await db.execute(sql`
        select id from users where ${byId ? sql`id = ${action.assignee}::uuid` : sql`lower(email) = lower(${action.assignee})`} and role in ('staff', 'admin') and active`));
      if (!u) throw new AppError('ValidationFailed', {}, [{ field: 'action.assignee', key: 'review.assigneeUnknown' }]);
      return { kind: 'assign', assigneeId: u.id };
    }
    case 'decide': {
      const d = checkDecision({ adoption: action.adoption, reason: action.reason, response: action.response, publish: action.publish });
      return { kind: 'decide', adoption: d.adoption, reason: d.reason ?? null, response: d.response ?? null, publish: d.publish === true };
    }
    case 'respond': {
      const response = action.response ?? (action.template ? await templateBody(action.template, db) : undefined);
      if (!response) throw new AppError('ValidationFailed', {}, [{ field: 'action.response', key: 'field.required' }]);
      return { kind: 'respond', response };
    }
    case 'hide':
      return { kind: 'hide', reason: action.reason, note: action.note ?? null };
    default:
      return { kind: action.kind };
  }
}

export interface BulkPreview {
  matched: number;
  /** The first few matching comments, newest first, to see what the filter means. */
  sample: Array<{ id: string; receipt: string; excerpt: string }>;
  /** How many the action would leave alone, by reason (as the job would count them now). */
  skipping: Partial<Record<SkipReason, number>>;
}

/** The request parsed, its permission checked and its action resolved: what preview and start share. */
async function checkBulk(input: unknown, user: SessionUser, db: DbOrTx): Promise<{ request: BulkRequest; action: ResolvedAction }> {
  const request: BulkRequest = parseOrFail(bulkRequestSchema, input);
  if (!can(user, permissionOf[request.action.kind])) throw new AppError('Forbidden');
  return { request, action: await resolveAction(request.action, user, db) };
}

/**
 * What `input` would do, without doing it: the same checks as startBulk (so a refusal shows
 * before the confirmation), the count, a sample, and the comments it would skip. For the
 * workspace's confirmation step.
 */
export async function previewBulk(input: unknown, user: SessionUser, db: DbOrTx = getDb()): Promise<BulkPreview> {
  const { request, action } = await checkBulk(input, user, db);
  const where = await matchCondition(request.filter, user.id, db);
  const skip = skipExpression({ action, overwrite: request.overwrite === true, userId: user.id });
  const [groups, sample] = await Promise.all([
    db.execute(sql`select ${skip} as skip, count(*)::int as n from comments c where ${where} group by 1`),
    db.execute(sql`select c.id, c.receipt, left(c.body, 120) as excerpt from comments c where ${where} order by c.created_at desc, c.id desc limit 5`),
  ]);
  let matched = 0;
  const skipping: Partial<Record<SkipReason, number>> = {};
  for (const g of rowsOf<{ skip: SkipReason | null; n: number }>(groups)) {
    matched += g.n;
    if (g.skip) skipping[g.skip] = g.n;
  }
  return { matched, sample: rowsOf<{ id: string; receipt: string; excerpt: string }>(sample), skipping };
}

/**
 * Checks and queues `input` (the API's JSON or the workspace's form, as bulkRequestSchema) for
 * `user`. Returns the job and how many comments matched; with none, no job. Throws Forbidden,
 * ValidationFailed, ReasonRequired, UserNotFound before any row changes.
 */
export async function startBulk(input: unknown, user: SessionUser, actor: Actor, db: DbOrTx = getDb(), opts: { batch?: number } = {}): Promise<BulkStart> {
  const { request, action } = await checkBulk(input, user, db);
  return db.transaction(async (tx) => {
    const where = await matchCondition(request.filter, user.id, tx);
    const [{ matched, rounds, cutoff }] = rowsOf<{ matched: number; rounds: number; cutoff: string }>(await tx.execute(sql`
      select count(*)::int as matched, count(distinct c.round_id)::int as rounds, now()::text as cutoff
      from comments c where ${where} and c.created_at <= now()`));
    if (!matched) return { job: null, matched: 0 };
    if (action.kind === 'group') {
      if (matched < 2) throw new AppError('ValidationFailed', {}, [{ field: 'filter', key: 'review.groupNeedsTwo' }]);
      if (rounds > 1) throw new AppError('ValidationFailed', {}, [{ field: 'filter', key: 'review.groupRoundsDiffer' }]);
    }
    const filter = { ...request.filter };
    const payload: BulkPayload = {
      filter, action, overwrite: request.overwrite === true, actor, userId: user.id, cutoff: new Date(cutoff).toISOString(), total: matched, batch: opts.batch ?? BULK_BATCH,
      state: { cursor: null, done: 0, changed: 0, skipped: {}, groupId: null }, recorded: undoableAction(action),
    };
    const job = await enqueueJob(BULK_JOB, payload, user.id, tx, { lane: BULK_LANE });
    await recordAudit(tx, actor, {
      action: 'comment.bulk', objectType: 'job', objectId: job.id,
      after: { filter, action: request.action, overwrite: payload.overwrite, matched },
    });
    return { job: job.id, matched };
  });
}

/** Why the action leaves a comment alone (SQL over comments c), or null when it applies. */
function skipExpression(p: Pick<BulkPayload, 'action' | 'overwrite' | 'userId'>): SQL {
  const a = p.action;
  switch (a.kind) {
    case 'decide':
      return p.overwrite ? sql`null::text` : sql`case when c.adoption is not null then 'decided' end`;
    case 'respond':
      return sql`case when c.adoption is null then 'undecided'
        when c.responded_at is not null or c.approval_requested_at is not null then 'published'
        when c.response is not null and not ${p.overwrite} then 'hasResponse' end`;
    case 'publish':
      return sql`case when c.adoption is null then 'undecided' when c.responded_at is not null then 'published'
        when c.approval_requested_at is not null then 'waiting' end`;
    case 'approve':
      return sql`case when c.approval_requested_at is null then 'notWaiting' when c.decided_by = ${p.userId}::uuid then 'ownDecision' end`;
    case 'hide':
      return sql`case when c.hidden_at is not null then 'hidden' end`;
    default:
      return sql`null::text`;
  }
}

/** Applies the action to `ids` (all eligible) in `tx`, through the workspace's domain functions. */
async function apply(p: BulkPayload, ids: string[], state: BulkState, tx: DbOrTx): Promise<void> {
  const a = p.action;
  const target = { ids };
  switch (a.kind) {
    case 'tag':
    case 'untag':
      await tagComments(ids, a.tags, p.actor, { remove: a.kind === 'untag' }, tx);
      return;
    case 'assign':
      await assignComments(target, a.assigneeId, p.actor, tx);
      return;
    case 'decide':
      await decideAdoption(target, { adoption: a.adoption as never, reason: a.reason ?? undefined, response: a.response ?? undefined, publish: a.publish }, p.actor, tx);
      return;
    case 'respond':
      await respondComments(ids, a.response, p.actor, tx);
      return;
    case 'publish':
      await publishResponses(target, p.actor, tx);
      return;
    case 'approve':
      await approveResponses(target, p.actor, tx);
      return;
    case 'group':
      state.groupId = await addToGroup(state.groupId, ids, p.actor, tx);
      return;
    case 'hide':
      await hideComments(ids, { reason: a.reason, note: a.note ?? undefined }, p.actor, tx);
  }
}

/** The `bulk` job: batches until the walk reaches the cutoff; resumes from the stored cursor. */
export async function runBulkJob(ctx: JobContext): Promise<void> {
  const p = ctx.job.payload as BulkPayload;
  const [user] = rowsOf<{ role: SessionUser['role']; active: boolean }>(await ctx.db.execute(sql`select role, active from users where id = ${p.userId}::uuid`));
  // The requester may have lost the right since: the job stops rather than act in their name.
  const kindOf = p.action.kind as Kind;
  if (!user?.active || !can({ id: p.userId, role: user.role } as SessionUser, permissionOf[kindOf])) throw new AppError('Forbidden');
  let state: BulkState = p.state;
  const skip = skipExpression(p);
  // The filter's names (draft, tags, station…) resolved once for this run, not per batch.
  const where = await matchCondition(p.filter, p.userId, ctx.db);
  const size = p.batch ?? BULK_BATCH;
  for (;;) {
    ctx.signal.throwIfAborted();
    const next = await ctx.db.transaction(async (tx) => {
      const after = state.cursor ? sql`and (c.created_at, c.id) > (${state.cursor.at}::timestamptz, ${state.cursor.id}::uuid)` : sql``;
      const rows = rowsOf<{ id: string; at: string; skip: SkipReason | null }>(await tx.execute(sql`
        select c.id, to_char(c.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"') as at, ${skip} as skip
        from comments c
        where ${where} and c.created_at <= ${p.cutoff}::timestamptz ${after}
        order by c.created_at, c.id
        limit ${size}
        for update of c`));
      const s: BulkState = { ...state, skipped: { ...state.skipped } };
      if (rows.length) {
        const eligible = rows.filter((r) => !r.skip).map((r) => r.id);
        if (eligible.length && p.recorded) await recordChanges(ctx.job.id, p.action, eligible, 'before', tx);
        if (eligible.length) await apply(p, eligible, s, tx);
        if (eligible.length && p.recorded) await recordChanges(ctx.job.id, p.action, eligible, 'after', tx);
        for (const r of rows) if (r.skip) s.skipped[r.skip] = (s.skipped[r.skip] ?? 0) + 1;
        s.done += rows.length;
        s.changed += eligible.length;
        s.cursor = { at: rows[rows.length - 1].at, id: rows[rows.length - 1].id };
      }
      await saveBatch(ctx, s, p.total, tx);
      return { state: s, more: rows.length === size };
    });
    state = next.state;
    clearFacetCache();
    await ctx.progress(Math.min(99, Math.floor((state.done / Math.max(1, p.total)) * 100)));
    if (!next.more) return;
  }
}

/**
 * Stores a batch's state (cursor and counts) and progress in the job's row, in the batch's own
 * transaction, only if this worker still holds the job: otherwise the batch rolls back whole.
 */
export async function saveBatch(ctx: JobContext, s: BulkState, total: number, tx: DbOrTx): Promise<void> {
  const percent = Math.min(99, Math.floor((s.done / Math.max(1, total)) * 100));
  const held = rowsOf(await tx.execute(sql`
    update jobs set payload = jsonb_set(payload, '{state}', ${JSON.stringify(s)}::jsonb), progress = ${percent}
    where id = ${ctx.job.id}::uuid and locked_by = ${ctx.workerId} and status = 'running' returning id`));
  if (held.length !== 1) throw new LeaseLost();
}

/** Tags, assignment and decisions kept internal can be undone; publishing, answering, hiding and grouping cannot. */
export function undoableAction(a: ResolvedAction): boolean {
  return a.kind === 'tag' || a.kind === 'untag' || a.kind === 'assign' || (a.kind === 'decide' && !a.publish);
}

const utc = (column: SQL) => sql`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/**
 * What an undoable action changes on comment c, as one jsonb value: its tags (all of them, so a
 * later hand change to any shows), its assignee, or its decision with its publication state.
 */
export function changeSnapshot(kind: Kind): SQL {
  switch (kind) {
    case 'tag':
    case 'untag':
      return sql`jsonb_build_object('tags', coalesce((select jsonb_agg(ct.tag_id order by ct.tag_id) from comment_tags ct where ct.comment_id = c.id), '[]'::jsonb))`;
    case 'assign':
      return sql`jsonb_build_object('assignee', c.assignee_id)`;
    default:
      // Times as UTC text to the microsecond: the same whatever the session's time zone.
      return sql`jsonb_build_object('adoption', c.adoption, 'reason', c.reason, 'response', c.response, 'status', c.status,
        'decidedBy', c.decided_by, 'decidedAt', ${utc(sql`c.decided_at`)}, 'approvedBy', c.approved_by,
        'respondedAt', ${utc(sql`c.responded_at`)}, 'approvalRequestedAt', ${utc(sql`c.approval_requested_at`)})`;
  }
}

/**
 * Keeps each comment's state before the batch's action ('before') and after it ('after'), in the
 * batch's transaction; a comment the action left as it was (a tag it had already) is not kept.
 */
async function recordChanges(jobId: string, action: ResolvedAction, ids: string[], when: 'before' | 'after', tx: DbOrTx): Promise<void> {
  const snap = changeSnapshot(action.kind as Kind);
  const list = sql`${`{${ids.join(',')}}`}::uuid[]`;
  if (when === 'before') {
    await tx.execute(sql`insert into bulk_job_changes (job_id, comment_id, before)
      select ${jobId}::uuid, c.id, ${snap} from comments c where c.id = any(${list})`);
    return;
  }
  await tx.execute(sql`update bulk_job_changes b set after = ${snap} from comments c
    where b.job_id = ${jobId}::uuid and b.comment_id = c.id and c.id = any(${list})`);
  await tx.execute(sql`delete from bulk_job_changes where job_id = ${jobId}::uuid and comment_id = any(${list}) and before = after`);
}

export function registerBulkJobs(): void {
  // Resumable: a try that dies loses nothing, so more tries than an export gets.
  registerJobHandler(BULK_JOB, runBulkJob, { maxAttempts: 10 });
}

export interface JobStatusView {
  state: 'queued' | 'running' | 'done' | 'failed';
  kind: string;
  done: number;
  total: number;
  changed: number;
  skipped: number;
  skippedBy: Partial<Record<SkipReason, number>>;
  error: string | null;
  createdAt: Date;
  finishedAt: Date | null;
}

/**
 * A job's progress for GET /api/v1/staff/jobs/{job} and the workspace: a bulk job in comments
 * (done of total, changed, skipped by reason); any other kind in percent (done of 100).
 * Throws NotFound.
 */
export async function jobStatus(id: string, db: DbOrTx = getDb()): Promise<JobStatusView> {
  const { status } = await readJob(id, db);
  return status;
}

export interface BulkJobView extends JobStatusView {
  /** The action's kind ('undo' for an undo job). */
  action: string;
  filter: Record<string, unknown>;
  /** Who asked for it. */
  userId: string | null;
  /** Its changes were kept, so it may be undone (bulk-undo.ts says when). */
  undoable: boolean;
  /** The job undoing this one. */
  undoneBy: string | null;
  /** For an undo job: the job it undoes. */
  of: string | null;
}

/** A bulk job for its page: its progress plus what it was asked (the action's kind and the filter). */
export async function bulkJobView(id: string, db: DbOrTx = getDb()): Promise<BulkJobView> {
  const { status, payload } = await readJob(id, db);
  return bulkViewOf(status, payload);
}

/** bulkJobView of a job already read (readJob). */
export function bulkViewOf(status: JobStatusView, payload: BulkPayload | null): BulkJobView {
  const undo = status.kind === BULK_UNDO_JOB ? (payload as unknown as { of: string; userId: string }) : null;
  return {
    ...status, action: undo ? 'undo' : payload?.action.kind ?? '', filter: (payload?.filter ?? {}) as Record<string, unknown>,
    userId: payload?.userId ?? null, undoable: payload?.recorded === true && !undo, undoneBy: payload?.undoneBy ?? null, of: undo?.of ?? null,
  };
}

/** One read of the job row: its status view and, for a bulk job (or an undo), its payload. */
export async function readJob(id: string, db: DbOrTx): Promise<{ status: JobStatusView; payload: BulkPayload | null }> {
  const [j] = rowsOf<{ kind: string; status: JobStatusView['state']; progress: number; payload: unknown; error: string | null; created_at: string; finished_at: string | null }>(
    await db.execute(sql`select kind, status, progress, payload, error, created_at, finished_at from jobs where id = ${id}::uuid`));
  if (!j) throw new AppError('NotFound');
  const base = { state: j.status, kind: j.kind, error: j.status === 'failed' ? j.error : null, createdAt: new Date(j.created_at), finishedAt: j.finished_at ? new Date(j.finished_at) : null };
  if (j.kind !== BULK_JOB && j.kind !== BULK_UNDO_JOB) return { status: { ...base, done: j.status === 'done' ? 100 : j.progress, total: 100, changed: 0, skipped: 0, skippedBy: {} }, payload: null };
  const p = (typeof j.payload === 'string' ? JSON.parse(j.payload) : j.payload) as BulkPayload;
  const skipped = Object.values(p.state.skipped).reduce((a, b) => a + (b ?? 0), 0);
  return { status: { ...base, done: p.state.done, total: p.total, changed: p.state.changed, skipped, skippedBy: p.state.skipped }, payload: p };
}
