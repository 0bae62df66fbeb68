/**
 * Deciding adoption (采纳情况): the status, the reason (required for every status except
 * adopted and pending), the response, and whether to publish it. Publishing goes straight to
 * the citizen's receipt, or waits for a second person's approval when the draft requires it.
 * One comment, a selection or a whole campaign group is decided in one UPDATE; the audit event
 * (before and after) is written in the same transaction.
 */
import { sql } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { recordAudit, type Actor } from '../audit';
import { AppError } from '../errors';
import { parseOrFail } from '../validation';
import { decisionSchema, reasonOptional, type Adoption, type DecisionInput } from './schemas';
import { auditObject, targetCondition, type Target } from './target';
import { rowsOf } from '../../db/rows';
import { queueAnsweredMessages } from '../messages/answered';
import { messagesQueued } from '../messages/outbox';

export interface DecisionResult {
  /** The comments decided. */
  ids: string[];
  /** With keepDecided: the comments left alone because someone had decided them already. */
  skipped: number;
  /** How many went to the receipts now, and how many wait for approval. */
  published: number;
  awaitingApproval: number;
}

interface BeforeRow {
  id: string;
  status: string;
  adoption: Adoption | null;
  reason: string | null;
  response: string | null;
  responded_at: string | null;
  pending_approval: boolean;
}

/** Checks the decision rules without touching the database; throws ReasonRequired. */
export function checkDecision(input: DecisionInput): DecisionInput {
  const d = parseOrFail(decisionSchema, input);
  if (!reasonOptional.has(d.adoption) && !d.reason) {
    throw new AppError('ReasonRequired', {}, [{ field: 'reason', key: 'error.reasonRequired' }]);
  }
  return d;
}

/**
 * Records `input` on every comment of `target`. Without `publish` the decision stays internal
 * (status under_review; a response published earlier is withdrawn until published again).
 * With `publish`, comments of drafts that require approval wait for a second person
 * (approval_requested_at), the others become answered with responded_at = now.
 * With `keepDecided` (a selection or a group decided in one go), comments that already have a
 * decision are left alone and counted in `skipped`: a person's decision is never overwritten
 * silently. Throws ReasonRequired, ValidationFailed, CommentNotFound (nothing matched).
 */
export async function decideAdoption(
  target: Target,
  input: DecisionInput,
  actor: Actor,
  db: DbOrTx = getDb(),
  opts: { keepDecided?: boolean } = {},
): Promise<DecisionResult> {
  const d = checkDecision(input);
  const publish = d.publish === true;
  return db.transaction(async (tx) => {
    // Counted before the update, which gives the others a decision too.
    const skipped = opts.keepDecided
      ? rowsOf<{ n: number }>(await tx.execute(sql`select count(*)::int as n from comments c where ${targetCondition(target)} and c.adoption is not null`))[0].n
      : 0;
    const result = await tx.execute(sql`
      with target as (
        select c.id, c.status, c.adoption, c.reason, c.response, c.responded_at,
               c.approval_requested_at is not null as pending_approval, d.require_approval
        from comments c join drafts d on d.id = c.draft_id
        where ${targetCondition(target)} ${opts.keepDecided ? sql`and c.adoption is null` : sql``}
        for update of c
      )
      update comments c set
        adoption = ${d.adoption}::adoption,
        reason = ${d.reason ?? null},
        response = ${d.response ?? null},
        decided_by = ${actor.id}::uuid,
        decided_at = now(),
        approved_by = null,
        status = (case when ${publish} and not t.require_approval then 'answered' else 'under_review' end)::comment_status,
        responded_at = case when ${publish} and not t.require_approval then now() else null end,
        approval_requested_at = case when ${publish} and t.require_approval then now() else null end
      from target t
      where c.id = t.id
      returning t.id, t.status, t.adoption, t.reason, t.response, t.responded_at, t.pending_approval, t.require_approval`);
    const rows = rowsOf<BeforeRow & { require_approval: boolean }>(result);
    if (!rows.length && skipped) return { ids: [], published: 0, awaitingApproval: 0, skipped };
    if (!rows.length) throw new AppError('CommentNotFound');
    const ids = rows.map((r) => r.id);
    const awaitingApproval = publish ? rows.filter((r) => r.require_approval).length : 0;
    const published = publish ? rows.length - awaitingApproval : 0;
    const notified = published ? await queueAnsweredMessages(tx, rows.filter((r) => !r.require_approval).map((r) => r.id)) : 0;
    await recordAudit(tx, actor, {
      action: 'comment.decide',
      ...auditObject(target, ids),
      before: summariseBefore(rows),
      after: { ids, adoption: d.adoption, reason: d.reason ?? null, response: d.response ?? null, publish, published, awaitingApproval, notified, ...(skipped ? { skipped } : {}) },
    });
    return { ids, published, awaitingApproval, skipped };
  }).finally(messagesQueued);
}

/**
 * The prior states of the decided comments, grouped: members of a campaign usually share one
 * state, so a 10,000-comment group gives a small event, yet every comment's before is kept.
 */
export function summariseBefore(rows: readonly BeforeRow[]): Array<Record<string, unknown>> {
  const byState = new Map<string, { state: Record<string, unknown>; ids: string[] }>();
  for (const r of rows) {
    const state = {
      status: r.status, adoption: r.adoption, reason: r.reason, response: r.response,
      published: r.responded_at !== null, pendingApproval: r.pending_approval,
    };
    const key = JSON.stringify(state);
    const entry = byState.get(key) ?? { state, ids: [] as string[] };
    entry.ids.push(r.id);
    byState.set(key, entry);
  }
  return [...byState.values()].map((e) => ({ ...e.state, ids: e.ids }));
}
