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
