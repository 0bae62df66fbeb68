/**
 * Bench: themes of a round of 100,000 comments computed as a job (issue 20; decision 025).
 *   npx tsx bench/themes.ts                 # PostgreSQL (DATABASE_URL or the local cluster), database kaimen_bench_themes
 *   COMMENTS=20000 npx tsx bench/themes.ts  # a smaller round
 *
 * A draft of 30 articles; per article 8 arguments, each a set of key words said in varied wording
 * (fillers, word order, a number, words of other arguments as noise), a tenth of the comments copies
 * of campaign letters (comment groups, as grouping makes them) and a tenth lone comments; 总体意见 too.
 * In the same run: the raw baselines (reading the round's bodies; jieba's segmentation of every body
 * alone), then the `themes` job run through the job runner (full computation), the event loop's
 * longest stall meanwhile (monitorEventLoopDelay) and the time of a real submission (submitComment,
 * another draft, one every 100 ms) during the job beside the same submissions before it, then 1,000
 * new comments and the incremental refresh. Quality against the generator's labels
 * (themes/theme-quality.ts): purity, each argument's share in its largest theme, themes per
 * argument, merged arguments, themes of unlabelled (lone) comments. Appends a section to bench/RESULTS.md.
 */
import { appendFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { randomUUID } from 'node:crypto';
import { monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { createDatabase, migrateDatabase } from '../src/db/client';
import { rowsOf } from '../src/db/rows';
import { pgArray } from '../src/db/pg-literals';
import { publishVersion } from '../src/server/drafts/publish-version';
import { formatArticleLabel } from '../src/server/drafts/chinese-numerals';
import { runNextJob } from '../src/server/jobs/runner';
import { enqueueThemes, registerThemesJob, THEMES_LANE } from '../src/server/themes/themes-job';
import { refreshRoundThemes } from '../src/server/themes/compute-themes';
import { weightedTermsOf } from '../src/server/themes/segment';
import { themeQuality } from '../src/server/themes/theme-quality';
import { submitComment } from '../src/server/comments/submit-comment';
import { freshDatabase } from './lib/server';

const N = Number(process.env.COMMENTS ?? 100_000);
const ARTICLES = 30;
const ARGS = 8;
let seed = 20;
const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const any = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];

const WORDS = ('停车 车位 物业 收费 电梯 维修 噪音 施工 垃圾 分类 绿化 消防 通道 充电 电动车 头盔 限速 登记 上牌 学校 学生 教师 医院 医保 养老 老人 社区 街道 '
  + '补贴 标准 公开 透明 听证 罚款 处罚 执法 巡查 监督 举报 奖励 租金 房东 租客 押金 合同 中介 装修 外卖 骑手 快递 网约车 出租车 公交 地铁 站点 '
  + '路灯 井盖 积水 排水 供暖 燃气 自来水 水价 电价 宠物 遛狗 犬只 牵绳 广场舞 公园 健身 器材 无障碍 盲道 残疾人 儿童 托育 幼儿园 课后 食堂 '
  + '食品 安全 餐饮 油烟 商户 摊贩 夜市 占道 广告 招牌 文物 古树 河道 污染 排放 扬尘 秸秆 焚烧 噪声 工地 渣土 运输 超载 货车 限行 尾号').split(' ');
const FILLERS = ['我认为', '建议', '希望', '强烈要求', '我们小区', '很多居民反映', '作为一名市民', '特别是', '另外', '目前'];
const CONNECT = ['应当', '必须', '需要', '要求', '考虑', '加强', '明确', '规范', '提高', '降低'];

/** Per article, ARGS arguments of four key words each. */
const argumentsOf = Array.from({ length: ARTICLES + 1 }, () => Array.from({ length: ARGS }, () => Array.from({ length: 4 }, () => any(WORDS))));
function argumentBody(words: string[]): string {
  const picked = words.filter(() => rnd() < 0.8);
  const ws = (picked.length >= 2 ? picked : words.slice(0, 2)).sort(() => rnd() - 0.5);
  return `${any(FILLERS)}${ws[0]}${any(CONNECT)}${ws.slice(1).join(any(['和', '、', '以及']))}，${rnd() < 0.4 ? `${any(WORDS)}也${any(CONNECT)}` : ''}第${1 + Math.floor(rnd() * 99)}项${any(CONNECT)}落实。`;
}
const loneBody = () => `${any(FILLERS)}${any(WORDS)}${any(WORDS)}${any(CONNECT)}${any(WORDS)}${any(WORDS)}，${1 + Math.floor(rnd() * 9999)}。`;

const DRAFT = `# 示范管理条例\n\n${Array.from({ length: ARTICLES }, (_, i) => `${formatArticleLabel(i + 1)} 示范条文第${i + 1}条的内容。`).join('\n\n')}\n`;

const pgUrl = await freshDatabase('kaimen_bench_themes');
const database = await createDatabase({ databaseUrl: pgUrl, poolMax: 4 });
await migrateDatabase(database);
const db = database.db;
const now = Date.now();
const version = await publishVersion({ slug: 'shifan', code: 'SF', title: '示范管理条例（草案）', roundNumber: 1, label: '一审稿', text: DRAFT, opensAt: new Date(now - 30 * 86400_000), closesAt: new Date(now + 30 * 86400_000) }, undefined, db);
const articles = rowsOf<{ number: number }>(await db.execute(sql`select number from provisions where version_id = ${version.versionId} and kind = 'article' order by number`)).map((r) => Number(r.number));

/** Labels of the generated comments: `a:k` (article a, argument k), or null for lone ones. */
const label = new Map<string, string | null>();
async function seedComments(n: number, startAt: number): Promise<void> {
  const groups = new Map<string, string>();
  for (let from = 0; from < n; from += 5000) {
    const rows: { id: string; article: number | null; body: string; group: string | null; at: string; arg: string | null }[] = [];
    for (let i = from; i < Math.min(n, from + 5000); i++) {
      const ai = Math.floor(rnd() * (ARTICLES + 1));
      const article = ai === ARTICLES ? null : articles[ai % articles.length] ?? null;
      const r = rnd();
      const k = Math.floor(rnd() * ARGS);
      let body: string;
      let group: string | null = null;
      let arg: string | null = `${ai}:${k}`;
      if (r < 0.1) {
        // A campaign letter: the same text, one group per article and argument.
        const key = `${ai}:${k}`;
        if (!groups.has(key)) {
          const [g] = rowsOf<{ id: string }>(await db.execute(sql`insert into comment_groups (round_id, confirmed) values (${version.roundId}, true) returning id`));
          groups.set(key, g.id);
        }
        group = groups.get(key)!;
        body = `尊敬的常委会：${argumentsOf[ai][k].join('、')}的问题${argumentsOf[ai][k][0]}必须解决，请予采纳。`;
      } else if (r < 0.2) {
        body = loneBody();
        arg = null;
      } else body = argumentBody(argumentsOf[ai][k]);
      const id = randomUUID();
      label.set(id, arg);
      rows.push({ id, article, body, group, arg, at: new Date(startAt + i * 10).toISOString() });
    }
    await db.execute(sql`
      insert into comments (id, receipt, lookup_hash, idempotency_key, draft_id, round_id, article_number, body, channel, fingerprint, group_id, contact, created_at)
      select t.id, 'B' || t.id, 'x', t.id::text, ${version.draftId}, ${version.roundId}, t.article, t.body, 'web', t.id::text, t.grp, '1390000' || lpad((abs(hashtext(t.id::text)) % 10000)::text, 4, '0'), t.at
      from unnest(${pgArray(rows.map((r) => r.id))}::uuid[], ${pgArray(rows.map((r) => r.article))}::int[], ${pgArray(rows.map((r) => r.body))}::text[],
        ${pgArray(rows.map((r) => r.group))}::uuid[], ${pgArray(rows.map((r) => r.at))}::timestamptz[]) as t(id, article, body, grp, at)`);
  }
}

let t0 = performance.now();
await seedComments(N, now - 20 * 86400_000);
const seedSeconds = (performance.now() - t0) / 1000;
console.log(`seeded ${N} comments in ${seedSeconds.toFixed(0)} s`);

// Baseline 1: reading the round's bodies, as the job does.
t0 = performance.now();
const bodies = rowsOf<{ body: string }>(await db.execute(sql`
  select c.id, c.receipt, c.body, coalesce(c.article_number, 0) as article, c.group_id, c.created_at
  from comments c where c.round_id = ${version.roundId} and c.hidden_at is null order by c.created_at, c.id`));
const readMs = performance.now() - t0;
// Baseline 2: jieba's segmentation of every body (the dictionary loaded first, apart).
t0 = performance.now();
weightedTermsOf('加载词典');
const loadMs = performance.now() - t0;
t0 = performance.now();
for (const b of bodies) weightedTermsOf(b.body);
const segmentMs = performance.now() - t0;
const bodyCount = bodies.length;
// Not kept through the job: a server holds no such array.
bodies.length = 0;
console.log(`read ${bodyCount} bodies ${readMs.toFixed(0)} ms; dictionary ${loadMs.toFixed(0)} ms; segmentation of all ${segmentMs.toFixed(0)} ms`);

// Submissions on the same instance (another draft, so the round stays as seeded): alone first, then during the job.
await publishVersion({ slug: 'probe', code: 'PR', title: '探针条例（草案）', roundNumber: 1, label: '一审稿', text: DRAFT, opensAt: new Date(now - 30 * 86400_000), closesAt: new Date(now + 30 * 86400_000) }, undefined, db);
async function probe(until: () => boolean, max = Infinity): Promise<number[]> {
  const ms: number[] = [];
  while (!until() && ms.length < max) {
    const s0 = performance.now();
    await submitComment('probe', { article: 1, body: `探针意见${ms.length}：建议提高停车收费的透明度。`, idempotencyKey: randomUUID(), publishName: false, notify: false }, { channel: 'web' }, db);
    ms.push(performance.now() - s0);
    await new Promise((r) => setTimeout(r, 100));
  }
  return ms;
}
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(p * xs.length))] ?? 0;
// Garbage collection pauses of this thread (the server's main thread): the longest and their sum, per phase.
const gc = { max: 0, sum: 0 };
new PerformanceObserver((list) => {
  for (const e of list.getEntries()) {
    gc.max = Math.max(gc.max, e.duration);
    gc.sum += e.duration;
  }
}).observe({ entryTypes: ['gc'] });
// Same-run baseline of the event loop: its delay while only these submissions run (the machine's own stalls).
const idleLoop = monitorEventLoopDelay({ resolution: 10 });
idleLoop.enable();
const probeBefore = await probe(() => false, 50);
idleLoop.disable();
const gcIdle = { ...gc };
Object.assign(gc, { max: 0, sum: 0 });

