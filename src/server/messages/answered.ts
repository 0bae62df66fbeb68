/**
 * "Your comment was answered" (闭环): when a response is published — a decision with publish, a
 * publication of decided responses, or the second person's approval — one message per comment
 * goes, in the same transaction, to
 * - the contact the commenter left, when they asked to be told there (comments.notify), or the
 *   contact a deputy recorded for a resident;
 * - otherwise the verified contact of the commenter's account, unless they turned it off
 *   (users.notify_answers).
 * Comments with neither get no message: their receipt shows the answer, and a deputy's residents
 * without a contact hear it through the station's feedback slip (/deputy/feedback).
 * The message carries the decision, the reason and the response, and links the receipt. An
 * answer published again with other content (a changed decision) sends again; the same answer
 * published twice sends once (the dedupe key is the comment and a digest of what it says).
 */
import { createHash } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { DbOrTx } from '../../db/client';
import { rowsOf } from '../../db/rows';
import { t, type MessageKey } from '../../i18n';
import { publicOrigin } from '../config';
import { formatArticleLabel } from '../drafts/chinese-numerals';
import { queueMessagesFrom } from './outbox';

interface Answered {
  id: string;
  recipient: string;
  receipt: string;
  article_number: number | null;
  draft: string;
  round: string;
  adoption: string | null;
  reason: string | null;
  response: string | null;
  account: boolean;
}

/**
 * Queues the answered message of every comment of `ids` that is answered now and has someone to
 * tell; returns how many were queued. Call in the transaction that published the responses
 * (`ids` are the ids it returned).
 */
export async function queueAnsweredMessages(db: DbOrTx, ids: readonly string[]): Promise<number> {
  if (!ids.length) return 0;
  const rows = rowsOf<Answered>(await db.execute(sql`
    select c.id, c.receipt, c.article_number, d.title as draft, r.label as round, c.adoption, c.reason, c.response,
      coalesce(
        case when c.notify and c.contact_erased_at is null then c.contact end,
        case when u.notify_answers and u.active and u.verified_at is not null then coalesce(u.phone, u.email) end) as recipient,
      (c.user_id is not null) as account
    from comments c
    join drafts d on d.id = c.draft_id
    join rounds r on r.id = c.round_id
    left join users u on u.id = c.user_id
    where c.id = any(${`{${ids.join(',')}}`}::uuid[]) and c.status = 'answered' and c.responded_at is not null`));
  const origin = publicOrigin();
  const messages = rows.filter((r) => r.recipient).map((r) => ({
    recipient: r.recipient,
    kind: 'answered',
    locale: 'zh-CN',
    params: {
      draft: r.draft,
      round: r.round,
      article: r.article_number === null ? t('zh-CN', 'draft.general') : formatArticleLabel(Number(r.article_number)),
      receipt: r.receipt,
      decision: r.adoption ? t('zh-CN', `receipt.adoption.${r.adoption}` as MessageKey) : '',
      reason: r.reason ?? '',
      response: r.response ?? '',
      // The receipt page: its author signed in sees it; anyone else types the lookup code from the receipt.
      url: r.account ? `${origin}/receipts/${r.receipt}` : `${origin}/receipts?receipt=${encodeURIComponent(r.receipt)}`,
    },
    dedupe_key: `answered:${r.id}:${createHash('sha256').update(JSON.stringify([r.adoption, r.reason, r.response])).digest('base64url').slice(0, 22)}`,
    comment_id: r.id,
  }));
  if (!messages.length) return 0;
  return queueMessagesFrom(db, sql`
    select m.recipient, m.kind, m.locale, m.params, m.dedupe_key, m.comment_id, null::uuid as follow_id
    from jsonb_to_recordset(${JSON.stringify(messages)}::jsonb)
      as m(recipient text, kind text, locale text, params jsonb, dedupe_key text, comment_id uuid)`);
}
