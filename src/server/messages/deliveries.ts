/**
 * What staff see of deliveries (/staff/outbox): the recipient masked, the kind, the state, the
 * tries and the last error — never a message's parameters, and never a code.
 */
import { desc, lt } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { outbox } from '../../db/schema';

export type DeliveryRow = Pick<typeof outbox.$inferSelect,
  'id' | 'channel' | 'kind' | 'recipient' | 'state' | 'attempts' | 'lastError' | 'delivery' | 'createdAt' | 'sentAt'>;

/** The newest deliveries, `limit` at a time, older than `beforeCreatedAt` when given. */
export async function listDeliveries(opts: { limit?: number; beforeCreatedAt?: Date } = {}, db: DbOrTx = getDb()): Promise<DeliveryRow[]> {
  const where = opts.beforeCreatedAt ? lt(outbox.createdAt, opts.beforeCreatedAt) : undefined;
  return db.select({
    id: outbox.id, channel: outbox.channel, kind: outbox.kind, recipient: outbox.recipient, state: outbox.state,
    attempts: outbox.attempts, lastError: outbox.lastError, delivery: outbox.delivery, createdAt: outbox.createdAt, sentAt: outbox.sentAt,
  }).from(outbox).where(where).orderBy(desc(outbox.createdAt), desc(outbox.id)).limit(opts.limit ?? 50);
}
