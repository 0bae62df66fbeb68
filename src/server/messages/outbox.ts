/**
 * Queueing a message: a row in the outbox and a `message` job in the runner's messages lane,
 * written in the caller's transaction — the message exists exactly when the event that caused it
 * (a code issued, a response published, a round opened) was committed. A dedupe key makes a
 * second queueing of the same event a no-op. messages/deliver.ts sends it.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { rowsOf } from '../../db/rows';
import { kickJobRunner } from '../jobs/runner';
import type { Locale } from '../../i18n';
import { seal } from './seal';
import type { MessageKind } from './templates';

export const MESSAGE_JOB = 'message';
export const MESSAGE_LANE = 'messages';

/** sms for a mobile number, email for an address (contacts are normalised at entry: comments/schemas.ts). */
export function channelOf(recipient: string): 'sms' | 'email' {
  return recipient.includes('@') ? 'email' : 'sms';
}

export interface QueuedMessage {
  recipient: string;
  kind: MessageKind;
  locale?: Locale;
  /** Parameters anyone with outbox access may see (no secret). */
  params?: Record<string, string>;
  /** Parameters only the recipient may see (a code): sealed until sent, then erased. */
  secret?: Record<string, string>;
  dedupeKey?: string;
  /** Not sent after this (a code's expiry). */
  expiresAt?: Date;
  commentId?: string;
  followId?: string;
}

/** Queues one message in `db`'s transaction; its id, or null when its dedupe key was queued before. */
export async function queueMessage(db: DbOrTx, m: QueuedMessage): Promise<string | null> {
  const rows = rowsOf<{ id: string }>(await db.execute(sql`
    with m as (
      insert into outbox (channel, recipient, kind, locale, params, sealed, dedupe_key, expires_at, comment_id, follow_id)
      values (${channelOf(m.recipient)}, ${m.recipient}, ${m.kind}, ${m.locale ?? 'zh-CN'}, ${JSON.stringify(m.params ?? {})}::jsonb,
        ${m.secret ? seal(m.secret) : null}, ${m.dedupeKey ?? null}, ${m.expiresAt?.toISOString() ?? null}::timestamptz,
        ${m.commentId ?? null}::uuid, ${m.followId ?? null}::uuid)
      on conflict (dedupe_key) do nothing
      returning id)
    insert into jobs (kind, lane, payload)
    select ${MESSAGE_JOB}, ${MESSAGE_LANE}, jsonb_build_object('message', m.id) from m
    returning payload->>'message' as id`));
  return rows[0]?.id ?? null;
}

/**
 * Queues one message per row of `select`, which yields the columns recipient, kind, locale,
 * params (jsonb), dedupe_key, comment_id and follow_id — a whole fan-out (every commenter of a
 * decision, every follower of a draft) in one statement. Returns how many were queued.
 */
export async function queueMessagesFrom(db: DbOrTx, select: SQL): Promise<number> {
  const rows = rowsOf<{ n: number }>(await db.execute(sql`
    with src as (${select}),
    m as (
      insert into outbox (channel, recipient, kind, locale, params, dedupe_key, comment_id, follow_id)
      select case when position('@' in recipient) > 0 then 'email' else 'sms' end, recipient, kind, locale, params, dedupe_key, comment_id, follow_id
      from src
      on conflict (dedupe_key) do nothing
      returning id),
    j as (
      insert into jobs (kind, lane, payload)
      select ${MESSAGE_JOB}, ${MESSAGE_LANE}, jsonb_build_object('message', m.id) from m
      returning 1)
    select count(*)::int as n from j`));
  return Number(rows[0]?.n ?? 0);
}

/** Tells this instance's runner that messages wait (call after the transaction committed). */
export function messagesQueued(): void {
  kickJobRunner(MESSAGE_LANE);
}
