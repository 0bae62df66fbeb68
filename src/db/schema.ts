/**
 * The whole relational model of Kaimen, shared by PostgreSQL and PGlite.
 * Migrations in drizzle/ are generated from this file (`npm run db:generate`).
 */
import { sql } from 'drizzle-orm';
import {
  bigint, bigserial, boolean, check, index, integer, jsonb, pgEnum, pgTable, primaryKey, real, smallint, text,
  timestamp, uniqueIndex, uuid,
} from 'drizzle-orm/pg-core';

const id = () => uuid('id').primaryKey().default(sql`gen_random_uuid()`);
const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();
const ts = (name: string) => timestamp(name, { withTimezone: true });

export const roleEnum = pgEnum('role', ['citizen', 'deputy', 'staff', 'admin']);
export const channelEnum = pgEnum('channel', ['web', 'kiosk', 'station_qr', 'deputy', 'letter', 'api']);
export const adoptionEnum = pgEnum('adoption', [
  'adopted', 'partially_adopted', 'not_adopted', 'already_provided', 'out_of_scope', 'pending',
]);
export const commentStatusEnum = pgEnum('comment_status', ['received', 'under_review', 'answered']);
export const provisionKindEnum = pgEnum('provision_kind', ['chapter', 'section', 'article', 'paragraph', 'item']);
export const stationTypeEnum = pgEnum('station_type', ['deputies_home', 'liaison_station', 'contact_point']);
export const satisfactionEnum = pgEnum('satisfaction', ['satisfied', 'basically_satisfied', 'not_satisfied']);

// ── Drafts, rounds, versions, provisions ────────────────────────────────────
export const drafts = pgTable('drafts', {
  id: id(),
  slug: text('slug').notNull().unique(),
  title: text('title').notNull(),
  /** Two to four capital letters that start every receipt number of this draft, e.g. JS. */
  code: text('code').notNull().unique(),
  summary: text('summary'),
  requireApproval: boolean('require_approval').notNull().default(false),
  createdAt: createdAt(),
}, (t) => [check('drafts_code_format', sql`${t.code} ~ '^[A-Z]{2,4}$'`)]);

export const rounds = pgTable('rounds', {
  id: id(),
  draftId: uuid('draft_id').notNull().references(() => drafts.id),
  number: smallint('number').notNull(),
  label: text('label').notNull(),
  opensAt: ts('opens_at').notNull(),
  closesAt: ts('closes_at').notNull(),
  noteMd: text('note_md'),
  feedbackPublishedAt: ts('feedback_published_at'),
  /** Why the period ended before its announced close (staff's reason, or the next round opening); shown on the draft page. */
  closedEarlyReason: text('closed_early_reason'),
  createdAt: createdAt(),
}, (t) => [
  uniqueIndex('rounds_draft_number').on(t.draftId, t.number),
  check('rounds_period', sql`${t.closesAt} > ${t.opensAt}`),
  check('rounds_number', sql`${t.number} between 1 and 9`),
]);

/** The text published for a round. Immutable once published: one per round. */
export const versions = pgTable('versions', {
  id: id(),
  roundId: uuid('round_id').notNull().unique().references(() => rounds.id),
  title: text('title').notNull(),
  preamble: jsonb('preamble').$type<string[]>().notNull().default([]),
  sourceText: text('source_text').notNull(),
  sourceSha256: text('source_sha256').notNull(),
  counts: jsonb('counts').$type<Record<string, number>>().notNull(),
  publishedAt: ts('published_at').notNull().defaultNow(),
});

export const provisions = pgTable('provisions', {
  id: id(),
  versionId: uuid('version_id').notNull().references(() => versions.id),
  kind: provisionKindEnum('kind').notNull(),
  parentId: uuid('parent_id'),
  /** Reading order within the version. */
  seq: integer('seq').notNull(),
  /** Ordinal of its kind within its parent (article: within the whole text). */
  number: integer('number').notNull(),
  label: text('label'),
  /** Chapter/section title, or an article's caption. */
  title: text('title'),
  text: text('text').notNull().default(''),
  /** Articles only: stays the same across rounds for matched articles. */
  lineageId: uuid('lineage_id'),
  chapterNumber: integer('chapter_number'),
  sectionNumber: integer('section_number'),
}, (t) => [
  index('provisions_version_seq').on(t.versionId, t.seq),
  index('provisions_lineage').on(t.lineageId),
]);

