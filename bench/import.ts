/**
 * Bench: bulk comment import (issue 9 target: 1,000,000 rows ≤ 60 s). Generates a CSV of
 * realistic Chinese letters across the sample drafts' open rounds (about 5 % of them copies of a
 * few campaign letters), loads the sample drafts into a fresh PostgreSQL database, then runs
 * `npm run comments:import` on it — the command users run — and times it; re-runs it (nothing
 * new: the idempotent path); and, in the same run, a raw baseline: psql `\copy` of the same file
 * into a bare table with the same columns. Appends a section to bench/RESULTS.md.
 *
 *   npx tsx bench/import.ts            # 1,000,000 rows
 *   npx tsx bench/import.ts --quick    # 100,000 rows
 *   BENCH_NO_WRITE=1 …                 # print only
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync, createWriteStream, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { once } from 'node:events';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { dbUrl, freshDatabase } from './lib/server';
import { OPENERS } from './lib/comments';
import { createDatabase, migrateDatabase } from '../src/db/client';
import { loadSampleDrafts } from '../src/server/drafts/sample-drafts';

const quick = process.argv.includes('--quick');
const ROWS = Number(process.env.ROWS ?? (quick ? 100_000 : 1_000_000));
// Its own database per run: two runs at once (a CI run, an engineer) must not drop each other's.
const DB = `kaimen_bench_import_${process.pid}`;

const corpusOf = (slug: string, round: number) =>
  readFileSync(new URL(`../content/drafts/${slug}/round-${round}.md`, import.meta.url), 'utf8').replace(/<!--[\s\S]*?-->|[#\s]/g, '');
const CLOSERS = ['请予考虑。', '谢谢！', '希望采纳。', '', '以上意见供参考。'];
const CAMPAIGN = [
  '坚决反对将物业费调整交由物业公司单方决定，必须经业主大会表决，请删除相关规定！',
  '建议在条例中明确：12345热线工单办理结果必须回访诉求人，不满意的要重新办理。',
  '希望增加关于老旧小区加装电梯的规定，政府应当给予补贴并简化审批。',
];
const DISTRICTS = ['东城区', '西城区', '朝阳区', '海淀区', '丰台区', '石景山区', '通州区', '昌平区'];
const JOBS = ['退休职工', '教师', '社区工作者', '个体经营者', '学生', '律师', '医生', ''];

function cell(v: string): string {
  return /[",\n\r]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

async function generate(file: string, targets: Array<{ slug: string; round: number; articles: number[]; corpus: string }>): Promise<void> {
  const out = createWriteStream(file);
  out.write('external_id,draft,round,article,body,name,publish_name,district,occupation,contact,channel,received_at,station,voices\n');
  for (let i = 0; i < ROWS; i++) {
    const t = targets[i % targets.length];
    const article = i % 5 === 0 ? '' : String(t.articles[(i * 31) % t.articles.length]);
    let body: string;
    if (i % 20 === 7) body = CAMPAIGN[i % CAMPAIGN.length];
    else {
      const length = 30 + ((i * 37) % 170);
      const start = (i * 7919) % Math.max(1, t.corpus.length - length);
      body = `${OPENERS[i % OPENERS.length]}${t.corpus.slice(start, start + length)}${CLOSERS[i % CLOSERS.length]}（来信${i}）`;
    }
    const named = i % 3 === 0;
    const line = [
      `BENCH-${i}`, t.slug, String(t.round), article, cell(body), named ? `居民${i % 997}` : '', named && i % 2 ? '是' : '',
      DISTRICTS[i % DISTRICTS.length], JOBS[i % JOBS.length], i % 4 === 0 ? `139${String(i).padStart(8, '0').slice(-8)}` : '',
      i % 10 === 0 ? 'api' : 'letter', '', '', '',
    ].join(',');
    if (!out.write(line + '\n')) await once(out, 'drain');
  }
  out.end();
  await once(out, 'finish');
}

function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv): { seconds: number; out: string; err: string; code: number | null; maxRssMb?: number } {
  const started = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', 'MAXRSS %M', cmd, ...args], { env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const rss = /MAXRSS (\d+)/.exec(r.stderr ?? '');
  return { seconds, out: r.stdout, err: (r.stderr ?? '').replace(/MAXRSS \d+\n?/, ''), code: r.status, maxRssMb: rss ? Math.round(Number(rss[1]) / 1024) : undefined };
}

const load = loadavg().map((x) => x.toFixed(1)).join(' / ');
const url = await freshDatabase(DB);
const database = await createDatabase({ databaseUrl: url, poolMax: 2 });
await migrateDatabase(database);
const loaded = await loadSampleDrafts(database.db);
const open = await database.db.execute(`
  select d.slug, r.number, array_agg(p.number order by p.number) as articles
  from rounds r join drafts d on d.id = r.draft_id join versions v on v.round_id = r.id
  join provisions p on p.version_id = v.id and p.kind = 'article'
  where r.opens_at <= now() and r.closes_at > now() group by d.slug, r.number order by d.slug`);
await database.close();
const targets = (open.rows as Array<{ slug: string; number: number; articles: number[] }>).map((r) => ({
  slug: r.slug, round: Number(r.number), articles: r.articles.map(Number), corpus: corpusOf(r.slug, Number(r.number)),
}));
console.log(`samples: ${loaded.join('、')}; open rounds: ${targets.map((t) => `${t.slug} ${t.round}`).join(', ')}`);

const dir = mkdtempSync(join(tmpdir(), 'kaimen-bench-import-'));
const file = join(dir, 'letters.csv');
let t0 = Date.now();
await generate(file, targets);
const sizeMb = statSync(file).size / 1024 / 1024;
console.log(`generated ${ROWS} rows, ${sizeMb.toFixed(0)} MB in ${((Date.now() - t0) / 1000).toFixed(1)} s`);

const env = { ...process.env, DATABASE_URL: url, SEED_SAMPLES: 'false' };
const tsx = join(process.cwd(), 'node_modules/.bin/tsx');
const first = timed(tsx, ['src/cli/comments-import.ts', '--file', file, '--out', join(dir, 'receipts.csv')], env);
console.log(first.out.trim(), first.err.trim());
if (first.code !== 0) throw new Error('import failed');
const second = timed(tsx, ['src/cli/comments-import.ts', '--file', file, '--out', join(dir, 'receipts-2.csv')], env);
console.log(second.out.trim(), second.err.trim());
if (second.code !== 0) throw new Error('re-run failed');

const client = new pg.Client({ connectionString: url });
await client.connect();
const [{ n: stored }] = (await client.query(`select count(*)::int as n from comments where channel in ('letter', 'api')`)).rows;
const [{ n: groupedRows }] = (await client.query(`select count(*)::int as n from comments where group_id is not null`)).rows;
const [{ n: indexCount }] = (await client.query(`select count(*)::int as n from pg_index where indrelid = 'comments'::regclass`)).rows;
await client.query(`create table bench_raw (external_id text, draft text, round text, article text, body text, name text, publish_name text,
  district text, occupation text, contact text, channel text, received_at text, station text, voices text)`);
await client.end();
t0 = Date.now();
const raw = timed('psql', [url, '-v', 'ON_ERROR_STOP=1', '-c', `\\copy bench_raw from '${file}' with (format csv, header true)`], process.env);
if (raw.code !== 0) throw new Error(`psql failed: ${raw.err}`);
console.log(raw.out.trim());
// The schema's floor: the stored rows copied into a twin of comments with all its indexes (no Node, no parsing).
const floor = timed('psql', [url, '-v', 'ON_ERROR_STOP=1', '-c', 'create table bench_floor (like comments including all)', '-c',
  `insert into bench_floor select * from comments where channel in ('letter', 'api')`, '-c', 'drop table bench_floor'], process.env);
if (floor.code !== 0) console.error(`floor measurement failed: ${floor.err}`);
rmSync(dir, { recursive: true, force: true });

const pgVersion = spawnSync('psql', [url, '-Atc', 'select version()'], { encoding: 'utf8' }).stdout.trim().replace(/ on .*/, '');
const setting = (name: string) => spawnSync('psql', [url, '-Atc', `show ${name}`], { encoding: 'utf8' }).stdout.trim();
const pgSettings = `shared_buffers ${setting('shared_buffers')}, max_wal_size ${setting('max_wal_size')}, synchronous_commit ${setting('synchronous_commit')}`;
const rate = (s: number) => Math.round(ROWS / s).toLocaleString('en-US');
const section = `
## ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC — bulk comment import (bench/import.ts${quick ? ' --quick' : ''})

${cpus().length} × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 1024 ** 3)} GB, Node ${process.version}, ${pgVersion} on the same machine (${pgSettings}). Load average at the start: ${load} (shared machine). ${ROWS.toLocaleString('en-US')} rows, ${sizeMb.toFixed(0)} MB of CSV (letters across the open rounds: ${targets.map((t) => `${t.slug} 第${t.round}审次`).join('、')}; 5 % copies of three campaign letters), into a fresh database holding only the sample drafts. \`npm run comments:import\` as users run it (tsx, migration check, validation, receipts, lookup codes, bigrams, fingerprint, MinHash/LSH in Node; batches of 5,000 through INSERT … SELECT FROM unnest(…) while the next batch is prepared; exact-duplicate grouping; one transaction; the output CSV of receipts).

| what | seconds | rows/s | % of raw | peak RSS MB |
| --- | ---: | ---: | ---: | ---: |
| baseline: psql \`\\copy\` of the same file into a bare 14-column text table, no index | ${raw.seconds.toFixed(1)} | ${rate(raw.seconds)} | 100 % | – |
| floor: INSERT … SELECT of the stored rows into a twin of \`comments\` with all its ${indexCount} indexes (PostgreSQL alone) | ${floor.code === 0 ? floor.seconds.toFixed(1) : 'failed'} | ${floor.code === 0 ? rate(floor.seconds) : '–'} | ${floor.code === 0 ? `${Math.round((raw.seconds / floor.seconds) * 100)} %` : '–'} | – |
| \`npm run comments:import\` (new rows) | ${first.seconds.toFixed(1)} | ${rate(first.seconds)} | ${Math.round((raw.seconds / first.seconds) * 100)} % | ${first.maxRssMb ?? '–'} |
| the same file again (all already present: nothing stored) | ${second.seconds.toFixed(1)} | ${rate(second.seconds)} | ${Math.round((raw.seconds / second.seconds) * 100)} % | ${second.maxRssMb ?? '–'} |

Stored: ${stored.toLocaleString('en-US')} comments; ${groupedRows.toLocaleString('en-US')} in duplicate groups. Target 1,000,000 rows ≤ 60 s: ${quick ? 'not measured (--quick)' : first.seconds <= 60 ? 'met' : 'NOT met'}.
`;
console.log(section);
if (process.env.BENCH_NO_WRITE !== '1') appendFileSync(new URL('./RESULTS.md', import.meta.url), section);
const admin = new pg.Client({ connectionString: dbUrl('postgres') });
await admin.connect();
await admin.query(`drop database if exists "${DB}" with (force)`);
await admin.end();
