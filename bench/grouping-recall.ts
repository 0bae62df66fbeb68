/**
 * Bench: campaign grouping on the labelled corpus (tests/fixtures/campaigns/corpus.json, issue 19).
 *   npx tsx bench/grouping-recall.ts          # PGlite in memory, or PostgreSQL when DATABASE_URL is set
 *   BACKGROUND=100000 npx tsx bench/grouping-recall.ts   # the cost part with that many other comments in the round first
 *
 * 1. Recall and false grouping through the real path: every corpus item submitted in the corpus's
 *    order with submitComment to the open round of the 接诉即办 sample draft, then scored
 *    (tests/fixtures/campaigns/score.ts).
 * 2. Before / after and cost, in the same run, on three more databases fed the same items
 *    alternately: the grouping before issue 19 (bench/lib/grouping-legacy.ts, frozen), the current
 *    planGroup, and the raw baseline — the same INSERT (insert-comments.ts) without grouping. Each
 *    submission is one transaction (plan, then INSERT with the planned group), as submitComment's
 *    path for a comment whose match needs a group made; planGroup is timed inside it. With
 *    BACKGROUND=N, each of the three rounds first gets N other comments (varied texts on the same
 *    topics, with their band keys as each grouping computes them), so the lookups run against a
 *    large round; recall is then scored on the corpus items alone.
 * Appends a section to bench/RESULTS.md.
 */
import { writeFileSync } from 'node:fs';
import { appendResults } from './lib/results';
import { cpus, loadavg, totalmem } from 'node:os';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { createDatabase, executePrepared, migrateDatabase, type Database } from '../src/db/client';
import { rowsOf } from '../src/db/rows';
import { pgArray, intArrayLiteral } from '../src/db/pg-literals';
import { loadSampleDrafts } from '../src/server/drafts/sample-drafts';
import { submitComment } from '../src/server/comments/submit-comment';
import { insertComments, type CommentRow } from '../src/server/comments/insert-comments';
import { generateReceipt, idempotencyDigest } from '../src/server/comments/receipts';
import { groupPick, NO_ID, planGroup } from '../src/server/grouping/grouping';
import { textFeaturesOf, type TextFeatures } from '../src/server/grouping/text-features';
import { legacyFeatures, legacyPick, legacyPlanGroup } from './lib/grouping-legacy';
import { freshDatabase, percentile } from './lib/server';
import { loadCorpus, score, type Score } from '../tests/fixtures/campaigns/score';

const DRAFT = 'jiesu-jiban';
const BACKGROUND = Number(process.env.BACKGROUND ?? 0);
const pgUrl = process.env.DATABASE_URL;

async function open(name: string): Promise<Database> {
  const database = pgUrl
    ? await createDatabase({ databaseUrl: await freshDatabase(`kaimen_bench_campaign_${name}`), poolMax: 4 })
    : await createDatabase({ pgliteMemory: true });
  await migrateDatabase(database);
  await loadSampleDrafts(database.db);
  return database;
}

async function openRound(database: Database) {
  return rowsOf<{ draft_id: string; round_id: string; code: string; number: number }>(await database.db.execute(sql`
    select d.id as draft_id, r.id as round_id, d.code, r.number from drafts d join rounds r on r.draft_id = d.id
    where d.slug = ${DRAFT} and r.opens_at <= now() and r.closes_at > now()`))[0];
}

const corpus = loadCorpus();
const items = corpus.items;
const started = new Date();

/** Varied comments on the corpus's topics (as bench/inbox.ts makes them): the crowd a campaign arrives into. */
const TOPICS = ['小区停车难，晚上回家找不到车位', '楼顶漏雨多年没人修', '物业费收费标准不透明', '物业公司服务质量差', '电梯经常故障，维修基金使用难',
  '夜间施工噪音扰民', '老旧小区加装电梯协调难', '公共收益去向不明', '占用消防通道停车', '充电桩安装被物业阻拦', '外墙保温层脱落有安全隐患',
  '接诉即办回访太频繁', '热线电话总是占线', '诉求办理结果不满意', '街道响应速度慢', '建议公开办理时限', '社区派单太多'];
