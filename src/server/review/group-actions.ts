/** The forms of the group page: confirm, decide for all members, publish, assign, merge. */
import { z } from 'zod';
import type { Actor } from '../audit';
import { AppError } from '../errors';
import { isUuid } from '../params';
import { requirePermission } from '../auth/permissions';
import type { SessionUser } from '../auth/session-user';
import { bulkFormSchema, runBulkAction } from './bulk-action';
import { confirmGroup, mergeGroups } from './groups';
import { clearFacetCache } from './inbox-counts';

export const groupFormSchema = bulkFormSchema.omit({ action: true, ids: true, groupId: true }).extend({
  action: z.enum(['confirm', 'decide', 'publish', 'assign', 'merge'], { error: 'review.actionUnknown' }),
  label: z.string().max(80, 'field.tooLong').optional(),
  sources: z.string().max(4000).optional(),
});

/** Runs one action on group `id`; returns what to confirm and the group to show next. */
export async function runGroupAction(id: string, form: z.infer<typeof groupFormSchema>, user: SessionUser, actor: Actor) {
  if (form.action === 'confirm') {
    requirePermission(user, 'comment:tag');
    await confirmGroup(id, form.label ?? null, actor);
    return { action: form.action, count: 0, waiting: 0, groupId: id };
  }
  if (form.action === 'merge') {
    requirePermission(user, 'comment:tag');
    const sources = (form.sources ?? '').split(/[\s,，]+/).map((s) => s.trim()).filter(Boolean);
    if (!sources.length || !sources.every(isUuid)) {
      throw new AppError('ValidationFailed', {}, [{ field: 'sources', key: 'field.invalid' }]);
    }
    const count = await mergeGroups(id, sources, actor);
    clearFacetCache();
    return { action: form.action, count, waiting: 0, groupId: id };
  }
  const r = await runBulkAction({ ...form, action: form.action, ids: [], groupId: id, assignee: form.action === 'assign' ? form.assignee ?? '' : form.assignee }, user, actor);
  return { action: form.action, count: r.count, waiting: r.waiting, groupId: id };
}
