/**
 * Following a draft (关注草案): people are told when a round of it opens for comment and when its
 * feedback page (意见采纳情况) is published.
 * - By e-mail, without an account: double opt-in. The request queues a 'follow-confirm' message
 *   with a link (links.ts followConfirmUrl); only a confirmed follow gets notices. The answer is
 *   the same whether or not the address already follows, and the address is never shown.
 * - With an account whose contact is verified (users.verified_at): at once, to that contact (a
 *   phone-only account by SMS).
 * - Every notice carries a one-click unsubscribe link (deliver.ts adds it from outbox.follow_id);
 *   unsubscribing keeps the row, marked, so a later follow by the same address starts over.
 * Notices are queued by notifyFollowers in the transaction that published the event.
 */
import { sql } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { rowsOf } from '../../db/rows';
import type { Locale } from '../../i18n';
import { enforceLimits, tryLimits } from '../auth/rate-limit';
import { limits } from '../auth/limits';
import { publicOrigin } from '../config';
import { AppError } from '../errors';
import { formatDateTime } from '../time';
import { parseOrFail } from '../validation';
import { followConfirmUrl, readLinkToken } from './links';
import { messagesQueued, queueMessage, queueMessagesFrom } from './outbox';
import { followEmailForm } from './schemas';

export interface FollowedDraft {
  slug: string;
  title: string;
}

/** A second confirmation to the same follow within this time is not sent (a double click, a reload). */
const CONFIRM_RESEND_MS = 10 * 60_000;

async function draftBySlug(slug: string, db: DbOrTx): Promise<{ id: string; title: string }> {
  const [draft] = rowsOf<{ id: string; title: string }>(await db.execute(sql`select id, title from drafts where slug = ${slug}`));
  if (!draft) throw new AppError('DraftNotFound');
  return draft;
}

/**
 * Asks to follow draft `draftSlug` at `email`: creates the follow (or reuses it; one that was
 * unsubscribed starts over unconfirmed) and queues the confirmation message, unless the follow is
 * already confirmed or a confirmation went within the last minutes. Throws ValidationFailed (the
 * email field), DraftNotFound, RateLimited (per IP); past the per-address limit nothing is sent,
 * and the answer is the same.
 */
export async function followByEmail(
  draftSlug: string, email: string, locale: Locale, ctx: { ip: string }, db: DbOrTx = getDb(), now = new Date(),
): Promise<void> {
  const { email: address } = parseOrFail(followEmailForm, { email });
  const draft = await draftBySlug(draftSlug, db);
  await enforceLimits([limits.followIp(ctx.ip)], db);
  if (!(await tryLimits([limits.followAddress(address)], db))) return;
  const queued = await db.transaction(async (tx) => {
    // The upsert locks the row: a second click waits here and then sees the first one's message.
    const [follow] = rowsOf<{ id: string; active: boolean }>(await tx.execute(sql`
      insert into follows (draft_id, email, locale) values (${draft.id}, ${address}, ${locale})
      on conflict (draft_id, email) where email is not null do update set
        locale = case when follows.confirmed_at is not null and follows.unsubscribed_at is null then follows.locale else excluded.locale end,
        confirmed_at = case when follows.unsubscribed_at is not null then null else follows.confirmed_at end,
        unsubscribed_at = null
      returning id, (confirmed_at is not null) as active`));
    if (follow.active) return false;
    const prefix = `follow-confirm:${follow.id}:`;
    const [recent] = rowsOf<{ n: number }>(await tx.execute(sql`
      select count(*)::int as n from outbox
      where dedupe_key like ${`${prefix}%`} and created_at > ${new Date(now.getTime() - CONFIRM_RESEND_MS).toISOString()}::timestamptz`));
    if (Number(recent?.n ?? 0) > 0) return false;
    // Not a subscription message: no follow_id, so no unsubscribe link until the follow is confirmed.
    const id = await queueMessage(tx, {
      recipient: address,
      kind: 'follow-confirm',
      locale,
      params: { draft: draft.title, url: followConfirmUrl(follow.id) },
      dedupeKey: `${prefix}${Math.floor(now.getTime() / CONFIRM_RESEND_MS)}`,
    });
    return id !== null;
  });
  if (queued) messagesQueued();
}

