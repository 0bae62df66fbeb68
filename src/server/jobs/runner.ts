/**
 * Background jobs on the `jobs` table (why not pg-boss: docs/decisions/007-reports-and-jobs.md).
 * An instance claims the oldest queued job with FOR UPDATE SKIP LOCKED and a lease (locked_until);
 * while it works it renews the lease and writes progress. A job whose instance died is taken over
 * once its lease has run out; every state change is conditional on still holding the lease, so a
 * job completes exactly once however many instances run. A server that stops puts its job back.
 *
 * Jobs run in lanes: `default` (exports: heavy, one at a time per instance) and `messages`
 * (deliveries: light, several at once), so a code is never kept waiting behind a long export.
 * A job that fails for a reason that may pass (a network error) is queued again after a backoff
 * (run_after) until its kind's attempts are used up; an AppError fails it at once.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { sql } from 'drizzle-orm';
import { jobs } from '../../db/schema';
import { getDatabase, getDb, type DbOrTx } from '../../db/client';
import { isAppError } from '../errors';
import { rowsOf } from '../../db/rows';
import { log } from '../log';

export type Job = typeof jobs.$inferSelect;
export type JobStatus = 'queued' | 'running' | 'done' | 'failed';

export interface JobContext {
  job: Job;
  db: DbOrTx;
  exportDir: string;
  workerId: string;
  signal: AbortSignal;
  /** Records progress (0–100) and renews the lease; throws when the lease was lost. */
  progress(percent: number): Promise<void>;
}

/** A job kind's work; returns the result file's path relative to EXPORT_DIR, when it makes one. */
export type JobHandler = (ctx: JobContext) => Promise<{ resultPath?: string | null } | void>;

export const MAX_ATTEMPTS = 3;

/** How a kind retries. */
export interface JobKindOptions {
  /** Tries before the job fails (default MAX_ATTEMPTS). */
  maxAttempts?: number;
  /** The wait before try `attempt + 1` after try `attempt` failed (default: none). */
  retryDelayMs?: (attempt: number) => number;
  /** Called (outside the handler) when the job fails for good: a kind that keeps state elsewhere records it. */
  onGiveUp?: (job: Job, error: string, db: DbOrTx) => Promise<void>;
}

interface Kind extends JobKindOptions {
  handler: JobHandler;
}
// On globalThis, like the runner: the server bundle and Astro's bundle each hold a copy of this
// module, and a job enqueued by a page is run through the copy that page imported.
const HANDLERS = Symbol.for('kaimen.jobHandlers');
const handlers: Map<string, Kind> = ((globalThis as { [HANDLERS]?: Map<string, Kind> })[HANDLERS] ??= new Map());

/** Registers the handler of a job kind (boot.ts registers every kind before starting the runner). */
export function registerJobHandler(kind: string, handler: JobHandler, options: JobKindOptions = {}): void {
  handlers.set(kind, { handler, ...options });
}

/** Adds a queued job; call inside the transaction that records the event that caused it. */
export async function enqueueJob(
  kind: string, payload: unknown, createdBy: string | null, db: DbOrTx = getDb(), opts: { lane?: string } = {},
): Promise<Job> {
  const [job] = await db.insert(jobs).values({ kind, payload, createdBy, lane: opts.lane ?? 'default' }).returning();
  return job;
}

/** A failure that may pass (a server down, a timeout): the job is tried again after `delayMs` or its kind's backoff. */
export class RetryLater extends Error {
  constructor(message: string, readonly delayMs?: number) {
    super(message);
    this.name = 'RetryLater';
  }
}

/**
 * Claims the oldest runnable job of `lane` — queued and due, or running with an expired lease (its
 * instance died) — for `workerId` until now + leaseMs. Returns null when there is none.
 */
