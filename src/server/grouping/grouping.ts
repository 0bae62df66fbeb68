/**
 * Grouping at submission: every new comment joins the group of an identical comment (same
 * fingerprint of the normalised text) or of a near-identical one (MinHash over character
 * 3-grams, candidates found through LSH bands) in the same round, across all channels. Staff
 * later confirm, split or merge the groups (groups.ts). The lookups (groupPick) run per row in the
 * statement that inserts submitted comments (comments/insert-comments.ts); planGroup makes a group
 * with a founder in the submission's transaction.
 *
 * The band index (table lsh_buckets) keeps, for each band key of a round, the first comment that
 * stood alone or founded a group with it: members of a group are represented by its founder, and
 * a lookup reads at most LSH_BANDS candidates however many comments share a band, so grouping
 * costs the same at a million comments as at a hundred (docs/decisions/010-write-path-indexes.md).
 * It also keeps groups from drifting by chains of small edits.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { intArrayLiteral } from '../../db/pg-literals';
import { normaliseText } from './text-features';
import { lshBandsOf, MINHASH_SIZE, minhashOf, NEAR_DUPLICATE_THRESHOLD } from './minhash';
import { rowsOf } from '../../db/rows';

/** A comment to group; `id` is absent before its INSERT. */
export interface GroupableComment {
  id?: string;
  roundId: string;
  fingerprint: string;
}

/** The MinHash signature of a body and its LSH band keys; null for a body with nothing to compare. */
export interface NearDuplicateFeatures {
  minhash: number[] | null;
  lshBands: number[] | null;
}

/** The MinHash signature and LSH band keys stored for a comment body. */
export function nearDuplicateFeatures(body: string): NearDuplicateFeatures {
  const minhash = minhashOf(normaliseText(body));
  return { minhash, lshBands: minhash ? lshBandsOf(minhash) : null };
}

export interface GroupPlan {
  groupId: string | null;
  match: 'exact' | 'near' | null;
  minhash: number[] | null;
  /** Band keys to enter in the band index once the comment is stored; null for a comment that joins a group: its founder represents it. */
  lshBands: number[] | null;
}

/** What the lookups found: a group to join, or a founder to make a group with, or nothing. */
interface GroupMatch extends NearDuplicateFeatures {
  match: 'exact' | 'near' | null;
  groupId: string | null;
  /** An earlier comment without a group that this one duplicates: a group must be made with it (createGroupWith). */
  founder: { id: string; fingerprint: string | null } | null;
}

/** The id of no comment: a comment not inserted yet excludes nothing from its candidates. */
export const NO_ID = '00000000-0000-0000-0000-000000000000';

/**
 * Finds the group a comment belongs in, without writing the comment itself: the caller puts
 * group_id and minhash in the comment's INSERT and, in the same statement, enters `lshBands` in
 * the band index (comments/insert-comments.ts). May create a group and move the matched founder into it,
 * so it runs in the transaction of the INSERT. `comment.id` may be absent before the insert;
 * `features` are the body's (text-features.ts textFeaturesOf, or nearDuplicateFeatures).
 */
export async function planGroup(tx: DbOrTx, comment: GroupableComment, features: NearDuplicateFeatures): Promise<GroupPlan> {
  return settleGroup(tx, comment.roundId, await findGroup(tx, comment, features));
}

/**
 * The plan for a match: when it names a founder, makes (or finds) the founder's group — which
 * writes, so it must share the INSERT's transaction.
 */
async function settleGroup(tx: DbOrTx, roundId: string, m: GroupMatch): Promise<GroupPlan> {
  const groupId = m.founder ? await createGroupWith(tx, roundId, m.founder.fingerprint, m.founder.id) : m.groupId;
  return { groupId, match: m.match, minhash: m.minhash, lshBands: groupId ? null : m.lshBands };
}

/** The row the lookups pick (groupPick's). */
interface PickedRow {
  kind: 'group' | 'twin' | 'near';
  id: string;
  group_id: string | null;
}

/** What groupPick compares: SQL expressions, parameters for one comment or columns of a batch. */
export interface PickInputs {
  roundId: SQL;
  fingerprint: SQL;
  /** The comment's own id, excluded from its candidates (NO_ID before its INSERT). */
  self: SQL;
  minhash: SQL;
  lshBands: SQL;
}

/**
 * The lookups as one subquery, at most one row (kind, id, group_id): the round's group for this
 * exact text, the earliest comment with it, and the near-duplicate candidates of the band index
 * (at most one per band key); exact beats near, then the candidate whose MinHash signature agrees
 * in the most positions, if in at least NEAR_DUPLICATE_THRESHOLD of them. `group_id` null means a
 * founder without a group. Its inputs may name columns, so a statement inserting a batch runs it
 * per row as a LATERAL subquery (comments/insert-comments.ts); findGroup runs it alone. Its own
 * aliases (cand, g, tw, n, k, b, m, u) must not be the names its inputs' columns are qualified by.
 */