// ── People ──────────────────────────────────────────────────────────────────
export const users = pgTable('users', {
  id: id(),
  email: text('email').unique(),
  phone: text('phone').unique(),
  passwordHash: text('password_hash').notNull(),
  role: roleEnum('role').notNull(),
  name: text('name'),
  district: text('district'),
  occupation: text('occupation'),
  active: boolean('active').notNull().default(true),
  /** When the person proved they receive messages at their email or phone (a notifier code). */
  verifiedAt: ts('verified_at'),
  /**
   * A citizen's sign-up not yet confirmed with the code sent to the contact: the account cannot
   * sign in, and a new sign-up with the same contact replaces it (auth/sign-up.ts).
   */
  signupPending: boolean('signup_pending').notNull().default(false),
  /** Send "your comment was answered" to the account's verified contact (a setting on /account). */
  notifyAnswers: boolean('notify_answers').notNull().default(true),
  createdAt: createdAt(),
}, (t) => [check('users_login', sql`${t.email} is not null or ${t.phone} is not null`)]);

/** One-time codes sent through the notifier (contact verification, password reset); only the hash is kept. */
/**
 * The one-time link that creates the first admin on an empty database (decision 021): SHA-256 (hex)
 * of the token printed by `npm start`; valid until used, expired, or any admin exists.
 */
export const setupLinks = pgTable('setup_links', {
  tokenHash: text('token_hash').primaryKey(),
  expiresAt: ts('expires_at').notNull(),
  usedAt: ts('used_at'),
  createdAt: createdAt(),
});

export const verificationCodes = pgTable('verification_codes', {
  id: id(),
  userId: uuid('user_id').notNull().references(() => users.id),
  purpose: text('purpose').notNull(),
  codeHash: text('code_hash').notNull(),
  attempts: integer('attempts').notNull().default(0),
  expiresAt: ts('expires_at').notNull(),
  usedAt: ts('used_at'),
  createdAt: createdAt(),
}, (t) => [
  index('verification_codes_user').on(t.userId, t.purpose),
  check('verification_codes_purpose', sql`${t.purpose} in ('verify', 'reset')`),
]);

export const sessions = pgTable('sessions', {
  /** SHA-256 (hex) of the token kept in the cookie; the token itself is never stored. */
  id: text('id').primaryKey(),
  userId: uuid('user_id').notNull().references(() => users.id),
  expiresAt: ts('expires_at').notNull(),
  absoluteExpiresAt: ts('absolute_expires_at').notNull(),
  lastSeenAt: ts('last_seen_at').notNull().defaultNow(),
  createdAt: createdAt(),
}, (t) => [index('sessions_user').on(t.userId)]);

export const apiTokens = pgTable('api_tokens', {
  id: id(),
  userId: uuid('user_id').notNull().references(() => users.id),
  tokenHash: text('token_hash').notNull().unique(),
  label: text('label').notNull().default(''),
  createdAt: createdAt(),
  lastUsedAt: ts('last_used_at'),
  revokedAt: ts('revoked_at'),
});

/** Fixed-window counters shared by every app instance. */
export const rateLimits = pgTable('rate_limits', {
  key: text('key').primaryKey(),
  points: integer('points').notNull(),
  resetAt: ts('reset_at').notNull(),
});

/**
 * Every message to a person (codes, "your comment was answered", follow notices): queued in the
 * transaction of the event that caused it, delivered by a `message` job (messages/deliver.ts).
 * A message is rendered from its kind's template, its locale and `params` when it is sent; a
 * code travels only in `sealed` (AES-256-GCM, messages/seal.ts), erased once the message is
 * delivered or has failed. Staff see the row, never a code (messages/deliveries.ts).
 */
