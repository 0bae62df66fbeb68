/**
 * Bench: staff word search and the tag filter at 1,000,000 comments (issues 20 and 21).
 *   npx tsx bench/search.ts               # seed kaimen_bench_search (1,000,000 comments), then measure
 *   npx tsx bench/search.ts --no-seed     # measure again on the seeded database
 *   COMMENTS=100000 RUNS=20 npx tsx bench/search.ts
 *   npx tsx bench/search.ts --no-seed --explain 外墙保温   # EXPLAIN (ANALYZE, BUFFERS) of the page query
 * Seeds its own database (DATABASE_URL's server): comments whose bodies are built from a
 * vocabulary (Zipf-distributed words, the inbox bench's 25 topic phrases in about one comment
 * in eight each, rare phrases in about one in 2,000 and very rare ones in about one in 100,000),
 * with the bigram keys computed by the app's own textFeaturesOf; comments are loaded with the
 * comments table's indexes dropped and recreated afterwards from their own definitions (the
 * migrations' indexes, unchanged). 40 tags on 30 % of comments, Zipf-distributed. Then measures
 * listInbox's first page (what the inbox page and the staff API call) for terms of 2–10
 * characters, common, rare and absent, the relevance order, the tag filter, and `select 1`.
 * Prints a Markdown table; --write appends it to bench/RESULTS.md.
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { randomUUID } from 'node:crypto';
import { sql, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import pg from 'pg';
import { createDatabase, migrateDatabase, setDatabase, type Db } from '../src/db/client';
import { publishVersion } from '../src/server/drafts/publish-version';
import { textFeaturesOf } from '../src/server/grouping/text-features';
import { listInbox, filterConditions, resolveFilters, whereOf } from '../src/server/review/inbox';
import type { InboxFilters } from '../src/server/review/schemas';

const N = Number(process.env.COMMENTS ?? 1_000_000);
const RUNS = Number(process.env.RUNS ?? 20);
const base = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const NAME = process.env.BENCH_DB ?? 'kaimen_bench_search';
const seedIt = !process.argv.includes('--no-seed');
const explainAt = process.argv.indexOf('--explain');
const label = process.env.LABEL ?? '';

/** The inbox bench's topics: each in about one comment in eight (外墙保温层脱落有安全隐患 among them). */
const TOPICS = [
  '小区停车难，晚上回家找不到车位', '楼顶漏雨多年没人修', '物业费收费标准不透明', '物业公司服务质量差', '电梯经常故障，维修基金使用难',
  '夜间施工噪音扰民', '垃圾分类投放点太远', '老旧小区加装电梯协调难', '业主委员会成立难', '公共收益去向不明',
  '地下车库漏雨积水', '停车收费太高', '占用消防通道停车', '充电桩安装被物业阻拦', '外墙保温层脱落有安全隐患',
  '接诉即办回访太频繁', '热线电话12345总是占线', '诉求办理结果不满意', '街道响应速度慢', '建议公开办理时限',
  '建议明确物业退出交接程序', '建议增加社区停车资源共享', '建议规定维修时限', '建议加大对违法行为的处罚力度', '建议听取居民意见',
];
/** Words for the rest of a body, drawn with Zipf weights (the first are the most common). */
const WORDS = ('居民 社区 街道 问题 解决 部门 工作 情况 反映 希望 相关 管理 服务 及时 群众 政府 规定 条例 办理 单位 ' +
  '要求 责任 落实 制度 考核 评价 公开 透明 监督 投诉 电话 热线 工单 回复 答复 时间 期限 处理 协调 沟通 ' +
  '老人 儿童 学校 医院 交通 道路 公交 地铁 自行车 电动车 快递 外卖 菜市场 超市 公园 绿化 环境 卫生 垃圾 污水 ' +
  '供暖 供水 燃气 电力 网络 信号 噪音 油烟 违建 拆迁 补偿 租房 房东 中介 物业 业主 车位 停车场 充电 ' +
  '安全 隐患 消防 通道 楼道 电梯 维修 基金 资金 收费 标准 价格 合同 协议 合理 公平 效率 质量 态度 ' +
  '人员 专业 培训 志愿者 网格员 社工 书记 主任 代表 委员 人大 政协 法律 法规 条款 第十条 第三章 细则 办法 ' +
  '无障碍 坡道 扶手 盲道 路灯 井盖 积水 排水 雨水 下水道 化粪池 屋顶 外墙 防水 保温 窗户 门禁 监控 摄像头 ' +
  '宠物 遛狗 广场舞 健身 篮球场 停车费 罚款 执法 城管 交警 派出所 居委会 村委会 乡镇 农村 山区 郊区 新城 ' +
  '数据 平台 系统 APP 小程序 公众号 短信 邮件 信箱 窗口 大厅 排队 预约 材料 证明 盖章 审批 备案 登记 ' +
  '满意 不满意 催办 督办 退单 重复 推诿 扯皮 敷衍 形式主义 官僚 作风 改进 提高 加强 完善 明确 细化 增加 减少').split(' ');