/**
 * Confirms the follow of a 'follow-confirm' link (idempotent). Throws NotFound for a token that
 * is not one, or a follow that was unsubscribed since (following again sends a new link).
 */
/**
 * What a 'follow-confirm' link is about, without confirming it (the page asks for a click: a mail
 * scanner that opens links must not confirm a follow). Throws NotFound for a token that is not
 * one, or a follow that was ended since.
 */
export async function readFollowLink(token: string, db: DbOrTx = getDb()): Promise<FollowedDraft & { confirmed: boolean }> {
  const id = readLinkToken('follow-confirm', token);
  if (!id) throw new AppError('NotFound');
  const [row] = rowsOf<FollowedDraft & { confirmed: boolean }>(await db.execute(sql`
    select d.slug, d.title, (f.confirmed_at is not null) as confirmed
    from follows f join drafts d on d.id = f.draft_id where f.id = ${id}::uuid and f.unsubscribed_at is null`));
  if (!row) throw new AppError('NotFound');
  return row;
}

export async function confirmFollow(token: string, db: DbOrTx = getDb()): Promise<FollowedDraft> {
  const id = readLinkToken('follow-confirm', token);
  if (!id) throw new AppError('NotFound');
  const [row] = rowsOf<FollowedDraft>(await db.execute(sql`
    with f as (
      update follows set confirmed_at = coalesce(confirmed_at, now())
      where id = ${id}::uuid and unsubscribed_at is null
      returning draft_id)
    select d.slug, d.title from f join drafts d on d.id = f.draft_id`));
  if (!row) throw new AppError('NotFound');
  return row;
}

/**
 * Follows draft `draftSlug` with account `userId`, at once (its contact is verified). Throws
 * DraftNotFound, Unauthenticated (no such active account) and Forbidden with the field issue
 * follow.verifyFirst when the contact is not verified (verify it on /account).
 */
export async function followWithAccount(userId: string, draftSlug: string, locale: Locale = 'zh-CN', db: DbOrTx = getDb()): Promise<FollowedDraft> {
  const draft = await draftBySlug(draftSlug, db);
  const [user] = rowsOf<{ verified: boolean }>(await db.execute(sql`
    select verified_at is not null as verified from users where id = ${userId}::uuid and active`));
  if (!user) throw new AppError('Unauthenticated');
  if (!user.verified) throw new AppError('Forbidden', {}, [{ field: 'form', key: 'follow.verifyFirst' }]);
  await db.execute(sql`
    insert into follows (draft_id, user_id, locale, confirmed_at) values (${draft.id}, ${userId}::uuid, ${locale}, now())
    on conflict (draft_id, user_id) where user_id is not null do update set
      locale = excluded.locale,
      confirmed_at = case when follows.unsubscribed_at is null then coalesce(follows.confirmed_at, now()) else now() end,
      unsubscribed_at = null`);
  return { slug: draftSlug, title: draft.title };
}

/** Stops account `userId` following draft `draftSlug` (idempotent). Throws DraftNotFound. */
export async function unfollowWithAccount(userId: string, draftSlug: string, db: DbOrTx = getDb()): Promise<FollowedDraft> {
  const draft = await draftBySlug(draftSlug, db);
  await db.execute(sql`
    update follows set unsubscribed_at = now()
    where draft_id = ${draft.id} and user_id = ${userId}::uuid and unsubscribed_at is null`);
  return { slug: draftSlug, title: draft.title };
}

/** The follow of an unsubscribe link, for its page: the draft and whether it is still followed. Throws NotFound. */
export async function readUnsubscribeLink(token: string, db: DbOrTx = getDb()): Promise<FollowedDraft & { unsubscribed: boolean }> {
  const id = readLinkToken('unsubscribe', token);
  if (!id) throw new AppError('NotFound');
  const [row] = rowsOf<FollowedDraft & { unsubscribed: boolean }>(await db.execute(sql`
    select d.slug, d.title, (f.unsubscribed_at is not null) as unsubscribed
    from follows f join drafts d on d.id = f.draft_id where f.id = ${id}::uuid`));
  if (!row) throw new AppError('NotFound');
  return row;
}

