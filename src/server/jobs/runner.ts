/**
 * Background jobs on the `jobs` table (why not pg-boss: docs/decisions/007-reports-and-jobs.md).
 * An instance claims the oldest queued job with FOR UPDATE SKIP LOCKED and a lease (locked_until);
 * while it works it renews the lease and writes progress. A job whose instance died is taken over
 * once its lease has run out; every state change is conditional on still holding the lease, so a
 * job completes exactly once however many instances run. A server that stops puts its job back.
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { eq, sql } from 'drizzle-orm';
import { jobs } from '../../db/schema';
import { getDatabase, getDb, type DbOrTx } from '../../db/client';
import { isAppError } from '../errors';
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

/** A job kind's work; returns the result file's path relative to EXPORT_DIR. */
export type JobHandler = (ctx: JobContext) => Promise<{ resultPath: string }>;

export const MAX_ATTEMPTS = 3;
// On globalThis, like the runner: the server bundle and Astro's bundle each hold a copy of this
// module, and a job enqueued by a page is run through the copy that page imported.
const HANDLERS = Symbol.for('kaimen.jobHandlers');
const handlers: Map<string, JobHandler> = ((globalThis as { [HANDLERS]?: Map<string, JobHandler> })[HANDLERS] ??= new Map());

/** Registers the handler of a job kind (boot.ts registers every kind before starting the runner). */
export function registerJobHandler(kind: string, handler: JobHandler): void {
  handlers.set(kind, handler);
}

/** Adds a queued job; call inside the transaction that records the audit event. */
export async function enqueueJob(kind: string, payload: unknown, createdBy: string | null, db: DbOrTx = getDb()): Promise<Job> {
  const [job] = await db.insert(jobs).values({ kind, payload, createdBy }).returning();
  return job;
}

/**
 * Claims the oldest runnable job — queued, or running with an expired lease (its instance died) —
 * for `workerId` until now + leaseMs. Returns null when there is none.
 */
export async function claimJob(workerId: string, leaseMs: number, db: DbOrTx = getDb()): Promise<Job | null> {
  const { rows } = await db.execute<{ id: string }>(sql`
    update jobs set status = 'running', locked_by = ${workerId},
      locked_until = now() + make_interval(secs => ${leaseMs / 1000}), attempts = attempts + 1
    where id = (
      select id from jobs
      where status = 'queued' or (status = 'running' and locked_until < now())
      order by created_at, id
      for update skip locked
      limit 1)
    returning id`);
  if (!rows[0]) return null;
  const [job] = await db.select().from(jobs).where(eq(jobs.id, String(rows[0].id)));
  return job ?? null;
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
}

/** Claims and runs one job to its end. Returns the job as claimed, or null when none was waiting. */
export async function runNextJob(opts: RunOptions): Promise<Job | null> {
  const db = opts.db ?? getDb();
  const leaseMs = opts.leaseMs ?? 60_000;
  if (opts.signal?.aborted) return null;
  const job = await claimJob(opts.workerId, leaseMs, db);
  if (!job) return null;
  const handler = handlers.get(job.kind);
  if (job.attempts > MAX_ATTEMPTS || !handler) {
    const error = handler ? '多次尝试均未完成（服务进程中断）。' : `未知的任务类型：${job.kind}`;
    await settle(job.id, opts.workerId, sql`status = 'failed', error = ${error}, finished_at = now()`, db);
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
    const { resultPath } = await handler({
      job, db, exportDir: opts.exportDir, workerId: opts.workerId, signal: inner.signal,
      async progress(p) {
        percent = p;
        inner.signal.throwIfAborted();
      },
    });
    await settle(job.id, opts.workerId, sql`status = 'done', progress = 100, result_path = ${resultPath}, error = null, finished_at = now()`, db);
  } catch (err) {
    if (opts.signal?.aborted && !(inner.signal.reason instanceof LeaseLost)) {
      // The server is stopping: give the job back, this try does not count.
      await settle(job.id, opts.workerId, sql`status = 'queued', attempts = greatest(attempts - 1, 0), progress = 0`, db).catch(() => {});
    } else if (!(inner.signal.reason instanceof LeaseLost)) {
      const permanent = isAppError(err) || job.attempts >= MAX_ATTEMPTS;
      const message = isAppError(err) ? err.code : err instanceof Error ? err.message.slice(0, 500) : String(err);
      if (!isAppError(err)) log.warn(`[jobs] ${job.kind} ${job.id} failed: ${message}`);
      await settle(job.id, opts.workerId, permanent
        ? sql`status = 'failed', error = ${message}, finished_at = now()`
        : sql`status = 'queued', error = ${message}`, db).catch(() => {});
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
interface Runner {
  workerId: string;
  timer?: NodeJS.Timeout;
  stop: AbortController;
  busy?: Promise<void>;
  again: boolean;
  exportDir: string;
  pollMs: number;
  leaseMs: number;
  tasks: ScheduledTask[];
}
type Holder = { [KEY]?: Runner };

export interface RunnerOptions {
  exportDir: string;
  pollMs?: number;
  leaseMs?: number;
  tasks?: PeriodicTask[];
}

/**
 * Starts polling for jobs every few seconds, and the periodic tasks. Job kinds are registered
 * before (registerJobHandler); boot.ts does both once the database is open.
 */
export function startJobRunner(opts: RunnerOptions): void {
  const holder = globalThis as Holder;
  if (holder[KEY]) return;
  holder[KEY] = {
    workerId: `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`,
    stop: new AbortController(),
    again: false,
    exportDir: opts.exportDir,
    pollMs: opts.pollMs ?? 3000,
    leaseMs: opts.leaseMs ?? 60_000,
    tasks: (opts.tasks ?? []).map((task) => ({ task })),
  };
  const r = holder[KEY];
  schedule(r, 500);
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

function schedule(r: Runner, delay: number): void {
  if (r.stop.signal.aborted) return;
  clearTimeout(r.timer);
  r.timer = setTimeout(() => kick(r), delay);
  r.timer.unref?.();
}

function kick(r: Runner): void {
  if (r.busy) {
    r.again = true;
    return;
  }
  r.busy = (async () => {
    try {
      // Drain the queue, one job at a time (two cores: exports are heavy).
      while (!r.stop.signal.aborted && getDatabase()) {
        const job = await runNextJob({ workerId: r.workerId, exportDir: r.exportDir, leaseMs: r.leaseMs, signal: r.stop.signal });
        if (!job) break;
      }
    } catch (err) {
      log.warn(`[jobs] poll failed: ${err instanceof Error ? err.message : err}`);
    } finally {
      r.busy = undefined;
      schedule(r, r.again ? 0 : r.pollMs);
      r.again = false;
    }
  })();
}

/** Looks for work now (after enqueueing) instead of at the next poll. */
export function kickJobRunner(): void {
  const r = (globalThis as Holder)[KEY];
  if (r) kick(r);
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
  clearTimeout(r.timer);
  for (const t of r.tasks) {
    clearTimeout(t.timer);
    clearInterval(t.timer);
  }
  await r.busy;
  for (const t of r.tasks) await t.running;
  for (const t of r.tasks) if (t.task.atStop) await runTask(r, t);
}