const CONNECTORS = ['，', '，', '。', '；', '、', '的', '和', '要', '不', '也', '应当', '能够', '还有', '但是', '而且', '因为', '所以', '没有', '已经', '一直'];
/** Rare phrases: each in about one comment in 40,000 (one in 2,000 carries one of them). */
const RARE = ['龙虾馆油烟', '无人机航拍扰民', '鸽子笼违建', '共享单车淤积堵塞盲道', '凌晨三点广场舞音响', '化工厂异味刺鼻难闻', '古树名木被砍伐', '幼儿园门口违规停放',
  '地铁十九号线施工围挡', '自来水发黄有铁锈味', '烧烤摊占道经营', '快递柜超时收费', '高空抛物砸坏车辆', '电动自行车楼道充电起火', '学区划片不公平',
  '孔雀养殖场', '蜂窝煤炉取暖', '温泉度假村', '马术俱乐部', '冰雪运动中心'];
/** Very rare: each in about one comment in 500,000. */
const VERY_RARE = ['麒麟', '翡翠手镯店', '航天育种试验田', '皮影戏非遗传承人', '潮汐车道设置'];

let seed = 20261205;
const rand = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const pick = <T>(a: readonly T[]): T => a[Math.floor(rand() * a.length)];
/** Zipf(1) over indexes 0..n-1. */
function zipfPicker(n: number): () => number {
  const cum: number[] = [];
  let s = 0;
  for (let i = 0; i < n; i++) cum.push((s += 1 / (i + 1)));
  return () => {
    const x = rand() * s;
    let lo = 0, hi = n - 1;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (cum[mid] < x) lo = mid + 1; else hi = mid; }
    return lo;
  };
}
const word = zipfPicker(WORDS.length);
const OPENERS = ['我认为', '希望', '请尽快', '另外', '建议', '我们小区', '很多居民反映', '作为一名老党员，', '我是退休教师，', ''];

function body(): string {
  const parts: string[] = [pick(OPENERS)];
  const clauses = 1 + Math.floor(rand() * 4);
  for (let c = 0; c < clauses; c++) {
    if (rand() < 0.5) parts.push(pick(TOPICS));
    else {
      const n = 3 + Math.floor(rand() * 8);
      let s = '';
      for (let i = 0; i < n; i++) s += WORDS[word()] + (rand() < 0.4 ? pick(CONNECTORS) : '');
      parts.push(s);
    }
    if (rand() < 0.0005) parts.push(pick(RARE));
    if (rand() < 0.000005 * 2) parts.push(pick(VERY_RARE));
  }
  if (rand() < 0.3) parts.push(`（第${1 + Math.floor(rand() * 999)}号）`);
  return parts.join('，') + '。';
}

