/**
 * The workspace's form actions on a selection or a group (the inbox's bulk bar, the comment
 * and group pages): one schema, one dispatcher, so every page applies the same rules.
 */
import { z } from 'zod';
import type { Actor } from '../audit';
import { AppError } from '../errors';
import { isUuid, uuid, wellFormedText } from '../params';
import { can, type Permission } from '../auth/permissions';
import type { SessionUser } from '../auth/session-user';
import { decideAdoption } from './decide';
import { approveResponses, returnResponses } from './approve';
import { publishResponses } from './respond';
import { tagComments } from './tags';
import { assignComments } from './assign';
import { groupSelection, splitGroup } from './groups';
import { templateBody } from './templates';
import { clearFacetCache } from './inbox-counts';
import { adoptions, type DecisionInput } from './schemas';
import type { Target } from './target';
import { previewBulk, startBulk, type BulkPreview } from './bulk-filter';
import type { InboxFilters } from './schemas';

export const bulkActions = ['tag', 'untag', 'decide', 'assign', 'group', 'split', 'publish', 'approve', 'return'] as const;
export type BulkAction = (typeof bulkActions)[number];

const permissionOf: Record<BulkAction, Permission> = {
  tag: 'comment:tag', untag: 'comment:tag', decide: 'comment:decide', assign: 'comment:assign', group: 'comment:tag',
  split: 'comment:tag', publish: 'comment:decide', approve: 'comment:approve', return: 'comment:approve',
};

const text = (max: number) => wellFormedText.trim().max(max, 'field.tooLong').optional();

export const bulkFormSchema = z.object({
  action: z.enum(bulkActions, { error: 'review.actionUnknown' }),
  ids: z.array(uuid).max(10000).default([]),
  groupId: z.preprocess((v) => (v === '' ? undefined : v), uuid.optional()),
  tags: text(400),
  adoption: z.preprocess((v) => (v === '' ? undefined : v), z.enum(adoptions).optional()),
  reason: text(2000),
  response: text(5000),
  template: z.preprocess((v) => (v === '' ? undefined : v), uuid.optional()),
  publish: z.preprocess((v) => v === 'on' || v === 'true', z.boolean()).optional(),
  assignee: z.string().optional(),
  /** Decide over comments someone has decided already (a selection or a group); skipped otherwise. */
  overwrite: z.preprocess((v) => v === 'on' || v === 'true', z.boolean()).optional(),
  /** The selected comments, or every comment matching the page's filter (review/bulk-filter.ts). */
  scope: z.preprocess((v) => (v === '' ? undefined : v), z.enum(['selected', 'filter']).default('selected')),
  /** The filter's confirmation step was seen (its count and sample). */
  confirm: z.preprocess((v) => v === '1', z.boolean()).optional(),
});
export type BulkForm = z.infer<typeof bulkFormSchema>;

/** Tag names as typed in the form: separated by commas, 、, semicolons or lines. */
const splitTags = (raw: string | undefined) => (raw ?? '').split(/[,，、;；\n]/).map((s) => s.trim()).filter(Boolean);

export interface BulkOutcome {
  action: BulkAction;
  count: number;
  /** Decisions held for a second person's approval. */
  waiting: number;
  /** Comments left alone because they had a decision (without overwrite). */
  skipped: number;
}

/**
 * Runs `form.action` on the selected comments (or the group) for `user`, after checking the
 * action's permission. Throws Forbidden, ValidationFailed and the domain functions' errors.
 */
