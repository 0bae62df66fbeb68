/**
 * Bench: tag suggestions (issue 20).
 *   1. Quality on the labelled fixture tests/fixtures/tag-suggestions/comments.json (train on the
 *      first 200, test on the other 240): precision, coverage (share of test comments with at least
 *      one suggestion) and recall of (comment, tag) pairs at several confidences, for character
 *      bigrams alone and bigrams + jieba words (what the job uses).
 *   2. Time for a round of 100,000 comments on PostgreSQL: trainRoundSuggestions (the job's work:
 *      read the coding, train with 5-fold calibration, read and score every untagged comment, store
 *      the suggestions), beside the baseline of the same run: reading the round's bodies in the
 *      job's pages of 5,000.
 *
 *   npx tsx bench/tag-suggestions.ts            # COMMENTS=100000; BENCH_NO_WRITE=1 to skip RESULTS.md
 */
import { appendFileSync, readFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { randomUUID } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { sql } from 'drizzle-orm';
import { createDatabase, migrateDatabase, setDatabase } from '../src/db/client';
import { rowsOf } from '../src/db/rows';
import { pgArray } from '../src/db/pg-literals';
import { users } from '../src/db/schema';
import { publishVersion } from '../src/server/drafts/publish-version';
import { tagComments } from '../src/server/review/tags';
import { featuresOf, measure, predictTags, trainTagModel, type FeatureOptions } from '../src/server/suggestions/classifier';
import { trainRoundSuggestions, MIN_PER_TAG } from '../src/server/suggestions/train-suggestions';
import { termsOf } from '../src/server/themes/segment';
import { generate, type FixtureComment } from '../tests/fixtures/tag-suggestions/generate';
import { freshDatabase } from './lib/server';

const N = Number(process.env.COMMENTS ?? 100_000);
const started = new Date();
const fixture = JSON.parse(readFileSync('tests/fixtures/tag-suggestions/comments.json', 'utf8')) as FixtureComment[];
const pct = (x: number) => `${(x * 100).toFixed(1)} %`;
const out: string[] = [];
const say = (line: string) => {
  console.log(line);
  out.push(line);
};

// ── 1. Quality ──
const train = fixture.slice(0, 200).filter((c) => c.tags.length);
const test = fixture.slice(200);
const quality: Record<string, ReturnType<typeof measure>> = {};
say('| features | confidence ≥ | precision | coverage | recall (pairs) | suggestions |');
say('| --- | ---: | ---: | ---: | ---: | ---: |');
for (const [name, opts] of [['bigrams', {}], ['bigrams + jieba words', { words: termsOf }]] as Array<[string, FeatureOptions]>) {
  const model = trainTagModel(train.map((c) => ({ x: featuresOf(c.body, opts), tags: c.tags })), { minPerTag: MIN_PER_TAG });
  const predictions = test.map((c) => predictTags(model, featuresOf(c.body, opts)));
  for (const th of [0.7, 0.8, 0.9, 0.95]) {
    const m = measure(predictions, test.map((c) => c.tags), th);
    if (th === 0.9) quality[name] = m;
    say(`| ${name} | ${th} | ${pct(m.precision)} | ${pct(m.coverage)} | ${pct(m.recall)} | ${m.suggested} |`);
  }
}

// ── 2. Scale ──
const url = await freshDatabase('kaimen_bench_suggest');
const database = await createDatabase({ databaseUrl: url, poolMax: 4 });
await migrateDatabase(database);
setDatabase(database);
const db = database.db;
const now = Date.now();
const text = `# 物业管理条例（草案）\n\n${Array.from({ length: 12 }, (_, i) => `第${'一二三四五六七八九十'[i] ?? '十'}${i >= 10 ? '一二'[i - 10] : ''}条　本条内容 ${i + 1}。`).join('\n')}`;
const { draftId, roundId } = await publishVersion({ slug: 'bench-suggest', code: 'BS', title: '物业管理条例（草案）', roundNumber: 1, label: '一审稿', text, opensAt: new Date(now - 86_400_000), closesAt: new Date(now + 86_400_000) }, undefined, db);
const [u] = await db.insert(users).values({ email: `bench-${randomUUID()}@bench`, passwordHash: 'x', role: 'staff', name: 'bench' }).returning();
const bodies = [...fixture.slice(0, 200).map((c) => c.body), ...generate(N - 200, 7).map((c) => c.body)];
let t0 = performance.now();
const ids: string[] = [];
for (let i = 0; i < bodies.length; i += 5000) {
  const chunk = bodies.slice(i, i + 5000);
  const rows = rowsOf<{ id: string }>(await db.execute(sql`
    insert into comments (receipt, lookup_hash, idempotency_key, draft_id, round_id, article_number, body, channel, fingerprint)
    select 'B' || n || '-' || substr(md5(random()::text), 1, 6), 'x', gen_random_uuid()::text, ${draftId}::uuid, ${roundId}::uuid, 1 + (n % 12), b, 'web', md5(b || n)
    from unnest(${pgArray(chunk)}::text[]) with ordinality as t(b, n) returning id`));
  ids.push(...rows.map((r) => r.id));
}
console.log(`seeded ${bodies.length} comments in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const byTag = new Map<string, string[]>();
fixture.slice(0, 200).forEach((c, i) => c.tags.forEach((t) => byTag.set(t, [...(byTag.get(t) ?? []), ids[i]])));
for (const [tag, list] of byTag) await tagComments(list, [tag], { id: u.id, kind: 'user' }, {}, db);
await db.execute(sql`analyze`);

// Baseline: the bodies read as the job reads them.
t0 = performance.now();
let after: string | null = null;
let read = 0;
for (;;) {
  const page: Array<{ id: string; body: string }> = rowsOf(await db.execute(sql`
    select c.id, c.body from comments c where c.round_id = ${roundId}::uuid and c.hidden_at is null ${after ? sql`and c.id > ${after}::uuid` : sql``}
      and not exists (select 1 from comment_tags ct where ct.comment_id = c.id) order by c.id limit 5000`));
  if (!page.length) break;
  read += page.length;
  after = page[page.length - 1].id;
}
const baselineMs = performance.now() - t0;
const runs: Array<[string, Awaited<ReturnType<typeof trainRoundSuggestions>>, number]> = [];
for (const [name, words] of [['bigrams', false], ['bigrams + jieba words', true]] as Array<[string, boolean]>) {
  t0 = performance.now();
  // In the analysis worker, as the job runs it (workers/run-worker.ts).
  const s = await trainRoundSuggestions(roundId, db, { words });
  runs.push([name, s, performance.now() - t0]);
}
const [{ above }] = rowsOf<{ above: number }>(await db.execute(sql`select count(*)::int as above from tag_suggestions where round_id = ${roundId}::uuid and confidence >= 0.9`));
await database.close();

say('');
say(`| ${N.toLocaleString('en')} comments, PostgreSQL | ms | suggestions stored (≥ 0.5) |`);
say('| --- | ---: | ---: |');
say(`| baseline: read the ${read.toLocaleString('en')} untagged bodies (pages of 5,000) | ${baselineMs.toFixed(0)} | — |`);
for (const [name, s, ms] of runs) say(`| trainRoundSuggestions, ${name} (trained on ${s.trainedOn}, ${s.learnedTags.length} tags) | ${ms.toFixed(0)} | ${s.suggestions.toLocaleString('en')} |`);
say(`(last run: ${above.toLocaleString('en')} suggestions at ≥ 0.9)`);

if (process.env.BENCH_NO_WRITE !== '1') {
  const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}, PostgreSQL, load average ${loadavg()[0].toFixed(1)}`;
  appendFileSync('bench/RESULTS.md', `\n## ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC — tag suggestions\n\n${machine}. \`npx tsx bench/tag-suggestions.ts\` (COMMENTS=${N}).\n` +
    `Quality: fixture tests/fixtures/tag-suggestions/comments.json, trained on the first 200 (${train.length} tagged), tested on the other ${test.length}; ` +
    `precision of the (comment, tag) pairs suggested, coverage = share of test comments with at least one suggestion.\n\n${out.join('\n')}\n`);
}
console.log(JSON.stringify({ quality, baselineMs, runs: runs.map(([n, s, ms]) => ({ n, ms, suggestions: s.suggestions })) }));
