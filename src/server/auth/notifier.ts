/**
 * Messages to people (verification and reset codes). Nothing is sent by default: the outbox
 * notifier writes each message to the outbox table, where staff with outbox:read can see it and
 * pass it on. A real SMS or email gateway plugs in with setNotifier() at start-up.
 */
import { desc, lt } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { outbox } from '../../db/schema';

export interface OutgoingMessage {
  channel: 'sms' | 'email';
  recipient: string;
  subject: string;
  body: string;
}

export interface Notifier {
  /** Delivers (or queues) one message; `db` is the caller's transaction. */
  send(message: OutgoingMessage, db: DbOrTx): Promise<void>;
}

/** The default: every message goes to the outbox table and nowhere else. */
export const outboxNotifier: Notifier = {
  async send(message, db) {
    await db.insert(outbox).values(message);
  },
};

const KEY = Symbol.for('kaimen.notifier');
type Holder = { [KEY]?: Notifier };

/** Replaces the notifier for this process (a gateway adapter, or a test double). */
export function setNotifier(notifier: Notifier | undefined): void {
  (globalThis as Holder)[KEY] = notifier;
}

export function getNotifier(): Notifier {
  return (globalThis as Holder)[KEY] ?? outboxNotifier;
}

export type OutboxRow = typeof outbox.$inferSelect;

/** The newest outbox messages, `limit` at a time, older than the message id `before` when given. */
export async function listOutbox(opts: { limit?: number; beforeCreatedAt?: Date } = {}, db: DbOrTx = getDb()): Promise<OutboxRow[]> {
  const where = opts.beforeCreatedAt ? lt(outbox.createdAt, opts.beforeCreatedAt) : undefined;
  return db.select().from(outbox).where(where).orderBy(desc(outbox.createdAt)).limit(opts.limit ?? 50);
}
