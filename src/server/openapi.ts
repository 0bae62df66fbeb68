/**
 * The OpenAPI 3.1 description of the public contract in ../shared/docs/api.md, generated from the
 * zod schemas the routes use (z.toJSONSchema): `apiRoutes` is the table of routes — the route file,
 * method, path, the schemas of its path parameters, query and body, and a response schema per
 * status — and `openApiDocument` is built from it. Served at GET /api/v1/openapi.json.
 * tests/unit/openapi.test.ts checks that every route file has an entry and uses these schemas.
 */
import { z } from 'zod';
import { slugSchema, draftQuerySchema, diffQuerySchema, roundNumberSchema } from './drafts/schemas';
import { bulkRequestSchema, decisionSchema, inboxFilterSchema, tagsRequestSchema } from './review/schemas';
import { commentInputSchema } from './comments/schemas';
import { kioskCommentBodySchema } from './stations/kiosk-comments';
import { uuid } from './params';
import { themesQuerySchema } from './themes/schemas';
import { suggestionDecisionSchema } from './suggestions/schemas';
import * as res from './api-responses';

type JsonSchema = Record<string, unknown>;
type Security = 'staff' | 'kiosk';
/** A response: a zod schema (JSON), a media type for a file, or for an error the error names it gives. */
export type ApiResponse = { description: string; schema: z.ZodType } | { description: string; file: string } | { errors: string };

export interface ApiRoute {
  /** The route file under src/pages. */
  file: string;
  method: 'get' | 'post';
  path: string;
  tags: ['reading' | 'commenting' | 'staff' | 'kiosk'];
  summary: string;
  security?: Security;
  params?: z.ZodObject;
  query?: z.ZodObject;
  body?: { schema: z.ZodType; description?: string; alternatives?: Record<string, JsonSchema> };
  responses: Record<string, ApiResponse>;
}

const ok = (description: string, schema: z.ZodType): ApiResponse => ({ description, schema });
const err = (errors: string): ApiResponse => ({ errors });
const slugParams = z.object({ slug: slugSchema });
const idParams = z.object({ id: uuid });
const jobParams = z.object({ job: uuid });
const staffErrors = { '401': err('Unauthenticated / SessionExpired'), '403': err('Forbidden') };
const report = (format: 'docx' | 'xlsx' | 'csv', type: string): ApiRoute => ({
  file: 'src/pages/staff/drafts/[slug]/rounds/[n]/report.[format].ts',
  method: 'get',
  path: `/staff/drafts/{slug}/rounds/{n}/report.${format}`,
  tags: ['staff'],
  summary: `意见采纳情况报告（${format}）`,
  security: 'staff',
  params: slugParams.extend({ n: roundNumberSchema }),
  responses: { '200': { description: '报告文件', file: type }, ...staffErrors, '404': err('DraftNotFound / RoundNotFound') },
});