export function groupPick(c: PickInputs): SQL {
  return sql`(
      select cand.kind, cand.id, cand.group_id from (
        select 'group'::text as kind, g.id, g.id as group_id, null::int[] as minhash
        from comment_groups g where g.round_id = ${c.roundId} and g.fingerprint = ${c.fingerprint}
        union all (
          select 'twin', tw.id, tw.group_id, null::int[] from comments tw
          where tw.round_id = ${c.roundId} and tw.fingerprint = ${c.fingerprint} and tw.id <> ${c.self}
          order by tw.created_at, tw.id limit 1)
        union all
        select 'near', n.id, n.group_id, n.minhash from comments n
        where n.id in (
          -- One primary-key probe per band key: the LIMIT keeps the lateral subquery from being
          -- flattened into a join, whose plan could scan the whole round while the table has no
          -- statistics yet (a prepared statement keeps that plan until it is analysed).
          select b.comment_id from unnest(${c.lshBands}) as k(key)
          cross join lateral (select comment_id from lsh_buckets where round_id = ${c.roundId} and band_key = k.key limit 1) b)
          and n.id <> ${c.self}
      ) cand
      cross join lateral (
        select count(*) as agreeing from unnest(cand.minhash, ${c.minhash}) as u(x, y) where x = y) m
      where cand.kind <> 'near' or (cand.minhash is not null and ${c.minhash} is not null
        and m.agreeing >= ${NEAR_DUPLICATE_THRESHOLD * MINHASH_SIZE}::float8)
      order by case cand.kind when 'group' then 0 when 'twin' then 1 else 2 end, m.agreeing desc, cand.id
      limit 1)`;
}

/** The match for the row groupPick gave (or none). */
function matchOf(picked: PickedRow | undefined, fingerprint: string, features: NearDuplicateFeatures): GroupMatch {
  const base = { minhash: features.minhash, lshBands: features.lshBands };
  if (!picked) return { ...base, match: null, groupId: null, founder: null };
  const founder = picked.group_id ? null : { id: picked.id, fingerprint: picked.kind === 'near' ? null : fingerprint };
  return { ...base, match: picked.kind === 'near' ? 'near' : 'exact', groupId: picked.group_id, founder };
}

/** The lookups alone, reading only, in one round trip (groupPick). */
async function findGroup(db: DbOrTx, comment: GroupableComment, features: NearDuplicateFeatures): Promise<GroupMatch> {
  const pick = groupPick({
    roundId: sql`${comment.roundId}::uuid`,
    fingerprint: sql`${comment.fingerprint}::text`,
    self: sql`${comment.id ?? NO_ID}::uuid`,
    minhash: intArray(features.minhash),
    lshBands: intArray(features.lshBands ?? []),
  });
  const [picked] = rowsOf<PickedRow>(await db.execute(sql`select kind, id, group_id from ${pick} as p`));
  return matchOf(picked, comment.fingerprint, features);
}

/**
 * Puts the founder (the earlier comment matched) in a group and returns that group. The founder's
 * row is locked first, so submissions racing to group the same founder agree: the first creates
 * the group (its id is the founder's; for exact duplicates the round's fingerprint group is
 * reused), the others find it. No group is ever left without members.
 */
async function createGroupWith(tx: DbOrTx, roundId: string, fingerprint: string | null, founderId: string): Promise<string> {
  const founder = rowsOf<{ group_id: string | null }>(await tx.execute(sql`
    select group_id from comments where id = ${founderId}::uuid for update`))[0];
  if (founder?.group_id) return founder.group_id;
  await tx.execute(sql`
    insert into comment_groups (id, round_id, fingerprint) values (${founderId}::uuid, ${roundId}::uuid, ${fingerprint})
    on conflict do nothing`);
  const groupId = rowsOf<{ id: string }>(await tx.execute(sql`
    select id from comment_groups
    where id = ${founderId}::uuid or (round_id = ${roundId}::uuid and fingerprint = ${fingerprint})
    order by (id = ${founderId}::uuid) desc limit 1`))[0].id;
  // Part of a submission: not a change the inbox counts' version tracks (migration 0012), so
  // concurrent submissions do not queue on that version's row.
  await tx.execute(sql`
    update comments set group_id = ${groupId}::uuid
    from (select set_config('kaimen.new_comments', 'on', true)) as submission
    where id = ${founderId}::uuid`);
  return groupId;
}

function intArray(values: readonly number[] | null) {
  return sql`${intArrayLiteral(values)}::int[]`;
}
