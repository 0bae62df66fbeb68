/**
 * Near-duplicate grouping of imported comments, after the import (decision 009, addendum). A bulk
 * import groups exact duplicates in its own transaction (comments/import-sql.ts) and queues the
 * comments it left alone (one row of near_group_imports per import, its comments oldest first);
 * this job, in a lane of its own, enters their band keys in the band index and looks each one up
 * as a submission would (grouping.ts planGroup: the band index's candidates, verified on their
 * text against the group's founder) and puts it in the group it finds. Oldest first, so that the
 * earliest letter of a campaign founds its group; a batch per transaction, the import's count of
 * comments done advanced in the transaction that grouped them, so a killed job resumes where it
 * stopped and no comment is looked up twice. The import stays fast: grouping rewrites a comment's
 * row (its 20 indexes), which in the import's transaction doubled its time, and the band index
 * (16 rows a comment) and a queue row per comment cost it a fifth of its time more.
 */
import { sql } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { rowsOf } from '../../db/rows';
import { intArrayLiteral, pgArray } from '../../db/pg-literals';
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
 * of the exact-duplicate groups it made (in the import's transaction `tx`): one row of
 * near_group_imports, its comments oldest first, and a `near-groups` job unless one is waiting.
 * Returns how many were queued.
 */
export async function queueImportedForNearGroups(tx: DbOrTx): Promise<number> {
  const [queued] = rowsOf<{ n: number }>(await tx.execute(sql`
    insert into near_group_imports (comment_ids)
    select array_agg(n.id order by n.created_at, n.id) from kaimen_import_new n join comments c on c.id = n.id
    where n.has_bands and (c.group_id is null or c.group_id = c.id)
    having count(*) > 0
    returning cardinality(comment_ids) as n`));
  if (queued) await ensureNearGroupsJob(tx);
  return queued ? Number(queued.n) : 0;
}

/** How many queued comments are still to be looked up. */
export async function nearGroupsLeft(db: DbOrTx = getDb()): Promise<number> {
  const [{ n }] = rowsOf<{ n: number | string }>(await db.execute(sql`
    select coalesce(sum(cardinality(comment_ids) - done), 0) as n from near_group_imports`));
  return Number(n);
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

/**
 * Looks up the next `batch` comments of the oldest queued import; returns how many were taken from
 * the queue (a comment deleted since is taken and skipped) and how many joined a group.
 */
export async function groupQueuedBatch(db: DbOrTx = getDb(), batch = BATCH): Promise<{ done: number; grouped: number }> {
  return db.transaction(async (tx) => {
    // Locked and skipped by a second runner (several instances): each comment is looked up once.
    const [queued] = rowsOf<{ id: string; done: number; total: number }>(await tx.execute(sql`
      select id, done, cardinality(comment_ids) as total from near_group_imports
      order by created_at, id limit 1 for update skip locked`));
    if (!queued) return { done: 0, grouped: 0 };
    const from = Number(queued.done);
    const taken = Math.min(batch, Number(queued.total) - from);
    const rows = rowsOf<Queued>(await tx.execute(sql`
      select c.id as comment_id, c.round_id, c.fingerprint, c.minhash, c.bigrams, c.group_id
      from near_group_imports q cross join lateral unnest(q.comment_ids[${from + 1}::int : ${from + taken}::int]) with ordinality as u(id, n)
      join comments c on c.id = u.id
      where q.id = ${queued.id}::uuid
      order by u.n`));
    const featuresOf = rows.map((r) => {
      const minhash = r.minhash ? r.minhash.map(Number) : null;
      return { minhash, lshBands: minhash ? lshBandsOf(minhash) : null, bigrams: (r.bigrams ?? []).map(Number) };
    });
    await enterBandIndex(tx, rows, featuresOf);
    let grouped = 0;
    for (const [i, r] of rows.entries()) {
      const features = featuresOf[i];
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
    if (from + taken >= Number(queued.total)) await tx.execute(sql`delete from near_group_imports where id = ${queued.id}::uuid`);
    else await tx.execute(sql`update near_group_imports set done = ${from + taken}::int where id = ${queued.id}::uuid`);
    // Groups changed, in transactions that planGroup marked as a submission's: the triggers did not count them.
    if (grouped) await bumpCountsVersion(tx);
    return { done: taken, grouped };
  });
}

/**
 * Enters the band keys of a batch of queued comments in the band index (grouping.ts), before they
 * are looked up: the import leaves that to this job (decision 009), and a queued comment stood alone
 * or founded its exact group when it was imported, which are the comments whose keys the index
 * keeps (members are represented by their founder). One statement, keys in ascending order as
 * every writer takes them (no deadlock with submissions); for a key that several comments of the
 * batch share, the oldest keeps it; a key already taken stays with its comment.
 */
async function enterBandIndex(tx: DbOrTx, rows: readonly Queued[], features: readonly NearDuplicateFeatures[]): Promise<void> {
  const rounds: string[] = [];
  const keys: number[] = [];
  const ids: string[] = [];
  const order: number[] = [];
  rows.forEach((r, i) => {
    for (const key of features[i].lshBands ?? []) {
      rounds.push(r.round_id);
      keys.push(key);
      ids.push(r.comment_id);
      order.push(i);
    }
  });
  if (!keys.length) return;
  await tx.execute(sql`
    insert into lsh_buckets (round_id, band_key, comment_id)
    select distinct on (u.round_id, u.band_key) u.round_id, u.band_key, u.comment_id
    from unnest(${pgArray(rounds)}::uuid[], ${intArrayLiteral(keys)}::int[], ${pgArray(ids)}::uuid[], ${intArrayLiteral(order)}::int[])
      as u(round_id, band_key, comment_id, n)
    order by u.round_id, u.band_key, u.n
    on conflict do nothing`);
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
  const total = await nearGroupsLeft(ctx.db);
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
