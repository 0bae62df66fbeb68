/**
 * Training the tag classifier of a round and storing its suggestions (decision 027). The model
 * learns from the round's tagged comments, or the draft's when the round has fewer than
 * MIN_TAGGED; a rejected suggestion is a negative example for its tag. Every untagged, visible
 * comment of the round gets the tags whose confidence is at least STORE_FLOOR, less the ones
 * staff rejected for it. Runs as the `tag-suggestions` job (suggestions-job.ts), never at submission.
 */
import { sql } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { rowsOf } from '../../db/rows';
import { pgArray } from '../../db/pg-literals';
import { withWorker, type WorkerClient } from '../workers/run-worker';
import type { AnalysisMethods } from '../workers/analysis.worker';

/** Fewer tagged comments than this (in the round, then in the draft): no suggestions. */
export const MIN_TAGGED = 20;
/** A tag is learnt only from at least this many comments carrying it. */
export const MIN_PER_TAG = 5;
/** Suggestions below this confidence are not stored (nor shown). */
export const STORE_FLOOR = 0.5;
/** The confidence the bulk accept offers first. */
export const DEFAULT_BULK_THRESHOLD = 0.9;
const PAGE = 5000;

export interface TrainSummary {
  source: 'round' | 'draft' | 'none';
  roundTagged: number;
  trainedOn: number;
  learnedTags: string[];
  comments: number;
  suggestions: number;
  modelVersion: number;
  durationMs: number;
}

/** What the coding of a round looks like now: the numbers a run records, to tell when to train again. */
export interface CodingState {
  codingPairs: number;
  rejections: number;
  comments: number;
}

/** The coding a run of `roundId` would see now. */
export async function codingStateOf(roundId: string, db: DbOrTx = getDb()): Promise<CodingState> {
  const [r] = rowsOf<{ pairs: number; rejections: number; comments: number }>(await db.execute(sql`
    with rd as (select draft_id from rounds where id = ${roundId}::uuid)
    select (select count(*)::int from comment_tags ct join comments c on c.id = ct.comment_id where c.draft_id = (select draft_id from rd)) as pairs,
           (select count(*)::int from tag_suggestion_rejections x join comments c on c.id = x.comment_id where c.draft_id = (select draft_id from rd)) as rejections,
           (select count(*)::int from comments where round_id = ${roundId}::uuid) as comments`));
  return { codingPairs: Number(r?.pairs ?? 0), rejections: Number(r?.rejections ?? 0), comments: Number(r?.comments ?? 0) };
}

/**
 * Whether the coding changed enough since the last run to train again: no run yet, or at least
 * max(5, 10 %) more or fewer tag pairs, at least 5 new rejections, or max(20, 5 %) more comments.
 */
export function needsTraining(last: CodingState | null, now: CodingState): boolean {
  if (!last) return now.codingPairs > 0;
  const moved = (a: number, b: number, min: number, share: number) => Math.abs(b - a) >= Math.max(min, Math.ceil(a * share));
  return moved(last.codingPairs, now.codingPairs, 5, 0.1) || moved(last.rejections, now.rejections, 5, 0) || moved(last.comments, now.comments, 20, 0.05);
}

interface Row { id: string; body: string; tags: string[] | null; rejected: string[] | null }

async function trainingRows(scope: { roundId?: string; draftId?: string }, db: DbOrTx): Promise<Row[]> {
  const where = scope.roundId ? sql`c.round_id = ${scope.roundId}::uuid` : sql`c.draft_id = ${scope.draftId}::uuid`;
  return rowsOf<Row>(await db.execute(sql`
    select c.id, c.body,
      (select array_agg(ct.tag_id::text) from comment_tags ct where ct.comment_id = c.id) as tags,
      (select array_agg(x.tag_id::text) from tag_suggestion_rejections x where x.comment_id = c.id) as rejected
    from comments c
    where ${where} and c.hidden_at is null
      and (exists (select 1 from comment_tags ct where ct.comment_id = c.id) or exists (select 1 from tag_suggestion_rejections x where x.comment_id = c.id))
    order by c.created_at, c.id`));
}

/**
 * Trains the round's classifier and replaces its stored suggestions (one transaction), recording
 * the run in tag_suggestion_runs. Below MIN_TAGGED (or with no tag of MIN_PER_TAG comments) the run
 * is recorded with source 'none' and the round's suggestions are removed. Training and scoring run
 * in the analysis worker (workers/run-worker.ts); `words: false` leaves jieba's words out of the
 * features (character bigrams alone; jieba is also left out when it does not load).
 */
export async function trainRoundSuggestions(
  roundId: string, db: DbOrTx = getDb(), opts: { onProgress?: (fraction: number) => Promise<void> | void; words?: boolean } = {},
): Promise<TrainSummary> {
  return withWorker<AnalysisMethods, TrainSummary>('analysis', (worker) => trainWith(worker, roundId, db, opts));
}

