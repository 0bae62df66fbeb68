/**
 * The grouping at submission as it was before issue 19's campaign containment (commit e73acc6),
 * frozen for bench/grouping-recall.ts to measure beside the current one in the same run: MinHash
 * over the whole normalised text, the band index's founders as candidates, accepted when their
 * signatures agree in at least 70 % of positions; only founders and lone comments enter the band
 * index. Not used by the application.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../src/db/client';
import { intArrayLiteral } from '../../src/db/pg-literals';
import { rowsOf } from '../../src/db/rows';
import { bigramKeysOf, fingerprintOf, normaliseText, type TextFeatures } from '../../src/server/grouping/text-features';
import { lshBandsOf, minhashOf, MINHASH_SIZE } from '../../src/server/grouping/minhash';

const THRESHOLD = 0.7;

export function legacyFeatures(body: string): TextFeatures {
  const minhash = minhashOf(normaliseText(body));
  return { bigrams: bigramKeysOf(body), fingerprint: fingerprintOf(body), minhash, lshBands: minhash ? lshBandsOf(minhash) : null };
}

/** The lookups as they were (groupPick for one comment): at most one row (kind, id, group_id). */
export function legacyPick(roundId: string, f: TextFeatures): SQL {
  const arr = (v: readonly number[] | null) => sql`${intArrayLiteral(v)}::int[]`;
  return sql`
    select cand.kind, cand.id, cand.group_id from (
      select 'group'::text as kind, g.id, g.id as group_id, null::int[] as minhash
      from comment_groups g where g.round_id = ${roundId}::uuid and g.fingerprint = ${f.fingerprint}
      union all (
        select 'twin', tw.id, tw.group_id, null::int[] from comments tw
        where tw.round_id = ${roundId}::uuid and tw.fingerprint = ${f.fingerprint}
        order by tw.created_at, tw.id limit 1)
      union all
      select 'near', n.id, n.group_id, n.minhash from comments n
      where n.id in (
        select b.comment_id from unnest(${arr(f.lshBands ?? [])}) as k(key)
        cross join lateral (select comment_id from lsh_buckets where round_id = ${roundId}::uuid and band_key = k.key limit 1) b)
    ) cand
    cross join lateral (select count(*) as agreeing from unnest(cand.minhash, ${arr(f.minhash)}) as u(x, y) where x = y) m
    where cand.kind <> 'near' or (cand.minhash is not null and ${arr(f.minhash)} is not null
      and m.agreeing >= ${THRESHOLD * MINHASH_SIZE}::float8)
    order by case cand.kind when 'group' then 0 when 'twin' then 1 else 2 end, m.agreeing desc, cand.id
    limit 1`;
}

/** planGroup as it was: the group to join (making one with a matched founder) and the band keys to enter (null for a member). */
export async function legacyPlanGroup(tx: DbOrTx, roundId: string, f: TextFeatures): Promise<{ groupId: string | null; lshBands: number[] | null }> {
  const [picked] = rowsOf<{ kind: string; id: string; group_id: string | null }>(await tx.execute(legacyPick(roundId, f)));
  if (!picked) return { groupId: null, lshBands: f.lshBands };
  if (picked.group_id) return { groupId: picked.group_id, lshBands: null };
  const fingerprint = picked.kind === 'near' ? null : f.fingerprint;
  await tx.execute(sql`select group_id from comments where id = ${picked.id}::uuid for update`);
  await tx.execute(sql`insert into comment_groups (id, round_id, fingerprint) values (${picked.id}::uuid, ${roundId}::uuid, ${fingerprint}) on conflict do nothing`);
  const groupId = rowsOf<{ id: string }>(await tx.execute(sql`
    select id from comment_groups where id = ${picked.id}::uuid or (round_id = ${roundId}::uuid and fingerprint = ${fingerprint})
    order by (id = ${picked.id}::uuid) desc limit 1`))[0].id;
  await tx.execute(sql`update comments set group_id = ${groupId}::uuid where id = ${picked.id}::uuid`);
  return { groupId, lshBands: null };
}
