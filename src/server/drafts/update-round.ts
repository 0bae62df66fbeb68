/**
 * The drafts admin's changes besides publishing: a round's comment period, label and
 * explanatory note (起草说明), and whether a draft's responses need a second person's approval.
 * Each change is audited with its before and after.
 */
import { and, count, eq, ne, sql } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { getReadDb } from '../../db/replica';
import { rowsOf } from '../../db/rows';
import { comments, drafts, rounds } from '../../db/schema';
import { recordAudit, type Actor } from '../audit';
import { AppError } from '../errors';

export interface RoundChanges {
  label?: string;
  opensAt?: Date;
  closesAt?: Date;
  noteMd?: string | null;
  /** Why the period ends before its announced close (required to shorten it once comments arrived). */
  closeReason?: string;
}

/** Times on the form are to the minute: a difference below that is no change. */
const MINUTE = 60_000;

/**
 * Changes round `number` of draft `slug`. The period follows the consultation's promises: once
 * the round has comments its opening cannot move, and its close can only be extended, or brought
 * forward (not before now) with a reason that the draft page shows; no two rounds' periods
 * overlap (one open round per draft). Each change is audited with its before and after.
 * Throws DraftNotFound, RoundNotFound, ValidationFailed (field opens or closes).
 */
export async function updateRound(slug: string, number: number, changes: RoundChanges, actor: Actor, db: DbOrTx = getDb(), now = new Date()) {
  return db.transaction(async (tx) => {
    const [draft] = await tx.select().from(drafts).where(eq(drafts.slug, slug));
    if (!draft) throw new AppError('DraftNotFound');
    const [round] = await tx.select().from(rounds).where(and(eq(rounds.draftId, draft.id), eq(rounds.number, number))).for('update');
    if (!round) throw new AppError('RoundNotFound');
    const moved = (a: Date | undefined, b: Date) => a !== undefined && Math.abs(a.getTime() - b.getTime()) >= MINUTE;
    const opensAt = moved(changes.opensAt, round.opensAt) ? changes.opensAt! : round.opensAt;
    const closesAt = moved(changes.closesAt, round.closesAt) ? changes.closesAt! : round.closesAt;
    if (closesAt <= opensAt) throw new AppError('ValidationFailed', {}, [{ field: 'closes', key: 'drafts.field.period' }]);
    const reason = changes.closeReason?.trim() || null;
    const shortened = closesAt < round.closesAt;
    const [{ n }] = await tx.select({ n: count() }).from(comments).where(eq(comments.roundId, round.id));
    if (Number(n) > 0) {
      if (opensAt.getTime() !== round.opensAt.getTime()) {
        throw new AppError('ValidationFailed', {}, [{ field: 'opens', key: 'drafts.period.opensLocked', params: { count: Number(n) } }]);
      }
      if (shortened && !reason) throw new AppError('ValidationFailed', {}, [{ field: 'closes', key: 'drafts.period.reasonRequired' }]);
      if (shortened && closesAt.getTime() < now.getTime() - MINUTE) {
        throw new AppError('ValidationFailed', {}, [{ field: 'closes', key: 'drafts.period.notBeforeNow' }]);
      }
    }
    const others = await tx.select().from(rounds).where(and(eq(rounds.draftId, draft.id), ne(rounds.id, round.id)));
    const clash = others.find((o) => o.opensAt < closesAt && opensAt < o.closesAt);
    if (clash) throw new AppError('ValidationFailed', {}, [{ field: 'closes', key: 'drafts.period.overlaps', params: { label: clash.label } }]);
    const next = {
      label: changes.label?.trim() || round.label,
      opensAt,
      closesAt,
      noteMd: changes.noteMd === undefined ? round.noteMd : (changes.noteMd?.trim() || null),
      // Brought forward: the reason is shown; extended again: the early end no longer holds.
      closedEarlyReason: shortened ? reason : closesAt > round.closesAt ? null : round.closedEarlyReason,
    };
    const [updated] = await tx.update(rounds).set(next).where(eq(rounds.id, round.id)).returning();
    await recordAudit(tx, actor, {
      action: 'round.update', objectType: 'round', objectId: round.id,
      before: { label: round.label, opensAt: round.opensAt, closesAt: round.closesAt, noteMd: round.noteMd, closedEarlyReason: round.closedEarlyReason },
      after: next,
    });
    return updated;
  });
}

/**
 * The changes of a round's period after it was published, oldest first, for the draft page: when
 * it was changed, the period before and after, and the reason of an early end.
 */
export async function periodChanges(roundIds: readonly string[], db: DbOrTx = getReadDb()): Promise<Map<string, PeriodChange[]>> {
  const out = new Map<string, PeriodChange[]>();
  if (!roundIds.length) return out;
  const rows = rowsOf<{ round: string; at: Date | string; before: Record<string, string | null>; after: Record<string, string | null> }>(await db.execute(sql`
    select object_id as round, at, before, after from audit_events
    where object_type = 'round' and action in ('round.update', 'round.close')
      and object_id = any(${`{${roundIds.join(',')}}`}::text[])
      and (before->>'closesAt' is distinct from after->>'closesAt' or (action = 'round.update' and before->>'opensAt' is distinct from after->>'opensAt'))
    order by id`));
  for (const r of rows) {
    const list = out.get(r.round) ?? [];
    const date = (v: string | null | undefined) => (v ? new Date(v) : null);
    list.push({
      at: new Date(r.at),
      opensBefore: date(r.before.opensAt), opensAfter: date(r.after.opensAt),
      closesBefore: date(r.before.closesAt), closesAfter: date(r.after.closesAt),
      reason: r.after.reason ?? r.after.closedEarlyReason ?? null,
    });
    out.set(r.round, list);
  }
  return out;
}

export interface PeriodChange {
  at: Date;
  opensBefore: Date | null;
  opensAfter: Date | null;
  closesBefore: Date | null;
  closesAfter: Date | null;
  reason: string | null;
}

/** Turns the second-person approval of responses on or off for draft `slug`. Throws DraftNotFound. */
export async function setRequireApproval(slug: string, required: boolean, actor: Actor, db: DbOrTx = getDb()): Promise<void> {
  await db.transaction(async (tx) => {
    const [draft] = await tx.select().from(drafts).where(eq(drafts.slug, slug)).for('update');
    if (!draft) throw new AppError('DraftNotFound');
    if (draft.requireApproval === required) return;
    await tx.update(drafts).set({ requireApproval: required }).where(eq(drafts.id, draft.id));
    await recordAudit(tx, actor, { action: 'draft.approval', objectType: 'draft', objectId: draft.id, before: { requireApproval: draft.requireApproval }, after: { requireApproval: required } });
  });
}

/** The explanatory note (Markdown) of every round of a draft, by round id. */
export async function roundNotes(draftId: string, db: DbOrTx = getDb()): Promise<Map<string, string>> {
  const rows = await db.select({ id: rounds.id, note: rounds.noteMd }).from(rounds).where(eq(rounds.draftId, draftId));
  return new Map(rows.map((r) => [r.id, r.note ?? '']));
}
