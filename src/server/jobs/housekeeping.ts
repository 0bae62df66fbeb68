/**
 * Housekeeping, run by every instance about once an hour (a periodic task of the job runner, scheduled in boot.ts): what would
 * otherwise only grow. Every step is idempotent, so two instances doing it at once do no harm.
 * - rate-limit windows that ended more than an hour ago (auth/rate-limit.ts);
 * - sessions past their expiry (a day's grace, for the audit of late requests);
 * - export files older than EXPORT_RETENTION_DAYS (the job stays listed; its download answers
 *   ExportFileMissing, and staff export again: every export can be made again from the data);
 * - `*.part` files of exports whose process was killed, a day after they were last written;
 * - outbox rows delivered or failed more than 90 days ago keep only a masked recipient (the
 *   contact also masked in their last error) and no parameters (PIPL: a contact is kept no longer
 *   than needed; the row stays as the record that a message was sent);
 * - `message` jobs done more than 7 days ago (their outbox row keeps the record);
 * - the kept before/after rows of bulk jobs (bulk_job_changes) once the job can no longer be
 *   undone: finished more than UNDO_DAYS ago, or undone by an undo that has finished (decision 026).
 */
import { readdirSync, statSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sql } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { pruneLimits } from '../auth/rate-limit';
import { rowsOf } from '../../db/rows';
import { maskContact } from '../mask-contact';
import { MESSAGE_JOB } from '../messages/outbox';
import { UNDO_DAYS } from '../review/bulk-undo';

export interface HousekeepingOptions {
  exportDir: string;
  retentionDays: number;
  now?: Date;
  db?: DbOrTx;
}

export interface HousekeepingResult {
  limits: number;
  sessions: number;
  exports: number;
  /** Unfinished export files and a large import's kept files, each a day old. */
  partFiles: number;
  /** Outbox rows whose recipient was masked and parameters emptied. */
  outboxMasked: number;
  /** Done `message` jobs deleted. */
  messageJobs: number;
  /** bulk_job_changes rows deleted. */
  undoChanges: number;
}

const DAY = 86_400_000;
export const OUTBOX_RETENTION_DAYS = 90;
export const MESSAGE_JOB_RETENTION_DAYS = 7;
const MASK_BATCH = 500;
/** Kept rows deleted per statement: a 100,000-comment job's rows go in short transactions. */
const PRUNE_BATCH = 10_000;

export async function runHousekeeping(opts: HousekeepingOptions): Promise<HousekeepingResult> {
  const db = opts.db ?? getDb();
  const now = opts.now ?? new Date();
  const limits = await pruneLimits(db);
  const gone = await db.execute(sql`delete from sessions where expires_at < ${new Date(now.getTime() - DAY).toISOString()}::timestamptz`);
  const sessions = Number((gone as { rowCount?: number }).rowCount ?? 0);

  // Forget the file first, then delete it: a download never finds a row naming a deleted file.
  const expired = rowsOf<{ result_path: string }>(await db.execute(sql`
    with old as (
      select id, result_path from jobs
      where kind = 'report' and status = 'done' and result_path is not null
        and finished_at < ${new Date(now.getTime() - opts.retentionDays * DAY).toISOString()}::timestamptz
      for update)
    update jobs set result_path = null from old where jobs.id = old.id
    returning old.result_path`));
  let exports = 0;
  for (const { result_path: file } of expired) if (file && removeInside(opts.exportDir, file)) exports++;

  let partFiles = 0;
  for (const name of listDir(opts.exportDir)) {
    // Also a large API import's kept body or unfetched answer (comments/import-job.ts) a day old:
    // the answer holds lookup codes, and a job is never left waiting that long.
    if (!name.endsWith('.part') && !/^import-[0-9a-f-]{36}\.(input|answer\.json)$/.test(name)) continue;
    try {
      if (statSync(join(opts.exportDir, name)).mtimeMs < now.getTime() - DAY && removeInside(opts.exportDir, name)) partFiles++;
    } catch { /* gone meanwhile */ }
  }
  const outboxMasked = await maskOldOutbox(db, new Date(now.getTime() - OUTBOX_RETENTION_DAYS * DAY));
  const doneJobs = await db.execute(sql`
    delete from jobs where kind = ${MESSAGE_JOB} and status = 'done'
      and finished_at < ${new Date(now.getTime() - MESSAGE_JOB_RETENTION_DAYS * DAY).toISOString()}::timestamptz`);
  const messageJobs = Number((doneJobs as { rowCount?: number }).rowCount ?? 0);
  const undoChanges = await pruneUndoChanges(db, new Date(now.getTime() - UNDO_DAYS * DAY));
  return { limits, sessions, exports, partFiles, outboxMasked, messageJobs, undoChanges };
}

