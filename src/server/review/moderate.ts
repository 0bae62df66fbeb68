/**
 * Moderation: hiding a comment from public views (abuse, spam, personal data) with a reason.
 * A hidden comment stays in the record, in the staff inbox and in every report's counts;
 * only public pages leave its text out.
 */
import { sql } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { recordAudit, type Actor } from '../audit';
import { AppError } from '../errors';
import { hideSchema } from './schemas';
import { parseOrFail } from '../validation';
import { rowsOf } from '../../db/rows';
import { uuidArray } from './target';

/** Hides comment `id` with a reason (abuse, spam, personal_data, other) and an optional note. Audited. */
export async function hideComment(id: string, input: unknown, actor: Actor, db: DbOrTx = getDb()): Promise<void> {
  const h = parseOrFail(hideSchema, input);
  const reason = h.note ? `${h.reason}: ${h.note}` : h.reason;
  await db.transaction(async (tx) => {
    const before = rowsOf<{ hidden_at: string | null; hidden_reason: string | null }>(await tx.execute(sql`
      select hidden_at, hidden_reason from comments where id = ${id}::uuid for update`));
    if (!before.length) throw new AppError('CommentNotFound');
    await tx.execute(sql`update comments set hidden_at = coalesce(hidden_at, now()), hidden_reason = ${reason} where id = ${id}::uuid`);
    await recordAudit(tx, actor, { action: 'comment.hide', objectType: 'comment', objectId: id, before: before[0], after: { hidden: true, reason } });
  });
}

/** Shows a hidden comment again on public views. Audited. */
export async function unhideComment(id: string, actor: Actor, db: DbOrTx = getDb()): Promise<void> {
  await db.transaction(async (tx) => {
    const before = rowsOf<{ hidden_at: string | null; hidden_reason: string | null }>(await tx.execute(sql`
      select hidden_at, hidden_reason from comments where id = ${id}::uuid for update`));
    if (!before.length) throw new AppError('CommentNotFound');
    await tx.execute(sql`update comments set hidden_at = null, hidden_reason = null where id = ${id}::uuid`);
    await recordAudit(tx, actor, { action: 'comment.unhide', objectType: 'comment', objectId: id, before: before[0], after: { hidden: false } });
  });
}

/**
 * Hides the comments `ids` that are not hidden yet (a bulk action), with one reason. Returns
 * the ids hidden. One audit event naming each.
 */
export async function hideComments(ids: readonly string[], input: unknown, actor: Actor, db: DbOrTx = getDb()): Promise<string[]> {
  const h = parseOrFail(hideSchema, input);
  const reason = h.note ? `${h.reason}: ${h.note}` : h.reason;
  return db.transaction(async (tx) => {
    const rows = rowsOf<{ id: string }>(await tx.execute(sql`
      update comments set hidden_at = now(), hidden_reason = ${reason}
      where id = any(${uuidArray(ids)}) and hidden_at is null returning id`));
    const hidden = rows.map((r) => r.id);
    if (hidden.length) {
      await recordAudit(tx, actor, {
        action: 'comment.hide', objectType: hidden.length === 1 ? 'comment' : 'comment_selection', objectId: hidden.length === 1 ? hidden[0] : `${hidden.length}`,
        before: { hidden: false }, after: { ids: hidden, hidden: true, reason },
      });
    }
    return hidden;
  });
}
