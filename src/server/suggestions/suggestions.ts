/**
 * Tag suggestions as staff use them (decision 027): read a comment's suggestions and why there are
 * none, accept one (the tag is added by the tagging use case, audited as any tagging), reject one
 * (stored: never suggested again for that comment, and a negative example at the next training;
 * audited), or accept every suggestion of a round at or above a confidence.
 */
import { sql } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { rowsOf } from '../../db/rows';
import { pgArray } from '../../db/pg-literals';
import { recordAudit, type Actor } from '../audit';
import { AppError } from '../errors';
import { isUuid } from '../params';
import { tagComments } from '../review/tags';
import { loadReportScope, type ReportScope } from '../reports/adoption-report';
import { pendingSuggestionsJob, SUGGESTIONS_LANE } from './suggestions-job';
import { enqueueJob, kickJobRunner, registerJobHandler, type JobContext } from '../jobs/runner';
import { MIN_TAGGED, STORE_FLOOR } from './train-suggestions';

export interface Suggestion { tagId: string; tag: string; confidence: number }

/** Where a round's suggestions stand: what the last training learnt from, and the round's tagged count now. */
export interface SuggestionState {
  /** none: too few tagged comments to learn from; pending: the first training is queued or running. */
  source: 'round' | 'draft' | 'none' | 'pending';
  roundTagged: number;
  minTagged: number;
  trainedOn: number;
  learnedTags: string[];
  suggestions: number;
  trainedAt: Date | null;
  training: boolean;
}

/** The suggestions of comment `id` (its tags excluded), highest confidence first. */
export async function suggestionsOf(commentId: string, db: DbOrTx = getDb()): Promise<Suggestion[]> {
  if (!isUuid(commentId)) return [];
  const rows = rowsOf<{ tag_id: string; name: string; confidence: number }>(await db.execute(sql`
    select s.tag_id, t.name, s.confidence from tag_suggestions s join tags t on t.id = s.tag_id
    where s.comment_id = ${commentId}::uuid and s.confidence >= ${STORE_FLOOR}
      and not exists (select 1 from comment_tags ct where ct.comment_id = s.comment_id and ct.tag_id = s.tag_id)
    order by s.confidence desc, t.name`));
  return rows.map((r) => ({ tagId: r.tag_id, tag: r.name, confidence: Math.floor(Number(r.confidence) * 100) / 100 }));
}

/** The state of the suggestions of round `roundId`. */
export async function suggestionState(roundId: string, db: DbOrTx = getDb()): Promise<SuggestionState> {
  const [[run], [now], pending] = await Promise.all([
    db.execute(sql`select source, trained_on, learned_tags, suggestions, finished_at from tag_suggestion_runs where round_id = ${roundId}::uuid`).then((r) => rowsOf<Record<string, any>>(r)),
    db.execute(sql`select count(distinct ct.comment_id)::int as n from comment_tags ct join comments c on c.id = ct.comment_id where c.round_id = ${roundId}::uuid`).then((r) => rowsOf<{ n: number }>(r)),
    pendingSuggestionsJob(roundId, db),
  ]);
  const learned = run?.learned_tags?.length
    ? rowsOf<{ name: string }>(await db.execute(sql`select name from tags where id = any(${pgArray(run.learned_tags)}::uuid[]) order by name`)).map((r) => r.name)
    : [];
  return {
    source: run ? run.source : pending ? 'pending' : 'none',
    roundTagged: Number(now?.n ?? 0), minTagged: MIN_TAGGED,
    trainedOn: Number(run?.trained_on ?? 0), learnedTags: learned, suggestions: Number(run?.suggestions ?? 0),
    trainedAt: run?.finished_at ? new Date(run.finished_at) : null, training: !!pending,
  };
}

