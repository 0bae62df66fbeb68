/**
 * Publishing decided responses that were saved without publishing: the same path as a decision
 * with `publish`, for a selection or a group, so staff can decide first and publish in one go.
 */
import { sql } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { recordAudit, type Actor } from '../audit';
import { AppError } from '../errors';
import { auditObject, targetCondition, type Target } from './target';
import { rowsOf } from '../../db/rows';
import { queueAnsweredMessages } from '../messages/answered';
import { messagesQueued } from '../messages/outbox';

export interface PublishResult {
  ids: string[];
  published: number;
  awaitingApproval: number;
}

/**
 * Publishes every decided, unpublished, not-waiting comment of `target`: answered now, or
 * waiting for approval when its draft requires it. Throws NothingToPublish when none qualifies.
 */
export async function publishResponses(target: Target, actor: Actor, db: DbOrTx = getDb()): Promise<PublishResult> {
  return db.transaction(async (tx) => {
    const rows = rowsOf<{ id: string; require_approval: boolean }>(await tx.execute(sql`
      with target as (
        select c.id, d.require_approval from comments c join drafts d on d.id = c.draft_id
        where ${targetCondition(target)} and c.adoption is not null and c.responded_at is null
          and c.approval_requested_at is null
        for update of c
      )
      update comments c set
        status = (case when t.require_approval then 'under_review' else 'answered' end)::comment_status,
        responded_at = case when t.require_approval then null else now() end,
        approval_requested_at = case when t.require_approval then now() else null end
      from target t where c.id = t.id
      returning t.id, t.require_approval`));
    if (!rows.length) throw new AppError('NothingToPublish');
    const ids = rows.map((r) => r.id);
    const awaitingApproval = rows.filter((r) => r.require_approval).length;
    const notified = await queueAnsweredMessages(tx, rows.filter((r) => !r.require_approval).map((r) => r.id));
    await recordAudit(tx, actor, {
      action: 'comment.publish',
      ...auditObject(target, ids),
      before: { ids, published: false },
      after: { ids, published: ids.length - awaitingApproval, awaitingApproval, notified },
    });
    return { ids, published: ids.length - awaitingApproval, awaitingApproval };
  }).finally(messagesQueued);
}

/**
 * Sets the response text of decided, unpublished comments `ids` (a template's text in a bulk
 * action), leaving the decision and its state alone; publishing is a separate step. Comments
 * that are undecided or already published are not touched. Returns the ids changed. Audited
 * as comment.respond with each comment's earlier response.
 */
export async function respondComments(ids: readonly string[], response: string, actor: Actor, db: DbOrTx = getDb()): Promise<string[]> {
  if (!ids.length) throw new AppError('ValidationFailed', {}, [{ field: 'ids', key: 'review.selectionEmpty' }]);
  return db.transaction(async (tx) => {
    const rows = rowsOf<{ id: string; before: string | null }>(await tx.execute(sql`
      with target as (
        select c.id, c.response from comments c
        where ${targetCondition({ ids: [...ids] })} and c.adoption is not null and c.responded_at is null and c.approval_requested_at is null
        for update of c
      )
      update comments c set response = ${response} from target t where c.id = t.id
      returning t.id, t.response as before`));
    const changed = rows.map((r) => r.id);
    if (changed.length) {
      const before = [...new Set(rows.map((r) => r.before))];
      await recordAudit(tx, actor, {
        action: 'comment.respond', ...auditObject({ ids: changed }, changed),
        before: { responses: before.length <= 20 ? before : before.length }, after: { ids: changed, response },
      });
    }
    return changed;
  });
}