/** Terms measured: [term, kind]. Absent ones are built from common bigrams where possible. */
export const TERMS: Array<[string, string]> = [
  ['物业', 'common'], ['漏雨', 'common'], ['麒麟', 'rare'], ['龙井', 'absent'],
  ['物业费', 'common'], ['停车场', 'common'], ['龙虾馆', 'rare'], ['物业停', 'absent, common bigrams'],
  ['外墙保温', 'common'], ['鸽子笼违', 'rare'], ['量子计算', 'absent'], ['停车物业', 'absent, common bigrams'],
  ['维修基金使用', 'common'], ['无人机航拍', 'rare'], ['居民社区街道', 'common words in a row'],
  ['老旧小区加装电梯', 'common'], ['航天育种试验田', 'rare'], ['火星移民计划方案', 'absent'],
  ['外墙保温层脱落有安全', 'common'], ['共享单车淤积堵塞盲道', 'rare'], ['物业公司服务质量太差了', 'absent, common bigrams'],
  ['12345', 'Latin/digits, common'], ['APP', 'Latin, common'], ['100%', 'LIKE metacharacters, absent'],
  ['物业 停车', 'two terms, common'], ['外墙保温 漏雨', 'two terms'],
];

async function freshDatabase(): Promise<string> {
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  if (seedIt) {
    await admin.query(`drop database if exists ${NAME} with (force)`);
    await admin.query(`create database ${NAME}`);
  }
  await admin.end();
  const u = new URL(base);
  u.pathname = `/${NAME}`;
  return u.toString();
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))];
async function time(fn: () => Promise<unknown>): Promise<number> {
  const t0 = performance.now();
  await fn();
  return performance.now() - t0;
}

async function seedComments(db: Db, url: string): Promise<number> {
  const t0 = performance.now();
  const rounds: Array<{ draftId: string; roundId: string }> = [];
  for (const [slug, r] of [['jiesu-jiban', 1], ['tingche', 1], ['wuye-guanli', 1]] as const) {
    const res = await publishVersion({ slug, roundNumber: r, text: readFileSync(`content/drafts/${slug}/round-${r}.md`, 'utf8'), opensAt: new Date(Date.now() - 40 * 86400_000), closesAt: new Date(Date.now() + 40 * 86400_000) }, undefined, db);
    rounds.push({ draftId: res.draftId, roundId: res.roundId });
  }
  await db.execute(sql`insert into users (email, password_hash, role, name) values ('staff@bench', 'x', 'staff', '工作人员')`);
  const tagIds: string[] = [];
  for (let i = 0; i < 40; i++) {
    const r = await db.execute(sql`insert into tags (draft_id, name) values (${rounds[0].draftId}::uuid, ${`标签${i}`}) returning id`);
    tagIds.push((r.rows[0] as { id: string }).id);
  }
  const tagPick = zipfPicker(tagIds.length);
  const raw = new pg.Client({ connectionString: url });
  await raw.connect();
  // Load without the comments indexes, then rebuild them from their own definitions.
  const defs = (await raw.query(`select indexname, indexdef from pg_indexes where tablename in ('comments', 'comment_tags')
    and indexname not in (select conname from pg_constraint)`)).rows as Array<{ indexname: string; indexdef: string }>;
  for (const d of defs) await raw.query(`drop index ${d.indexname}`);
  const startAt = Date.now() - 40 * 86400_000;
  const BATCH = 10_000;
  const channels = ['web', 'web', 'web', 'kiosk', 'deputy', 'letter', 'api'];
  for (let done = 0; done < N; done += BATCH) {
    const c = { id: [] as string[], receipt: [] as string[], round: [] as number[], body: [] as string[], channel: [] as string[], bigrams: [] as string[], fp: [] as string[], created: [] as string[] };
    const tagC: string[] = [], tagT: string[] = [];
    for (let i = done; i < Math.min(N, done + BATCH); i++) {
      const text = body();
      const f = textFeaturesOf(text);
      const id = randomUUID();
      c.id.push(id);
      c.receipt.push(`S${i}`);
      c.round.push(Math.floor(rand() * rounds.length));
      c.body.push(text);
      c.channel.push(pick(channels));
      c.bigrams.push(`{${f.bigrams.join(',')}}`);
      c.fp.push(f.fingerprint);
      c.created.push(new Date(startAt + (i / N) * 40 * 86400_000).toISOString());
      if (rand() < 0.3) { tagC.push(id); tagT.push(tagIds[tagPick()]); }
    }
    await raw.query(`
      insert into comments (id, receipt, lookup_hash, idempotency_key, draft_id, round_id, body, channel, bigrams, fingerprint, created_at)
      select u.id, u.receipt, 'x', u.receipt, (($3::uuid[])[u.r + 1]), (($4::uuid[])[u.r + 1]), u.body, u.channel::channel, u.bigrams::int[], u.fp, u.created
      from unnest($1::uuid[], $2::text[], $5::int[], $6::text[], $7::text[], $8::text[], $9::text[], $10::timestamptz[])
        as u(id, receipt, r, body, channel, bigrams, fp, created)`,
    [c.id, c.receipt, rounds.map((r) => r.draftId), rounds.map((r) => r.roundId), c.round, c.body, c.channel, c.bigrams, c.fp, c.created]);
    await raw.query('insert into comment_tags (comment_id, tag_id) select * from unnest($1::uuid[], $2::uuid[])', [tagC, tagT]);
    if ((done / BATCH) % 10 === 0) console.log(`seeded ${done + BATCH} comments, ${((performance.now() - t0) / 1000).toFixed(0)} s`);
  }
  await raw.query('set maintenance_work_mem = \'512MB\'');
  for (const d of defs) {
    const t = performance.now();
    await raw.query(d.indexdef);
    console.log(`${d.indexname} ${((performance.now() - t) / 1000).toFixed(1)} s`);
  }
  await raw.query('vacuum analyze comments');
  await raw.query('vacuum analyze comment_tags');
  await raw.end();
  return (performance.now() - t0) / 1000;
}