export const outbox = pgTable('outbox', {
  id: id(),
  /** sms or email. */
  channel: text('channel').notNull(),
  /** The phone number or e-mail address (personal information: masked on every page). */
  recipient: text('recipient').notNull(),
  /** The template: verify, reset, signup-exists, answered, follow-confirm, round-opened, feedback-published. */
  kind: text('kind').notNull().default('message'),
  locale: text('locale').notNull().default('zh-CN'),
  /** The template's parameters that are not secret (draft, article, receipt, links). */
  params: jsonb('params').$type<Record<string, string>>().notNull().default({}),
  /** The secret parameters (a code), sealed; null once delivered or failed. */
  sealed: text('sealed'),
  /** queued, delivered, failed. */
  state: text('state').notNull().default('queued'),
  attempts: integer('attempts').notNull().default(0),
  lastError: text('last_error'),
  /** One message per event: a second queueing of the same key is ignored. */
  dedupeKey: text('dedupe_key').unique(),
  /** Not delivered after this (a code's expiry): the message fails instead. */
  expiresAt: ts('expires_at'),
  commentId: uuid('comment_id'),
  followId: uuid('follow_id'),
  /** Subject line of rows from before delivery existed; new rows render theirs at sending. */
  subject: text('subject'),
  /** How it left: smtp, sms, console, file (manual: an earlier record passed on by hand). */
  delivery: text('delivery'),
  /** The id the SMTP server or gateway gave the message. */
  providerId: text('provider_id'),
  createdAt: createdAt(),
  /** When it was delivered. */
  sentAt: ts('sent_at'),
}, (t) => [
  index('outbox_created').on(t.createdAt, t.id),
  index('outbox_state_created').on(t.state, t.createdAt, t.id),
  index('outbox_comment').on(t.commentId),
  check('outbox_state', sql`${t.state} in ('queued', 'delivered', 'failed')`),
  check('outbox_channel', sql`${t.channel} in ('sms', 'email')`),
]);

/**
 * Followers of a draft (messages/follows.ts): by e-mail, confirmed by a link sent there (double
 * opt-in), or with an account (its verified contact). Unsubscribing keeps the row, marked.
 */
export const follows = pgTable('follows', {
  id: id(),
  draftId: uuid('draft_id').notNull().references(() => drafts.id),
  userId: uuid('user_id').references(() => users.id),
  email: text('email'),
  locale: text('locale').notNull().default('zh-CN'),
  confirmedAt: ts('confirmed_at'),
  unsubscribedAt: ts('unsubscribed_at'),
  createdAt: createdAt(),
}, (t) => [
  uniqueIndex('follows_draft_email').on(t.draftId, t.email).where(sql`${t.email} is not null`),
  uniqueIndex('follows_draft_user').on(t.draftId, t.userId).where(sql`${t.userId} is not null`),
  index('follows_draft_active').on(t.draftId).where(sql`${t.confirmedAt} is not null and ${t.unsubscribedAt} is null`),
  check('follows_who', sql`(${t.email} is null) <> (${t.userId} is null)`),
]);

export const auditEvents = pgTable('audit_events', {
  id: bigserial('id', { mode: 'number' }).primaryKey(),
  at: ts('at').notNull().defaultNow(),
  actorId: uuid('actor_id'),
  actorKind: text('actor_kind').notNull(),
  action: text('action').notNull(),
  objectType: text('object_type'),
  objectId: text('object_id'),
  ip: text('ip'),
  before: jsonb('before'),
  after: jsonb('after'),
  prevHash: text('prev_hash').notNull(),
  /** HMAC-SHA256 under the key named by keyId; plain SHA-256 when keyId is null (rows before decision 012). */
  hash: text('hash').notNull(),
  /** The public id of the audit key that signed this row (keys.ts keyId); null on legacy rows. */
  keyId: text('key_id'),
}, (t) => [
  index('audit_object').on(t.objectType, t.objectId),
  // Bulk staff actions name every comment they touched in after.ids (review/target.ts).
  index('audit_after_ids').using('gin', sql`(${t.after} -> 'ids')`),
]);

// ── Stations and kiosks ─────────────────────────────────────────────────────
export const stations = pgTable('stations', {
  id: id(),
  code: text('code').notNull().unique(),
  name: text('name').notNull(),
  type: stationTypeEnum('type').notNull(),
  district: text('district').notNull(),
  street: text('street'),
  address: text('address'),
  createdAt: createdAt(),
});

export const stationDeputies = pgTable('station_deputies', {
  stationId: uuid('station_id').notNull().references(() => stations.id),
  userId: uuid('user_id').notNull().references(() => users.id),
}, (t) => [primaryKey({ columns: [t.stationId, t.userId] })]);