/** Finds the stored suggestion of `tag` (an id or a name) for the comment; throws CommentNotFound / SuggestionNotFound. */
async function findSuggestion(commentId: string, tag: string, db: DbOrTx): Promise<{ tagId: string; name: string; roundId: string }> {
  if (!isUuid(commentId)) throw new AppError('CommentNotFound');
  const [c] = rowsOf<{ id: string }>(await db.execute(sql`select id from comments where id = ${commentId}::uuid`));
  if (!c) throw new AppError('CommentNotFound');
  const byTag = isUuid(tag) ? sql`s.tag_id = ${tag}::uuid` : sql`t.name = ${tag}`;
  const [s] = rowsOf<{ tag_id: string; name: string; round_id: string }>(await db.execute(sql`
    select s.tag_id, t.name, s.round_id from tag_suggestions s join tags t on t.id = s.tag_id
    where s.comment_id = ${commentId}::uuid and ${byTag} limit 1`));
  if (!s) throw new AppError('SuggestionNotFound');
  return { tagId: s.tag_id, name: s.name, roundId: s.round_id };
}

/**
 * Accepts or rejects the suggestion of `tag` for comment `commentId`. Accepting adds the tag
 * through tagComments (audited as `comment.tag`); rejecting records the rejection and audits
 * `comment.suggestionReject`. Either way the suggestion is removed. Returns the tag's name.
 */
export async function decideSuggestion(commentId: string, input: { tag: string; accept: boolean }, actor: Actor, db: DbOrTx = getDb()): Promise<string> {
  return db.transaction(async (tx) => {
    const s = await findSuggestion(commentId, input.tag, tx);
    if (input.accept) {
      await tagComments([commentId], [s.tagId], actor, {}, tx);
    } else {
      await tx.execute(sql`
        insert into tag_suggestion_rejections (comment_id, tag_id, round_id, rejected_by)
        values (${commentId}::uuid, ${s.tagId}::uuid, ${s.roundId}::uuid, ${actor.kind === 'user' ? actor.id : null})
        on conflict do nothing`);
      await recordAudit(tx, actor, { action: 'comment.suggestionReject', objectType: 'comment', objectId: commentId, after: { tags: [s.name] } });
    }
    await tx.execute(sql`delete from tag_suggestions where comment_id = ${commentId}::uuid and tag_id = ${s.tagId}::uuid`);
    return s.name;
  });
}

/** How many suggestions (and comments) of round `roundId` are at or above `threshold`: what a bulk accept would add. */
export async function countSuggestionsAbove(roundId: string, threshold: number, db: DbOrTx = getDb()): Promise<{ suggestions: number; comments: number }> {
  const [r] = rowsOf<{ s: number; c: number }>(await db.execute(sql`
    select count(*)::int as s, count(distinct comment_id)::int as c from tag_suggestions where round_id = ${roundId}::uuid and confidence >= ${threshold}`));
  return { suggestions: Number(r?.s ?? 0), comments: Number(r?.c ?? 0) };
}

const CHUNK = 1000;

/**
 * Accepts every suggestion of round `roundId` at or above `threshold`: per tag, the comments in
 * chunks of CHUNK through tagComments (one `comment.tag` audit event per chunk), each chunk's
 * suggestions removed in its transaction. Returns how many suggestions were accepted.
 */
export async function acceptSuggestionsAbove(roundId: string, threshold: number, actor: Actor, db: DbOrTx = getDb()): Promise<number> {
  const rows = rowsOf<{ tag_id: string; comment_id: string }>(await db.execute(sql`
    select tag_id, comment_id from tag_suggestions where round_id = ${roundId}::uuid and confidence >= ${threshold} order by tag_id, comment_id`));
  const byTag = new Map<string, string[]>();
  for (const r of rows) byTag.set(r.tag_id, [...(byTag.get(r.tag_id) ?? []), r.comment_id]);
  let accepted = 0;
  for (const [tagId, ids] of byTag) {
    for (let i = 0; i < ids.length; i += CHUNK) {
      const chunk = ids.slice(i, i + CHUNK);
      await db.transaction(async (tx) => {
        await tagComments(chunk, [tagId], actor, {}, tx);
        await tx.execute(sql`delete from tag_suggestions where tag_id = ${tagId}::uuid and comment_id = any(${pgArray(chunk)}::uuid[])`);
      });
      accepted += chunk.length;
    }
  }
  return accepted;
}

