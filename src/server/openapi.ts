/**
 * The OpenAPI 3.1 description of the public contract in ../shared/docs/api.md: reading, commenting,
 * receipts and the staff API. Served at GET /api/v1/openapi.json. Keep names and shapes in step with
 * api.md; fields may be added, never renamed.
 */
import { errorCatalogue } from './errors';

type Schema = Record<string, unknown>;
const ref = (name: string): Schema => ({ $ref: `#/components/schemas/${name}` });
const str = (description?: string, extra: Schema = {}): Schema => ({ type: 'string', ...(description ? { description } : {}), ...extra });
const int = (description?: string, extra: Schema = {}): Schema => ({ type: 'integer', ...(description ? { description } : {}), ...extra });
const dateTime = (description?: string): Schema => str(description, { format: 'date-time' });
const obj = (properties: Record<string, Schema>, required: string[] = [], extra: Schema = {}): Schema => ({ type: 'object', properties, required, ...extra });
const arr = (items: Schema): Schema => ({ type: 'array', items });
const nullable = (s: Schema): Schema => ({ oneOf: [s, { type: 'null' }] });

const jsonContent = (schema: Schema) => ({ 'application/json': { schema } });
const ok = (description: string, schema: Schema) => ({ description, content: jsonContent(schema) });
const error = (description: string) => ({ description, content: jsonContent(ref('Error')) });

const slug = { name: 'slug', in: 'path', required: true, description: '草案标识，如 jiesu-jiban', schema: str(undefined, { pattern: '^[a-z0-9][a-z0-9-]{1,62}$' }) };
const roundQuery = (description: string) => ({ name: 'round', in: 'query', required: false, description, schema: int(undefined, { minimum: 1, maximum: 9 }) });
const commentId = { name: 'id', in: 'path', required: true, schema: str(undefined, { format: 'uuid' }) };
const staffSecurity = [{ bearerAuth: [] }, { sessionCookie: [] }];
const staffErrors = { '401': error('Unauthenticated / SessionExpired'), '403': error('Forbidden') };

const adoption = ['adopted', 'partially_adopted', 'not_adopted', 'already_provided', 'out_of_scope', 'pending'];
const roundStatus = { type: 'string', enum: ['upcoming', 'open', 'closed'], description: '征求意见期状态，按服务器时间判断' };

