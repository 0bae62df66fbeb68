/**
 * The drafts admin's changes besides publishing: a round's comment period, label and
 * explanatory note (起草说明), and whether a draft's responses need a second person's approval.
 * Each change is audited with its before and after.
 */
import { and, eq } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { drafts, rounds } from '../../db/schema';
import { recordAudit, type Actor } from '../audit';
import { AppError } from '../errors';

export interface RoundChanges {
  label?: string;
  opensAt?: Date;
  closesAt?: Date;
  noteMd?: string | null;
}

/** Changes round `number` of draft `slug`. Throws DraftNotFound, RoundNotFound, ValidationFailed (closes before opens). */
export async function updateRound(slug: string, number: number, changes: RoundChanges, actor: Actor, db: DbOrTx = getDb()) {
  return db.transaction(async (tx) => {
    const [draft] = await tx.select().from(drafts).where(eq(drafts.slug, slug));
    if (!draft) throw new AppError('DraftNotFound');
    const [round] = await tx.select().from(rounds).where(and(eq(rounds.draftId, draft.id), eq(rounds.number, number))).for('update');
    if (!round) throw new AppError('RoundNotFound');
    const opensAt = changes.opensAt ?? round.opensAt;
    const closesAt = changes.closesAt ?? round.closesAt;
    if (closesAt <= opensAt) throw new AppError('ValidationFailed', {}, [{ field: 'closes', key: 'drafts.field.period' }]);
    const next = {
      label: changes.label?.trim() || round.label,
      opensAt,
      closesAt,
      noteMd: changes.noteMd === undefined ? round.noteMd : (changes.noteMd?.trim() || null),
    };
    const [updated] = await tx.update(rounds).set(next).where(eq(rounds.id, round.id)).returning();
    await recordAudit(tx, actor, {
      action: 'round.update', objectType: 'round', objectId: round.id,
      before: { label: round.label, opensAt: round.opensAt, closesAt: round.closesAt, noteMd: round.noteMd },
      after: next,
    });
    return updated;
  });
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