/** Every route of the JSON API (and the staff report downloads), in the order of api.md. */
export const apiRoutes: ApiRoute[] = [
  { file: 'src/pages/api/v1/drafts/index.ts', method: 'get', path: '/api/v1/drafts', tags: ['reading'], summary: '全部法规草案及其审次', responses: { '200': ok('草案列表', res.draftListResponse) } },
  {
    file: 'src/pages/api/v1/drafts/[slug]/index.ts', method: 'get', path: '/api/v1/drafts/{slug}', tags: ['reading'],
    summary: '某一审次的草案全文，逐条，附意见数', params: slugParams, query: draftQuerySchema,
    responses: { '200': ok('草案全文', res.draftRoundResponse), '400': err('ValidationFailed'), '404': err('DraftNotFound / RoundNotFound') },
  },
  {
    file: 'src/pages/api/v1/drafts/[slug]/diff.ts', method: 'get', path: '/api/v1/drafts/{slug}/diff', tags: ['reading'],
    summary: '两个审次之间的修改对照（from 默认 to 的上一审次，to 默认最新一审次）', params: slugParams, query: diffQuerySchema,
    responses: { '200': ok('逐条对照', res.diffResponse), '400': err('ValidationFailed（审次相同或没有可对照的审次）'), '404': err('DraftNotFound / RoundNotFound') },
  },
  {
    file: 'src/pages/api/v1/drafts/[slug]/stats.ts', method: 'get', path: '/api/v1/drafts/{slug}/stats', tags: ['reading'],
    summary: '意见统计：按渠道、区、状态和条文', params: slugParams, query: draftQuerySchema,
    responses: { '200': ok('统计', res.statsResponse), '400': err('ValidationFailed'), '404': err('DraftNotFound / RoundNotFound') },
  },
  {
    file: 'src/pages/api/v1/drafts/[slug]/comments.ts', method: 'post', path: '/api/v1/drafts/{slug}/comments', tags: ['commenting'],
    summary: '提交意见（对某一条或总体意见）', params: slugParams, body: { schema: commentInputSchema, description: '同一 idempotencyKey 重复提交返回同一回执，只保存一条意见' },
    responses: {
      '201': ok('已保存；回执号和查询码', res.receiptResponse),
      '200': ok('同一 idempotencyKey 的重复提交：同一回执', res.receiptResponse),
      '400': err('ValidationFailed / MalformedJson'),
      '403': err('CrossOriginRefused'),
      '404': err('DraftNotFound / ArticleNotFound'),
      '409': err('ConsultationClosed / ConsultationNotOpen / Conflict'),
      '413': err('PayloadTooLarge'),
      '415': err('UnsupportedMediaType'),
      '429': err('RateLimited（带 Retry-After）'),
    },
  },
  {
    file: 'src/pages/api/v1/receipts/[receipt].ts', method: 'get', path: '/api/v1/receipts/{receipt}', tags: ['commenting'],
    summary: '凭回执号和查询码查询意见的办理情况',
    params: z.object({ receipt: z.string().meta({ examples: ['JS3-4F7K-9Q'] }) }),
    query: z.object({ code: z.string().optional().meta({ description: '查询码（本人登录时可不填）' }) }),
    responses: { '200': ok('办理情况', res.receiptStatusResponse), '404': err('ReceiptNotFound'), '429': err('RateLimited') },
  },
  {
    file: 'src/pages/api/v1/staff/comments/index.ts', method: 'get', path: '/api/v1/staff/comments', tags: ['staff'], security: 'staff',
    summary: '意见列表（筛选、搜索、分页）', query: inboxFilterSchema,
    responses: { '200': ok('一页意见', res.staffListResponse), '400': err('ValidationFailed'), ...staffErrors },
  },
  {
    file: 'src/pages/api/v1/staff/comments/[id]/index.ts', method: 'get', path: '/api/v1/staff/comments/{id}', tags: ['staff'], security: 'staff',
    summary: '一条意见：标签、分组、采纳决定和操作记录', params: idParams,
    responses: { '200': ok('意见', res.staffCommentResponse), ...staffErrors, '404': err('CommentNotFound') },
  },
  {
    file: 'src/pages/api/v1/staff/comments/[id]/decision.ts', method: 'post', path: '/api/v1/staff/comments/{id}/decision', tags: ['staff'], security: 'staff',
    summary: '决定采纳情况并答复（除 adopted 和 pending 外须填理由）', params: idParams, body: { schema: decisionSchema },
    responses: { '200': ok('已记录；意见如 GET 所返回', res.staffCommentResponse), '400': err('ValidationFailed'), ...staffErrors, '404': err('CommentNotFound'), '409': err('ApprovalRequired'), '422': err('ReasonRequired') },
  },
  {
    file: 'src/pages/api/v1/staff/comments/[id]/tags.ts', method: 'post', path: '/api/v1/staff/comments/{id}/tags', tags: ['staff'], security: 'staff',
    summary: '给意见加标签（按名称或标识；replace 时只保留这些）', params: idParams, body: { schema: tagsRequestSchema },
    responses: { '200': ok('意见现有的标签', res.tagsResponse), '400': err('ValidationFailed'), ...staffErrors, '404': err('CommentNotFound') },
  },
  {
    file: 'src/pages/api/v1/staff/comments/[id]/suggestions.ts', method: 'post', path: '/api/v1/staff/comments/{id}/suggestions', tags: ['staff'], security: 'staff',
    summary: '接受（加上该标签）或拒绝（不再建议）一条标签建议', params: idParams, body: { schema: suggestionDecisionSchema },
    responses: { '200': ok('意见现有的标签和其余建议', res.suggestionDecisionResponse), '400': err('ValidationFailed'), ...staffErrors, '404': err('CommentNotFound / SuggestionNotFound') },
  },
  {
    file: 'src/pages/api/v1/staff/comments/bulk.ts', method: 'post', path: '/api/v1/staff/comments/bulk', tags: ['staff'], security: 'staff',
    summary: '对符合筛选条件的全部意见执行一项操作（后台任务；已有的决定不覆盖，除非 overwrite）', body: { schema: bulkRequestSchema },
    responses: { '202': ok('已排队：任务编号和符合条件的意见数', res.bulkStartResponse), '200': ok('没有符合条件的意见：不建任务', res.bulkStartResponse), '400': err('ValidationFailed'), ...staffErrors, '422': err('ReasonRequired') },
  },
  {
    file: 'src/pages/api/v1/staff/jobs/[job].ts', method: 'get', path: '/api/v1/staff/jobs/{job}', tags: ['staff'], security: 'staff',
    summary: '后台任务的进度：批量操作按意见计（已处理、总数、已更改、跳过及原因），其他任务按百分比', params: jobParams,
    responses: { '200': ok('任务进度', res.jobStatusResponse), ...staffErrors, '404': err('NotFound') },
  },
  {
    file: 'src/pages/api/v1/staff/jobs/[job]/undo.ts', method: 'post', path: '/api/v1/staff/jobs/{job}/undo', tags: ['staff'], security: 'staff',
    summary: '撤销已完成的批量操作（加标签、去标签、分派、未公开的决定），作为后台任务；此后被他人改动的意见不覆盖，计入跳过（决定 026）', params: jobParams,
    responses: { '202': ok('已排队：撤销任务的编号和将恢复的意见数；进度见 GET /api/v1/staff/jobs/{job}', res.undoStartResponse), ...staffErrors, '404': err('NotFound'), '409': err('Conflict（未完成、不可撤销、已撤销或没有改动）') },
  },
  {
    file: 'src/pages/api/v1/staff/comments/import.ts', method: 'post', path: '/api/v1/staff/comments/import', tags: ['staff'], security: 'staff',
    summary: '批量导入意见（CSV 或 JSON { rows }，至多 50 MB；有一行不合格则全部不导入）',
    body: { schema: z.object({ rows: z.array(z.record(z.string(), z.unknown())) }), alternatives: { 'text/csv': { type: 'string', description: '列同 npm run comments:import' } } },
    responses: { '200': ok('导入结果；查询码只显示这一次', res.importResponse), '202': ok('超过 2 MB：作为后台任务导入，进度和结果见 url', res.importJobStartResponse), '400': err('ValidationFailed / MalformedJson'), ...staffErrors, '413': err('PayloadTooLarge'), '415': err('UnsupportedMediaType'), '422': err('ValidationFailed（逐行说明）') },
  },
  {
    file: 'src/pages/api/v1/staff/comments/import/[job].ts', method: 'get', path: '/api/v1/staff/comments/import/{job}', tags: ['staff'], security: 'staff',
    summary: '大批量导入（后台任务）的进度；完成后给出导入结果（含查询码，只给一次）', params: jobParams,
    responses: { '200': ok('进度或结果', res.importJobResponse), ...staffErrors, '404': err('NotFound（不存在或不是本人发起的导入）') },
  },
  {
    file: 'src/pages/api/v1/kiosk/status.ts', method: 'get', path: '/api/v1/kiosk/status', tags: ['kiosk'], security: 'kiosk',
    summary: '意见箱终端检查服务器和自身登记', responses: { '200': ok('终端所属的站点', res.kioskStatusResponse), '401': err('KioskUnauthorized') },
  },
  {
    file: 'src/pages/api/v1/kiosk/comments.ts', method: 'post', path: '/api/v1/kiosk/comments', tags: ['kiosk'], security: 'kiosk',
    summary: '意见箱终端提交群众意见', body: { schema: kioskCommentBodySchema },
    responses: { '201': ok('已保存', res.kioskReceiptResponse), '200': ok('同一 idempotencyKey：同一回执', res.kioskReceiptResponse), '400': err('ValidationFailed'), '401': err('KioskUnauthorized'), '409': err('ConsultationClosed / ConsultationNotOpen / Conflict'), '429': err('RateLimited') },
  },
  {
    file: 'src/pages/api/v1/staff/drafts/[slug]/rounds/[n]/themes.ts', method: 'get', path: '/api/v1/staff/drafts/{slug}/rounds/{n}/themes', tags: ['staff'], security: 'staff',
    summary: '某条意见按论点归纳的主题（article 缺省或 general：总体意见；all：全部条文），人数多的在前，其他独立意见在最后',
    params: slugParams.extend({ n: roundNumberSchema }), query: themesQuerySchema,
    responses: { '200': ok('主题；该条没有意见时为空', res.themesResponse), '400': err('ValidationFailed'), ...staffErrors, '404': err('DraftNotFound / RoundNotFound') },
  },
  report('docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'),
  report('xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'),
  report('csv', 'text/csv'),
  {
    file: 'src/pages/api/v1/openapi.json.ts', method: 'get', path: '/api/v1/openapi.json', tags: ['reading'], summary: '本文档',
    responses: { '200': { description: 'OpenAPI 3.1', schema: z.record(z.string(), z.unknown()) } },
  },
];