const FILLERS = ['我认为', '希望', '请尽快', '另外', '同时', '特别是', '目前', '建议', '我们小区', '很多居民反映'];
let seed = 7;
const rnd = () => ((seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32);
const any = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)];
const backgroundBody = () => [any(FILLERS), any(TOPICS), any(TOPICS), any(TOPICS)].join('，') + `（第${1 + Math.floor(rnd() * 9999)}号）。`;

/** N other comments in the round, 5,000 to a statement, with their band keys as `features` computes them. */
async function seedBackground(database: Database, r: { draft_id: string; round_id: string }, features: (body: string) => TextFeatures, n: number): Promise<void> {
  seed = 7;
  for (let from = 0; from < n; from += 5000) {
    const bodies = Array.from({ length: Math.min(5000, n - from) }, backgroundBody);
    const f = bodies.map(features);
    await database.db.execute(sql`
      with t as (
        select * from unnest(${pgArray(bodies.map((_, i) => `BG${from + i}`))}::text[], ${pgArray(bodies)}::text[],
          ${pgArray(f.map((x) => intArrayLiteral(x.bigrams)))}::text[], ${pgArray(f.map((x) => x.fingerprint))}::text[],
          ${pgArray(f.map((x) => intArrayLiteral(x.minhash)))}::text[], ${pgArray(f.map((x) => intArrayLiteral(x.lshBands ?? [])))}::text[])
          as t(receipt, body, bigrams, fingerprint, minhash, lsh)
      ), ins as (
        insert into comments (receipt, lookup_hash, idempotency_key, draft_id, round_id, body, channel, bigrams, fingerprint, minhash)
        select t.receipt, 'bench', t.receipt, ${r.draft_id}::uuid, ${r.round_id}::uuid, t.body, 'web', t.bigrams::int[], t.fingerprint, t.minhash::int[] from t
        returning id, receipt)
      insert into lsh_buckets (round_id, band_key, comment_id)
      select ${r.round_id}::uuid, k, ins.id from ins join t on t.receipt = ins.receipt, unnest(t.lsh::int[]) as k
      order by k on conflict do nothing`);
  }
  await database.db.execute(sql`analyze comments`);
  await database.db.execute(sql`analyze lsh_buckets`);
}

// 1. The real path.
const real = await open('real');
const receipts: string[] = [];
for (const it of items) {
  const r = await submitComment(DRAFT, { article: it.article, body: it.body, idempotencyKey: randomUUID(), publishName: false, notify: false }, { channel: 'web' }, real.db);
  receipts.push(r.receipt);
}
const groupByReceipt = new Map(rowsOf<{ receipt: string; group_id: string | null }>(await real.db.execute(sql`select receipt, group_id from comments`)).map((r) => [r.receipt, r.group_id]));
const realScore = score(items, receipts.map((r) => groupByReceipt.get(r) ?? null));
await real.close();