async function trainWith(
  worker: WorkerClient<AnalysisMethods>,
  roundId: string, db: DbOrTx, opts: { onProgress?: (fraction: number) => Promise<void> | void; words?: boolean },
): Promise<TrainSummary> {
  const started = performance.now();
  const state = await codingStateOf(roundId, db);
  const [round] = rowsOf<{ draft_id: string }>(await db.execute(sql`select draft_id from rounds where id = ${roundId}::uuid`));
  if (!round) return { source: 'none', roundTagged: 0, trainedOn: 0, learnedTags: [], comments: 0, suggestions: 0, modelVersion: 0, durationMs: 0 };
  const roundRows = await trainingRows({ roundId }, db);
  const roundTagged = roundRows.filter((r) => r.tags?.length).length;
  let source: TrainSummary['source'] = 'round';
  let rows = roundRows;
  if (roundTagged < MIN_TAGGED) {
    rows = await trainingRows({ draftId: round.draft_id }, db);
    source = rows.filter((r) => r.tags?.length).length >= MIN_TAGGED ? 'draft' : 'none';
  }
  const examples = rows.map((r) => ({ body: r.body, tags: r.tags ?? [], rejected: r.rejected ?? [] }));
  const learnt = source === 'none' ? null : await worker.call('train', examples, { words: opts.words ?? true, minPerTag: MIN_PER_TAG });
  if (learnt && learnt.length === 0) source = 'none';
  await opts.onProgress?.(0.2);

  const out: Array<{ commentId: string; tagId: string; confidence: number }> = [];
  if (learnt && source !== 'none') {
    let after: string | null = null;
    for (;;) {
      const page: Array<{ id: string; body: string; rejected: string[] | null }> = rowsOf(await db.execute(sql`
        select c.id, c.body, (select array_agg(x.tag_id::text) from tag_suggestion_rejections x where x.comment_id = c.id) as rejected
        from comments c
        where c.round_id = ${roundId}::uuid and c.hidden_at is null ${after ? sql`and c.id > ${after}::uuid` : sql``}
          and not exists (select 1 from comment_tags ct where ct.comment_id = c.id)
        order by c.id limit ${PAGE}`));
      if (!page.length) break;
      const predicted = await worker.call('predict', page.map((c) => c.body), STORE_FLOOR);
      page.forEach((c, i) => {
        const rejected = new Set(c.rejected ?? []);
        for (const p of predicted[i]) if (!rejected.has(p.tag)) out.push({ commentId: c.id, tagId: p.tag, confidence: p.confidence });
      });
      after = page[page.length - 1].id;
      await opts.onProgress?.(0.2 + 0.6 * Math.min(1, out.length / Math.max(1, state.comments)));
    }
  }

  const summary = await db.transaction(async (tx) => {
    const [prev] = rowsOf<{ model_version: number }>(await tx.execute(sql`select model_version from tag_suggestion_runs where round_id = ${roundId}::uuid for update`));
    const modelVersion = Number(prev?.model_version ?? 0) + 1;
    await tx.execute(sql`delete from tag_suggestions where round_id = ${roundId}::uuid`);
    for (let i = 0; i < out.length; i += PAGE) {
      const chunk = out.slice(i, i + PAGE);
      await tx.execute(sql`
        insert into tag_suggestions (comment_id, tag_id, round_id, confidence, model_version)
        select s.comment_id, s.tag_id, ${roundId}::uuid, s.confidence, ${modelVersion}
        from unnest(${pgArray(chunk.map((s) => s.commentId))}::uuid[], ${pgArray(chunk.map((s) => s.tagId))}::uuid[],
                    ${pgArray(chunk.map((s) => Number(s.confidence.toFixed(4))))}::real[]) as s(comment_id, tag_id, confidence)
        on conflict do nothing`);
    }
    const durationMs = Math.round(performance.now() - started);
    const learned = learnt && source !== 'none' ? learnt : [];
    const learnedArray = pgArray(learned);
    const trainedOn = source === 'none' ? 0 : examples.filter((e) => e.tags.length).length;
    await tx.execute(sql`
      insert into tag_suggestion_runs (round_id, model_version, source, round_tagged, trained_on, learned_tags, coding_pairs, rejections, comments, suggestions, duration_ms, finished_at)
      values (${roundId}::uuid, ${modelVersion}, ${source}, ${roundTagged}, ${trainedOn}, ${learnedArray}::text[], ${state.codingPairs}, ${state.rejections}, ${state.comments}, ${out.length}, ${durationMs}, now())
      on conflict (round_id) do update set model_version = excluded.model_version, source = excluded.source, round_tagged = excluded.round_tagged,
        trained_on = excluded.trained_on, learned_tags = excluded.learned_tags, coding_pairs = excluded.coding_pairs, rejections = excluded.rejections,
        comments = excluded.comments, suggestions = excluded.suggestions, duration_ms = excluded.duration_ms, finished_at = excluded.finished_at`);
    return { source, roundTagged, trainedOn, learnedTags: learned, comments: state.comments, suggestions: out.length, modelVersion, durationMs };
  });
  await opts.onProgress?.(1);
  return summary;
}
