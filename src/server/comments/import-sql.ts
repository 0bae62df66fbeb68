/**
 * The database side of a bulk comment import (import-comments.ts): one INSERT … SELECT FROM
 * unnest(…) per batch of prepared rows (each column one array parameter, close to COPY's speed
 * and available on both drivers), the look-up of rows that were already there, and the
 * grouping of exact duplicates once all batches are in. Runs inside the import's transaction.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { intArrayLiteral, pgArray, pgArrayElement } from '../../db/pg-literals';
import { rowsOf } from '../../db/rows';
import { FIELD_COLUMNS, type Column, type CommentFields } from './insert-comments';

/** One row ready for the database. */
export interface PreparedRow extends CommentFields {
  key: string;
  channel: 'letter' | 'api';
  /** Bigram keys (text-features.ts bigramKeysOf). */
  bigrams: number[];
  fingerprint: string;
  /** Null for a body with nothing to compare: then it has no band keys either. */
  minhash: number[] | null;
}

/** The temporary table that names this import's new comments (for grouping); dropped at commit. */
export async function createImportScratch(tx: DbOrTx): Promise<void> {
  await tx.execute(sql`create temp table kaimen_import_new (id uuid not null, round_id uuid not null, fingerprint text not null,
    has_bands bool not null, created_at timestamptz not null) on commit drop`);
}

/** The batch's columns: the comment's fields (as submissions pass them), then what only an import's rows carry. */
const COLUMNS: Column<PreparedRow>[] = [
  ...FIELD_COLUMNS,
  { name: 'key', type: 'text', of: (r) => r.key },
  // Arrays of arrays cannot be unnested one row at a time: each is passed as its literal.
  { name: 'bigrams', type: 'text', of: (r) => intArrayLiteral(r.bigrams) },
  { name: 'fingerprint', type: 'text', of: (r) => r.fingerprint },
  { name: 'minhash', type: 'text', of: (r) => intArrayLiteral(r.minhash) },
  // Whether it has band keys (something to compare): the near-groups job enters them (decision 009).
  { name: 'has_bands', type: 'bool', of: (r) => r.minhash !== null },
];

/**
 * The row's values as elements of insertBatch's array literals, in COLUMNS' order. The import
 * writes them as it prepares each row, while the previous batch is in the database, so that when
 * a batch's turn comes its parameters are only joined: the database does not wait for Node to
 * write 20 literals of 5,000 values (about a fifth of a second a batch).
 */
export function literalElementsOf(r: PreparedRow): string[] {
  return COLUMNS.map((c) => pgArrayElement(c.of(r)));
}

/**
 * Inserts `rows` (ON CONFLICT DO NOTHING: a taken idempotency key or receipt skips the row) and
 * returns `key|receipt` of the rows inserted — the pair, since two rows of a batch may draw the
 * same receipt, or carry the same key. `elements` are each row's literalElementsOf (made again
 * after its receipt changes). The period is re-checked against `rounds`.
 */
export async function insertBatch(tx: DbOrTx, rows: ReadonlyArray<PreparedRow & { elements: string[] }>): Promise<Set<string>> {
  const params = sql.join(COLUMNS.map((c, i) => sql`${`{${rows.map((r) => r.elements[i]).join(',')}}`}::${sql.raw(c.type)}[]`), sql`, `);
  const result = await tx.execute(sql`
    with t as (
      select * from unnest(${params}) as t(${sql.raw(COLUMNS.map((c) => c.name).join(', '))})
    ), ins as (
      insert into comments (receipt, lookup_hash, idempotency_key, draft_id, round_id, article_id, article_number, body,
        name, publish_name, district, occupation, contact, channel, station_id, voices, bigrams, fingerprint, minhash,
        created_at)
      select t.receipt, t.lookup_hash, t.key, r.draft_id, r.id, t.article_id, t.article_number, t.body, t.name,
        t.publish_name, t.district, t.occupation, t.contact, t.channel::channel, t.station_id, t.voices,
        t.bigrams::int[], t.fingerprint, t.minhash::int[], t.at
      from t join rounds r on r.id = t.round_id and r.opens_at <= t.at and r.closes_at > t.at
      on conflict do nothing
      returning id, idempotency_key, receipt, round_id, fingerprint, created_at
    ), kept as (
      insert into kaimen_import_new (id, round_id, fingerprint, has_bands, created_at)
      select ins.id, ins.round_id, ins.fingerprint, t.has_bands, ins.created_at
      from ins join t on t.key = ins.idempotency_key and t.receipt = ins.receipt
    )
    select idempotency_key as key, receipt from ins`);
  return new Set(rowsOf<{ key: string; receipt: string }>(result).map((r) => `${r.key}|${r.receipt}`));
}