// 2. Before / after / raw, alternating.
type Mode = 'legacy' | 'current' | 'raw';
const modes: Mode[] = ['legacy', 'current', 'raw'];
const dbs = Object.fromEntries(await Promise.all(modes.map(async (m) => [m, await open(m)] as const))) as Record<Mode, Database>;
const rounds = Object.fromEntries(await Promise.all(modes.map(async (m) => [m, await openRound(dbs[m])] as const))) as Record<Mode, Awaited<ReturnType<typeof openRound>>>;
if (BACKGROUND > 0) {
  const t0 = performance.now();
  for (const mode of modes) await seedBackground(dbs[mode], rounds[mode], mode === 'legacy' ? legacyFeatures : textFeaturesOf, BACKGROUND);
  console.log(`background: ${BACKGROUND} comments × 3 rounds in ${((performance.now() - t0) / 1000).toFixed(0)} s`);
}
const planMs: Record<Mode, number[]> = { legacy: [], current: [], raw: [] };
/** The lookups alone as the batched INSERT runs them: a prepared statement on the pool (PostgreSQL; on PGlite plain). */
const pickMs: Record<Mode, number[]> = { legacy: [], current: [], raw: [] };
const arr = (v: readonly number[] | null) => sql`${intArrayLiteral(v)}::int[]`;
function pickOf(mode: Mode, body: string) {
  const roundId = rounds[mode].round_id;
  if (mode === 'legacy') return legacyPick(roundId, legacyFeatures(body));
  const f = textFeaturesOf(body);
  return sql`select kind, id, group_id from ${groupPick({
    roundId: sql`${roundId}::uuid`, fingerprint: sql`${f.fingerprint}::text`, self: sql`${NO_ID}::uuid`,
    minhash: arr(f.minhash), lshBands: arr(f.lshBands ?? []), bigrams: arr(f.bigrams),
  })} as p`;
}
const txMs: Record<Mode, number[]> = { legacy: [], current: [], raw: [] };
const groups: Record<Mode, (string | null)[]> = { legacy: [], current: [], raw: [] };

function rowOf(mode: Mode, body: string, text: TextFeatures): CommentRow {
  const r = rounds[mode];
  const receipt = generateReceipt(r.code, r.number);
  return {
    receipt, lookupHash: 'bench', keyDigest: idempotencyDigest(randomUUID()), draftId: r.draft_id, roundId: r.round_id, articleId: null,
    articleNumber: null, body, name: null, publishName: false, district: null, occupation: null, contact: null, notify: false,
    channel: 'web', stationId: null, kioskId: null, deputyId: null, userId: null, byDeputy: false, voices: 1, at: new Date(), text,
  };
}

for (let i = 0; i < items.length; i++) {
  // Rotate which mode goes first, so none always runs on a warmer cache.
  for (let k = 0; k < modes.length; k++) {
    const mode = modes[(i + k) % modes.length];
    const body = items[i].body;
    if (mode !== 'raw') {
      const q0 = performance.now();
      await executePrepared(dbs[mode].db, pickOf(mode, body));
      pickMs[mode].push(performance.now() - q0);
    }
    const t0 = performance.now();
    const inserted = await dbs[mode].db.transaction(async (tx) => {
      if (mode === 'raw') {
        const text = textFeaturesOf(body);
        return (await insertComments(tx, [{ ...rowOf(mode, body, text), decided: { groupId: null, enterBands: false } }]))[0].row;
      }
      const p0 = performance.now();
      let groupId: string | null;
      let enterBands: boolean;
      let text: TextFeatures;
      if (mode === 'legacy') {
        text = legacyFeatures(body);
        const plan = await legacyPlanGroup(tx, rounds[mode].round_id, text);
        [groupId, enterBands] = [plan.groupId, plan.lshBands !== null];
      } else {
        text = textFeaturesOf(body);
        const plan = await planGroup(tx, { roundId: rounds[mode].round_id, fingerprint: text.fingerprint }, text);
        [groupId, enterBands] = [plan.groupId, plan.lshBands !== null];
      }
      planMs[mode].push(performance.now() - p0);
      return (await insertComments(tx, [{ ...rowOf(mode, body, text), decided: { groupId, enterBands } }]))[0].row;
    });
    txMs[mode].push(performance.now() - t0);
    if (!inserted) throw new Error(`not inserted: ${mode} ${items[i].id}`);
    groups[mode].push(inserted.id);
  }
}
// The group each comment ended in (a founder's group is made after its own INSERT).
const scores = {} as Record<Mode, Score>;
for (const mode of modes) {
  const byId = new Map(rowsOf<{ id: string; group_id: string | null }>(await dbs[mode].db.execute(sql`
    select id, group_id from comments where id = any(${pgArray(groups[mode])}::uuid[])`)).map((r) => [r.id, r.group_id]));
  scores[mode] = score(items, groups[mode].map((id) => (id ? byId.get(id) ?? null : null)));
  await dbs[mode].close();
}