// The job, through the runner's lane.
registerThemesJob();
await enqueueThemes(version.roundId, 'full', null, db);
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
t0 = performance.now();
let jobDone = false;
const during = probe(() => jobDone);
const job = await runNextJob({ workerId: 'bench', exportDir: '/tmp', db, lane: THEMES_LANE });
const jobMs = performance.now() - t0;
jobDone = true;
loop.disable();
const gcJob = { ...gc };
const probeDuring = await during;
console.log(`event loop with no job: max ${(idleLoop.max / 1e6).toFixed(0)} ms, p99 ${(idleLoop.percentile(99) / 1e6).toFixed(0)} ms`);
console.log(`main thread's GC pauses: with no job longest ${gcIdle.max.toFixed(0)} ms (sum ${gcIdle.sum.toFixed(0)}); during the job longest ${gcJob.max.toFixed(0)} ms (sum ${gcJob.sum.toFixed(0)})`);
console.log(`submission alone p50 ${pct(probeBefore, 0.5).toFixed(1)} ms, p99 ${pct(probeBefore, 0.99).toFixed(1)}, max ${Math.max(...probeBefore).toFixed(1)}; during the job (${probeDuring.length}) p50 ${pct(probeDuring, 0.5).toFixed(1)}, p99 ${pct(probeDuring, 0.99).toFixed(1)}, max ${Math.max(...probeDuring).toFixed(1)}`);
const [state] = rowsOf<{ status: string; error: string | null }>(await db.execute(sql`select status, error from jobs where id = ${job!.id}`));
if (state.status !== 'done') throw new Error(`job ${state.status}: ${state.error}`);
const [stats] = rowsOf<{ themes: number; other: number; in_other: number; reps: number }>(await db.execute(sql`
  select count(*) filter (where not other)::int as themes, count(*) filter (where other)::int as other,
    coalesce(sum(comments) filter (where other), 0)::int as in_other,
    (select count(distinct coalesce(group_id::text, id::text)) from comments where round_id = ${version.roundId})::int as reps
  from themes where round_id = ${version.roundId}`));