export const kiosks = pgTable('kiosks', {
  id: id(),
  stationId: uuid('station_id').notNull().references(() => stations.id),
  label: text('label').notNull().default(''),
  enrollmentCodeHash: text('enrollment_code_hash').unique(),
  enrollmentExpiresAt: ts('enrollment_expires_at'),
  credentialHash: text('credential_hash').unique(),
  enrolledAt: ts('enrolled_at'),
  revokedAt: ts('revoked_at'),
  lastSeenAt: ts('last_seen_at'),
  createdAt: createdAt(),
});

// ── Comments and their review ───────────────────────────────────────────────
export const commentGroups = pgTable('comment_groups', {
  id: id(),
  roundId: uuid('round_id').notNull().references(() => rounds.id),
  /** SHA-256 of the normalised text for exact duplicates, or null for near-duplicate groups. */
  fingerprint: text('fingerprint'),
  confirmed: boolean('confirmed').notNull().default(false),
  label: text('label'),
  createdAt: createdAt(),
}, (t) => [uniqueIndex('comment_groups_round_fingerprint').on(t.roundId, t.fingerprint)]);

export const comments = pgTable('comments', {
  id: id(),
  receipt: text('receipt').notNull().unique(),
  lookupHash: text('lookup_hash').notNull(),
  idempotencyKey: text('idempotency_key').notNull().unique(),
  draftId: uuid('draft_id').notNull().references(() => drafts.id),
  roundId: uuid('round_id').notNull().references(() => rounds.id),
  /** The article as it stood when commented; null for a general comment (总体意见). */
  articleId: uuid('article_id').references(() => provisions.id),
  articleNumber: integer('article_number'),
  body: text('body').notNull(),
  name: text('name'),
  publishName: boolean('publish_name').notNull().default(false),
  district: text('district'),
  occupation: text('occupation'),
  /** Personal information (PIPL): never public, masked in exports without contact:view. */
  contact: text('contact'),
  contactErasedAt: ts('contact_erased_at'),
  channel: channelEnum('channel').notNull(),
  stationId: uuid('station_id').references(() => stations.id),
  kioskId: uuid('kiosk_id').references(() => kiosks.id),
  deputyId: uuid('deputy_id').references(() => users.id),
  userId: uuid('user_id').references(() => users.id),
  /** A deputy's own comment, kept apart from residents' comments entered by a deputy. */
  byDeputy: boolean('by_deputy').notNull().default(false),
  /** The commenter asked to be told at `contact` when the comment is answered (messages/answered.ts). */
  notify: boolean('notify').notNull().default(false),
  /** How many residents voiced it (a deputy's sheet); 1 otherwise. */
  voices: integer('voices').notNull().default(1),
  /** Character bigrams of the body as 32-bit keys (text-features.ts bigramKey), for two-character Chinese search. */
  bigrams: integer('bigrams').array().notNull().default(sql`'{}'::int[]`),
  fingerprint: text('fingerprint').notNull(),
  minhash: integer('minhash').array(),
  groupId: uuid('group_id').references(() => commentGroups.id),
  assigneeId: uuid('assignee_id').references(() => users.id),
  status: commentStatusEnum('status').notNull().default('received'),
  adoption: adoptionEnum('adoption'),
  reason: text('reason'),
  response: text('response'),
  decidedBy: uuid('decided_by').references(() => users.id),
  decidedAt: ts('decided_at'),
  approvedBy: uuid('approved_by').references(() => users.id),
  /** A decision to publish that waits for a second person's approval (drafts.require_approval). */
  approvalRequestedAt: ts('approval_requested_at'),
  respondedAt: ts('responded_at'),
  hiddenAt: ts('hidden_at'),
  hiddenReason: text('hidden_reason'),
  satisfaction: satisfactionEnum('satisfaction'),
  satisfactionRemark: text('satisfaction_remark'),
  ratedAt: ts('rated_at'),
  createdAt: createdAt(),
}, (t) => [
  index('comments_round_created').on(t.roundId, t.createdAt, t.id),
  index('comments_draft_created').on(t.draftId, t.createdAt, t.id),
  index('comments_station').on(t.stationId, t.createdAt),
  index('comments_user').on(t.userId, t.createdAt),
  index('comments_deputy').on(t.deputyId, t.createdAt),
  index('comments_assignee').on(t.assigneeId, t.createdAt),
  index('comments_bigrams').using('gin', t.bigrams),
  // The staff inbox: newest first under any single filter (review/inbox.ts).
  index('comments_created').on(t.createdAt, t.id),
  index('comments_status_created').on(t.status, t.createdAt, t.id),
  index('comments_adoption_created').on(t.adoption, t.createdAt, t.id),
  index('comments_channel_created').on(t.channel, t.createdAt, t.id),
  index('comments_district_created').on(t.district, t.createdAt, t.id),
  index('comments_group_created').on(t.groupId, t.createdAt, t.id),
  index('comments_round_article_created').on(t.roundId, t.articleNumber, t.createdAt, t.id),
  // Grouping's exact lookup: the earliest comment with this text in the round, one index descent.
  index('comments_round_fingerprint').on(t.roundId, t.fingerprint, t.createdAt, t.id),
  index('comments_hidden_created').on(t.createdAt, t.id).where(sql`${t.hiddenAt} is not null`),
  index('comments_waiting_created').on(t.createdAt, t.id).where(sql`${t.approvalRequestedAt} is not null`),
  check('comments_body_length', sql`char_length(${t.body}) between 1 and 5000`),
  check('comments_voices', sql`${t.voices} between 1 and 100000`),
]);

