/**
 * The response shapes of the JSON API (../shared/docs/api.md) as zod schemas. openapi.ts turns them
 * into the document's components with z.toJSONSchema, and tests/unit/openapi.test.ts checks real
 * responses against them, so the document cannot drift from what the routes send. Objects are loose:
 * fields may be added, never renamed.
 */
import { z } from 'zod';
import { errorCatalogue } from './errors';
import { channelEnum } from '../db/schema';

const int = z.number().int();
const dateTime = z.iso.datetime({ offset: true });
const adoption = z.enum(['adopted', 'partially_adopted', 'not_adopted', 'already_provided', 'out_of_scope', 'pending']);
const status = z.enum(['received', 'under_review', 'answered']);
const channel = z.enum(channelEnum.enumValues);
/** A comment's channel (the database's enum). */
export type Channel = z.output<typeof channel>;

export const errorResponse = z.looseObject({
  error: z.looseObject({
    code: z.enum(Object.keys(errorCatalogue) as [string, ...string[]]).meta({ description: '永久不变的错误名' }),
    message: z.string().meta({ description: '中文（或 lang=en 时英文）说明：发生了什么、接下来怎么做' }),
    fields: z.array(z.looseObject({ field: z.string(), message: z.string() })).optional(),
  }),
}).meta({ id: 'Error' });

export const roundResponse = z.looseObject({
  number: int.min(1).max(9).meta({ description: '审次序号 1–9' }),
  label: z.string().meta({ description: '一审稿、二审稿……' }),
  opensAt: dateTime.meta({ description: '征求意见开始时间' }),
  closesAt: dateTime.meta({ description: '征求意见截止时间' }),
  status: z.enum(['upcoming', 'open', 'closed']).meta({ description: '征求意见期状态，按服务器时间判断' }),
}).meta({ id: 'Round' });

export const draftSummaryResponse = z.looseObject({
  slug: z.string(),
  title: z.string(),
  summary: z.string().nullable().optional(),
  rounds: z.array(roundResponse.extend({ commentCount: int.meta({ description: '本审次收到的意见数' }) })),
}).meta({ id: 'DraftSummary' });

export const draftListResponse = z.array(draftSummaryResponse);

export const chapter = z.looseObject({
  number: int,
  label: z.string().meta({ description: '第一章' }),
  title: z.string().meta({ description: '总则' }),
  sections: z.array(z.looseObject({ number: int, label: z.string().meta({ description: '第一节' }), title: z.string() })),
}).meta({ id: 'Chapter' });

export const article = z.looseObject({
  id: z.uuid().meta({ description: '条文的沿革标识：各审次中相互对应的条文标识相同' }),
  number: int.meta({ description: '条文序号（第十条 → 10）' }),
  label: z.string().meta({ description: '第十条' }),
  chapter: int.nullable().meta({ description: '所在章的序号' }),
  section: int.nullable().meta({ description: '所在节的序号' }),
  caption: z.string().optional().meta({ description: '条旨（如有）' }),
  text: z.string().meta({ description: '条文全文（不含“第十条”），款、项之间以换行分隔' }),
  paragraphs: z.array(z.looseObject({ text: z.string().meta({ description: '款的正文' }), items: z.array(z.string().meta({ description: '项，含“（一）”等序号' })) })),
  commentCount: int.meta({ description: '本审次对本条的意见数' }),
}).meta({ id: 'Article' });

export const draftRoundResponse = z.looseObject({
  slug: z.string(),
  title: z.string(),
  round: roundResponse.extend({ note: z.string().nullable().meta({ description: '起草说明（Markdown）' }) }),
  rounds: z.array(roundResponse),
  preamble: z.array(z.string().meta({ description: '通过、修正日期等题注' })),
  chapters: z.array(chapter),
  articles: z.array(article),
  generalCommentCount: int.meta({ description: '本审次的总体意见数' }),
}).meta({ id: 'DraftRound' });

export const articleRef = z.looseObject({ number: int, text: z.string() }).meta({ id: 'ArticleRef' });
const change = z.enum(['unchanged', 'modified', 'renumbered', 'added', 'removed']);

export const diffResponse = z.looseObject({
  slug: z.string(),
  title: z.string(),
  from: z.looseObject({ number: int, label: z.string() }),
  to: z.looseObject({ number: int, label: z.string() }),
  summary: z.record(change, int),
  articles: z.array(z.looseObject({
    change: change.meta({ description: 'renumbered：文字相同、序号改变；只有空白或全角半角标点不同的视为相同' }),
    from: articleRef.optional(),
    to: articleRef.optional(),
    similarity: z.number().min(0).max(1),
    via: z.enum(['split', 'merged']).optional().meta({ description: '拆分或合并产生的对应' }),
  })),
}).meta({ id: 'Diff' });