/**
 * The z.toJSONSchema options of the document. `format: date-time` says it all (zod's 300-character
 * pattern only makes the document unreadable), and so does `integer` without the safe-integer bounds.
 */
export const jsonSchemaOptions = {
  unrepresentable: 'any',
  override(ctx: { jsonSchema: JsonSchema }) {
    const s = ctx.jsonSchema;
    if (s.format === 'date-time') delete s.pattern;
    if (s.minimum === Number.MIN_SAFE_INTEGER) delete s.minimum;
    if (s.maximum === Number.MAX_SAFE_INTEGER) delete s.maximum;
  },
} as const;

const ref = (id: string) => ({ $ref: `#/components/schemas/${id}` });

/** A request schema as JSON Schema: what a client may send (io 'input'), nested named schemas inline. */
export function requestJsonSchema(schema: z.ZodType): JsonSchema {
  const { $schema: _drop, ...rest } = z.toJSONSchema(schema, { io: 'input', ...jsonSchemaOptions }) as JsonSchema;
  return rest;
}

/** The response schemas with an id (`.meta({ id })` in api-responses.ts), as components. */
const responseRegistry = z.registry<{ id: string }>();
for (const schema of Object.values(res)) {
  const id = z.globalRegistry.get(schema)?.id;
  if (id) responseRegistry.add(schema, { id });
}

