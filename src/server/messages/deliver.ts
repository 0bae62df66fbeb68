/**
 * The `message` job: sends one outbox row through its channel's transport and records how it
 * went. At least once, never twice for one row:
 * - a row no longer queued (delivered, failed) is never sent again, whoever runs the job;
 * - the job's lease keeps a second instance off it while it sends (a send times out well
 *   inside the lease), and a stopping server finishes the send it started before it exits;
 * - every try of a row carries the row's id as its idempotency key (the e-mail's Message-ID,
 *   the gateway's Idempotency-Key), for the one case left: a process killed between the
 *   server's acceptance and the row's update.
 * What may pass (a server down) is retried with exponential backoff — 30 s, 1, 2, 4 … minutes,
 * at most an hour apart, 8 tries — and then fails; a refusal fails at once. A code is erased
 * from the row when it is sent or fails, and is never sent after its expiry.
 */
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { rowsOf } from '../../db/rows';
import { isLocale } from '../../i18n';
import { registerJobHandler, type Job, type JobContext } from '../jobs/runner';
import { log } from '../log';
import { unsubscribeUrl } from './links';
import { MESSAGE_JOB } from './outbox';
import { unseal } from './seal';
import { messageKinds, renderMessage, type MessageKind } from './templates';
import { DeliveryRefused, transportFor } from './transports';

export const MESSAGE_MAX_ATTEMPTS = 8;

/** The wait after try `attempt` failed: 30 s doubling, at most an hour. */
export function messageRetryDelayMs(attempt: number): number {
  return Math.min(30_000 * 2 ** Math.max(0, attempt - 1), 3_600_000);
}

interface Row {
  id: string;
  channel: 'sms' | 'email';
  recipient: string;
  kind: string;
  locale: string;
  params: Record<string, string>;
  sealed: string | null;
  state: string;
  expired: boolean;
  follow_id: string | null;
}

async function fail(db: DbOrTx, id: string, reason: string, delivery: string | null): Promise<void> {
  await db.execute(sql`
    update outbox set state = 'failed', last_error = ${reason.slice(0, 500)}, sealed = null,
      attempts = attempts + 1, delivery = coalesce(${delivery}, delivery)
    where id = ${id}::uuid and state = 'queued'`);
}

export async function deliverMessage(ctx: JobContext): Promise<void> {
  const id = String((ctx.job.payload as { message?: unknown }).message ?? '');
  const [row] = rowsOf<Row>(await ctx.db.execute(sql`
    select id, channel, recipient, kind, locale, params, sealed, state, follow_id,
      coalesce(expires_at < now(), false) as expired
    from outbox where id = ${id}::uuid`));
  if (!row || row.state !== 'queued') return;
  if (!(messageKinds as readonly string[]).includes(row.kind)) return fail(ctx.db, row.id, `未知的消息类型：${row.kind}`, null);
  if (row.expired) return fail(ctx.db, row.id, '已过有效期，未发送（验证码已失效，请重新获取）', null);
  let secret: Record<string, string> = {};
  if (row.sealed) {
    const opened = unseal(row.sealed);
    if (!opened) return fail(ctx.db, row.id, '无法解开验证码（密钥已更换），未发送', null);
    secret = opened;
  }
  const locale = isLocale(row.locale) ? row.locale : 'zh-CN';
  const unsubscribe = row.follow_id ? unsubscribeUrl(row.follow_id) : undefined;
  const params = { ...row.params, ...secret, ...(unsubscribe ? { unsubscribe } : {}) };
  const rendered = renderMessage(row.kind as MessageKind, locale, params);
  const transport = transportFor(row.channel);
  try {
    const { providerId } = await transport.send({
      id: row.id, channel: row.channel, recipient: row.recipient, kind: row.kind, locale, rendered, params, unsubscribe,
    });
    await ctx.db.execute(sql`
      update outbox set state = 'delivered', sent_at = now(), delivery = ${transport.name}, provider_id = ${providerId ?? null},
        sealed = null, attempts = attempts + 1, last_error = null
      where id = ${row.id}::uuid and state = 'queued'`);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    if (err instanceof DeliveryRefused || ctx.job.attempts >= MESSAGE_MAX_ATTEMPTS) {
      log.warn({ message: row.id, kind: row.kind, transport: transport.name }, `[messages] delivery failed: ${reason}`);
      return fail(ctx.db, row.id, reason, transport.name);
    }
    await ctx.db.execute(sql`
      update outbox set attempts = attempts + 1, last_error = ${reason.slice(0, 500)}, delivery = ${transport.name}
      where id = ${row.id}::uuid and state = 'queued'`);
    throw err; // the runner tries again after messageRetryDelayMs
  }
}

/** Registers the `message` job kind (boot.ts). */
export function registerMessageDelivery(): void {
  registerJobHandler(MESSAGE_JOB, deliverMessage, {
    maxAttempts: MESSAGE_MAX_ATTEMPTS,
    retryDelayMs: messageRetryDelayMs,
    // The runner gave up without the handler (the instance died on every try): the row says so.
    onGiveUp: (job: Job, error: string, db: DbOrTx) => fail(db, String((job.payload as { message?: unknown }).message), error, null),
  });
}
