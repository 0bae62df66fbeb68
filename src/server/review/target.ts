/**
 * What a staff action applies to: one comment, a selection of comments, or a whole duplicate
 * group (campaign). Bulk actions update the rows in one statement and record one audit event
 * naming every comment (`after.ids`), so each comment's history still shows it.
 */
import { sql, type SQL } from 'drizzle-orm';
import { AppError } from '../errors';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export type Target = { ids: string[] } | { groupId: string };

/** The SQL condition on `comments` (aliased c) that selects the target's rows. */
export function targetCondition(target: Target): SQL {
  if ('groupId' in target) return sql`c.group_id = ${target.groupId}::uuid`;
  if (!target.ids.length) throw new AppError('ValidationFailed', {}, [{ field: 'ids', key: 'review.selectionEmpty' }]);
  return sql`c.id = any(${uuidArray(target.ids)})`;
}

/** A uuid[] parameter that both drivers bind the same way. */
export function uuidArray(ids: readonly string[]): SQL {
  if (!ids.every((id) => UUID.test(id))) throw new AppError('ValidationFailed', {}, [{ field: 'ids', key: 'field.invalid' }]);
  return sql`${`{${ids.join(',')}}`}::uuid[]`;
}

/** The audit object of an action on `target`: a comment, a group, or a selection. */
export function auditObject(target: Target, ids: readonly string[]): { objectType: string; objectId: string } {
  if ('groupId' in target) return { objectType: 'comment_group', objectId: target.groupId };
  if (ids.length === 1) return { objectType: 'comment', objectId: ids[0] };
  return { objectType: 'comment_selection', objectId: `${ids.length}` };
}