export async function runBulkAction(form: BulkForm, user: SessionUser, actor: Actor): Promise<BulkOutcome> {
  if (!can(user, permissionOf[form.action])) throw new AppError('Forbidden');
  const ids = form.ids ?? [];
  const target: Target = form.groupId && !ids.length ? { groupId: form.groupId } : { ids };
  if ('ids' in target && !target.ids.length) throw new AppError('ValidationFailed', {}, [{ field: 'ids', key: 'review.selectionEmpty' }]);
  const done = (count: number, waiting = 0, skipped = 0): BulkOutcome => {
    clearFacetCache();
    return { action: form.action, count, waiting, skipped };
  };
  switch (form.action) {
    case 'tag':
    case 'untag': {
      const names = splitTags(form.tags);
      if (!names.length) throw new AppError('ValidationFailed', {}, [{ field: 'tags', key: 'field.required' }]);
      if (!('ids' in target)) throw new AppError('ValidationFailed', {}, [{ field: 'ids', key: 'review.selectionEmpty' }]);
      await tagComments(target.ids, names, actor, { remove: form.action === 'untag' });
      return done(target.ids.length);
    }
    case 'decide': {
      if (!form.adoption) throw new AppError('ValidationFailed', {}, [{ field: 'adoption', key: 'review.adoptionRequired' }]);
      const response = form.response || (form.template ? await templateBody(form.template) : undefined);
      const input: DecisionInput = { adoption: form.adoption, reason: form.reason || undefined, response: response || undefined, publish: form.publish };
      // One comment is decided as asked; a selection or a group keeps earlier decisions unless overwrite.
      const many = 'groupId' in target || target.ids.length > 1;
      const r = await decideAdoption(target, input, actor, undefined, { keepDecided: many && !form.overwrite });
      return done(r.ids.length, r.awaitingApproval, r.skipped);
    }
    case 'assign': {
      const assignee = form.assignee === 'me' ? user.id : form.assignee || null;
      if (assignee && !isUuid(assignee)) throw new AppError('ValidationFailed', {}, [{ field: 'assignee', key: 'field.invalid' }]);
      return done((await assignComments(target, assignee, actor)).length);
    }
    case 'group': {
      if (!('ids' in target)) throw new AppError('ValidationFailed', {}, [{ field: 'ids', key: 'review.groupNeedsTwo' }]);
      await groupSelection(target.ids, actor);
      return done(target.ids.length);
    }
    case 'split': {
      if (!('ids' in target)) throw new AppError('ValidationFailed', {}, [{ field: 'ids', key: 'review.selectionEmpty' }]);
      await splitGroup(target.ids, actor);
      return done(target.ids.length);
    }
    case 'publish': {
      const r = await publishResponses(target, actor);
      return done(r.published, r.awaitingApproval);
    }
    case 'approve':
      return done((await approveResponses(target, actor)).ids.length);
    case 'return':
      return done((await returnResponses(target, actor)).ids.length);
  }
}


/** The workspace's form as a bulk request over the page's `filters` (the API's shape). */
async function filterRequestOf(form: BulkForm, filters: InboxFilters): Promise<unknown> {
  const filter = { ...filters };
  delete filter.cursor;
  delete filter.limit;
  const base = { filter, overwrite: form.overwrite === true };
  switch (form.action) {
    case 'tag':
    case 'untag':
      return { ...base, action: { kind: form.action, tags: splitTags(form.tags) } };
    case 'decide': {
      const response = form.response || (form.template ? await templateBody(form.template) : undefined);
      return { ...base, action: { kind: 'decide', adoption: form.adoption, reason: form.reason, response, publish: form.publish } };
    }
    case 'assign':
      return { ...base, action: { kind: 'assign', assignee: form.assignee === 'me' ? 'me' : form.assignee || null } };
    case 'group':
    case 'publish':
    case 'approve':
      return { ...base, action: { kind: form.action } };
    default:
      throw new AppError('ValidationFailed', {}, [{ field: 'scope', key: 'review.notForFilter' }]);
  }
}

export type WorkspaceBulkResult =
  | { kind: 'done'; outcome: BulkOutcome }
  | { kind: 'preview'; preview: BulkPreview; form: BulkForm }
  | { kind: 'started'; job: string | null; matched: number };

/**
 * The inbox's bulk form: on the selection at once, or — with scope "filter" — first a preview
 * (count, sample, what it would skip), then, confirmed, a bulk job over every matching comment.
 */
export async function runWorkspaceBulk(form: BulkForm, filters: InboxFilters, user: SessionUser, actor: Actor): Promise<WorkspaceBulkResult> {
  if (form.scope !== 'filter') return { kind: 'done', outcome: await runBulkAction(form, user, actor) };
  const request = await filterRequestOf(form, filters);
  if (!form.confirm) return { kind: 'preview', preview: await previewBulk(request, user), form };
  return { kind: 'started', ...(await startBulk(request, user, actor)) };
}
