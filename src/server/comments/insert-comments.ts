/**
 * The INSERT of submitted comments, with their duplicate group and band keys, as one statement for
 * a batch of comments: each row's grouping lookups (grouping/grouping.ts groupPick, as a LATERAL
 * subquery per row), the INSERT with the group they picked, and the band keys of the rows that
 * stand alone. Submissions arriving together share that statement and its commit (insertBatched);
 * a row is inserted or not on its own merits, exactly as if it had come alone.
 *
 * Rows that must see each other — the same idempotency key, the same text, near-identical texts in
 * one round — never share a batch: the later one waits for the next, so it finds the earlier one's
 * row and joins its group.
 */
import { sql } from 'drizzle-orm';
import { executePrepared, type DbOrTx } from '../../db/client';
import { groupCommit } from '../../db/batcher';
import { intArrayLiteral, pgArray } from '../../db/pg-literals';
import { groupPick, NO_ID } from '../grouping/grouping';
import type { TextFeatures } from '../grouping/text-features';
import type { comments } from '../../db/schema';

export type Channel = (typeof comments.channel.enumValues)[number];

/** What every comment row carries, however it came (a submission here, a bulk import in import-sql.ts). */
export interface CommentFields {
  receipt: string;
  lookupHash: string;
  roundId: string;
  articleId: string | null;
  articleNumber: number | null;
  body: string;
  name: string | null;
  publishName: boolean;
  district: string | null;
  occupation: string | null;
  contact: string | null;
  /** Tell `contact` when the comment is answered (the commenter asked; a deputy's resident gave it for that). */
  notify: boolean;
  channel: Channel;
  stationId: string | null;
  voices: number;
  /** When it was received: the round must be open then (checked again in the statement). */
  at: Date;
}

/** One submitted comment to insert, everything decided but its group. */
export interface CommentRow extends CommentFields {
  keyDigest: string;
  draftId: string;
  kioskId: string | null;
  deputyId: string | null;
  userId: string | null;
  byDeputy: boolean;
  /** Bigram keys, fingerprint, MinHash and band keys of the body. */
  text: TextFeatures;
  /**
   * A group already decided (a founder's, made in the caller's transaction): no lookups. The band
   * keys are entered when `enterBands` (planGroup's lshBands not null), else when there is no group.
   */
  decided?: { groupId: string | null; enterBands?: boolean };
}

export interface InsertOutcome {
  /** Null when nothing was inserted: key or receipt taken, round closed, article gone, or `founder`. */
  row: { id: string; createdAt: Date } | null;
  /** The lookups matched an earlier comment without a group: the caller must make its group first. */
  founder: boolean;
}

/**
 * One column of a batch statement's rows. `type` is the parameter's element type; `as`, for a
 * value passed as its literal, the type it is cast to once per row in `t` (not at each use: a cast
 * inside the lookups' per-candidate expressions would parse the literal again for every element
 * compared).
 */
export type Column<R> = { name: string; type: string; as?: string; of: (r: R) => string | number | boolean | null };

/**
 * The columns of every comment row (CommentFields), passed by the submissions' batch below and by
 * the bulk import's (import-sql.ts) alike, each as one array literal (db/pg-literals.ts pgArray)
 * unnested into table `t`. Literals of built-in types only: PGlite cannot take an array of an enum
 * made after it opened (a new database), so `channel` is text.
 */
export const FIELD_COLUMNS: Column<CommentFields>[] = [
  { name: 'receipt', type: 'text', of: (r) => r.receipt },
  { name: 'lookup_hash', type: 'text', of: (r) => r.lookupHash },
  { name: 'round_id', type: 'uuid', of: (r) => r.roundId },
  { name: 'article_id', type: 'uuid', of: (r) => r.articleId },
  { name: 'article_number', type: 'int', of: (r) => r.articleNumber },
  { name: 'body', type: 'text', of: (r) => r.body },
  { name: 'name', type: 'text', of: (r) => r.name },
  { name: 'publish_name', type: 'bool', of: (r) => r.publishName },
  { name: 'district', type: 'text', of: (r) => r.district },
  { name: 'occupation', type: 'text', of: (r) => r.occupation },
  { name: 'contact', type: 'text', of: (r) => r.contact },
  { name: 'notify', type: 'bool', of: (r) => r.notify },
  { name: 'channel', type: 'text', of: (r) => r.channel },
  { name: 'station_id', type: 'uuid', of: (r) => r.stationId },
  { name: 'voices', type: 'int', of: (r) => r.voices },
  { name: 'at', type: 'timestamptz', of: (r) => r.at.toISOString() },
];

/** The submissions' batch: the comment's fields, then who and where it came from, its text features and a decided group. */
const COLUMNS: Column<CommentRow>[] = [
  ...FIELD_COLUMNS,
  { name: 'idempotency_key', type: 'text', of: (r) => r.keyDigest },
  { name: 'draft_id', type: 'uuid', of: (r) => r.draftId },
  { name: 'kiosk_id', type: 'uuid', of: (r) => r.kioskId },
  { name: 'deputy_id', type: 'uuid', of: (r) => r.deputyId },
  { name: 'user_id', type: 'uuid', of: (r) => r.userId },
  { name: 'by_deputy', type: 'bool', of: (r) => r.byDeputy },
  // Arrays of arrays cannot be unnested one row at a time: each is passed as its literal.
  { name: 'bigrams', type: 'text', as: 'int[]', of: (r) => intArrayLiteral(r.text.bigrams) },
  { name: 'fingerprint', type: 'text', of: (r) => r.text.fingerprint },
  { name: 'minhash', type: 'text', as: 'int[]', of: (r) => intArrayLiteral(r.text.minhash) },
  { name: 'lsh_bands', type: 'text', as: 'int[]', of: (r) => intArrayLiteral(r.text.lshBands ?? []) },
  { name: 'decided', type: 'bool', of: (r) => r.decided !== undefined },
  { name: 'decided_group', type: 'uuid', of: (r) => r.decided?.groupId ?? null },
  { name: 'decided_bands', type: 'bool', of: (r) => r.decided?.enterBands ?? r.decided?.groupId == null },
];

