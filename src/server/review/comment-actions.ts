/**
 * The forms of the staff comment page (decide, approve, tag, assign, split, hide, accept or reject a tag suggestion): one schema
 * and one dispatcher, reusing the bulk actions for a selection of one.
 */
import { z } from 'zod';
import type { Actor } from '../audit';
import { AppError } from '../errors';
import { isUuid } from '../params';
import { requirePermission } from '../auth/permissions';
import type { SessionUser } from '../auth/session-user';
import { bulkFormSchema, runBulkAction } from './bulk-action';
import { hideComment, unhideComment } from './moderate';
import { clearFacetCache } from './inbox-counts';
import { decideSuggestion } from '../suggestions/suggestions';

export const commentFormSchema = bulkFormSchema.omit({ action: true, ids: true, groupId: true }).extend({
  action: z.enum(['decide', 'approve', 'return', 'tag', 'untag', 'assign', 'split', 'hide', 'unhide', 'suggestionAccept', 'suggestionReject'], { error: 'review.actionUnknown' }),
  hideReason: z.string().optional(),
  hideNote: z.string().optional(),
});

/** Runs one form action on comment `id`; returns the action's name for the confirmation. */
export async function runCommentAction(id: string, form: z.infer<typeof commentFormSchema>, user: SessionUser, actor: Actor): Promise<string> {
  if (!isUuid(id)) throw new AppError('CommentNotFound');
  if (form.action === 'suggestionAccept' || form.action === 'suggestionReject') {
    // The tag of a suggestion (its id) in `tags` (suggestions/suggestions.ts).
    requirePermission(user, 'comment:tag');
    await decideSuggestion(id, { tag: form.tags ?? '', accept: form.action === 'suggestionAccept' }, actor);
    clearFacetCache();
    return form.action;
  }
  if (form.action === 'hide' || form.action === 'unhide') {
    requirePermission(user, 'comment:hide');
    if (form.action === 'hide') await hideComment(id, { reason: form.hideReason || undefined, note: form.hideNote || undefined }, actor);
    else await unhideComment(id, actor);
    clearFacetCache();
    return form.action;
  }
  // A single comment's assignment keeps "unassigned" as an empty value, not "me".
  const assignee = form.action === 'assign' ? form.assignee ?? '' : form.assignee;
  await runBulkAction({ ...form, assignee, action: form.action, ids: [id] }, user, actor);
  return form.action;
}
