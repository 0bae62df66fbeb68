/**
 * Submitting a comment, exactly once: validated, checked against the open period and the
 * round's articles, and committed before a receipt is returned. The same idempotency key always
 * yields the same receipt and lookup code; the same key with a different comment is refused.
 */
import { randomUUID } from 'node:crypto';
import { eq, sql, type SQL } from 'drizzle-orm';
import { comments } from '../../db/schema';
import { executePrepared, getDb, type DbOrTx } from '../../db/client';
import { AppError, isAppError } from '../errors';
import { parseCommentInput, type CommentInput } from './schemas';
import { clearTargetCache, resolveCommentTarget, type CommentTarget } from './comment-target';
import { deriveLookupCode, generateReceipt, hashLookupCode, idempotencyDigest } from './receipts';
import { textFeaturesOf, type TextFeatures } from './text-features';
import { groupLookup, planGroup, type NearDuplicateFeatures } from '../review/grouping';
import { intArrayLiteral } from '../../db/pg-literals';

export type Channel = (typeof comments.channel.enumValues)[number];

/** Who submits and how; the citizen's own fields come with the input. */
export interface SubmitContext {
  channel?: Channel;
  userId?: string | null;
  stationId?: string | null;
  kioskId?: string | null;
  deputyId?: string | null;
  byDeputy?: boolean;
  voices?: number;
  now?: Date;
}

export interface SubmitResult {
  commentId: string;
  receipt: string;
  lookupCode: string;
  /** False when this idempotency key had already stored the comment (a retry). */
  created: boolean;
  createdAt: Date;
}

/**
 * A comment-only limit per client IP (generous: a station's Wi-Fi is one address), for entry
 * points that want one on top of the middleware's general limit on writes per IP. The web form
 * and the public API rely on the general limit alone (docs/decisions/004-receipts.md).
 */
export function commentSubmitLimits(ip: string) {
  return [{ key: `comment:ip:${ip}`, points: 300, windowSeconds: 600 }];
}

const MAX_RECEIPT_ATTEMPTS = 8;

/**
 * Stores one comment on draft `slug` (the open round, or `round` when given; `article` by its
 * number, none for 总体意见) and returns its receipt and lookup code. One INSERT … ON CONFLICT DO
 * NOTHING: concurrent submissions with one key store one row and all get its receipt. Throws
 * ValidationFailed, DraftNotFound, RoundNotFound, ConsultationNotOpen, ConsultationClosed,
 * ArticleNotFound, Conflict (key reused for a different comment) or ServiceUnavailable.
 */
export async function submitComment(slug: string, raw: unknown, ctx: SubmitContext = {}, db: DbOrTx = getDb()): Promise<SubmitResult> {
  const input = parseCommentInput(raw);
  const now = ctx.now ?? new Date();
  const rawKey = input.idempotencyKey ?? randomUUID();
  const keyDigest = idempotencyDigest(rawKey);
  const lookupCode = deriveLookupCode(rawKey);

  return guardDatabase(async () => {
    let target: CommentTarget;
    try {
      target = await resolveCommentTarget(slug, input.round, input.article, now, db);
    } catch (err) {
      // A retry that arrives after the period closed still gets the receipt it already has.
      if (input.idempotencyKey && isAppError(err) && (err.code === 'ConsultationClosed' || err.code === 'ConsultationNotOpen')) {
        const existing = await findByKey(keyDigest, db);
        if (existing) return replay(existing, slug, input, lookupCode);
      }
      throw err;
    }
    const text = textFeaturesOf(input.body);
    for (let attempt = 0; attempt < MAX_RECEIPT_ATTEMPTS; attempt++) {
      const receipt = generateReceipt(target.draft.code, target.round.number);
      const args = { input, ctx, target, receipt, keyDigest, lookupHash: hashLookupCode(receipt, lookupCode), now, text };
      const inserted = await insertGrouped(db, args);
      if (inserted) return { commentId: inserted.id, receipt, lookupCode, created: true, createdAt: inserted.createdAt };
      const existing = await findByKey(keyDigest, db);
      if (existing) return replay(existing, slug, input, lookupCode);
      // Neither a duplicate key nor (usually) a taken receipt: the cached period or article may be stale.
      clearTargetCache();
      target = await resolveCommentTarget(slug, input.round, input.article, now, db, true);
    }
    throw new AppError('ServiceUnavailable');
  });
}

