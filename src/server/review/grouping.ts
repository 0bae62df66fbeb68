/**
 * Grouping at submission: every new comment joins the group of an identical comment (same
 * fingerprint of the normalised text) or of a near-identical one (MinHash over character
 * 3-grams, candidates found through LSH bands) in the same round, across all channels. Staff
 * later confirm, split or merge the groups (groups.ts). Runs inside the submission transaction.
 *
 * The band index (table lsh_buckets) keeps, for each band key of a round, the first comment that
 * stood alone or founded a group with it: members of a group are represented by its founder, and
 * a lookup reads at most LSH_BANDS candidates however many comments share a band, so grouping
 * costs the same at a million comments as at a hundred (docs/decisions/010-write-path-indexes.md).
 * It also keeps groups from drifting by chains of small edits.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { normaliseText } from '../comments/text-features';
import { estimateSimilarity, lshBandsOf, minhashOf, NEAR_DUPLICATE_THRESHOLD } from './minhash';
import { rowsOf } from './target';

export interface GroupableComment {
  id: string;
  roundId: string;
  fingerprint: string;
  body: string;
}

export interface GroupingResult {
  groupId: string | null;
  match: 'exact' | 'near' | null;
}

/** The MinHash signature and LSH band keys stored for a comment body. */
export function nearDuplicateFeatures(body: string): { minhash: number[] | null; lshBands: number[] | null } {
  const minhash = minhashOf(normaliseText(body));
  return { minhash, lshBands: minhash ? lshBandsOf(minhash) : null };
}

export interface GroupPlan extends GroupingResult {
  minhash: number[] | null;
  /** Band keys to enter in the band index once the comment is stored; null for a comment that joins a group: its founder represents it. */
  lshBands: number[] | null;
}

/** What the lookups found: a group to join, or a founder to make a group with, or nothing. */
export interface GroupMatch {
  minhash: number[] | null;
  lshBands: number[] | null;
  match: 'exact' | 'near' | null;
  groupId: string | null;
  /** An earlier comment without a group that this one duplicates: a group must be made with it (createGroupWith). */
  founder: { id: string; fingerprint: string | null } | null;
}

const NO_ID = '00000000-0000-0000-0000-000000000000';

/**
 * Finds the group a comment belongs in, without writing the comment itself: the caller puts
 * group_id and minhash in the comment's INSERT and, in the same statement, enters `lshBands` in
 * the band index (submit-comment.ts). May create a group and move the matched founder into it,
 * so it runs in the transaction of the INSERT. `comment.id` may be absent before the insert.
 */
export async function planGroup(tx: DbOrTx, comment: Omit<GroupableComment, 'id'> & { id?: string }): Promise<GroupPlan> {
  return settleGroup(tx, comment.roundId, await findGroup(tx, comment));
}

/**
 * The plan for a match: when it names a founder, makes (or finds) the founder's group — which
 * writes, so it must share the INSERT's transaction.
 */
export async function settleGroup(tx: DbOrTx, roundId: string, m: GroupMatch): Promise<GroupPlan> {
  const groupId = m.founder ? await createGroupWith(tx, roundId, m.founder.fingerprint, m.founder.id) : m.groupId;
  return { groupId, match: m.match, minhash: m.minhash, lshBands: groupId ? null : m.lshBands };
}

/**
 * The lookups, reading only, in one round trip: the round's group for this exact text, the
 * earliest comment with it, and the near-duplicate candidates of the band index (at most one per
 * band). Exact beats near; the most similar candidate above the threshold wins.
 */
export async function findGroup(db: DbOrTx, comment: Omit<GroupableComment, 'id'> & { id?: string }): Promise<GroupMatch> {
  const { minhash, lshBands } = nearDuplicateFeatures(comment.body);
  const round = comment.roundId;
  const self = comment.id ?? NO_ID;
  const rows = rowsOf<{ kind: 'group' | 'twin' | 'near'; id: string; group_id: string | null; minhash: number[] | string | null }>(await db.execute(sql`
    select 'group' as kind, g.id, g.id as group_id, null::int[] as minhash
    from comment_groups g where g.round_id = ${round}::uuid and g.fingerprint = ${comment.fingerprint}
    union all (
      select 'twin', t.id, t.group_id, null::int[] from comments t
      where t.round_id = ${round}::uuid and t.fingerprint = ${comment.fingerprint} and t.id <> ${self}::uuid
      order by t.created_at, t.id limit 1)
    union all
    select 'near', c.id, c.group_id, c.minhash from comments c
    where c.id in (select b.comment_id from lsh_buckets b where b.round_id = ${round}::uuid and b.band_key = any(${intArray(lshBands ?? [])}))
      and c.id <> ${self}::uuid`));
  const none = { minhash, lshBands };
  const group = rows.find((r) => r.kind === 'group');
  if (group) return { ...none, match: 'exact', groupId: group.id, founder: null };
  const twin = rows.find((r) => r.kind === 'twin');
  if (twin) return { ...none, match: 'exact', groupId: twin.group_id, founder: twin.group_id ? null : { id: twin.id, fingerprint: comment.fingerprint } };
  let best: { id: string; group_id: string | null; score: number } | null = null;
  if (minhash) {
    for (const cand of rows) {
      const sig = cand.kind === 'near' ? parseIntArray(cand.minhash) : null;
      if (!sig) continue;
      const score = estimateSimilarity(minhash, sig);
      if (score >= NEAR_DUPLICATE_THRESHOLD && (!best || score > best.score)) best = { id: cand.id, group_id: cand.group_id, score };
    }
  }
  if (!best) return { ...none, match: null, groupId: null, founder: null };
  return { ...none, match: 'near', groupId: best.group_id, founder: best.group_id ? null : { id: best.id, fingerprint: null } };
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
  await tx.execute(sql`update comments set group_id = ${groupId}::uuid where id = ${founderId}::uuid`);
  return groupId;
}

function intArray(values: readonly number[] | null) {
  return values ? sql`${`{${values.join(',')}}`}::int[]` : sql`null::int[]`;
}

/** int[] comes back as an array from node-postgres and PGlite, as '{1,2}' from some paths. */
function parseIntArray(v: number[] | string | null): number[] | null {
  if (v === null || v === undefined) return null;
  if (Array.isArray(v)) return v.map(Number);
  return v.replace(/[{}]/g, '').split(',').filter(Boolean).map(Number);
}