/**
 * Ends the follow of an 'unsubscribe' link (idempotent; the row stays, marked). Needs no session:
 * the link is the proof. Throws NotFound for a token that is not one.
 */
export async function unsubscribe(token: string, db: DbOrTx = getDb()): Promise<FollowedDraft> {
  const id = readLinkToken('unsubscribe', token);
  if (!id) throw new AppError('NotFound');
  const [row] = rowsOf<FollowedDraft>(await db.execute(sql`
    with f as (
      update follows set unsubscribed_at = coalesce(unsubscribed_at, now())
      where id = ${id}::uuid
      returning draft_id)
    select d.slug, d.title from f join drafts d on d.id = f.draft_id`));
  if (!row) throw new AppError('NotFound');
  return row;
}

/** Draft `slug` for the follow page, and whether account `userId` follows it (null when anonymous). Throws DraftNotFound. */
export async function draftToFollow(slug: string, userId: string | null, db: DbOrTx = getDb()): Promise<FollowedDraft & { following: boolean | null }> {
  const draft = await draftBySlug(slug, db);
  return { slug, title: draft.title, following: userId ? await isFollowing(userId, draft.id, db) : null };
}

/** True when account `userId` follows draft `draftId` now. */
export async function isFollowing(userId: string, draftId: string, db: DbOrTx = getDb()): Promise<boolean> {
  const [row] = rowsOf<{ following: boolean }>(await db.execute(sql`
    select exists (
      select 1 from follows
      where draft_id = ${draftId}::uuid and user_id = ${userId}::uuid and confirmed_at is not null and unsubscribed_at is null) as following`));
  return Boolean(row?.following);
}

export type FollowEvent =
  | { kind: 'round-opened'; roundId: string; round: string; closesAt: Date; url: string }
  | { kind: 'feedback-published'; roundId: string; round: string; url: string };

/**
 * Queues the notice of `event` to every follower of draft `draftId` — confirmed, not unsubscribed;
 * an account's follow goes to its verified phone or e-mail while the account is active — in one
 * statement, in `db`'s transaction (the event's). Each message carries its follow (for the
 * unsubscribe link) and its dedupe key `${kind}:${roundId}:${followId}`, so an event queued again
 * (a version replaced, feedback withdrawn and published again) is not sent twice. The closing time
 * is Beijing time in the follower's language. Returns how many were queued; the caller calls
 * messagesQueued() after its commit.
 */
export async function notifyFollowers(db: DbOrTx, draftId: string, event: FollowEvent): Promise<number> {
  const paramsFor = (locale: Locale) => JSON.stringify({
    round: event.round,
    url: event.url,
    ...(event.kind === 'round-opened' ? { closes: formatDateTime(event.closesAt, locale) } : {}),
  });
  return queueMessagesFrom(db, sql`
    select
      coalesce(f.email, coalesce(u.phone, u.email)) as recipient,
      ${event.kind}::text as kind,
      f.locale,
      jsonb_build_object('draft', d.title) || (case when f.locale = 'en' then ${paramsFor('en')} else ${paramsFor('zh-CN')} end)::jsonb as params,
      ${`${event.kind}:${event.roundId}:`} || f.id::text as dedupe_key,
      null::uuid as comment_id,
      f.id as follow_id
    from follows f
    join drafts d on d.id = f.draft_id
    left join users u on u.id = f.user_id
    where f.draft_id = ${draftId}::uuid and f.confirmed_at is not null and f.unsubscribed_at is null
      and (f.email is not null or (u.active and u.verified_at is not null and coalesce(u.phone, u.email) is not null))`);
}

/** The public address of a round of a draft, for notices. */
export function roundUrl(slug: string, roundNumber: number): string {
  return `${publicOrigin()}/drafts/${encodeURIComponent(slug)}?round=${roundNumber}`;
}

/** The public address of a round's feedback page, for notices. */
export function feedbackUrl(slug: string, roundNumber: number): string {
  return `${publicOrigin()}/drafts/${encodeURIComponent(slug)}/feedback?round=${roundNumber}`;
}