async function main() {
  const url = await freshDatabase();
  const database = await createDatabase({ databaseUrl: url, poolMax: 4 });
  await migrateDatabase(database);
  setDatabase(database);
  const db: Db = database.db;
  const seedSeconds = seedIt ? await seedComments(db, url) : null;
  const count = Number((await db.execute(sql`select count(*)::int as n from comments`)).rows[0].n);
  const viewer = { id: String((await db.execute(sql`select id from users limit 1`)).rows[0].id) };
  const tagIds = (await db.execute(sql`select t.id, count(ct.comment_id)::int as n from tags t left join comment_tags ct on ct.tag_id = t.id group by t.id order by n desc`)).rows as Array<{ id: string; n: number }>;

  if (explainAt > 0) {
    const q = process.argv[explainAt + 1];
    const extra = process.argv[explainAt + 2];
    const filters: InboxFilters = q.startsWith('tag:') ? { tag: tagIds[Number(q.slice(4))].id } : { q, ...(extra ? { sort: extra } as InboxFilters : {}) };
    const captured: string[] = [];
    const explainer = new pg.Client({ connectionString: url });
    await explainer.connect();
    const spy = { execute: async (query: Parameters<Db['execute']>[0]) => {
      const { sql: text, params } = new PgDialect().sqlToQuery(query as SQL);
      captured.push(text);
      if (/from comments c/.test(text)) {
        const plan = await explainer.query(`explain (analyze, buffers) ${text}`, params);
        console.log(text, params, '\n' + plan.rows.map((r: Record<string, string>) => r['QUERY PLAN']).join('\n'));
      }
      return db.execute(query);
    } } as unknown as Db;
    await listInbox(filters, viewer, spy);
    await explainer.end();
    await database.close();
    return;
  }

  const rows: string[] = [];
  const line = (what: string, xs: number[], note = '') => {
    rows.push(`| ${what} | ${pct(xs, 50).toFixed(1)} | ${pct(xs, 95).toFixed(1)} | ${note} |`);
    console.log(rows.at(-1));
  };
  const baseline: number[] = [];
  for (let i = 0; i < RUNS; i++) baseline.push(await time(() => db.execute(sql`select 1`)));
  line('baseline: select 1', baseline);
  const measure = async (filters: InboxFilters) => {
    const first = await listInbox(filters, viewer, db); // warm
    const xs: number[] = [];
    for (let i = 0; i < RUNS; i++) xs.push(await time(() => listInbox(filters, viewer, db)));
    return { xs, found: first.items.length };
  };
  const matches = async (q: string) => {
    const r = await resolveFilters({ q }, db);
    return Number((await db.execute(sql`select count(*)::int as n from comments c where ${whereOf(filterConditions(r, viewer).values())}`)).rows[0].n);
  };
  /** The page query as it was before decision 029: one SELECT of every condition, newest first, LIMIT 51. */
  const before = async (filters: InboxFilters) => {
    const r = await resolveFilters(filters, db);
    const query = sql`select c.id, c.receipt, left(c.body, 240) as excerpt, c.created_at from comments c
      where ${whereOf(filterConditions(r, viewer).values())} order by c.created_at desc, c.id desc limit 51`;
    await db.execute(query);
    const xs: number[] = [];
    for (let i = 0; i < RUNS; i++) xs.push(await time(() => db.execute(query)));
    return xs;
  };
  const withBefore = !process.argv.includes('--no-before');
  const sorts = ['newest', 'relevance'];
  for (const [term, kind] of TERMS) {
    const len = Array.from(term.replace(/\s/g, '')).length;
    const total = await matches(term);
    if (withBefore) line(`search ${term}: before (the old page query alone)`, await before({ q: term }), `${len} chars, ${kind}`);
    for (const sort of sorts) {
      const { xs, found } = await measure(sort === 'relevance' ? { q: term, sort: 'relevance' } as InboxFilters : { q: term });
      line(`search ${term}${sort === 'relevance' ? ', by relevance' : ''}`, xs, `${len} chars, ${kind}; ${total.toLocaleString('en')} matches, page ${found}`);
    }
  }
  for (const at of [0, 1, 5, 20, tagIds.length - 1]) {
    const t = tagIds[at];
    if (withBefore) line(`tag filter (tag #${at + 1}): before (the old page query alone)`, await before({ tag: t.id }), '');
    const { xs } = await measure({ tag: t.id });
    line(`tag filter (tag #${at + 1} of ${tagIds.length})`, xs, `${t.n.toLocaleString('en')} tagged`);
  }
  const all: number[] = [];
  for (let i = 0; i < RUNS; i++) all.push(await time(() => listInbox({ tag: tagIds[i % tagIds.length].id }, viewer, db)));
  line('tag filter, each tag in turn', all, 'every tag');
  const section = [
    `## ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC — word search and tag filter${label ? ` (${label})` : ''}`,
    '',
    `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}, PostgreSQL 15 (local cluster), ${count.toLocaleString('en')} comments` +
      `${seedSeconds ? ` seeded in ${seedSeconds.toFixed(0)} s` : ''}, load average ${loadavg().map((x) => x.toFixed(1)).join(' ')} (other engineers' work on the same 2 cores). ` +
      `listInbox first page (50 rows, what the inbox page and GET /api/v1/staff/comments call), ${RUNS} runs each after one warm-up, sequential. \`npx tsx bench/search.ts${process.argv.slice(2).length ? ' ' + process.argv.slice(2).join(' ') : ''}\`.`,
    '',
    '| inbox first page | p50 ms | p95 ms | term |',
    '| --- | ---: | ---: | --- |',
    ...rows,
    '',
  ].join('\n');
  console.log(section);
  if (process.argv.includes('--write')) {
    const file = 'bench/RESULTS.md';
    if (!readFileSync(file, 'utf8').endsWith('\n')) appendFileSync(file, '\n');
    appendFileSync(file, section + '\n');
  }
  setDatabase(undefined);
  await database.close();
}

await main();
