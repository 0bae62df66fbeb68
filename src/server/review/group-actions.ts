/**
 * The forms of the groups pages: on one group, name it, confirm it, decide for all members
 * (keeping members' own decisions unless overwrite), publish, assign, move ticked members out;
 * on the list, merge the ticked groups.
 */
import { z } from 'zod';
import type { Actor } from '../audit';
import { requirePermission } from '../auth/permissions';
import type { SessionUser } from '../auth/session-user';
import { bulkFormSchema, runBulkAction } from './bulk-action';
import { confirmGroup, mergeSelectedGroups, renameGroup, splitGroup } from './groups';
import { groupMemberCount } from './group-members';
import { clearFacetCache } from './inbox-counts';
import { groupLabelSchema, type GroupMergeForm } from './schemas';

export const groupFormSchema = bulkFormSchema.omit({ action: true, groupId: true, scope: true, confirm: true }).extend({
  action: z.enum(['rename', 'confirm', 'decide', 'publish', 'assign', 'split'], { error: 'review.actionUnknown' }),
  label: groupLabelSchema,
});

export interface GroupActionResult {
  action: z.infer<typeof groupFormSchema>['action'];
  count: number;
  waiting: number;
  skipped: number;
  /** The group to show next: null when moving members out emptied it. */
  groupId: string | null;
  /** The group the moved-out members formed (two or more of them). */
  newGroup: string | null;
}

/** Runs one action on group `id`; returns what to confirm and the group to show next. */
export async function runGroupAction(id: string, form: z.infer<typeof groupFormSchema>, user: SessionUser, actor: Actor): Promise<GroupActionResult> {
  const result = (count: number, more: Partial<GroupActionResult> = {}): GroupActionResult =>
    ({ action: form.action, count, waiting: 0, skipped: 0, groupId: id, newGroup: null, ...more });
  switch (form.action) {
    case 'rename':
      requirePermission(user, 'comment:tag');
      await renameGroup(id, form.label, actor);
      return result(0);
    case 'confirm':
      requirePermission(user, 'comment:tag');
      await confirmGroup(id, null, actor);
      return result(0);
    case 'split': {
      requirePermission(user, 'comment:tag');
      const newGroup = await splitGroup(form.ids, actor, undefined, { from: id });
      clearFacetCache();
      return result(form.ids.length, { newGroup, groupId: (await groupMemberCount(id)) > 0 ? id : null });
    }
    default: {
      const r = await runBulkAction({ ...form, action: form.action, ids: [], groupId: id, scope: 'selected', assignee: form.action === 'assign' ? form.assignee ?? '' : form.assignee }, user, actor);
      return result(r.count, { waiting: r.waiting, skipped: r.skipped });
    }
  }
}

/** The groups list's merge of the ticked groups; returns the surviving group and how many comments moved. */
export async function runGroupMerge(form: GroupMergeForm, user: SessionUser, actor: Actor): Promise<{ target: string; moved: number }> {
  requirePermission(user, 'comment:tag');
  const r = await mergeSelectedGroups(form.groups, form.target, actor);
  clearFacetCache();
  return r;
}
