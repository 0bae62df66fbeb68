/**
 * A staff import too large to answer within its request (a body over ASYNC_IMPORT_BYTES, about
 * 5,000 letters and a few seconds of work) runs as a job (jobs/runner.ts, lane `default`): the
 * body is kept under EXPORT_DIR until the job has run, the job stores its progress — rows stored,
 * rows per second, the time left (import-progress.ts) — in its payload every second, and the
 * answer (receipts and lookup codes, or the refused lines) is a file that GET
 * /api/v1/staff/comments/import/{job} hands out once and then deletes: the lookup codes are shown
 * once, as in the synchronous answer. Smaller bodies are imported within the request as before.
 * docs/decisions/009-bulk-import.md, "Progress".
 */
import { randomUUID } from 'node:crypto';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { rowsOf } from '../../db/rows';
import { AppError, isAppError, toErrorBody } from '../errors';
import type { Actor } from '../audit';
import { enqueueJob, kickJobRunner, registerJobHandler, type JobContext } from '../jobs/runner';
import { importComments, type ImportReceipt } from './import-comments';
import { progressFigures, type ProgressFigures } from './import-progress';

export const IMPORT_JOB = 'comment-import';
/** Bodies larger than this run as a job (202); smaller ones are answered at once (200). */
export const ASYNC_IMPORT_BYTES = 2 * 1024 * 1024;

interface ImportJobPayload {
  /** The body, a file under EXPORT_DIR (removed once the job has run). */
  input: string;
  type: 'csv' | 'json';
  actor: Actor;
  progress?: ProgressFigures;
}

/** The answer file of a job: the synchronous 200's body, or the 422's. */
const answerFile = (jobId: string) => `import-${jobId}.answer.json`;

/** Keeps the body and queues its import; returns the job's id. */
export async function startImportJob(body: string, type: 'csv' | 'json', actor: Actor, exportDir: string, db: DbOrTx = getDb()): Promise<string> {
  mkdirSync(exportDir, { recursive: true });
  const input = `import-${randomUUID()}.input`;
  writeFileSync(join(exportDir, input), body, { mode: 0o600 });
  const payload: ImportJobPayload = { input, type, actor };
  const job = await enqueueJob(IMPORT_JOB, payload, actor.kind === 'user' ? actor.id : null, db);
  kickJobRunner('default');
  return job.id;
}

/** The job: imports the kept body, writing its progress to the job's payload every second. */
export async function runImportJob(ctx: JobContext): Promise<void> {
  const p = ctx.job.payload as ImportJobPayload;
  const text = readFileSync(join(ctx.exportDir, p.input), 'utf8');
  const receipts: ImportReceipt[] = [];
  const started = Date.now();
  let latest: ProgressFigures | null = null;
  let saving = Promise.resolve();
  const save = () => {
    const f = latest;
    if (!f) return;
    saving = saving.then(async () => {
      await ctx.db.execute(sql`update jobs set payload = payload || jsonb_build_object('progress', ${JSON.stringify(f)}::jsonb) where id = ${ctx.job.id}::uuid`);
      await ctx.progress(f.percent ?? 0);
    }).catch(() => {});
  };
  const timer = setInterval(save, 1000);
  try {
    const source = p.type === 'csv' ? { csv: text } : { rows: (JSON.parse(text) as { rows: unknown[] }).rows };
    const result = await importComments(source, {
      actor: p.actor, source: 'api', onReceipt: (r) => receipts.push(r),
      onProgress: (snap) => { latest = progressFigures(snap, Date.now() - started); },
    }, ctx.db);
    clearInterval(timer);
    save();
    await saving;
    const { sha256: _, ...counts } = result;
    writeFileSync(join(ctx.exportDir, answerFile(ctx.job.id)), JSON.stringify({ ...counts, receipts }), { mode: 0o600 });
    rmSync(join(ctx.exportDir, p.input), { force: true });
  } catch (err) {
    if (isAppError(err)) {
      // Refused rows: the job fails for good, and its answer names every bad line (as the 422 does).
      if (err.code === 'ValidationFailed') writeFileSync(join(ctx.exportDir, answerFile(ctx.job.id)), JSON.stringify(toErrorBody(err, 'zh-CN').body), { mode: 0o600 });
      rmSync(join(ctx.exportDir, p.input), { force: true });
    }
    throw err;
  } finally {
    clearInterval(timer);
  }
}

export function registerImportJob(): void {
  registerJobHandler(IMPORT_JOB, runImportJob);
}

export interface ImportJobView {
  job: string;
  status: 'queued' | 'running' | 'done' | 'failed';
  progress: ProgressFigures | null;
  /** When done: the import's answer (as the 200), given once; null afterwards. */
  result: Record<string, unknown> | null;
  /** When failed on refused rows: the error (as the 422), given once. */
  error: Record<string, unknown> | null;
}

/**
 * The job's status for whoever started it (anyone else: NotFound). The answer file is read and
 * deleted: the lookup codes in it are shown once.
 */
export async function readImportJob(id: string, actor: Actor, exportDir: string, db: DbOrTx = getDb()): Promise<ImportJobView> {
  const [j] = rowsOf<{ kind: string; status: ImportJobView['status']; payload: unknown }>(
    await db.execute(sql`select kind, status, payload from jobs where id = ${id}::uuid`));
  const p = (typeof j?.payload === 'string' ? JSON.parse(j.payload) : j?.payload) as ImportJobPayload | undefined;
  if (!j || j.kind !== IMPORT_JOB || !p || p.actor.id !== actor.id || p.actor.kind !== actor.kind) throw new AppError('NotFound');
  const view: ImportJobView = { job: id, status: j.status, progress: p.progress ?? null, result: null, error: null };
  if (j.status !== 'done' && j.status !== 'failed') return view;
  const path = join(exportDir, answerFile(id));
  let answer: Record<string, unknown>;
  try {
    answer = JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch {
    return view; // given already, or a failure that was not a refusal
  }
  rmSync(path, { force: true });
  if (j.status === 'done') view.result = answer;
  else view.error = answer;
  return view;
}
