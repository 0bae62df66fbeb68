/**
 * Near-duplicate grouping of imported comments, after the import (decision 009, addendum). A bulk
 * import groups exact duplicates in its own transaction (comments/import-sql.ts) and queues the
 * comments it left alone in near_group_queue; this job, in a lane of its own, looks each one up as a
 * submission would (grouping.ts planGroup: the band index's candidates, verified on their text
 * against the group's founder) and puts it in the group it finds. Oldest first, so that the
 * earliest letter of a campaign founds its group; a batch per transaction, each queued row deleted
 * in the transaction that grouped it, so a killed job resumes where it stopped and no comment is
 * looked up twice. The import itself stays as fast as before: grouping rewrites a comment's row
 * (its 20 indexes), which in the import's transaction doubled its time.
 */
import { sql } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { rowsOf } from '../../db/rows';
import { pgArray } from '../../db/pg-literals';
import { enqueueJob, registerJobHandler, type JobContext } from '../jobs/runner';
import { bumpCountsVersion } from '../review/inbox-counts';
import { log } from '../log';
import { planGroup, type NearDuplicateFeatures } from './grouping';
import { lshBandsOf } from './minhash';

export const NEAR_GROUPS_JOB = 'near-groups';
export const NEAR_GROUPS_LANE = 'grouping';
/** Comments looked up per transaction. */
const BATCH = 200;

/**
 * Queues the imported comments of the import's scratch table that no group took, and the founders
 * of the exact-duplicate groups it made (in the import's transaction `tx`) and a `near-groups` job unless one is waiting. Returns how many were queued.
 */
export async function queueImportedForNearGroups(tx: DbOrTx): Promise<number> {
  const r = await tx.execute(sql`
    insert into near_group_queue (comment_id, round_id, created_at)
    select n.id, n.round_id, n.created_at from kaimen_import_new n join comments c on c.id = n.id
    where n.lsh_bands is not null and (c.group_id is null or c.group_id = c.id)
    on conflict do nothing`);
  const queued = Number((r as { rowCount?: number }).rowCount ?? 0);
  if (queued) await ensureNearGroupsJob(tx);
  return queued;
}

/** A `near-groups` job queued, unless one is already waiting to run (a running one may have passed the new rows' place). */
async function ensureNearGroupsJob(db: DbOrTx): Promise<void> {
  const waiting = rowsOf(await db.execute(sql`select 1 from jobs where kind = ${NEAR_GROUPS_JOB} and status = 'queued' limit 1`));
  if (!waiting.length) await enqueueJob(NEAR_GROUPS_JOB, {}, null, db, { lane: NEAR_GROUPS_LANE });
}

interface Queued {
  comment_id: string;
  round_id: string;
  fingerprint: string;
  minhash: number[] | null;
  bigrams: number[] | null;
  /** Set for the founder of an exact-duplicate group the import made. */
  group_id: string | null;
}

/** Looks up one batch of the queue, oldest first; returns how many were looked up and how many joined a group. */
export async function groupQueuedBatch(db: DbOrTx = getDb(), batch = BATCH): Promise<{ done: number; grouped: number }> {
  return db.transaction(async (tx) => {
    // Locked and skipped by a second runner (several instances): each row is looked up once.
    const rows = rowsOf<Queued>(await tx.execute(sql`
      select q.comment_id, q.round_id, c.fingerprint, c.minhash, c.bigrams, c.group_id
      from near_group_queue q join comments c on c.id = q.comment_id
      order by q.created_at, q.comment_id limit ${batch}
      for update of q skip locked`));
    let grouped = 0;
    for (const r of rows) {
      const minhash = r.minhash ? r.minhash.map(Number) : null;
      const features = { minhash, lshBands: minhash ? lshBandsOf(minhash) : null, bigrams: (r.bigrams ?? []).map(Number) };
      if (r.group_id) {
        // Queued as its exact group's founder (the group carries its id); else grouped since, by hand: left as it is.
        if (r.group_id === r.comment_id) grouped += await mergeFoundersGroup(tx, r, features);
        continue;
      }
      const plan = await planGroup(tx, { id: r.comment_id, roundId: r.round_id, fingerprint: r.fingerprint }, features);
      if (!plan.groupId) continue;
      // Only a comment still alone: staff may have grouped it by hand meanwhile.
      const moved = await tx.execute(sql`update comments set group_id = ${plan.groupId}::uuid where id = ${r.comment_id}::uuid and group_id is null`);
      grouped += Number((moved as { rowCount?: number }).rowCount ?? 0);
    }
    if (rows.length) {
      await tx.execute(sql`delete from near_group_queue where comment_id = any(${pgArray(rows.map((r) => r.comment_id))}::uuid[])`);
      // Groups changed, in transactions that planGroup marked as a submission's: the triggers did not count them.
      if (grouped) await bumpCountsVersion(tx);
    }
    return { done: rows.length, grouped };
  });
}

/** A fingerprint no comment has: the lookups then look for near duplicates only. */
const NO_FINGERPRINT = 'near-only';

/**
 * The founder of an exact-duplicate group the import made: at submission, had its letter arrived
 * after a rewritten copy, the letter would have joined the copy's group and its exact copies with
 * it. Here the import made the exact group first, so the founder's near duplicates are looked up
 * (exact ones are its own group) and, when they are in another group, the whole exact group moves
 * there and is deleted — unless staff confirmed or named it. Returns how many comments moved.
 */
async function mergeFoundersGroup(tx: DbOrTx, r: Queued, features: NearDuplicateFeatures): Promise<number> {
  const [own] = rowsOf<{ confirmed: boolean; label: string | null }>(await tx.execute(sql`
    select confirmed, label from comment_groups where id = ${r.group_id}::uuid for update`));
  if (!own || own.confirmed || own.label) return 0;
  const plan = await planGroup(tx, { id: r.comment_id, roundId: r.round_id, fingerprint: NO_FINGERPRINT }, features);
  if (!plan.groupId || plan.groupId === r.group_id) return 0;
  const moved = await tx.execute(sql`update comments set group_id = ${plan.groupId}::uuid where group_id = ${r.group_id}::uuid`);
  await tx.execute(sql`delete from comment_groups where id = ${r.group_id}::uuid`);
  return Number((moved as { rowCount?: number }).rowCount ?? 0);
}

async function runNearGroupsJob(ctx: JobContext): Promise<void> {
  const [{ n: total }] = rowsOf<{ n: number }>(await ctx.db.execute(sql`select count(*)::int as n from near_group_queue`));
  let done = 0;
  let grouped = 0;
  for (;;) {
    ctx.signal.throwIfAborted();
    const b = await groupQueuedBatch(ctx.db);
    if (!b.done) break;
    done += b.done;
    grouped += b.grouped;
    await ctx.progress(Math.min(99, Math.floor((100 * done) / Math.max(1, total))));
  }
  log.info(`[grouping] imported comments looked up: ${done}, joined a group: ${grouped}`);
}

/** Registers the job kind (boot.ts). */
export function registerNearGroupsJob(): void {
  registerJobHandler(NEAR_GROUPS_JOB, runNearGroupsJob, { retryDelayMs: () => 30_000 });
}
