/**
 * The `tag-suggestions` job and its trigger. Its own lane (`suggestions`, one at a time), so a
 * training waits behind no export, bulk action or themes run, and holds none up. A periodic task
 * (boot.ts, every minute) queues a training for each round whose coding changed enough since its
 * last run (train-suggestions.ts needsTraining); staff can ask for one from the round's
 * suggestions page. Nothing is enqueued at submission.
 */
import { sql } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { rowsOf } from '../../db/rows';
import { enqueueJob, kickJobRunner, registerJobHandler, type JobContext } from '../jobs/runner';
import { log } from '../log';
import { codingStateOf, needsTraining, trainRoundSuggestions } from './train-suggestions';

export const SUGGESTIONS_JOB = 'tag-suggestions';
export const SUGGESTIONS_LANE = 'suggestions';

/** The queued or running training of a round, if any. */
export async function pendingSuggestionsJob(roundId: string, db: DbOrTx = getDb()): Promise<{ id: string; status: string } | null> {
  const [r] = rowsOf<{ id: string; status: string }>(await db.execute(sql`
    select id, status from jobs where kind = ${SUGGESTIONS_JOB} and status in ('queued', 'running') and payload->>'roundId' = ${roundId}
    order by created_at limit 1`));
  return r ?? null;
}

/** Queues a training of the round unless one is waiting; returns the job's id. */
export async function enqueueSuggestions(roundId: string, userId: string | null, db: DbOrTx = getDb()): Promise<string> {
  const pending = await pendingSuggestionsJob(roundId, db);
  if (pending?.status === 'queued') return pending.id;
  const job = await enqueueJob(SUGGESTIONS_JOB, { roundId }, userId, db, { lane: SUGGESTIONS_LANE });
  kickJobRunner(SUGGESTIONS_LANE);
  return job.id;
}

async function runSuggestionsJob(ctx: JobContext): Promise<void> {
  const { roundId } = ctx.job.payload as { roundId: string };
  const s = await trainRoundSuggestions(roundId, ctx.db, { onProgress: (f) => ctx.progress(Math.round(f * 100)) });
  log.info(`[suggestions] round ${roundId}: ${s.source}, trained on ${s.trainedOn}, ${s.suggestions} suggestions, ${s.durationMs} ms`);
}

/** Registers the job kind (boot.ts). */
export function registerSuggestionsJob(): void {
  registerJobHandler(SUGGESTIONS_JOB, runSuggestionsJob, { maxAttempts: 2, retryDelayMs: () => 30_000 });
}

/** The periodic trigger: a training for each round of a draft with tags whose coding changed enough. Returns how many were queued. */
export async function enqueueStaleSuggestions(db: DbOrTx = getDb()): Promise<number> {
  const rounds = rowsOf<{ id: string; coding_pairs: number | null; rejections: number | null; comments: number | null }>(await db.execute(sql`
    select r.id, run.coding_pairs, run.rejections, run.comments from rounds r
    left join tag_suggestion_runs run on run.round_id = r.id
    where exists (select 1 from comments c where c.round_id = r.id)
      and exists (select 1 from comment_tags ct join comments c on c.id = ct.comment_id where c.draft_id = r.draft_id)
      and not exists (select 1 from jobs j where j.kind = ${SUGGESTIONS_JOB} and j.status in ('queued', 'running') and j.payload->>'roundId' = r.id::text)`));
  let queued = 0;
  for (const r of rounds) {
    const last = r.coding_pairs === null ? null : { codingPairs: Number(r.coding_pairs), rejections: Number(r.rejections), comments: Number(r.comments) };
    if (!needsTraining(last, await codingStateOf(r.id, db))) continue;
    await enqueueSuggestions(r.id, null, db);
    queued++;
  }
  return queued;
}
