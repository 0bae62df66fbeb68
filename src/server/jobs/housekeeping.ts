/**
 * Housekeeping, run by every instance about once an hour (a periodic task of the job runner, scheduled in boot.ts): what would
 * otherwise only grow. Every step is idempotent, so two instances doing it at once do no harm.
 * - rate-limit windows that ended more than an hour ago (auth/rate-limit.ts);
 * - sessions past their expiry (a day's grace, for the audit of late requests);
 * - export files older than EXPORT_RETENTION_DAYS (the job stays listed; its download answers
 *   ExportFileMissing, and staff export again: every export can be made again from the data);
 * - `*.part` files of exports whose process was killed, a day after they were last written.
 */
import { readdirSync, statSync, unlinkSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { sql } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { pruneLimits } from '../auth/rate-limit';
import { rowsOf } from '../../db/rows';

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
  partFiles: number;
}

const DAY = 86_400_000;

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
    if (!name.endsWith('.part')) continue;
    try {
      if (statSync(join(opts.exportDir, name)).mtimeMs < now.getTime() - DAY && removeInside(opts.exportDir, name)) partFiles++;
    } catch { /* gone meanwhile */ }
  }
  return { limits, sessions, exports, partFiles };
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