const schemas: Record<string, Schema> = {
  Error: obj(
    {
      error: obj(
        {
          code: str('永久不变的错误名', { enum: Object.keys(errorCatalogue) }),
          message: str('中文（或 lang=en 时英文）说明：发生了什么、接下来怎么做'),
          fields: arr(obj({ field: str(), message: str() }, ['field', 'message'])),
        },
        ['code', 'message'],
      ),
    },
    ['error'],
  ),
  Round: obj(
    {
      number: int('审次序号 1–9', { minimum: 1, maximum: 9 }),
      label: str('一审稿、二审稿……'),
      opensAt: dateTime('征求意见开始时间'),
      closesAt: dateTime('征求意见截止时间'),
      status: roundStatus,
    },
    ['number', 'label', 'opensAt', 'closesAt', 'status'],
  ),
  DraftSummary: obj(
    {
      slug: str(),
      title: str(),
      summary: nullable(str()),
      rounds: arr({ allOf: [ref('Round'), obj({ commentCount: int('本审次收到的意见数') })] }),
    },
    ['slug', 'title', 'rounds'],
  ),
  Chapter: obj(
    {
      number: int(),
      label: str('第一章'),
      title: str('总则'),
      sections: arr(obj({ number: int(), label: str('第一节'), title: str() }, ['number', 'title'])),
    },
    ['number', 'title', 'sections'],
  ),
  Article: obj(
    {
      id: str('条文的沿革标识：各审次中相互对应的条文标识相同', { format: 'uuid' }),
      number: int('条文序号（第十条 → 10）'),
      label: str('第十条'),
      chapter: nullable(int('所在章的序号')),
      section: nullable(int('所在节的序号')),
      caption: str('条旨（如有）'),
      text: str('条文全文（不含“第十条”），款、项之间以换行分隔'),
      paragraphs: arr(obj({ text: str('款的正文'), items: arr(str('项，含“（一）”等序号')) }, ['text', 'items'])),
      commentCount: int('本审次对本条的意见数'),
    },
    ['id', 'number', 'label', 'chapter', 'section', 'text', 'paragraphs', 'commentCount'],
  ),
  DraftRound: obj(
    {
      slug: str(),
      title: str(),
      round: { allOf: [ref('Round'), obj({ note: nullable(str('起草说明（Markdown）')) })] },
      rounds: arr(ref('Round')),
      preamble: arr(str('通过、修正日期等题注')),
      chapters: arr(ref('Chapter')),
      articles: arr(ref('Article')),
      generalCommentCount: int('本审次的总体意见数'),
    },
    ['slug', 'title', 'round', 'chapters', 'articles'],
  ),
  ArticleRef: obj({ number: int(), text: str() }, ['number', 'text']),
  Diff: obj(
    {
      slug: str(),
      title: str(),
      from: obj({ number: int(), label: str() }),
      to: obj({ number: int(), label: str() }),
      summary: obj(Object.fromEntries(['unchanged', 'renumbered', 'modified', 'added', 'removed'].map((k) => [k, int()]))),
      articles: arr(
        obj(
          {
            change: str('renumbered：文字相同、序号改变；只有空白或全角半角标点不同的视为相同', {
              enum: ['unchanged', 'modified', 'renumbered', 'added', 'removed'],
            }),
            from: ref('ArticleRef'),
            to: ref('ArticleRef'),
            similarity: { type: 'number', minimum: 0, maximum: 1 },
            via: str('拆分或合并产生的对应', { enum: ['split', 'merged'] }),
          },
          ['change'],
        ),
      ),
    },
    ['articles'],
  ),
  Stats: obj(
    {
      draft: obj({ slug: str(), title: str() }),
      round: { allOf: [ref('Round'), obj({ feedbackPublished: { type: 'boolean' } })] },
      totals: obj({ comments: int(), people: int(), voices: int('代表录入时所代表的群众人数合计'), general: int('总体意见数') }),
      byChannel: arr(obj({ channel: str(), count: int() }, ['channel', 'count'])),
      byDistrict: arr(obj({ district: nullable(str()), count: int() }, ['district', 'count'])),
      byStatus: arr(obj({ status: str(), count: int() }, ['status', 'count'])),
      byAdoption: nullable(arr(obj({ adoption: str(undefined, { enum: adoption }), count: int() }))),
      rates: nullable(obj({ response: { type: 'number' }, adoption: { type: 'number' }, satisfaction: { type: 'number' } })),
      articles: arr(obj({ number: int(), label: str(), caption: nullable(str()), count: int() }, ['number', 'label', 'count'])),
    },
    ['round', 'totals', 'byChannel', 'byDistrict', 'byStatus', 'articles'],
    { description: '意见统计（不含已屏蔽的意见）；byAdoption 和 rates 在公布采纳情况后才有值' },
  ),
  CommentInput: obj(
    {
      article: int('条文序号；不填为总体意见', { minimum: 1 }),
      body: str('意见正文', { minLength: 5, maxLength: 5000 }),
      name: str('姓名（可不填）', { maxLength: 50 }),
      district: str('所在区', { maxLength: 50 }),
      occupation: str('职业', { maxLength: 50 }),
      contact: str('联系方式（手机或邮箱）：仅用于答复，从不公开', { maxLength: 100 }),
      publishName: { type: 'boolean', description: '同意公开姓名' },
      idempotencyKey: str('同一键重复提交返回同一回执，只保存一条意见', { minLength: 8, maxLength: 200 }),
      round: int('审次；不填为正在征求意见的审次', { minimum: 1, maximum: 9 }),
    },
    ['body'],
  ),
  Receipt: obj({ receipt: str('回执号，如 JS3-4F7K-9Q'), lookupCode: str('查询码：只显示这一次，请保存') }, ['receipt', 'lookupCode']),
  ReceiptStatus: obj(
    {
      receipt: str(),
      draft: str('草案标识'),
      round: int(),
      article: int('条文序号（总体意见无此字段）'),
      status: str(undefined, { enum: ['received', 'under_review', 'answered'] }),
      adoption: str(undefined, { enum: adoption }),
      reason: str(),
      response: str(),
      respondedAt: dateTime(),
    },
    ['receipt', 'draft', 'round', 'status'],
  ),
  StaffComment: obj(
    {
      id: str(undefined, { format: 'uuid' }),
      receipt: str(),
      draft: str(),
      round: int(),
      article: nullable(int()),
      body: str(),
      channel: str(undefined, { enum: ['web', 'kiosk', 'station_qr', 'deputy', 'letter', 'api'] }),
      status: str(undefined, { enum: ['received', 'under_review', 'answered'] }),
      adoption: nullable(str(undefined, { enum: adoption })),
      tags: arr(str()),
      createdAt: dateTime(),
    },
    ['id', 'receipt', 'body', 'status'],
  ),
  Decision: obj(
    {
      adoption: str(undefined, { enum: adoption }),
      reason: str('除 adopted 和 pending 外必填'),
      response: str('给意见人的答复'),
      publish: { type: 'boolean', description: '公开答复' },
    },
    ['adoption'],
  ),
};