/**
 * Deletes the kept changes of bulk jobs that can no longer be undone (bulk-undo.ts): finished
 * before `cutoff`, or undone by an undo job that has finished (an undone job is never undone
 * again). In batches of PRUNE_BATCH rows.
 */
async function pruneUndoChanges(db: DbOrTx, cutoff: Date): Promise<number> {
  const done = rowsOf<{ id: string }>(await db.execute(sql`
    select j.id from jobs j
    where exists (select 1 from bulk_job_changes x where x.job_id = j.id)
      and ((j.status in ('done', 'failed') and j.finished_at < ${cutoff.toISOString()}::timestamptz)
        or exists (select 1 from jobs u where u.id = (j.payload->>'undoneBy')::uuid and u.status in ('done', 'failed')))`));
  let total = 0;
  for (const { id } of done) {
    // Through the primary key (job_id, comment_id): each batch reads only this job's rows.
    for (;;) {
      const r = await db.execute(sql`
        delete from bulk_job_changes where job_id = ${id}::uuid and comment_id = any(array(
          select comment_id from bulk_job_changes where job_id = ${id}::uuid limit ${PRUNE_BATCH}))`);
      const n = Number((r as { rowCount?: number }).rowCount ?? 0);
      total += n;
      if (n < PRUNE_BATCH) break;
    }
  }
  return total;
}

/**
 * Masks the recipient (maskContact, also where the last error quotes it) and empties the
 * parameters of outbox rows delivered or failed before `cutoff`, in batches. A masked recipient
 * always holds '***' and a real contact never does: a row done once is not picked again.
 */
async function maskOldOutbox(db: DbOrTx, cutoff: Date): Promise<number> {
  let total = 0;
  for (;;) {
    const rows = rowsOf<{ id: string; recipient: string }>(await db.execute(sql`
      select id, recipient from outbox
      where state in ('delivered', 'failed') and created_at < ${cutoff.toISOString()}::timestamptz
        and (params <> '{}'::jsonb or position('***' in recipient) = 0)
      order by created_at, id
      limit ${MASK_BATCH}`));
    if (rows.length === 0) return total;
    const masked = rows.map((r) => ({ id: r.id, masked: masked3(r.recipient) }));
    await db.execute(sql`
      update outbox set recipient = m.masked, params = '{}'::jsonb,
        last_error = replace(last_error, outbox.recipient, m.masked)
      from jsonb_to_recordset(${JSON.stringify(masked)}::jsonb) as m(id uuid, masked text)
      where outbox.id = m.id`);
    total += rows.length;
    if (rows.length < MASK_BATCH) return total;
  }
}

/** The masked contact, always holding '***' (a contact of two characters or fewer becomes just that). */
function masked3(recipient: string): string {
  if (recipient.includes('***')) return recipient;
  const m = maskContact(recipient);
  return m?.includes('***') ? m : '***';
}

/** Deletes `name` if it lies inside `dir`; false when it was not there. */
function removeInside(dir: string, name: string): boolean {
  const root = resolve(dir);
  const path = resolve(root, name);
  if (!path.startsWith(`${root}/`)) return false;
  try {
    unlinkSync(path);
    return true;
  } catch {
    return false;
  }
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir);
  } catch {
    return [];
  }
}