export async function claimJob(workerId: string, leaseMs: number, db: DbOrTx = getDb(), lane = 'default'): Promise<Job | null> {
  // The claimed row comes back with the claim: one round trip per job (deliveries run thousands).
  const result = await db.execute(sql`
    update jobs set status = 'running', locked_by = ${workerId},
      locked_until = now() + make_interval(secs => ${leaseMs / 1000}), attempts = attempts + 1
    where id = (
      select id from jobs
      where lane = ${lane} and status in ('queued', 'running') and run_after <= now()
        and (status = 'queued' or locked_until < now())
      -- The index's order (jobs_lane_runnable), so no sort of the queue: a bulk decision queues
      -- 10,000 messages with one run_after and created_at, taken in the index's order.
      order by run_after, created_at
      for update skip locked
      limit 1)
    returning id, kind, payload, status, progress, attempts, locked_by, locked_until, result_path, error,
      created_by, created_at, finished_at, lane, run_after`);
  const [r] = rowsOf<Record<string, unknown>>(result);
  if (!r) return null;
  const date = (v: unknown) => (v === null || v === undefined ? null : v instanceof Date ? v : new Date(String(v)));
  return {
    id: String(r.id), kind: String(r.kind), payload: r.payload, status: String(r.status), progress: Number(r.progress),
    attempts: Number(r.attempts), lockedBy: (r.locked_by as string | null) ?? null, lockedUntil: date(r.locked_until),
    resultPath: (r.result_path as string | null) ?? null, error: (r.error as string | null) ?? null,
    createdBy: (r.created_by as string | null) ?? null, createdAt: date(r.created_at)!, finishedAt: date(r.finished_at),
    lane: String(r.lane), runAfter: date(r.run_after)!,
  };
}

/** Renews the lease and stores progress; false when another instance holds the job now. */
export async function renewLease(jobId: string, workerId: string, leaseMs: number, progress: number, db: DbOrTx = getDb()): Promise<boolean> {
  const { rows } = await db.execute(sql`
    update jobs set locked_until = now() + make_interval(secs => ${leaseMs / 1000}), progress = ${Math.max(0, Math.min(99, Math.round(progress)))}
    where id = ${jobId} and locked_by = ${workerId} and status = 'running' returning id`);
  return rows.length === 1;
}

async function settle(jobId: string, workerId: string, set: ReturnType<typeof sql>, db: DbOrTx): Promise<boolean> {
  const { rows } = await db.execute(sql`
    update jobs set ${set}, locked_by = null, locked_until = null
    where id = ${jobId} and locked_by = ${workerId} and status = 'running' returning id`);
  return rows.length === 1;
}

export class LeaseLost extends Error {
  constructor() {
    super('lease lost');
    this.name = 'LeaseLost';
  }
}

export interface RunOptions {
  workerId: string;
  exportDir: string;
  leaseMs?: number;
  signal?: AbortSignal;
  db?: DbOrTx;
  /** The lane to take a job from (default: default). */
  lane?: string;
}