console.log(`job ${(jobMs / 1000).toFixed(1)} s; ${stats.themes} themes; ${stats.in_other} comments in 其他独立意见; loop delay max ${(loop.max / 1e6).toFixed(0)} ms p99 ${(loop.percentile(99) / 1e6).toFixed(0)} ms`);

// Quality against the generator's labels (其他独立意见 is not a theme; a campaign copy counts per copy).
const members = rowsOf<{ comment_id: string; theme_id: string; other: boolean }>(await db.execute(sql`
  select tc.comment_id, tc.theme_id, t.other from theme_comments tc join themes t on t.id = tc.theme_id where tc.round_id = ${version.roundId}`));
const byTheme = new Map<string, (string | null)[]>();
for (const m of members) {
  if (m.other) continue;
  const l = byTheme.get(m.theme_id) ?? [];
  l.push(label.get(m.comment_id) ?? null);
  byTheme.set(m.theme_id, l);
}
const quality = themeQuality([...byTheme.values()].map((labels) => ({ labels })), [...label.values()]);
const pctOf = (x: number) => `${(x * 100).toFixed(1)} %`;
const argumentThemes = quality.themes - quality.loneThemes;
console.log(`quality: ${quality.themes} themes for ${quality.arguments} arguments (${argumentThemes} with an argument's majority, ${quality.loneThemes} of lone comments); purity ${pctOf(quality.purity)}; largest share ${pctOf(quality.largestShare)}; themes per argument ${quality.themesPerArgument.toFixed(2)}; merged arguments ${quality.mergedArguments.length}; argument comments in a theme ${pctOf(quality.inThemes)}`);

