/**
 * Grouping at submission: every new comment joins the group of an identical comment (same
 * fingerprint of the normalised text) or of a near-identical one in the same round, across all
 * channels. Staff later confirm, split or merge the groups (groups.ts). The lookups (groupPick)
 * run per row in the statement that inserts submitted comments (comments/insert-comments.ts);
 * planGroup makes a group with a founder in the submission's transaction.
 *
 * Near-identical, for campaign copies (docs/decisions/024-campaign-containment.md): candidates come
 * from the band index by MinHash over character 3-grams of the body without its openings and
 * sign-offs (text-features.ts campaignTextOf); those whose signature agrees in at least
 * CANDIDATE_AGREEMENT of the positions are verified on their actual text — the containment of the
 * shorter text's bigram keys in the longer's (minhash.ts overlapOf), against the group's founder,
 * so a group cannot drift by chains of small edits — and the best one from CONTAINMENT_THRESHOLD
 * is joined.
 *
 * The band index (table lsh_buckets) keeps, for each band key of a round, the first comment that
 * entered it: every comment that is not an exact duplicate enters its keys (a group's members too,
 * so a campaign's rewrites widen the net of its group), and a lookup reads at most LSH_BANDS
 * candidates however many comments share a band, so grouping costs the same at a million comments
 * as at a hundred (docs/decisions/010-write-path-indexes.md).
 */
import { sql, type SQL } from 'drizzle-orm';
import { executePrepared, type DbOrTx } from '../../db/client';
import { intArrayLiteral } from '../../db/pg-literals';
import { bigramKeysOf, campaignTextOf } from './text-features';
import { CANDIDATE_AGREEMENT, CONTAINMENT_THRESHOLD, lshBandsOf, MINHASH_SIZE, minhashOf, SIZE_RATIO } from './minhash';
import { rowsOf } from '../../db/rows';

/** A comment to group; `id` is absent before its INSERT. */
export interface GroupableComment {
  id?: string;
  roundId: string;
  fingerprint: string;
}

/** The MinHash signature of a body and its LSH band keys (null for a body with nothing to compare), and its bigram keys (the verification's). */
export interface NearDuplicateFeatures {
  minhash: number[] | null;
  lshBands: number[] | null;
  bigrams: number[];
}

/** The MinHash signature, LSH band keys and bigram keys stored for a comment body (as textFeaturesOf). */
export function nearDuplicateFeatures(body: string): NearDuplicateFeatures {
  const minhash = minhashOf(campaignTextOf(body));
  return { minhash, lshBands: minhash ? lshBandsOf(minhash) : null, bigrams: bigramKeysOf(body) };
}

export interface GroupPlan {
  groupId: string | null;
  match: 'exact' | 'near' | null;
  minhash: number[] | null;
  /** Band keys to enter in the band index once the comment is stored; null for an exact duplicate: the text it repeats holds them. */
  lshBands: number[] | null;
}

/** What the lookups found: a group to join, or a founder to make a group with, or nothing. */
interface GroupMatch extends Omit<NearDuplicateFeatures, 'bigrams'> {
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
  return { groupId, match: m.match, minhash: m.minhash, lshBands: m.match === 'exact' ? null : m.lshBands };
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
  /** The comment's bigram keys (int[]), for the verification. */
  bigrams: SQL;
}

/**
 * The lookups as one subquery, at most one row (kind, id, group_id): the round's group for this
 * exact text, the earliest comment with it, and the near-duplicate candidates of the band index
 * (at most one per band key). A candidate whose MinHash signature agrees in at least
 * CANDIDATE_AGREEMENT of the positions is verified: the bigram keys of its group's founder (the
 * comment whose id the group carries; the candidate itself when it has no group or the group was
 * made by staff) are read in the same query, and the containment of the shorter set in the longer
 * must reach CONTAINMENT_THRESHOLD, with the shorter at least SIZE_RATIO of the longer (minhash.ts
 * overlapOf). Exact beats near, then the highest containment. `group_id` null means a founder
 * without a group. Its inputs may name columns, so a statement inserting a batch runs it per row
 * as a LATERAL subquery (comments/insert-comments.ts); findGroup runs it alone. Its own aliases
 * (cand, g, tw, n, f, k, b, m, u, v, i) must not be the names its inputs' columns are qualified by.
 */
export function groupPick(c: PickInputs): SQL {
  return sql`(
      select cand.kind, cand.id, cand.group_id from (
        select 'group'::text as kind, g.id, g.id as group_id, null::int[] as minhash, null::int[] as reference
        from comment_groups g where g.round_id = ${c.roundId} and g.fingerprint = ${c.fingerprint}
        union all (
          select 'twin', tw.id, tw.group_id, null::int[], null::int[] from comments tw
          where tw.round_id = ${c.roundId} and tw.fingerprint = ${c.fingerprint} and tw.id <> ${c.self}
          order by tw.created_at, tw.id limit 1)
        union all
        select 'near', n.id, n.group_id, n.minhash, coalesce(f.bigrams, n.bigrams) from comments n
        left join comments f on f.id = n.group_id
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
      cross join lateral (
        -- The verification, only for a candidate past the signature's test (CASE evaluates lazily).
        select case when cand.kind = 'near' and m.agreeing >= ${CANDIDATE_AGREEMENT * MINHASH_SIZE}::float8
          and least(cardinality(cand.reference), cardinality(${c.bigrams})) > 0
          and least(cardinality(cand.reference), cardinality(${c.bigrams}))
            >= ${SIZE_RATIO}::float8 * greatest(cardinality(cand.reference), cardinality(${c.bigrams}))
        -- Both arrays hold distinct keys: the reference's keys found in the comment's are the intersection.
        then (select count(*) from unnest(cand.reference) as i(key) where i.key = any(${c.bigrams}))::float8
          / least(cardinality(cand.reference), cardinality(${c.bigrams}))
        end as overlap
        offset 0) v -- computed once per candidate, not again for the ORDER BY
      where cand.kind <> 'near' or (cand.minhash is not null and ${c.minhash} is not null
        and v.overlap >= ${CONTAINMENT_THRESHOLD}::float8)
      order by case cand.kind when 'group' then 0 when 'twin' then 1 else 2 end, v.overlap desc, m.agreeing desc, cand.id
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
    bigrams: intArray(features.bigrams),
  });
  // Prepared (once per connection, also in a founder's transaction): planning it cost more than running it.
  const [picked] = (await executePrepared<PickedRow>(db, sql`select kind, id, group_id from ${pick} as p`)).rows;
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
