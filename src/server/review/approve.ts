/**
 * The second-person approval of responses (drafts.require_approval): a decision published by
 * one staff member waits until another approves it, or sends it back. The approver can never
 * be the person who decided. Approving makes the answer public on every receipt at once.
 */
import { sql } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { recordAudit, type Actor } from '../audit';
import { AppError } from '../errors';
import { auditObject, targetCondition, uuidArray, type Target } from './target';
import { rowsOf } from '../../db/rows';
import { queueAnsweredMessages } from '../messages/answered';
import { messagesQueued } from '../messages/outbox';

export interface ApprovalResult {
  ids: string[];
}

/**
 * Approves every comment of `target` that awaits approval: status answered, responded_at now,
 * approved_by the actor. Throws SelfApprovalRefused when the actor decided any of them, and
 * NothingToApprove when none of them waits.
 */
export async function approveResponses(target: Target, actor: Actor, db: DbOrTx = getDb()): Promise<ApprovalResult> {
  return settle(target, actor, 'approve', db);
}

/** Sends waiting decisions back to their author: no longer waiting, still under review, not public. */
export async function returnResponses(target: Target, actor: Actor, db: DbOrTx = getDb()): Promise<ApprovalResult> {
  return settle(target, actor, 'return', db);
}

async function settle(target: Target, actor: Actor, kind: 'approve' | 'return', db: DbOrTx): Promise<ApprovalResult> {
  return db.transaction(async (tx) => {
    const waiting = rowsOf<{ id: string; decided_by: string | null }>(await tx.execute(sql`
      select c.id, c.decided_by from comments c
      where ${targetCondition(target)} and c.approval_requested_at is not null
      for update`));
    if (!waiting.length) throw new AppError('NothingToApprove');
    if (kind === 'approve' && waiting.some((r) => r.decided_by !== null && r.decided_by === actor.id)) {
      throw new AppError('SelfApprovalRefused');
    }
    const ids = waiting.map((r) => r.id);
    const idList = uuidArray(ids);
    let notified = 0;
    if (kind === 'approve') {
      await tx.execute(sql`
        update comments set status = 'answered', responded_at = now(), approved_by = ${actor.id}::uuid, approval_requested_at = null
        where id = any(${idList})`);
      notified = await queueAnsweredMessages(tx, ids);
    } else {
      await tx.execute(sql`
        update comments set status = 'under_review', approval_requested_at = null, approved_by = null
        where id = any(${idList})`);
    }
    await recordAudit(tx, actor, {
      action: kind === 'approve' ? 'comment.approve' : 'comment.return',
      ...auditObject(target, ids),
      before: { ids, pendingApproval: true },
      after: { ids, pendingApproval: false, published: kind === 'approve', ...(kind === 'approve' ? { notified } : {}) },
    });
    return { ids };
  }).finally(messagesQueued);
}