type Existing = NonNullable<Awaited<ReturnType<typeof findByKey>>>;

async function findByKey(keyDigest: string, db: DbOrTx) {
  const [row] = await db
    .select({
      id: comments.id, receipt: comments.receipt, createdAt: comments.createdAt, roundId: comments.roundId,
      articleNumber: comments.articleNumber, body: comments.body, name: comments.name, publishName: comments.publishName,
      district: comments.district, occupation: comments.occupation, contact: comments.contact,
      slug: sql<string>`(select slug from drafts where id = ${comments.draftId})`,
      roundNumber: sql<number>`(select number from rounds where id = ${comments.roundId})`,
    })
    .from(comments)
    .where(eq(comments.idempotencyKey, keyDigest));
  return row;
}

/** The stored comment for a repeated key, if the request is the same one; else Conflict. */
function replay(existing: Existing, slug: string, input: CommentInput, lookupCode: string): SubmitResult {
  const same =
    existing.slug === slug &&
    (input.round === undefined || Number(existing.roundNumber) === input.round) &&
    existing.articleNumber === (input.article ?? null) &&
    existing.body === input.body &&
    existing.name === (input.name ?? null) &&
    existing.publishName === input.publishName &&
    existing.district === (input.district ?? null) &&
    existing.occupation === (input.occupation ?? null) &&
    existing.contact === (input.contact ?? null);
  if (!same) throw new AppError('Conflict');
  return { commentId: existing.id, receipt: existing.receipt, lookupCode, created: false, createdAt: existing.createdAt };
}

interface InsertArgs {
  input: CommentInput;
  ctx: SubmitContext;
  target: CommentTarget;
  receipt: string;
  keyDigest: string;
  lookupHash: string;
  now: Date;
  /** Bigram keys, fingerprint, MinHash and band keys of the body, computed once. */
  text: TextFeatures;
}

class NotInserted extends Error {}

/**
 * Finds the comment's duplicate group and inserts it with its group and MinHash (and its band
 * keys into the band index when it stands alone). Usually that is one statement — the lookups
 * (review/grouping.ts groupLookup) and the INSERT with the group they found — and so one
 * transaction, one commit. When the comment duplicates an earlier one that has no group yet, that
 * statement inserts nothing, and the group is made with the INSERT in one transaction (the lookups
 * again, under the founder's lock); when nothing is inserted there (the key or receipt was taken
 * meanwhile) it is rolled back, so grouping leaves no trace either.
 */
async function insertGrouped(db: DbOrTx, a: InsertArgs): Promise<{ id: string; createdAt: Date } | null> {
  const comment = { roundId: a.target.round.id, fingerprint: a.text.fingerprint, body: a.input.body };
  const first = await insertComment(db, a, groupLookup(comment, a.text), a.text);
  if (!first.founder) return first.row;
  try {
    return await db.transaction(async (tx) => {
      const plan = await planGroup(tx, comment);
      const { row } = await insertComment(tx, a, plannedGroup(plan.groupId), plan);
      if (!row) throw new NotInserted();
      return row;
    });
  } catch (err) {
    if (err instanceof NotInserted) return null;
    throw err;
  }
}

/** A `pick` (groupLookup's) that names a group already decided, or none. */
function plannedGroup(groupId: string | null) {
  return sql`pick as (select 'group'::text as kind, ${groupId}::uuid as id, ${groupId}::uuid as group_id where ${groupId}::uuid is not null)`;
}

