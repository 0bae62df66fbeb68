/**
 * The `themes` job and its trigger. Its own lane (`themes`, one at a time): a round of 100,000
 * comments takes tens of seconds and must wait behind neither an export nor a bulk action, nor hold
 * them up. Staff ask for a full computation (refresh button); a periodic task (boot.ts, every
 * minute) asks for a refresh of every computed round with comments newer than its last run.
 * Nothing is enqueued at submission.
 */
import { sql } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { rowsOf } from '../../db/rows';
import { enqueueJob, registerJobHandler, type JobContext } from '../jobs/runner';
import { log } from '../log';

export const THEMES_JOB = 'themes';
export const THEMES_LANE = 'themes';

export interface ThemesPayload {
  roundId: string;
  /** full: recompute; auto: assign the new comments (or recompute when many arrived). */
  mode: 'full' | 'auto';
}

/** The queued or running themes job of a round, if any. */
export async function pendingThemesJob(roundId: string, db: DbOrTx = getDb()): Promise<{ id: string; status: string; mode: string } | null> {
  const [r] = rowsOf<{ id: string; status: string; mode: string }>(await db.execute(sql`
    select id, status, payload->>'mode' as mode from jobs
    where kind = ${THEMES_JOB} and status in ('queued', 'running') and payload->>'roundId' = ${roundId}
    order by created_at limit 1`));
  return r ?? null;
}

/**
 * Queues a themes job for a round unless one is waiting (a waiting refresh becomes a full
 * computation when one is asked for). Returns the job's id.
 */
export async function enqueueThemes(roundId: string, mode: ThemesPayload['mode'], userId: string | null, db: DbOrTx = getDb()): Promise<string> {
  const pending = await pendingThemesJob(roundId, db);
  if (pending?.status === 'queued') {
    if (mode === 'full' && pending.mode !== 'full') {
      await db.execute(sql`update jobs set payload = jsonb_set(payload, '{mode}', '"full"') where id = ${pending.id} and status = 'queued'`);
    }
    return pending.id;
  }
  if (pending && mode === 'auto') return pending.id;
  const job = await enqueueJob(THEMES_JOB, { roundId, mode } satisfies ThemesPayload, userId, db, { lane: THEMES_LANE });
  return job.id;
}

async function runThemesJob(ctx: JobContext): Promise<void> {
  const payload = ctx.job.payload as ThemesPayload;
  // Imported here: jieba's dictionary is loaded only by a process that computes themes.
  const { computeRoundThemes, refreshRoundThemes } = await import('./compute-themes');
  const onProgress = (f: number) => ctx.progress(Math.round(f * 100));
  const summary = payload.mode === 'full'
    ? await computeRoundThemes(payload.roundId, ctx.db, { onProgress })
    : await refreshRoundThemes(payload.roundId, ctx.db, { onProgress });
  log.info(`[themes] round ${payload.roundId}: ${summary.mode}, ${summary.comments} comments, ${summary.durationMs} ms`);
}

/** Registers the job kind (boot.ts). */
export function registerThemesJob(): void {
  registerJobHandler(THEMES_JOB, runThemesJob, { maxAttempts: 2, retryDelayMs: () => 30_000 });
}

/** The periodic trigger: a refresh for each computed round that has comments newer than its last run. Returns how many were queued. */
export async function enqueueThemeRefreshes(db: DbOrTx = getDb()): Promise<number> {
  const rounds = rowsOf<{ round_id: string }>(await db.execute(sql`
    select r.round_id from theme_runs r
    where exists (select 1 from comments c where c.round_id = r.round_id and c.created_at > r.through)
      and not exists (select 1 from jobs j where j.kind = ${THEMES_JOB} and j.status in ('queued', 'running') and j.payload->>'roundId' = r.round_id::text)`));
  for (const r of rounds) await enqueueThemes(r.round_id, 'auto', null, db);
  return rounds.length;
}

