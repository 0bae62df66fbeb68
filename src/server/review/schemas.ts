/**
 * Validation of every staff review input (inbox filters, decisions, tags, groups, moderation),
 * shared by the workspace pages, the staff API and the tests. Messages are i18n keys.
 */
import { z } from 'zod';
import { lineText } from '../text-rules';
import { cursor, date, uuid, wellFormedText } from '../params';

export const adoptions = ['adopted', 'partially_adopted', 'not_adopted', 'already_provided', 'out_of_scope', 'pending'] as const;
export type Adoption = (typeof adoptions)[number];
/** Adoption statuses that may be decided without a reason. */
export const reasonOptional: ReadonlySet<Adoption> = new Set(['adopted', 'pending']);
export const statuses = ['received', 'under_review', 'answered'] as const;
export const channels = ['web', 'kiosk', 'station_qr', 'deputy', 'letter', 'api'] as const;

const blankToUndefined = (v: unknown) => (typeof v === 'string' && v.trim() === '' ? undefined : v);
const opt = <T extends z.ZodType>(s: T) => z.preprocess(blankToUndefined, s.optional());

/** The inbox filters, as they come from a query string (every value a string; blanks ignored). */
export const inboxFilterSchema = z.object({
  draft: opt(z.string().max(80)),
  round: opt(z.coerce.number().int().min(1).max(9)),
  article: opt(z.union([z.literal('general'), z.coerce.number().int().min(1).max(10000)])),
  /** Comments of the previous round on the article that became article `carriedTo` of `round` (drafts/carried.ts). */
  carriedTo: opt(z.coerce.number().int().min(1).max(10000)),
  channel: opt(z.enum(channels)),
  station: opt(z.string().max(80)),
  district: opt(z.string().max(40)),
  status: opt(z.enum(statuses)),
  adoption: opt(z.union([z.enum(adoptions), z.literal('none')])),
  tag: opt(z.string().max(80)),
  assignee: opt(z.union([z.literal('me'), z.literal('none'), uuid])),
  campaign: opt(uuid),
  /** The comments of one theme (themes/, decision 028). */
  theme: opt(uuid),
  /** Only comments awaiting a second person's approval. */
  approval: opt(z.literal('waiting')),
  hidden: opt(z.enum(['only', 'exclude'])),
  from: opt(date),
  to: opt(date),
  q: opt(z.string().trim().max(50, 'field.tooLong')),
  /** With q: `relevance` ranks the matches (review/search.ts); otherwise, and by default, newest first. */
  sort: opt(z.enum(['newest', 'relevance'])),
  /** Checked when the page is read (inbox.ts decodeCursor). */
  cursor: opt(z.string().max(1000)),
  limit: opt(z.coerce.number().int().min(1).max(200)),
});
export type InboxFilters = z.infer<typeof inboxFilterSchema>;

/** A decision as the API and the forms send it. */
export const decisionSchema = z.object({
  adoption: z.enum(adoptions, { error: 'review.adoptionRequired' }),
  reason: opt(wellFormedText.trim().max(2000, 'field.tooLong')),
  response: opt(wellFormedText.trim().max(5000, 'field.tooLong')),
  publish: z.preprocess((v) => v === 'on' || v === 'true' || v === true, z.boolean()).optional(),
});
export type DecisionInput = z.infer<typeof decisionSchema>;

export const tagsSchema = z.object({
  tags: z.array(lineText(40).pipe(z.string().min(1, 'field.required'))).max(30),
});

export const tagCreateSchema = z.object({
  name: lineText(40).pipe(z.string().min(1, 'field.required')),
  parentId: opt(uuid),
  /** Absent: a free tag shared by every draft. */
  draftId: opt(uuid),
});

export const templateSchema = z.object({
  title: wellFormedText.trim().min(1, 'field.required').max(80, 'field.tooLong'),
  body: wellFormedText.trim().min(1, 'field.required').max(5000, 'field.tooLong'),
  draftId: opt(uuid),
});

export const hideSchema = z.object({
  reason: z.enum(['abuse', 'spam', 'personal_data', 'other'], { error: 'review.hideReasonRequired' }),
  note: opt(wellFormedText.trim().max(500, 'field.tooLong')),
});

/** Creating or deleting a reply template (/staff/templates). */
export const templateForm = z.object({ op: z.enum(['create', 'delete']), id: uuid.optional(), title: z.string().optional(), body: z.string().optional(), draftId: z.string().optional() });

// ── JSON API request bodies (OpenAPI, issue 16 C) ──
/** POST /api/v1/staff/comments/{id}/tags: the tags to add, or with replace the only tags to keep. */
export const tagsRequestSchema = tagsSchema.extend({ replace: z.boolean().optional() });

// ── Acting on every comment that matches a filter (POST /api/v1/staff/comments/bulk; review/bulk-filter.ts) ──
/** The inbox's filters as JSON (numbers may come as numbers); `group` names a campaign group as `campaign` does. */
export const bulkFilterSchema = inboxFilterSchema.omit({ cursor: true, limit: true }).extend({ group: opt(uuid) });
const bulkTags = z.array(lineText(40).pipe(z.string().min(1, 'field.required'))).min(1, 'field.required').max(30);
export const bulkActionSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('tag'), tags: bulkTags }),
  z.object({ kind: z.literal('untag'), tags: bulkTags }),
  /** An active staff member's e-mail address, `me`, or null to unassign. */
  z.object({ kind: z.literal('assign'), assignee: z.union([z.literal('me'), z.email('field.invalid'), z.null()]) }),
  z.object({ kind: z.literal('decide'), ...decisionSchema.shape }),
  /** The response of decided, unpublished comments: a template's text or the text itself. */
  z.object({ kind: z.literal('respond'), template: opt(uuid), response: opt(wellFormedText.trim().max(5000, 'field.tooLong')) }),
  z.object({ kind: z.literal('publish') }),
  z.object({ kind: z.literal('approve') }),
  z.object({ kind: z.literal('group') }),
  z.object({ kind: z.literal('hide'), ...hideSchema.shape }),
], { error: 'review.actionUnknown' });
export type BulkActionInput = z.infer<typeof bulkActionSchema>;
export const bulkRequestSchema = z.object({
  filter: bulkFilterSchema.default({}),
  action: bulkActionSchema,
  /** Decide and respond over comments that already have a decision (a response): skipped otherwise. */
  overwrite: z.boolean().optional(),
});
export type BulkRequest = z.infer<typeof bulkRequestSchema>;

// ── Groups people can work with (staff/groups; review/group-members.ts, review/group-actions.ts) ──
/** The group page's query: the identical members instead of the differing ones, and where the page starts. */
export const groupMembersQuerySchema = z.object({
  show: opt(z.literal('identical')),
  cursor: opt(cursor(z.object({ us: z.number().int().min(0).max(9e15), id: uuid }))),
});
/** The groups list's merge: the groups ticked, and optionally the one that survives (the largest otherwise). */
export const groupMergeSchema = z.object({
  groups: z.array(uuid).max(200).default([]),
  target: z.preprocess(blankToUndefined, uuid.optional()),
});
export type GroupMergeForm = z.infer<typeof groupMergeSchema>;
/** A group's name as staff type it; blank goes back to the name taken from its text. */
export const groupLabelSchema = opt(lineText(80));