/** Claims and runs one job to its end. Returns the job as claimed, or null when none was waiting. */
export async function runNextJob(opts: RunOptions): Promise<Job | null> {
  const db = opts.db ?? getDb();
  const leaseMs = opts.leaseMs ?? 60_000;
  if (opts.signal?.aborted) return null;
  const job = await claimJob(opts.workerId, leaseMs, db, opts.lane);
  if (!job) return null;
  const kind = handlers.get(job.kind);
  const maxAttempts = kind?.maxAttempts ?? MAX_ATTEMPTS;
  if (job.attempts > maxAttempts || !kind) {
    const error = kind ? '多次尝试均未完成（服务进程中断）。' : `未知的任务类型：${job.kind}`;
    if (await settle(job.id, opts.workerId, sql`status = 'failed', error = ${error}, finished_at = now()`, db)) {
      await kind?.onGiveUp?.(job, error, db).catch(() => {});
    }
    return job;
  }
  const inner = new AbortController();
  const onStop = () => inner.abort(opts.signal?.reason);
  opts.signal?.addEventListener('abort', onStop, { once: true });
  if (opts.signal?.aborted) onStop();
  let percent = 0;
  // Keep the lease alive even while one page of work takes long.
  const beat = setInterval(() => {
    void renewLease(job.id, opts.workerId, leaseMs, percent, db).then((held) => {
      if (!held) inner.abort(new LeaseLost());
    }, () => {});
  }, Math.max(200, leaseMs / 3));
  try {
    const result = await kind.handler({
      job, db, exportDir: opts.exportDir, workerId: opts.workerId, signal: inner.signal,
      async progress(p) {
        percent = p;
        inner.signal.throwIfAborted();
      },
    });
    await settle(job.id, opts.workerId, sql`status = 'done', progress = 100, result_path = ${result?.resultPath ?? null}, error = null, finished_at = now()`, db);
  } catch (err) {
    if (opts.signal?.aborted && !(inner.signal.reason instanceof LeaseLost)) {
      // The server is stopping: give the job back, this try does not count.
      await settle(job.id, opts.workerId, sql`status = 'queued', attempts = greatest(attempts - 1, 0), progress = 0`, db).catch(() => {});
    } else if (!(inner.signal.reason instanceof LeaseLost)) {
      const permanent = isAppError(err) || job.attempts >= maxAttempts;
      const message = isAppError(err) ? err.code : err instanceof Error ? err.message.slice(0, 500) : String(err);
      if (!isAppError(err)) log.warn(`[jobs] ${job.kind} ${job.id} failed: ${message}`);
      const delayMs = (err instanceof RetryLater ? err.delayMs : undefined) ?? kind.retryDelayMs?.(job.attempts) ?? 0;
      const settled = await settle(job.id, opts.workerId, permanent
        ? sql`status = 'failed', error = ${message}, finished_at = now()`
        : sql`status = 'queued', error = ${message}, run_after = now() + make_interval(secs => ${delayMs / 1000})`, db).catch(() => false);
      if (settled && permanent) await kind.onGiveUp?.(job, message, db).catch(() => {});
    }
  } finally {
    clearInterval(beat);
    opts.signal?.removeEventListener('abort', onStop);
  }
  return job;
}

// ── The loop of this process ────────────────────────────────────────────────
/**
 * Work that recurs on a timer of its own (boot.ts schedules housekeeping and the audit anchors).
 * A task never overlaps itself; one that is slow does not delay the jobs or the other tasks.
 */
export interface PeriodicTask {
  name: string;
  everyMs: number;
  /** The first run, after start (default: everyMs). */
  firstAfterMs?: number;
  /** Run once more when the runner stops (the audit anchor of the last rows). */
  atStop?: boolean;
  run(): Promise<void>;
}

interface ScheduledTask {
  task: PeriodicTask;
  timer?: NodeJS.Timeout;
  running?: Promise<void>;
}

const KEY = Symbol.for('kaimen.jobRunner');

/** A lane of the runner: its jobs run `concurrency` at a time, looked for every `pollMs`. */
export interface LaneOptions {
  name: string;
  concurrency?: number;
  pollMs?: number;
}

interface Lane {
  name: string;
  concurrency: number;
  pollMs: number;
  timer?: NodeJS.Timeout;
  /** The loops draining this lane now (at most `concurrency`). */
  loops: Set<Promise<void>>;
  again: boolean;
}

interface Runner {
  workerId: string;
  stop: AbortController;
  exportDir: string;
  leaseMs: number;
  lanes: Lane[];
  tasks: ScheduledTask[];
}
type Holder = { [KEY]?: Runner };

export interface RunnerOptions {
  exportDir: string;
  /** The default lane's poll (other lanes say their own). */
  pollMs?: number;
  leaseMs?: number;
  /** Lanes besides `default` (one at a time, every pollMs). */
  lanes?: LaneOptions[];
  tasks?: PeriodicTask[];
}

/**
 * Starts polling for jobs, lane by lane, and the periodic tasks. Job kinds are registered
 * before (registerJobHandler); boot.ts does both once the database is open.
 */