const count = int.min(0);
export const statsResponse = z.looseObject({
  draft: z.looseObject({ slug: z.string(), title: z.string() }),
  round: roundResponse.extend({ feedbackPublished: z.boolean() }),
  totals: z.looseObject({ comments: count, people: count, voices: count.meta({ description: '代表录入时所代表的群众人数合计' }), general: count.meta({ description: '总体意见数' }) }),
  byChannel: z.array(z.looseObject({ channel: z.string(), count })),
  byDistrict: z.array(z.looseObject({ district: z.string().nullable(), count })),
  byStatus: z.array(z.looseObject({ status: z.string(), count })),
  byAdoption: z.array(z.looseObject({ adoption, count })).nullable(),
  rates: z.looseObject({ response: z.number(), adoption: z.number(), satisfaction: z.number().nullable() }).nullable(),
  articles: z.array(z.looseObject({ number: int, label: z.string(), caption: z.string().nullable().optional(), count })),
}).meta({ id: 'Stats', description: '意见统计（不含已屏蔽的意见）；byAdoption 和 rates 在公布采纳情况后才有值' });

export const receiptResponse = z.looseObject({
  receipt: z.string().meta({ description: '回执号，如 JS3-4F7K-9Q' }),
  lookupCode: z.string().meta({ description: '查询码：只显示这一次，请保存' }),
}).meta({ id: 'Receipt' });

export const kioskReceiptResponse = receiptResponse.extend({ receiptUrl: z.string() }).meta({ id: 'KioskReceipt' });

export const kioskStatusResponse = z.looseObject({
  station: z.looseObject({ code: z.string(), name: z.string() }),
  label: z.string(),
}).meta({ id: 'KioskStatus' });

export const receiptStatusResponse = z.looseObject({
  receipt: z.string(),
  draft: z.string().meta({ description: '草案标识' }),
  draftTitle: z.string(),
  round: int,
  roundLabel: z.string(),
  article: int.optional().meta({ description: '条文序号（总体意见无此字段）' }),
  articleLabel: z.string().optional(),
  body: z.string(),
  createdAt: dateTime,
  status,
  adoption: adoption.optional(),
  reason: z.string().optional(),
  response: z.string().optional(),
  respondedAt: dateTime.optional(),
  satisfaction: z.string().optional(),
  nextRound: z.looseObject({ round: int, label: z.string(), change: z.string(), article: int.optional(), text: z.string().optional() }).optional(),
}).meta({ id: 'ReceiptStatus' });

export const staffListItem = z.looseObject({
  id: z.uuid(), receipt: z.string(), draft: z.string(), round: int, article: int.nullable(),
  excerpt: z.string(), channel, district: z.string().nullable(), station: z.string().nullable(), status,
  adoption: adoption.nullable(), awaitingApproval: z.boolean(), hidden: z.boolean(), groupId: z.string().nullable(), groupSize: int.nullable(),
  assignee: z.string().nullable(), voices: int, tags: z.array(z.string()), createdAt: dateTime,
}).meta({ id: 'StaffCommentListItem' });

export const staffListResponse = z.looseObject({ items: z.array(staffListItem), nextCursor: z.string().nullable() }).meta({ id: 'StaffCommentPage' });

export const suggestedTag = z.looseObject({ tag: z.string(), confidence: z.number().min(0).max(1) }).meta({ id: 'SuggestedTag' });

/** POST /api/v1/staff/comments/{id}/suggestions: the comment's tags and remaining suggestions afterwards. */
export const suggestionDecisionResponse = z.looseObject({ tags: z.array(z.string()), suggestedTags: z.array(suggestedTag) }).meta({ id: 'SuggestionDecision' });

