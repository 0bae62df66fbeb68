/** Assigning comments or whole groups to a staff member ("my queue"). */
import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { getDb, type DbOrTx } from '../../db/client';
import { users } from '../../db/schema';
import { recordAudit, type Actor } from '../audit';
import { AppError } from '../errors';
import { auditObject, targetCondition, type Target } from './target';
import { rowsOf } from '../../db/rows';

export interface StaffMember {
  id: string;
  name: string | null;
  email: string | null;
}

/** Active staff and admins, by name: the people comments can be assigned to. */
export async function listStaff(db: DbOrTx = getDb()): Promise<StaffMember[]> {
  return db.select({ id: users.id, name: users.name, email: users.email }).from(users)
    .where(and(inArray(users.role, ['staff', 'admin']), eq(users.active, true))).orderBy(asc(users.name), asc(users.email));
}

/**
 * Assigns every comment of `target` to `assigneeId` (an active staff member), or unassigns
 * with null, in one statement. Throws UserNotFound for anyone else. Audited.
 */
export async function assignComments(target: Target, assigneeId: string | null, actor: Actor, db: DbOrTx = getDb()): Promise<string[]> {
  return db.transaction(async (tx) => {
    if (assigneeId) {
      const [u] = await tx.select({ id: users.id }).from(users)
        .where(and(eq(users.id, assigneeId), inArray(users.role, ['staff', 'admin']), eq(users.active, true)));
      if (!u) throw new AppError('UserNotFound');
    }
    const rows = rowsOf<{ id: string; before: string | null }>(await tx.execute(sql`
      with target as (select c.id, c.assignee_id from comments c where ${targetCondition(target)} for update)
      update comments c set assignee_id = ${assigneeId}::uuid from target t where c.id = t.id
      returning t.id, t.assignee_id as before`));
    if (!rows.length) throw new AppError('CommentNotFound');
    const ids = rows.map((r) => r.id);
    await recordAudit(tx, actor, {
      action: 'comment.assign', ...auditObject(target, ids),
      before: { assignees: [...new Set(rows.map((r) => r.before))] }, after: { ids, assigneeId },
    });
    return ids;
  });
}
