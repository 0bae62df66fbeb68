/**
 * Messages to people (verification and reset codes, sign-up notices). Until real delivery
 * exists (SMTP and an SMS gateway), the default notifier delivers to the server's console — as
 * Django's console e-mail backend does — or, when MESSAGES_FILE is set, appends each message as a
 * line of JSON to that file (development and end-to-end tests). A gateway adapter plugs in with
 * setNotifier() at start-up.
 *
 * The outbox table records each delivery (channel, recipient, kind, how and when it was sent) for
 * staff with outbox:read. It never holds the text of a message that carries a code: nobody but
 * the recipient may ever see a code — not staff, not admins, not the audit trail.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { desc, lt } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { outbox } from '../../db/schema';
import { currentConfig } from '../config';

export type MessageKind = 'verify' | 'reset' | 'signup-exists';

export interface OutgoingMessage {
  channel: 'sms' | 'email';
  kind: MessageKind;
  recipient: string;
  subject: string;
  body: string;
}

export interface Notifier {
  /** Delivers (or queues) one message; `db` is the caller's transaction. */
  send(message: OutgoingMessage, db: DbOrTx): Promise<void>;
}

/** The built-in delivery: the console, or MESSAGES_FILE when set; a delivery row without the text. */
export const localNotifier: Notifier = {
  async send(message, db) {
    const file = currentConfig().MESSAGES_FILE;
    if (file) {
      mkdirSync(dirname(file), { recursive: true });
      appendFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), ...message })}\n`, { mode: 0o600 });
    } else {
      // The console is this delivery's channel (no gateway is configured): it is where the message goes.
      console.log(`[kaimen] 待发送的${message.channel === 'sms' ? '短信' : '邮件'}（未配置短信或邮件网关）→ ${message.recipient}\n  ${message.subject}\n  ${message.body}`);
    }
    await db.insert(outbox).values({
      channel: message.channel, kind: message.kind, recipient: message.recipient, subject: message.subject,
      delivery: file ? 'file' : 'console', sentAt: new Date(),
    });
  },
};

const KEY = Symbol.for('kaimen.notifier');
type Holder = { [KEY]?: Notifier };

/** Replaces the notifier for this process (a gateway adapter, or a test double). */
export function setNotifier(notifier: Notifier | undefined): void {
  (globalThis as Holder)[KEY] = notifier;
}

export function getNotifier(): Notifier {
  return (globalThis as Holder)[KEY] ?? localNotifier;
}

/** What staff may see of a delivery: never a message's text. */
export type OutboxRow = Pick<typeof outbox.$inferSelect, 'id' | 'channel' | 'kind' | 'recipient' | 'delivery' | 'createdAt' | 'sentAt'>;

/** The newest deliveries, `limit` at a time, older than `beforeCreatedAt` when given. */
export async function listOutbox(opts: { limit?: number; beforeCreatedAt?: Date } = {}, db: DbOrTx = getDb()): Promise<OutboxRow[]> {
  const where = opts.beforeCreatedAt ? lt(outbox.createdAt, opts.beforeCreatedAt) : undefined;
  return db.select({
    id: outbox.id, channel: outbox.channel, kind: outbox.kind, recipient: outbox.recipient,
    delivery: outbox.delivery, createdAt: outbox.createdAt, sentAt: outbox.sentAt,
  }).from(outbox).where(where).orderBy(desc(outbox.createdAt)).limit(opts.limit ?? 50);
}