export interface RoundSuggestionsView {
  scope: ReportScope;
  state: SuggestionState;
  threshold: number;
  above: { suggestions: number; comments: number };
  /** Per tag: suggestions at or above the threshold. */
  perTag: Array<{ tag: string; count: number }>;
  /** A bulk accept of this round is queued or running. */
  accepting: boolean;
}

/** The round's suggestions page: its state, and what a bulk accept at `threshold` would add. Throws DraftNotFound / RoundNotFound. */
export async function loadRoundSuggestions(slug: string, round: number, threshold: number, db: DbOrTx = getDb()): Promise<RoundSuggestionsView> {
  const scope = await loadReportScope(slug, round, db);
  const [state, above, perTag, accepting] = await Promise.all([
    suggestionState(scope.round.id, db),
    countSuggestionsAbove(scope.round.id, threshold, db),
    db.execute(sql`select t.name, count(*)::int as n from tag_suggestions s join tags t on t.id = s.tag_id
      where s.round_id = ${scope.round.id}::uuid and s.confidence >= ${threshold} group by t.name order by n desc, t.name`)
      .then((r) => rowsOf<{ name: string; n: number }>(r).map((x) => ({ tag: x.name, count: Number(x.n) }))),
    pendingAcceptJob(scope.round.id, db),
  ]);
  return { scope, state, threshold, above, perTag, accepting };
}

/** A bulk accept of more than this many suggestions runs as a job (`tag-suggestions-accept`, lane `suggestions`). */
export const INLINE_ACCEPT_MAX = 2000;
export const ACCEPT_JOB = 'tag-suggestions-accept';

interface AcceptPayload { roundId: string; threshold: number; actor: Actor }

/**
 * Accepts every suggestion of the round at or above `threshold`: at once when there are at most
 * `inlineMax`, else queued as a job. Returns what was accepted, or the queued job.
 */
export async function startAcceptSuggestionsAbove(
  roundId: string, threshold: number, actor: Actor, db: DbOrTx = getDb(), opts: { inlineMax?: number } = {},
): Promise<{ accepted: number; job: string | null }> {
  const { suggestions } = await countSuggestionsAbove(roundId, threshold, db);
  if (suggestions <= (opts.inlineMax ?? INLINE_ACCEPT_MAX)) return { accepted: await acceptSuggestionsAbove(roundId, threshold, actor, db), job: null };
  const job = await enqueueJob(ACCEPT_JOB, { roundId, threshold, actor: { id: actor.id, kind: actor.kind } } satisfies AcceptPayload, actor.kind === 'user' ? actor.id : null, db, { lane: SUGGESTIONS_LANE });
  kickJobRunner(SUGGESTIONS_LANE);
  return { accepted: 0, job: job.id };
}

/** Whether a bulk accept of the round is queued or running. */
export async function pendingAcceptJob(roundId: string, db: DbOrTx = getDb()): Promise<boolean> {
  const rows = rowsOf(await db.execute(sql`select 1 from jobs where kind = ${ACCEPT_JOB} and status in ('queued', 'running') and payload->>'roundId' = ${roundId} limit 1`));
  return rows.length > 0;
}

/** Registers the bulk accept's job kind (boot.ts). */
export function registerAcceptJob(): void {
  registerJobHandler(ACCEPT_JOB, async (ctx: JobContext) => {
    const p = ctx.job.payload as AcceptPayload;
    await acceptSuggestionsAbove(p.roundId, p.threshold, p.actor, ctx.db);
  }, { maxAttempts: 2, retryDelayMs: () => 30_000 });
}