// Incremental: 1,000 comments arrive.
await seedComments(1000, Date.now() + 1000);
t0 = performance.now();
const inc = await refreshRoundThemes(version.roundId, db);
const incMs = performance.now() - t0;
console.log(`incremental ${inc.mode} ${inc.comments} comments in ${incMs.toFixed(0)} ms`);
await database.close();

const stamp = new Date().toISOString().slice(0, 16).replace('T', ' ');
appendFileSync('bench/RESULTS.md', [
  '',
  `## ${stamp} UTC — themes of a round (bench/themes.ts, COMMENTS=${N}, issue 20)`,
  '',
  `${cpus().length} × ${cpus()[0]?.model}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}${process.env.NODE_OPTIONS ? ` (NODE_OPTIONS=${process.env.NODE_OPTIONS})` : ''}, PostgreSQL (local cluster), load average at the end ${loadavg().map((x) => x.toFixed(1)).join(' ')} (other engineers' work on the same cores).`,
  `${N.toLocaleString('en')} comments on ${ARTICLES} articles and 总体意见 (${ARGS} arguments per article in varied wording, 10 % campaign copies in groups, 10 % lone comments), seeded in ${seedSeconds.toFixed(0)} s; ${stats.reps.toLocaleString('en')} documents after one per campaign group.`,
  '',
  '| what | ms |',
  '| --- | ---: |',
  `| baseline: read the round's bodies (the job's query) | ${readMs.toFixed(0)} |`,
  `| baseline: jieba, loading the dictionary once | ${loadMs.toFixed(0)} |`,
  `| baseline: jieba segmentation of every body alone (weightedTermsOf) | ${segmentMs.toFixed(0)} |`,
  `| the \`themes\` job, full computation through the runner (read, segment, cluster, store ${members.length.toLocaleString('en')} memberships) | ${jobMs.toFixed(0)} |`,
  `| incremental refresh, 1,000 new comments (${inc.mode}) | ${incMs.toFixed(0)} |`,
  '',
  `| a submission (submitComment) alone, ${probeBefore.length} one every 100 ms: p50 / p99 / max | ${pct(probeBefore, 0.5).toFixed(1)} / ${pct(probeBefore, 0.99).toFixed(1)} / ${Math.max(...probeBefore).toFixed(1)} |`,
  `| the same submissions during the job, ${probeDuring.length}: p50 / p99 / max | ${pct(probeDuring, 0.5).toFixed(1)} / ${pct(probeDuring, 0.99).toFixed(1)} / ${Math.max(...probeDuring).toFixed(1)} |`,
  '',
  `Event loop during the job: longest stall ${(loop.max / 1e6).toFixed(0)} ms, p99 ${(loop.percentile(99) / 1e6).toFixed(0)} ms (segmenting and clustering run in the analysis worker at nice 19, decision 031; the job's own loops hand the loop back every 10 ms: themes/yield.ts); same-run baseline, the loop while only the submissions above ran (no job): max ${(idleLoop.max / 1e6).toFixed(0)} ms, p99 ${(idleLoop.percentile(99) / 1e6).toFixed(0)} ms. This thread's garbage collection pauses: during the job longest ${gcJob.max.toFixed(0)} ms, ${gcJob.sum.toFixed(0)} ms in all; with no job longest ${gcIdle.max.toFixed(0)} ms, ${gcIdle.sum.toFixed(0)} in all. ${stats.in_other.toLocaleString('en')} comments in 其他独立意见.`,
  '',
  '| quality (themes/theme-quality.ts, against the generator\'s labels) | figure |',
  '| --- | ---: |',
  `| themes / true arguments | ${quality.themes.toLocaleString('en')} / ${quality.arguments} |`,
  `| themes whose majority is an argument / whose majority is lone comments (random words the generator labels none) | ${argumentThemes} / ${quality.loneThemes} |`,
  `| purity: labelled comments in a theme whose majority argument is theirs | ${pctOf(quality.purity)} |`,
  `| fragmentation: an argument's share in its largest theme (mean) | ${pctOf(quality.largestShare)} |`,
  `| fragmentation: themes per argument (themes it is the majority of, mean) | ${quality.themesPerArgument.toFixed(2)} |`,
  `| arguments merged into another's theme (majority of none) | ${quality.mergedArguments.length} |`,
  `| argument comments in a theme (not alone, not 其他) | ${pctOf(quality.inThemes)} |`,
  '',
].join('\n'));