/**
 * The one statement: `lookup` (CTEs ending in `pick`, the group to join), the INSERT, and the
 * comment's band keys into the band index when it stands alone. Nothing is inserted when `pick`
 * names a founder without a group (`founder` says so: the caller makes the group first). Its WHERE
 * re-checks, in the database, that the round is open at `now` and that the article belongs to the
 * round's version, so a cached target can never admit a late comment. `row` is null when nothing
 * was inserted (key or receipt already taken, the check failed, or a founder needs a group).
 */
async function insertComment(db: DbOrTx, a: InsertArgs, lookup: SQL, features: NearDuplicateFeatures):
  Promise<{ row: { id: string; createdAt: Date } | null; founder: boolean }> {
  const { input, ctx, target } = a;
  const articleId = target.article?.id ?? null;
  const at = a.now.toISOString();
  const result = await executePrepared(db, sql`
    with ${lookup}, ins as (
    insert into comments (receipt, lookup_hash, idempotency_key, draft_id, round_id, article_id, article_number, body,
      name, publish_name, district, occupation, contact, channel, station_id, kiosk_id, deputy_id, user_id, by_deputy,
      voices, bigrams, fingerprint, group_id, minhash)
    select ${a.receipt}, ${a.lookupHash}, ${a.keyDigest}, r.draft_id, r.id, ${articleId}::uuid, ${target.article?.number ?? null}::int,
      ${input.body}, ${input.name ?? null}, ${input.publishName}, ${input.district ?? null}, ${input.occupation ?? null},
      ${input.contact ?? null}, ${ctx.channel ?? 'web'}::channel, ${ctx.stationId ?? null}::uuid, ${ctx.kioskId ?? null}::uuid,
      ${ctx.deputyId ?? null}::uuid, ${ctx.userId ?? null}::uuid, ${ctx.byDeputy ?? false}, ${ctx.voices ?? 1}::int,
      ${intArrayLiteral(a.text.bigrams)}::int[], ${a.text.fingerprint}, (select group_id from pick), ${intArrayLiteral(features.minhash)}::int[]
    from rounds r
    where r.id = ${target.round.id}::uuid and r.draft_id = ${target.draft.id}::uuid
      and r.opens_at <= ${at}::timestamptz and r.closes_at > ${at}::timestamptz
      and (${articleId}::uuid is null or exists (
        select 1 from provisions p join versions v on v.id = p.version_id
        where p.id = ${articleId}::uuid and p.kind = 'article' and v.round_id = r.id))
      and not exists (select 1 from pick where group_id is null)
    on conflict do nothing
    returning id, round_id, created_at, group_id
    ), bands as (
      insert into lsh_buckets (round_id, band_key, comment_id)
      select ins.round_id, k, ins.id from ins, unnest(${intArrayLiteral(features.lshBands)}::int[]) as k
      where ins.group_id is null
      order by k -- every writer takes band keys in ascending order: no deadlock between them
      on conflict do nothing
    )
    select ins.id, ins.created_at, exists (select 1 from pick where group_id is null) as founder
    from (select 1) one left join ins on true`);
  const row = result.rows[0] as { id: string | null; created_at: Date | string | null; founder: boolean | string };
  return {
    row: row?.id ? { id: row.id, createdAt: new Date(row.created_at!) } : null,
    founder: row?.founder === true || row?.founder === 't',
  };
}

/**
 * Runs `fn`; a database failure becomes ServiceUnavailable, logged without the query's
 * parameters (they hold the commenter's contact details, which must never reach a log).
 */
export async function guardDatabase<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (isAppError(err)) throw err;
    const cause = (err as { cause?: { code?: string; message?: string } }).cause ?? (err as { code?: string });
    console.error(`[comments] database error ${cause?.code ?? ''}`.trim());
    throw new AppError('ServiceUnavailable');
  }
}