export const staffCommentResponse = z.looseObject({
  id: z.uuid(), receipt: z.string(), draft: z.string(), round: int, article: int.nullable(), articleText: z.string().nullable(),
  body: z.string(), channel, station: z.string().nullable(), submitter: z.unknown(), status, createdAt: dateTime,
  hidden: z.looseObject({ at: dateTime, reason: z.string().nullable() }).nullable(),
  assignee: z.unknown(),
  tags: z.array(z.string()),
  /** The round's classifier's tag suggestions (empty until it has enough tagged comments to learn from). */
  suggestedTags: z.array(suggestedTag),
  group: z.unknown(),
  decision: z.looseObject({
    adoption: adoption.nullable(), reason: z.string().nullable(), response: z.string().nullable(), decidedBy: z.unknown(),
    decidedAt: dateTime.nullable(), approvedBy: z.unknown(), awaitingApproval: z.boolean(), respondedAt: dateTime.nullable(),
  }),
  history: z.array(z.looseObject({ at: dateTime, action: z.string(), actor: z.string().nullable(), before: z.unknown(), after: z.unknown() })),
}).meta({ id: 'StaffComment' });

export const tagsResponse = z.looseObject({ tags: z.array(z.string()) }).meta({ id: 'CommentTags' });

/** POST /api/v1/staff/comments/bulk: the queued job (null when nothing matched) and how many comments matched. */
export const bulkStartResponse = z.looseObject({ job: z.uuid().nullable(), matched: int }).meta({ id: 'BulkStart' });

/** POST /api/v1/staff/jobs/{job}/undo: the undo job and how many comments it will put back (unless changed since). */
export const undoStartResponse = z.looseObject({ job: z.uuid(), total: int }).meta({ id: 'UndoStart' });

/** GET /api/v1/staff/jobs/{job}: a bulk job counts comments; other jobs count percent (total 100). */
export const jobStatusResponse = z.looseObject({
  state: z.enum(['queued', 'running', 'done', 'failed']), kind: z.string(), done: int, total: int, changed: int, skipped: int,
  skippedBy: z.record(z.string(), int).meta({ description: '跳过的原因及条数：decided 已有决定、undecided 尚未决定、published 已公开、waiting 待审核、hasResponse 已有答复、notWaiting 不在待审核、ownDecision 本人所作决定（须另一人审核）、hidden 已隐藏；撤销任务（kind bulk-undo）：changedSince 此后已被他人改动、published 决定此后已公开、assigneeGone 原分派人员已停用' }),
  error: z.string().nullable(), createdAt: dateTime, finishedAt: dateTime.nullable(),
}).meta({ id: 'JobStatus' });

export const importResponse = z.looseObject({
  rows: int, imported: int, alreadyPresent: int, grouped: int,
  receipts: z.array(z.looseObject({ line: int, externalId: z.string().nullable().optional(), receipt: z.string(), lookupCode: z.string().nullable().optional(), status: z.string() })),
}).meta({ id: 'ImportResult' });

/** POST /api/v1/staff/comments/import over 2 MB: the import runs as a job (comments/import-job.ts). */
export const importJobStartResponse = z.looseObject({ job: z.uuid(), status: z.literal('queued'), url: z.string() }).meta({ id: 'ImportJobStart' });

/** GET /api/v1/staff/comments/import/{job}: progress, then the answer once. */
export const importJobResponse = z.looseObject({
  job: z.uuid(), status: z.enum(['queued', 'running', 'done', 'failed']),
  progress: z.looseObject({
    stored: int, perSecond: int, total: int.nullable(), etaSeconds: int.nullable(), percent: int.nullable(), phase: z.enum(['rows', 'grouping']),
  }).nullable().meta({ description: '已存入行数、每秒行数、估计总行数、预计剩余秒数；每秒更新' }),
  result: importResponse.nullable().meta({ description: '完成后与同步导入相同的结果（含查询码），只给出这一次' }),
  error: z.looseObject({}).nullable().meta({ description: '有不合格的行时：与 422 相同的错误，逐行说明，只给出这一次' }),
}).meta({ id: 'ImportJob' });

/** GET /api/v1/staff/drafts/{slug}/rounds/{n}/themes: an article's themes (themes/read-themes.ts), biggest first. */
export const themesResponse = z.looseObject({
  themes: z.array(z.looseObject({
    id: z.uuid(),
    article: int.nullable().meta({ description: '条号；null 为总体意见' }),
    other: z.boolean().meta({ description: 'true：其他独立意见（论点与其他意见都不相同的意见）' }),
    label: z.string().meta({ description: '主题名称：工作人员所改，否则取关键词' }),
    keyPhrases: z.array(z.string()),
    comments: int,
    people: int.meta({ description: '人数：同一人（账号或联系方式）只算一次' }),
    quotes: z.array(z.looseObject({ receipt: z.string(), text: z.string() })),
  })),
}).meta({ id: 'Themes' });
