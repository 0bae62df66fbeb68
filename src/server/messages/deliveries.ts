/**
 * What staff see of deliveries (/staff/outbox): the recipient masked, the kind, the state, the
 * tries and the last error — never a message's parameters, and never a code — and the one thing
 * they may do about a delivery: send a failed notice again (admins, `outbox:retry`).
 */
import { and, desc, eq, sql, type SQL } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { outbox } from '../../db/schema';
import { recordAudit, type Actor } from '../audit';
import { requirePermission, type Grantee } from '../auth/permissions';
import { AppError } from '../errors';
import { maskContact } from '../mask-contact';
import { enqueueJob } from '../jobs/runner';
import { isUuid } from '../params';
import { MESSAGE_JOB, MESSAGE_LANE, messagesQueued } from './outbox';
import { codeKinds, messageKinds, type MessageKind } from './templates';

export const deliveryStates = ['queued', 'delivered', 'failed'] as const;
export type DeliveryState = (typeof deliveryStates)[number];
export const deliveryChannels = ['sms', 'email'] as const;

export type DeliveryRow = Pick<typeof outbox.$inferSelect,
  'id' | 'channel' | 'kind' | 'recipient' | 'state' | 'attempts' | 'lastError' | 'delivery' | 'createdAt' | 'sentAt'>;

export interface DeliveryFilter {
  state?: DeliveryState;
  /** A template kind, or 'message' for the rows from before templates. */
  kind?: string;
  channel?: (typeof deliveryChannels)[number];
}

export interface DeliveryPage extends DeliveryFilter {
  limit?: number;
  /** Rows after this one in the listing's order (newest first): the keyset of the next page. */
  beforeId?: string;
  /** Rows created before this time; with `beforeId`, the time of that row (used if the row is gone). */
  beforeCreatedAt?: Date;
}

function filterOf(f: DeliveryFilter): SQL | undefined {
  return and(
    f.state ? eq(outbox.state, f.state) : undefined,
    f.kind ? eq(outbox.kind, f.kind) : undefined,
    f.channel ? eq(outbox.channel, f.channel) : undefined,
  );
}

/**
 * The newest deliveries matching the filter, `limit` at a time, in (created_at, id) order. The
 * keyset takes the row's own created_at from the table (microseconds), not the URL's
 * millisecond time, so no row between two pages is skipped.
 */
export async function listDeliveries(opts: DeliveryPage = {}, db: DbOrTx = getDb()): Promise<DeliveryRow[]> {
  const at = opts.beforeCreatedAt?.toISOString() ?? null;
  const keyset = opts.beforeId && isUuid(opts.beforeId)
    ? sql`(${outbox.createdAt}, ${outbox.id}) < (coalesce((select o.created_at from outbox o where o.id = ${opts.beforeId}::uuid), ${at}::timestamptz, 'infinity'), ${opts.beforeId}::uuid)`
    : at ? sql`${outbox.createdAt} < ${at}::timestamptz` : undefined;
  return db.select({
    id: outbox.id, channel: outbox.channel, kind: outbox.kind, recipient: outbox.recipient, state: outbox.state,
    attempts: outbox.attempts, lastError: outbox.lastError, delivery: outbox.delivery, createdAt: outbox.createdAt, sentAt: outbox.sentAt,
  }).from(outbox).where(and(filterOf(opts), keyset)).orderBy(desc(outbox.createdAt), desc(outbox.id)).limit(opts.limit ?? 50);
}

/** How many deliveries are in each state, among those of the filter's kind and channel (the page header). */
export async function countDeliveries(f: Omit<DeliveryFilter, 'state'> = {}, db: DbOrTx = getDb()): Promise<Record<DeliveryState, number>> {
  const rows = await db.select({ state: outbox.state, n: sql<number>`count(*)::int` })
    .from(outbox).where(filterOf({ kind: f.kind, channel: f.channel })).groupBy(outbox.state);
  const counts: Record<DeliveryState, number> = { queued: 0, delivered: 0, failed: 0 };
  for (const r of rows) if (r.state in counts) counts[r.state as DeliveryState] = Number(r.n);
  return counts;
}

/**
 * The last error as staff may read it: an SMTP server or gateway often quotes the address it
 * refused, so the recipient becomes its masked form there too. (A code never reaches an error:
 * errors are the transports' answers, and the code is not in the row's parameters.)
 */
export function shownError(row: Pick<DeliveryRow, 'lastError' | 'recipient'>): string | null {
  if (!row.lastError) return null;
  return row.recipient ? row.lastError.replaceAll(row.recipient, maskContact(row.recipient) ?? '***') : row.lastError;
}

/** True for the kinds a retry may send again: known templates that carry no code. */
export function isRetryable(kind: string): boolean {
  return (messageKinds as readonly string[]).includes(kind) && !codeKinds.has(kind as MessageKind);
}

/**
 * Sends a failed notice again: the row goes back to queued with no tries and no error, and a new
 * `message` job is queued in the messages lane, with the audit event `outbox.retry`, in one
 * transaction. Needs `outbox:retry` (Forbidden). A message with a code (verify, reset) is never
 * sent again — its code was erased when it failed; the person asks for a new one — and only a
 * failed message may be retried: both are Conflicts naming why; an unknown id is NotFound.
 */
export async function retryDelivery(id: string, user: { role: Grantee } | null | undefined, actor: Actor, db: DbOrTx = getDb()): Promise<void> {
  requirePermission(user, 'outbox:retry');
  const missing = () => new AppError('NotFound', {}, [{ field: 'form', key: 'outbox.retry.missing' }]);
  if (!isUuid(id)) throw missing();
  await db.transaction(async (tx) => {
    const [row] = await tx.select({ kind: outbox.kind, state: outbox.state, attempts: outbox.attempts, delivery: outbox.delivery })
      .from(outbox).where(eq(outbox.id, id)).for('update');
    if (!row) throw missing();
    if (codeKinds.has(row.kind as MessageKind)) throw new AppError('Conflict', {}, [{ field: 'form', key: 'outbox.retry.codeKind' }]);
    if (!isRetryable(row.kind)) throw new AppError('Conflict', {}, [{ field: 'form', key: 'outbox.retry.unknownKind' }]);
    if (row.state !== 'failed') throw new AppError('Conflict', {}, [{ field: 'form', key: 'outbox.retry.notFailed' }]);
    await tx.update(outbox).set({ state: 'queued', attempts: 0, lastError: null }).where(eq(outbox.id, id));
    const job = await enqueueJob(MESSAGE_JOB, { message: id }, actor.id, tx, { lane: MESSAGE_LANE });
    // The error text is not copied into the trail: it may quote the recipient's address.
    await recordAudit(tx, actor, {
      action: 'outbox.retry', objectType: 'outbox', objectId: id,
      before: { state: row.state, attempts: row.attempts, delivery: row.delivery, kind: row.kind },
      after: { state: 'queued', attempts: 0, job: job.id },
    });
  });
  messagesQueued();
}