const sorted = (xs: number[]) => [...xs].sort((a, b) => a - b);
const p = (xs: number[], q: number) => percentile(sorted(xs), q).toFixed(2);
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const line = (name: string, s: Score) =>
  `| ${name} | ${s.inLetterGroup} / ${s.copies} = **${pct(s.recall)}** | ${s.grouped} / ${s.distinct} = **${pct(s.falseGrouping)}** | ${s.withLetter} (${pct(s.falseWithLetter)}) | ${s.lettersMerged} |`;
const stamp = started.toISOString().slice(0, 16).replace('T', ' ');
const section = [
  `## ${stamp} UTC — campaign grouping recall (bench/grouping-recall.ts${BACKGROUND ? `, BACKGROUND=${BACKGROUND}` : ''}, issue 19)`,
  '',
  `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}, ${pgUrl ? 'PostgreSQL (local cluster)' : 'PGlite in memory'}, ` +
    `load average at the start ${loadavg().map((l) => l.toFixed(1)).join(' / ')} (other work on the machine). Corpus tests/fixtures/campaigns/corpus.json: ` +
    `${corpus.letters.length} letters × 15 copies (openings, sign-offs, punctuation, synonyms, a dropped clause, two clauses swapped, combinations) and ` +
    `${items.filter((x) => !x.letter).length} distinct comments on the same articles, all submitted to one round in the corpus's mixed order.`,
  '',
  '| grouping | recall (copies in their letter\'s group) | false grouping (distinct comments in any group) | distinct in a letter\'s group | letters merged |',
  '| --- | ---: | ---: | ---: | ---: |',
  line('before (frozen, bench/lib/grouping-legacy.ts)', scores.legacy),
  line('after: planGroup, one transaction a comment', scores.current),
  line('after: submitComment (the real path: the batched INSERT with its lookups)', realScore),
  '',
  `Missed after (submitComment): ${realScore.missed.join(', ') || 'none'}. Distinct comments grouped: ${realScore.falselyGrouped.join(', ') || 'none'}.`,
  `Missed before: ${scores.legacy.missed.length} copies, by kind: ${Object.entries(scores.legacy.missed.reduce<Record<string, number>>((a, m) => { const k = m.replace(/^.*\(|\)$/g, ''); a[k] = (a[k] ?? 0) + 1; return a; }, {})).map(([k, n]) => `${k} ${n}`).join(', ')}.`,
  '',
  `Cost per submission, ${items.length} submissions each way, alternating${BACKGROUND ? `, each round holding ${BACKGROUND.toLocaleString('en')} other comments first (BACKGROUND)` : ''} (ms):`,
  '',
  `| | lookups alone, ${pgUrl ? 'prepared on the pool' : 'PGlite'} (features + query) p50 | p95 | planGroup in the transaction p50 | p95 | transaction p50 | transaction p95 |`,
  '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  `| raw baseline: the same INSERT, no grouping | — | — | — | — | ${p(txMs.raw, 50)} | ${p(txMs.raw, 95)} |`,
  `| before | ${p(pickMs.legacy, 50)} | ${p(pickMs.legacy, 95)} | ${p(planMs.legacy, 50)} | ${p(planMs.legacy, 95)} | ${p(txMs.legacy, 50)} | ${p(txMs.legacy, 95)} |`,
  `| after | ${p(pickMs.current, 50)} | ${p(pickMs.current, 95)} | ${p(planMs.current, 50)} | ${p(planMs.current, 95)} | ${p(txMs.current, 50)} | ${p(txMs.current, 95)} |`,
  '',
].join('\n');
appendResults(section);
if (process.env.BENCH_JSON) writeFileSync(process.env.BENCH_JSON, JSON.stringify({ real: realScore, ...scores }, null, 1));
console.log(section);