/**
 * Inserts `rows` (one statement, so one commit unless `db` is a transaction) and returns an
 * outcome per row, in order. A `decided` row skips the lookups and takes its decided group.
 */
export async function insertComments(db: DbOrTx, rows: CommentRow[]): Promise<InsertOutcome[]> {
  const params = sql.join(COLUMNS.map((c) => sql`${pgArray(rows.map(c.of))}::${sql.raw(c.type)}[]`), sql`, `);
  const names = sql.raw(COLUMNS.map((c) => c.name).join(', '));
  const columns = sql.raw(COLUMNS.map((c) => (c.as ? `u.${c.name}::${c.as} as ${c.name}` : `u.${c.name}`)).join(', '));
  const pick = groupPick({
    roundId: sql`t.round_id`,
    fingerprint: sql`t.fingerprint`,
    self: sql`${NO_ID}::uuid`,
    minhash: sql`t.minhash`,
    lshBands: sql`t.lsh_bands`,
    bigrams: sql`t.bigrams`,
  });
  const result = await executePrepared<{ n: string | number; id: string | null; created_at: Date | string | null; founder: boolean | string }>(db, sql`
    with t as (
      -- The filter, always true, makes the planner estimate one row for a batch of any size, as
      -- it does without the parameters' values: so after its first five runs a connection keeps
      -- this prepared statement's generic plan. Without it PostgreSQL, seeing a batch smaller than
      -- the 10 rows it assumes for an array it cannot see, plans every run anew (custom plans),
      -- which cost about 1 ms of its CPU per batch, more than running a small batch.
      select ${columns}, u.n from unnest(${params}) with ordinality as u(${names}, n)
      where u.n between 1 and 1000000
    ), p as (
      select t.n, t.receipt,
        case when t.decided then t.decided_group else pk.group_id end as group_id,
        (not t.decided and pk.id is not null and pk.group_id is null) as founder,
        -- Every comment but an exact duplicate enters its band keys (grouping.ts): a near one too.
        case when t.decided then t.decided_bands else pk.id is null or pk.kind = 'near' end as enter_bands
      from t left join lateral (select * from ${pick} as x where not t.decided) pk on true
    ), ins as (
      insert into comments (receipt, lookup_hash, idempotency_key, draft_id, round_id, article_id, article_number, body,
        name, publish_name, district, occupation, contact, notify, channel, station_id, kiosk_id, deputy_id, user_id, by_deputy,
        voices, bigrams, fingerprint, group_id, minhash)
      select t.receipt, t.lookup_hash, t.idempotency_key, r.draft_id, r.id, t.article_id, t.article_number, t.body,
        t.name, t.publish_name, t.district, t.occupation, t.contact, t.notify, t.channel::channel, t.station_id, t.kiosk_id, t.deputy_id,
        t.user_id, t.by_deputy, t.voices, t.bigrams, t.fingerprint, p.group_id, t.minhash
      from t join p on p.n = t.n
      join rounds r on r.id = t.round_id and r.draft_id = t.draft_id
      -- Checked in the database, so a cached target can never admit a late comment.
      where r.opens_at <= t.at and r.closes_at > t.at
        and (t.article_id is null or exists (
          select 1 from provisions pv join versions v on v.id = pv.version_id
          where pv.id = t.article_id and pv.kind = 'article' and v.round_id = r.id))
        and not p.founder
      order by t.n
      on conflict do nothing
      returning id, receipt, round_id, created_at, group_id
    ), bands as (
      insert into lsh_buckets (round_id, band_key, comment_id)
      select ins.round_id, k, ins.id from ins join t on t.receipt = ins.receipt join p on p.n = t.n, unnest(t.lsh_bands) as k
      where p.enter_bands
      order by ins.round_id, k -- every writer takes band keys in ascending order: no deadlock between them
      on conflict do nothing
    )
    select p.n, ins.id, ins.created_at, p.founder from p left join ins on ins.receipt = p.receipt order by p.n`);
  const byN = new Map(result.rows.map((r) => [Number(r.n), r]));
  return rows.map((_, i) => {
    const r = byN.get(i + 1);
    return {
      row: r?.id ? { id: r.id, createdAt: new Date(r.created_at!) } : null,
      founder: r?.founder === true || r?.founder === 't',
    };
  });
}

/**
 * insertComments for one row, batched with the rows other requests are inserting at the same
 * moment (db/batcher.ts groupCommit): batches of up to 64, small enough to keep a lone request's
 * wait short, and at most 4 at once (2 cores).
 */
export const insertBatched = groupCommit(insertComments, { maxBatch: 64, maxInFlight: 4, conflicts: mustSeeEachOther });

/**
 * Two rows one statement could not group correctly — the same text, or a band key in common (each
 * could be the other's candidate) — or that share a key or a receipt.
 */
function mustSeeEachOther(a: CommentRow, b: CommentRow): boolean {
  if (a.keyDigest === b.keyDigest || a.receipt === b.receipt) return true;
  if (a.roundId !== b.roundId) return false;
  if (a.text.fingerprint === b.text.fingerprint) return true;
  const x = a.text.lshBands;
  const y = b.text.lshBands;
  if (!x || !y) return false;
  for (let i = 0; i < x.length; i++) if (x[i] === y[i]) return true;
  return false;
}
