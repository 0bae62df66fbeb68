/**
 * Submitting a comment, exactly once: validated, checked against the open period and the
 * round's articles, and committed before a receipt is returned. The same idempotency key always
 * yields the same receipt and lookup code; the same key with a different comment is refused.
 */
import { randomUUID } from 'node:crypto';
import { eq, sql } from 'drizzle-orm';
import { comments } from '../../db/schema';
import { getDb, type DbOrTx } from '../../db/client';
import { AppError, isAppError } from '../errors';
import { enforceLimits, type Limit } from '../auth/rate-limit';
import { parseCommentInput, type CommentInput } from './schemas';
import { clearTargetCache, resolveCommentTarget, type CommentTarget } from './comment-target';
import { deriveLookupCode, generateReceipt, hashLookupCode, idempotencyDigest, lookupCodeFor } from './receipts';
import { textFeaturesOf, type TextFeatures } from '../grouping/text-features';
import { planGroup } from '../grouping/grouping';
import { insertBatched, insertComments, type Channel, type CommentRow } from './insert-comments';
import { log } from '../log';

export type { Channel };

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
  /** The idempotency key in a server namespace (receipts.ts channelKey), for kiosks and deputies' sheets. */
  serverKey?: string;
  /** Limits on this person's comments (auth/limits.ts commentLimits), counted once the input is valid. */
  limits?: Limit[];
}

export interface SubmitResult {
  commentId: string;
  receipt: string;
  lookupCode: string;
  /** False when this idempotency key had already stored the comment (a retry). */
  created: boolean;
  createdAt: Date;
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
  // A kiosk's or deputy's namespaced key comes from the server (ctx.serverKey), never from the input.
  const input = { ...parseCommentInput(raw), ...(ctx.serverKey ? { idempotencyKey: ctx.serverKey } : {}) };
  if (ctx.limits?.length) await enforceLimits(ctx.limits, db);
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
        if (existing) return replay(existing, slug, input, rawKey, ctx);
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
      if (existing) return replay(existing, slug, input, rawKey, ctx);
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
      id: comments.id, receipt: comments.receipt, lookupHash: comments.lookupHash, createdAt: comments.createdAt, roundId: comments.roundId,
      articleNumber: comments.articleNumber, body: comments.body, name: comments.name, publishName: comments.publishName,
      district: comments.district, occupation: comments.occupation, contact: comments.contact, notify: comments.notify,
      slug: sql<string>`(select slug from drafts where id = ${comments.draftId})`,
      roundNumber: sql<number>`(select number from rounds where id = ${comments.roundId})`,
    })
    .from(comments)
    .where(eq(comments.idempotencyKey, keyDigest));
  return row;
}

/** The stored comment for a repeated key, if the request is the same one; else Conflict. */
function replay(existing: Existing, slug: string, input: CommentInput, rawKey: string, ctx: SubmitContext): SubmitResult {
  const same =
    existing.slug === slug &&
    (input.round === undefined || Number(existing.roundNumber) === input.round) &&
    existing.articleNumber === (input.article ?? null) &&
    existing.body === input.body &&
    existing.name === (input.name ?? null) &&
    existing.publishName === input.publishName &&
    existing.district === (input.district ?? null) &&
    existing.occupation === (input.occupation ?? null) &&
    existing.contact === (input.contact ?? null) &&
    existing.notify === notifyOf(input, ctx);
  if (!same) throw new AppError('Conflict');
  const lookupCode = lookupCodeFor(rawKey, existing.receipt, existing.lookupHash);
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
 * Inserts the comment with its duplicate group (insert-comments.ts). Usually that is one
 * statement — shared with the submissions arriving at the same moment — and one commit. When the
 * comment duplicates an earlier one that has no group yet, that statement inserts nothing, and the
 * group is made with the INSERT in one transaction (the lookups again, under the founder's lock);
 * when nothing is inserted there (the key or receipt was taken meanwhile) it is rolled back, so
 * grouping leaves no trace either.
 */
async function insertGrouped(db: DbOrTx, a: InsertArgs): Promise<{ id: string; createdAt: Date } | null> {
  const row = commentRow(a);
  const first = await insertBatched(db, row);
  if (!first.founder) return first.row;
  try {
    return await db.transaction(async (tx) => {
      const plan = await planGroup(tx, { roundId: row.roundId, fingerprint: row.text.fingerprint }, row.text);
      const [{ row: inserted }] = await insertComments(tx, [{ ...row, decided: { groupId: plan.groupId, enterBands: plan.lshBands !== null } }]);
      if (!inserted) throw new NotInserted();
      return inserted;
    });
  } catch (err) {
    if (err instanceof NotInserted) return null;
    throw err;
  }
}

/**
 * Whether the commenter is told at their contact when the comment is answered: when they ticked
 * it, or — a resident's comment a deputy entered — whenever the deputy recorded a contact, which
 * the resident gave for the answer (docs/decisions/020-message-delivery.md).
 */
function notifyOf(input: CommentInput, ctx: Pick<SubmitContext, 'channel' | 'byDeputy'>): boolean {
  if (!input.contact) return false;
  // Only a deputy's own entry: a resident using a deputy's station poster (station_qr) chooses.
  return input.notify || (ctx.channel === 'deputy' && !ctx.byDeputy);
}

function commentRow({ input, ctx, target, receipt, keyDigest, lookupHash, now, text }: InsertArgs): CommentRow {
  return {
    receipt, lookupHash, keyDigest, text, at: now,
    draftId: target.draft.id, roundId: target.round.id, articleId: target.article?.id ?? null, articleNumber: target.article?.number ?? null,
    body: input.body, name: input.name ?? null, publishName: input.publishName, district: input.district ?? null,
    occupation: input.occupation ?? null, contact: input.contact ?? null, notify: notifyOf(input, ctx),
    channel: ctx.channel ?? 'web', stationId: ctx.stationId ?? null, kioskId: ctx.kioskId ?? null, deputyId: ctx.deputyId ?? null,
    userId: ctx.userId ?? null, byDeputy: ctx.byDeputy ?? false, voices: ctx.voices ?? 1,
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
    log.error(`[comments] database error ${cause?.code ?? ''}`.trim());
    throw new AppError('ServiceUnavailable');
  }
}