/**
 * The near-duplicate band index (grouping/grouping.ts): for each LSH band key of a round, the first
 * comment that stood alone or founded a group with it. A lookup reads at most LSH_BANDS rows,
 * however many comments share a band. No foreign keys: comments and rounds are never deleted,
 * and the checks would cost a lookup per row on the submission path.
 */
export const lshBuckets = pgTable('lsh_buckets', {
  roundId: uuid('round_id').notNull(),
  bandKey: integer('band_key').notNull(),
  commentId: uuid('comment_id').notNull(),
}, (t) => [primaryKey({ columns: [t.roundId, t.bandKey] })]);

/**
 * 主要意见 of one article in a round (article_number 0: 总体意见), as the adoption report and the
 * public feedback page say it. Staff write (or later accept a drafted) text and confirm it; only
 * confirmed text is published, and editing the text clears the confirmation.
 */
export const articlePoints = pgTable('article_points', {
  roundId: uuid('round_id').notNull().references(() => rounds.id),
  articleNumber: integer('article_number').notNull(),
  text: text('text').notNull(),
  updatedBy: uuid('updated_by').references(() => users.id),
  updatedAt: ts('updated_at').notNull().defaultNow(),
  confirmedBy: uuid('confirmed_by').references(() => users.id),
  confirmedAt: ts('confirmed_at'),
}, (t) => [
  primaryKey({ columns: [t.roundId, t.articleNumber] }),
  check('article_points_confirmed', sql`(${t.confirmedAt} is null) = (${t.confirmedBy} is null)`),
]);

/**
 * Themes of a round: the comments of one article (article_number 0: 总体意见) clustered by what they
 * argue (src/server/themes/, decision 028). Recomputed by the `themes` job; a theme that persists
 * across a recomputation keeps its id and its staff label. `other` is the bucket of 其他独立意见
 * (comments that share an argument with no other comment). Derived data: it can always be made again.
 */
export const themes = pgTable('themes', {
  id: id(),
  roundId: uuid('round_id').notNull().references(() => rounds.id),
  articleNumber: integer('article_number').notNull(),
  other: boolean('other').notNull().default(false),
  /** The label made from the key phrases; `label` (set by staff) wins when present. */
  autoLabel: text('auto_label').notNull(),
  label: text('label'),
  labelledBy: uuid('labelled_by').references(() => users.id),
  keyPhrases: text('key_phrases').array().notNull().default(sql`'{}'::text[]`),
  /** The centroid's heaviest terms with their weights (incremental assignment of new comments). */
  centroid: jsonb('centroid').notNull().default(sql`'{}'::jsonb`),
  comments: integer('comments').notNull().default(0),
  people: integer('people').notNull().default(0),
  /** [{ receipt, text }]: two or three comments nearest the centroid. */
  quotes: jsonb('quotes').notNull().default(sql`'[]'::jsonb`),
  createdAt: createdAt(),
}, (t) => [index('themes_round_article').on(t.roundId, t.articleNumber)]);

/** Which theme each comment of a themed round is in (one theme per comment). */
export const themeComments = pgTable('theme_comments', {
  commentId: uuid('comment_id').primaryKey().references(() => comments.id, { onDelete: 'cascade' }),
  themeId: uuid('theme_id').notNull().references(() => themes.id, { onDelete: 'cascade' }),
  roundId: uuid('round_id').notNull().references(() => rounds.id),
}, (t) => [index('theme_comments_theme').on(t.themeId), index('theme_comments_round').on(t.roundId)]);