export function startJobRunner(opts: RunnerOptions): void {
  const holder = globalThis as Holder;
  if (holder[KEY]) return;
  const lanes: LaneOptions[] = [{ name: 'default', concurrency: 1, pollMs: opts.pollMs ?? 3000 }, ...(opts.lanes ?? [])];
  holder[KEY] = {
    workerId: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    stop: new AbortController(),
    exportDir: opts.exportDir,
    leaseMs: opts.leaseMs ?? 60_000,
    lanes: lanes.map((l) => ({ name: l.name, concurrency: l.concurrency ?? 1, pollMs: l.pollMs ?? 3000, loops: new Set(), again: false })),
    tasks: (opts.tasks ?? []).map((task) => ({ task })),
  };
  const r = holder[KEY];
  for (const lane of r.lanes) schedule(r, lane, 500);
  for (const t of r.tasks) {
    const first = setTimeout(() => {
      void runTask(r, t);
      t.timer = setInterval(() => void runTask(r, t), t.task.everyMs);
      t.timer.unref?.();
    }, t.task.firstAfterMs ?? t.task.everyMs);
    first.unref?.();
    t.timer = first;
  }
}

function runTask(r: Runner, t: ScheduledTask): Promise<void> {
  t.running ??= (async () => {
    try {
      if (getDatabase()) await t.task.run();
    } catch (err) {
      log.warn(`[jobs] ${t.task.name} failed: ${err instanceof Error ? err.message : err}`);
    } finally {
      t.running = undefined;
    }
  })();
  return t.running;
}

function schedule(r: Runner, lane: Lane, delay: number): void {
  if (r.stop.signal.aborted) return;
  clearTimeout(lane.timer);
  lane.timer = setTimeout(() => kick(r, lane), delay);
  lane.timer.unref?.();
}

/** Starts the lane's loops up to its concurrency; each drains the lane until it finds nothing. */
function kick(r: Runner, lane: Lane): void {
  if (lane.loops.size >= lane.concurrency) {
    lane.again = true;
    return;
  }
  while (lane.loops.size < lane.concurrency) {
    const loop: Promise<void> = (async () => {
      await null; // `loop` is assigned before this body can end
      try {
        while (!r.stop.signal.aborted && getDatabase()) {
          const job = await runNextJob({ workerId: r.workerId, exportDir: r.exportDir, leaseMs: r.leaseMs, signal: r.stop.signal, lane: lane.name });
          if (!job) break;
        }
      } catch (err) {
        log.warn(`[jobs] poll failed: ${err instanceof Error ? err.message : err}`);
      } finally {
        lane.loops.delete(loop!);
        if (lane.loops.size === 0) {
          schedule(r, lane, lane.again ? 0 : lane.pollMs);
          lane.again = false;
        }
      }
    })();
    lane.loops.add(loop);
  }
}

/** Looks for work now (after a transaction that enqueued some commits) instead of at the next poll. */
export function kickJobRunner(laneName?: string): void {
  const r = (globalThis as Holder)[KEY];
  if (!r) return;
  for (const lane of r.lanes) if (!laneName || lane.name === laneName) kick(r, lane);
}

/**
 * Stops polling (a running job is put back in the queue for another instance) and the periodic
 * tasks, then runs once more the tasks marked atStop.
 */
export async function stopJobRunner(): Promise<void> {
  const holder = globalThis as Holder;
  const r = holder[KEY];
  if (!r) return;
  holder[KEY] = undefined;
  r.stop.abort();
  for (const lane of r.lanes) clearTimeout(lane.timer);
  for (const t of r.tasks) {
    clearTimeout(t.timer);
    clearInterval(t.timer);
  }
  await Promise.all(r.lanes.flatMap((lane) => [...lane.loops]));
  for (const t of r.tasks) await t.running;
  for (const t of r.tasks) if (t.task.atStop) await runTask(r, t);
}