/** A response schema as JSON Schema (io 'output'): a $ref for a named one, the schema itself otherwise. */
export function responseJsonSchema(schema: z.ZodType): JsonSchema {
  const id = z.globalRegistry.get(schema)?.id;
  if (id) return ref(id);
  // Named schemas nested in it come out as $defs; they are components of the document already.
  const { $schema: _drop, $defs: _defs, ...rest } = z.toJSONSchema(schema, { io: 'output', ...jsonSchemaOptions }) as JsonSchema;
  return JSON.parse(JSON.stringify(rest).replaceAll('"#/$defs/', '"#/components/schemas/')) as JsonSchema;
}

function parameters(where: 'path' | 'query', schema: z.ZodObject | undefined) {
  if (!schema) return [];
  const json = requestJsonSchema(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
  return Object.entries(json.properties ?? {}).map(([name, s]) => {
    const { description, ...rest } = s;
    return { name, in: where, required: where === 'path' || (json.required ?? []).includes(name), ...(description ? { description } : {}), schema: rest };
  });
}

const securityOf: Record<Security, Array<Record<string, []>>> = { staff: [{ bearerAuth: [] }, { sessionCookie: [] }], kiosk: [{ kioskCookie: [] }, { kioskHeader: [] }] };

function operation(r: ApiRoute) {
  const responses = Object.fromEntries(Object.entries(r.responses).map(([status, x]) => {
    if ('errors' in x) return [status, { description: x.errors, content: { 'application/json': { schema: ref('Error') } } }];
    if ('file' in x) return [status, { description: x.description, content: { [x.file]: { schema: { type: 'string', format: 'binary' } } } }];
    return [status, { description: x.description, content: { 'application/json': { schema: responseJsonSchema(x.schema) } } }];
  }));
  return {
    operationId: `${r.method}${r.path.replace(/\{(\w+)\}/g, 'By-$1').replace(/\.(\w+)$/, '-$1').split(/[/.-]/).filter((s) => s && s !== 'api' && s !== 'v1').map((s) => s[0].toUpperCase() + s.slice(1)).join('')}`,
    tags: r.tags,
    summary: r.summary,
    ...(r.security ? { security: securityOf[r.security] } : {}),
    ...(r.params || r.query ? { parameters: [...parameters('path', r.params), ...parameters('query', r.query)] } : {}),
    ...(r.body
      ? { requestBody: { required: true, ...(r.body.description ? { description: r.body.description } : {}), content: { 'application/json': { schema: requestJsonSchema(r.body.schema) }, ...Object.fromEntries(Object.entries(r.body.alternatives ?? {}).map(([t, s]) => [t, { schema: s }])) } } }
      : {}),
    responses,
  };
}

const paths: Record<string, Record<string, unknown>> = {};
for (const r of apiRoutes) (paths[r.path] ??= {})[r.method] = operation(r);

const components = z.toJSONSchema(responseRegistry, { io: 'output', ...jsonSchemaOptions, uri: (id) => `#/components/schemas/${id}` }) as { schemas: Record<string, JsonSchema> };
for (const s of Object.values(components.schemas)) {
  delete s.$schema;
  delete s.$id;
}

/** The OpenAPI document; the route adds the servers list from publicOrigin(). */
export const openApiDocument = {
  openapi: '3.1.0',
  info: {
    title: '开门 Kaimen API',
    version: '1.0.0',
    description:
      '开门立法平台的公开接口：读取法规草案和修改对照表，提交意见，凭回执号查询办理情况；工作人员接口需会话或令牌。错误均为 JSON：{ "error": { "code", "message", "fields"? } }。',
  },
  servers: [{ url: '/' }],
  tags: [
    { name: 'reading', description: '无需登录' },
    { name: 'commenting', description: '征求意见期内无需登录' },
    { name: 'staff', description: '工作人员：会话 Cookie 或 Bearer 令牌（npm run tokens:create）' },
    { name: 'kiosk', description: '已登记的意见箱终端：设备凭据' },
  ],
  paths,
  components: {
    schemas: components.schemas,
    securitySchemes: {
      bearerAuth: { type: 'http', scheme: 'bearer', description: 'npm run tokens:create -- --email E 生成的令牌' },
      sessionCookie: { type: 'apiKey', in: 'cookie', name: 'kaimen_session', description: 'HTTPS 部署时名为 __Host-kaimen_session' },
      kioskCookie: { type: 'apiKey', in: 'cookie', name: 'kaimen_kiosk', description: '意见箱终端的设备凭据' },
      kioskHeader: { type: 'apiKey', in: 'header', name: 'X-Kiosk-Credential', description: '意见箱终端的设备凭据' },
    },
  },
};