/** Per round and article: the vocabulary of the last full computation (idf of each term) and when. */
export const themeSets = pgTable('theme_sets', {
  roundId: uuid('round_id').notNull().references(() => rounds.id),
  articleNumber: integer('article_number').notNull(),
  idf: jsonb('idf').notNull().default(sql`'{}'::jsonb`),
  defaultIdf: real('default_idf').notNull().default(1),
  computedAt: ts('computed_at').notNull().defaultNow(),
}, (t) => [primaryKey({ columns: [t.roundId, t.articleNumber] })]);

/** Per round: the last computation of its themes (full or incremental), and up to when comments were read. */
export const themeRuns = pgTable('theme_runs', {
  roundId: uuid('round_id').primaryKey().references(() => rounds.id),
  mode: text('mode').notNull(),
  /** Comments created up to this instant are in the themes (the next incremental run reads those after). */
  through: ts('through').notNull(),
  fullAt: ts('full_at').notNull(),
  finishedAt: ts('finished_at').notNull(),
  durationMs: integer('duration_ms').notNull(),
  comments: integer('comments').notNull(),
  /** Comments added incrementally since the last full computation. */
  addedSinceFull: integer('added_since_full').notNull().default(0),
});

export const tags = pgTable('tags', {
  id: id(),
  /** Null for free tags shared by every draft. */
  draftId: uuid('draft_id').references(() => drafts.id),
  parentId: uuid('parent_id'),
  name: text('name').notNull(),
  createdAt: createdAt(),
}, (t) => [uniqueIndex('tags_draft_parent_name').on(t.draftId, t.parentId, t.name)]);

export const commentTags = pgTable('comment_tags', {
  commentId: uuid('comment_id').notNull().references(() => comments.id),
  tagId: uuid('tag_id').notNull().references(() => tags.id),
}, (t) => [primaryKey({ columns: [t.commentId, t.tagId] }),
  // With comment_id, a tag's comments are read from the index alone: the inbox's tag filter hashes them
  // once and tests the newest rows against the hash (review/inbox.ts; decision 023 addendum).
  index('comment_tags_tag').on(t.tagId, t.commentId)]);

/**
 * Tag suggestions for a round's untagged comments (src/server/suggestions/, decision 027): what the
 * `tag-suggestions` job's classifier, trained on the staff's own coding, proposes with its
 * confidence. Derived data, replaced at each training; accepted or rejected ones are removed.
 */
export const tagSuggestions = pgTable('tag_suggestions', {
  commentId: uuid('comment_id').notNull().references(() => comments.id, { onDelete: 'cascade' }),
  tagId: uuid('tag_id').notNull().references(() => tags.id, { onDelete: 'cascade' }),
  roundId: uuid('round_id').notNull().references(() => rounds.id),
  confidence: real('confidence').notNull(),
  modelVersion: integer('model_version').notNull(),
  createdAt: createdAt(),
}, (t) => [primaryKey({ columns: [t.commentId, t.tagId] }), index('tag_suggestions_round_confidence').on(t.roundId, t.confidence)]);

/** A suggestion staff rejected: never suggested again for that comment, and a negative example for the tag. */
export const tagSuggestionRejections = pgTable('tag_suggestion_rejections', {
  commentId: uuid('comment_id').notNull().references(() => comments.id, { onDelete: 'cascade' }),
  tagId: uuid('tag_id').notNull().references(() => tags.id, { onDelete: 'cascade' }),
  roundId: uuid('round_id').notNull().references(() => rounds.id),
  rejectedBy: uuid('rejected_by').references(() => users.id),
  rejectedAt: createdAt(),
}, (t) => [primaryKey({ columns: [t.commentId, t.tagId] }), index('tag_suggestion_rejections_round').on(t.roundId)]);