const report = (format: 'docx' | 'xlsx' | 'csv', type: string) => ({
  get: {
    tags: ['staff'],
    summary: `意见采纳情况报告（${format}）`,
    security: staffSecurity,
    parameters: [slug, { name: 'n', in: 'path', required: true, schema: int(undefined, { minimum: 1, maximum: 9 }) }],
    responses: { '200': { description: '报告文件', content: { [type]: { schema: { type: 'string', format: 'binary' } } } }, ...staffErrors, '404': error('DraftNotFound / RoundNotFound') },
  },
});

/** The OpenAPI document. */
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
  ],
  paths: {
    '/api/v1/drafts': {
      get: { tags: ['reading'], summary: '全部法规草案及其审次', responses: { '200': ok('草案列表', arr(ref('DraftSummary'))) } },
    },
    '/api/v1/drafts/{slug}': {
      get: {
        tags: ['reading'],
        summary: '某一审次的草案全文，逐条，附意见数',
        parameters: [slug, roundQuery('审次；默认最新一审次')],
        responses: { '200': ok('草案全文', ref('DraftRound')), '400': error('ValidationFailed'), '404': error('DraftNotFound / RoundNotFound') },
      },
    },
    '/api/v1/drafts/{slug}/diff': {
      get: {
        tags: ['reading'],
        summary: '两个审次之间的修改对照',
        parameters: [
          slug,
          { name: 'from', in: 'query', required: false, description: '原稿审次；默认 to 的上一审次', schema: int(undefined, { minimum: 1, maximum: 9 }) },
          { name: 'to', in: 'query', required: false, description: '修改稿审次；默认最新一审次', schema: int(undefined, { minimum: 1, maximum: 9 }) },
        ],
        responses: { '200': ok('逐条对照', ref('Diff')), '400': error('ValidationFailed（审次相同或没有可对照的审次）'), '404': error('DraftNotFound / RoundNotFound') },
      },
    },
    '/api/v1/drafts/{slug}/stats': {
      get: {
        tags: ['reading'],
        summary: '意见统计：按渠道、区、状态和条文',
        parameters: [slug, roundQuery('审次；默认最新一审次')],
        responses: { '200': ok('统计', ref('Stats')), '404': error('DraftNotFound / RoundNotFound') },
      },
    },
    '/api/v1/drafts/{slug}/comments': {
      post: {
        tags: ['commenting'],
        summary: '提交意见（对某一条或总体意见）',
        parameters: [slug],
        requestBody: { required: true, content: jsonContent(ref('CommentInput')) },
        responses: {
          '201': ok('已保存；回执号和查询码', ref('Receipt')),
          '200': ok('同一 idempotencyKey 的重复提交：同一回执', ref('Receipt')),
          '400': error('ValidationFailed / MalformedJson'),
          '403': error('CrossOriginRefused'),
          '404': error('DraftNotFound / ArticleNotFound'),
          '409': error('ConsultationClosed / ConsultationNotOpen / Conflict'),
          '413': error('PayloadTooLarge'),
          '415': error('UnsupportedMediaType'),
          '429': error('RateLimited（带 Retry-After）'),
        },
      },
    },
    '/api/v1/receipts/{receipt}': {
      get: {
        tags: ['commenting'],
        summary: '凭回执号和查询码查询意见的办理情况',
        parameters: [
          { name: 'receipt', in: 'path', required: true, schema: str(undefined, { examples: ['JS3-4F7K-9Q'] }) },
          { name: 'code', in: 'query', required: false, description: '查询码（本人登录时可不填）', schema: str() },
        ],
        responses: { '200': ok('办理情况', ref('ReceiptStatus')), '404': error('ReceiptNotFound'), '429': error('RateLimited') },
      },
    },
    '/api/v1/staff/comments': {
      get: {
        tags: ['staff'],
        summary: '意见列表（筛选、分页）',
        security: staffSecurity,
        parameters: ['draft', 'round', 'article', 'channel', 'station', 'status', 'tag', 'q', 'cursor'].map((name) => ({
          name,
          in: 'query',
          required: false,
          schema: ['round', 'article'].includes(name) ? int() : str(),
        })),
        responses: { '200': ok('一页意见', obj({ comments: arr(ref('StaffComment')), nextCursor: nullable(str()) })), '400': error('ValidationFailed'), ...staffErrors },
      },
    },
    '/api/v1/staff/comments/{id}': {
      get: {
        tags: ['staff'],
        summary: '一条意见：标签、分组、采纳决定和操作记录',
        security: staffSecurity,
        parameters: [commentId],
        responses: { '200': ok('意见', ref('StaffComment')), ...staffErrors, '404': error('CommentNotFound') },
      },
    },
    '/api/v1/staff/comments/{id}/decision': {
      post: {
        tags: ['staff'],
        summary: '决定采纳情况并答复',
        security: staffSecurity,
        parameters: [commentId],
        requestBody: { required: true, content: jsonContent(ref('Decision')) },
        responses: { '200': ok('已记录', ref('StaffComment')), '400': error('ValidationFailed'), ...staffErrors, '404': error('CommentNotFound'), '409': error('ApprovalRequired'), '422': error('ReasonRequired') },
      },
    },
    '/api/v1/staff/comments/{id}/tags': {
      post: {
        tags: ['staff'],
        summary: '设置意见的标签',
        security: staffSecurity,
        parameters: [commentId],
        requestBody: { required: true, content: jsonContent(obj({ tags: arr(str()) }, ['tags'])) },
        responses: { '200': ok('已记录', ref('StaffComment')), '400': error('ValidationFailed'), ...staffErrors, '404': error('CommentNotFound') },
      },
    },
    '/staff/drafts/{slug}/rounds/{n}/report.docx': report('docx', 'application/vnd.openxmlformats-officedocument.wordprocessingml.document'),
    '/staff/drafts/{slug}/rounds/{n}/report.xlsx': report('xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet'),
    '/staff/drafts/{slug}/rounds/{n}/report.csv': report('csv', 'text/csv'),
    '/api/v1/openapi.json': {
      get: { tags: ['reading'], summary: '本文档', responses: { '200': { description: 'OpenAPI 3.1', content: { 'application/json': {} } } } },
    },
  },
  components: {
    schemas,
    securitySchemes: {
      bearerAuth: { type: 'http', scheme: 'bearer', description: 'npm run tokens:create -- --email E 生成的令牌' },
      sessionCookie: { type: 'apiKey', in: 'cookie', name: 'kaimen_session', description: 'HTTPS 部署时名为 __Host-kaimen_session' },
    },
  },
} as const;
