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
  /** Band keys to enter in the band index once the comment is stored (bandIndexInsert); null for a comment that joins a group: its founder represents it. */
  lshBands: number[] | null;
}

/**
 * Finds the group a comment belongs in, without writing the comment itself: the caller puts
 * group_id and minhash in the comment's INSERT and, in the same statement, enters `lshBands` in
 * the band index (submit-comment.ts). May create a group and move the matched founder into it.
 * `comment.id` may be absent before the insert.
 */
export async function planGroup(tx: DbOrTx, comment: Omit<GroupableComment, 'id'> & { id?: string }): Promise<GroupPlan> {
  const { minhash, lshBands } = nearDuplicateFeatures(comment.body);
  const c = { ...comment, id: comment.id ?? '00000000-0000-0000-0000-000000000000' };
  const found = (await exactMatch(tx, c)) ?? (minhash && lshBands ? await nearMatch(tx, c, minhash, lshBands) : null);
  const groupId = found?.groupId ?? null;
  return { groupId, match: found?.match ?? null, minhash, lshBands: groupId ? null : lshBands };
}

async function exactMatch(tx: DbOrTx, c: GroupableComment): Promise<{ groupId: string; match: 'exact' } | null> {
  // One round trip: the round's group for this fingerprint, else the earliest twin.
  const found = rowsOf<{ fp_group: string | null; id: string | null; group_id: string | null }>(await tx.execute(sql`
    select (select g.id from comment_groups g where g.round_id = ${c.roundId}::uuid and g.fingerprint = ${c.fingerprint}) as fp_group,
      t.id, t.group_id
    from (select 1) one left join lateral (
      select id, group_id from comments
      where round_id = ${c.roundId}::uuid and fingerprint = ${c.fingerprint} and id <> ${c.id}::uuid
      order by created_at limit 1) t on true`))[0];
  if (found?.fp_group) return { groupId: found.fp_group, match: 'exact' };
  if (!found?.id) return null;
  if (found.group_id) return { groupId: found.group_id, match: 'exact' };
  const groupId = await createGroupWith(tx, c.roundId, c.fingerprint, found.id);
  return { groupId, match: 'exact' };
}

async function nearMatch(tx: DbOrTx, c: GroupableComment, minhash: number[], bands: number[]): Promise<{ groupId: string; match: 'near' } | null> {
  const candidates = rowsOf<{ id: string; group_id: string | null; minhash: number[] | string | null }>(await tx.execute(sql`
    select c.id, c.group_id, c.minhash
    from comments c
    where c.id in (select b.comment_id from lsh_buckets b where b.round_id = ${c.roundId}::uuid and b.band_key = any(${intArray(bands)}))
      and c.id <> ${c.id}::uuid`));
  let best: { id: string; group_id: string | null; score: number } | null = null;
  for (const cand of candidates) {
    const sig = parseIntArray(cand.minhash);
    if (!sig) continue;
    const score = estimateSimilarity(minhash, sig);
    if (score >= NEAR_DUPLICATE_THRESHOLD && (!best || score > best.score)) best = { id: cand.id, group_id: cand.group_id, score };
  }
  if (!best) return null;
  if (best.group_id) return { groupId: best.group_id, match: 'near' };
  return { groupId: await createGroupWith(tx, c.roundId, null, best.id), match: 'near' };
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