/** Per round: the last training of its tag classifier — from what (the round's or the draft's coding), on how many, and the coding it saw. */
export const tagSuggestionRuns = pgTable('tag_suggestion_runs', {
  roundId: uuid('round_id').primaryKey().references(() => rounds.id),
  modelVersion: integer('model_version').notNull().default(0),
  /** 'round', 'draft', or 'none' (too few tagged comments: no suggestions). */
  source: text('source').notNull(),
  /** Tagged comments of the round (what the page's "本轮已标注 N 条" says). */
  roundTagged: integer('round_tagged').notNull().default(0),
  /** Tagged comments the model was trained on (the round's or the draft's). */
  trainedOn: integer('trained_on').notNull().default(0),
  learnedTags: text('learned_tags').array().notNull().default(sql`'{}'::text[]`),
  /** Coding seen: tagged pairs + rejections + comments, to decide when to train again. */
  codingPairs: integer('coding_pairs').notNull().default(0),
  rejections: integer('rejections').notNull().default(0),
  comments: integer('comments').notNull().default(0),
  suggestions: integer('suggestions').notNull().default(0),
  durationMs: integer('duration_ms').notNull().default(0),
  finishedAt: ts('finished_at').notNull().defaultNow(),
});

export const responseTemplates = pgTable('response_templates', {
  id: id(),
  draftId: uuid('draft_id').references(() => drafts.id),
  title: text('title').notNull(),
  body: text('body').notNull(),
  createdAt: createdAt(),
});

/**
 * One row: a number bumped (by triggers, in the same transaction) whenever a change to comments or
 * their tags can change the inbox's counts, so each instance's cache of them knows it is stale
 * (review/inbox-counts.ts). New comments do not bump it: the cache's short life covers them.
 */
export const inboxCountsVersion = pgTable('inbox_counts_version', {
  id: smallint('id').primaryKey().default(1),
  version: bigint('version', { mode: 'number' }).notNull().default(0),
}, (t) => [check('inbox_counts_version_one_row', sql`${t.id} = 1`)]);

// ── Background jobs (exports) ───────────────────────────────────────────────
export const jobs = pgTable('jobs', {
  id: id(),
  kind: text('kind').notNull(),
  payload: jsonb('payload').notNull(),
  status: text('status').notNull().default('queued'),
  progress: integer('progress').notNull().default(0),
  attempts: integer('attempts').notNull().default(0),
  lockedBy: text('locked_by'),
  lockedUntil: ts('locked_until'),
  resultPath: text('result_path'),
  /** Which of the runner's lanes runs it: default (exports, one at a time) or messages (several at once). */
  lane: text('lane').notNull().default('default'),
  /** Not before this: a retry's backoff. */
  runAfter: ts('run_after').notNull().defaultNow(),
  error: text('error'),
  createdBy: uuid('created_by').references(() => users.id),
  createdAt: createdAt(),
  finishedAt: ts('finished_at'),
}, (t) => [
  index('jobs_status').on(t.status, t.createdAt),
  // The runner's claim: the oldest runnable job of a lane (jobs/runner.ts claimJob).
  index('jobs_lane_runnable').on(t.lane, t.runAfter, t.createdAt).where(sql`${t.status} in ('queued', 'running')`),
]);

/**
 * What an undoable bulk job (tags, assignment, unpublished decisions) changed, comment by comment:
 * the state before and the state it left, written in each batch's transaction (review/bulk-undo.ts,
 * decision 026). Undo restores `before` where the comment still shows `after`, and skips the rest.
 */
export const bulkJobChanges = pgTable('bulk_job_changes', {
  jobId: uuid('job_id').notNull().references(() => jobs.id),
  commentId: uuid('comment_id').notNull(),
  before: jsonb('before').notNull(),
  after: jsonb('after'),
}, (t) => [primaryKey({ columns: [t.jobId, t.commentId] })]);

/**
 * Imported comments still to be looked up for near-duplicate groups (grouping/group-imported.ts):
 * a bulk import groups exact duplicates in its transaction and queues here the comments it left
 * alone; the `near-groups` job looks each one up as a submission would and empties the queue.
 */
/**
 * The comments of a bulk import that the near-groups job has still to look up (grouping/group-imported.ts):
 * one row per import, its comments in the order they are looked up (their own dates, oldest first),
 * `done` of them looked up. One row instead of one per comment: 100,000 queue rows cost the import's
 * transaction 2.6 s, one array 0.05 s.
 */
export const nearGroupImports = pgTable('near_group_imports', {
  id: uuid('id').primaryKey().defaultRandom(),
  commentIds: uuid('comment_ids').array().notNull(),
  done: integer('done').notNull().default(0),
  createdAt: ts('created_at').notNull().defaultNow(),
}, (t) => [index('near_group_imports_order').on(t.createdAt, t.id)]);