export interface StoredComment {
  key: string;
  receipt: string;
  roundId: string;
  articleNumber: number | null;
  body: string;
}

/** The stored comments with these idempotency digests (rows already imported). */
export async function findByKeys(tx: DbOrTx, keys: readonly string[]): Promise<Map<string, StoredComment>> {
  const result = await tx.execute(sql`
    select idempotency_key as key, receipt, round_id as "roundId", article_number as "articleNumber", body
    from comments where idempotency_key = any(${pgArray([...keys])}::text[])`);
  return new Map(rowsOf<StoredComment>(result).map((r) => [r.key, { ...r, articleNumber: r.articleNumber === null ? null : Number(r.articleNumber) }]));
}

/**
 * Groups the imported comments that are exact duplicates (same fingerprint in the same round) of
 * each other or of earlier comments, as grouping.ts does one at a time: the round's group for the
 * fingerprint when there is one, else the group of the earliest such comment (its founder), else
 * a new group whose id is the founder's id. The comments that stand alone or found a group enter the
 * band index later, in the near-groups job that looks them up (grouping/group-imported.ts), so the
 * import does not wait for those half-million index rows. Returns how many imported comments are
 * now in a group.
 */
export async function groupImportedDuplicates(tx: DbOrTx): Promise<number> {
  await tx.execute(sql`analyze kaimen_import_new`);
  // Fingerprints of this import that some other comment of the round shares.
  await tx.execute(sql`
    create temp table kaimen_import_dups on commit drop as
    select distinct n.round_id, n.fingerprint from kaimen_import_new n
    where exists (select 1 from comments o where o.round_id = n.round_id and o.fingerprint = n.fingerprint and o.id <> n.id)`);
  await tx.execute(sql`
    insert into comment_groups (id, round_id, fingerprint)
    select f.id, f.round_id, f.fingerprint from (
      select distinct on (c.round_id, c.fingerprint) c.id, c.round_id, c.fingerprint, c.group_id
      from kaimen_import_dups d join comments c on c.round_id = d.round_id and c.fingerprint = d.fingerprint
      order by c.round_id, c.fingerprint, c.created_at, c.id) f
    where f.group_id is null
    on conflict do nothing`);
  // Everyone with such a fingerprint and no group yet (earlier comments too) joins that group.
  await tx.execute(sql`
    update comments c set group_id = t.gid
    from (
      select d.round_id, d.fingerprint, coalesce(
        (select g.id from comment_groups g where g.round_id = d.round_id and g.fingerprint = d.fingerprint),
        (select f.group_id from comments f where f.round_id = d.round_id and f.fingerprint = d.fingerprint
           and f.group_id is not null order by f.created_at, f.id limit 1)) as gid
      from kaimen_import_dups d) t
    where c.round_id = t.round_id and c.fingerprint = t.fingerprint and c.group_id is null and t.gid is not null`);
  const [{ n }] = rowsOf<{ n: number | string }>(await tx.execute(sql`
    select count(*) as n from kaimen_import_new i join comments c on c.id = i.id where c.group_id is not null`));
  return Number(n);
}
