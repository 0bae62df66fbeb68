/**
 * Export benchmark (issue 8), on real PostgreSQL: seeds a fresh database with COPY (1,000,000
 * comments in round 1, 100,000 in round 2 of a 104-article draft), then times the CSV and XLSX
 * exports of round 1 and the DOCX of round 2, each in a fresh child process that samples its RSS
 * every 50 ms (growth = peak − RSS before the export). Baseline: the same rows with psql's
 * `COPY (SELECT …) TO STDOUT`. Appends a section to bench/RESULTS.md.
 *
 *   npx tsx bench/exports.ts            # 1,000,000 / 100,000
 *   npx tsx bench/exports.ts --quick    # 50,000 / 10,000, printed only (add --write to record)
 *   BENCH_DATABASE_URL=postgres://… to choose the server (default: DATABASE_URL or local).
 */
import { parseArgs } from 'node:util';
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, createWriteStream, existsSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { freshDatabase, dbUrl } from './lib/server';

const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    one: { type: 'string' },
    url: { type: 'string' },
    out: { type: 'string' },
    'keep-db': { type: 'boolean', default: false },
    /** --quick prints its figures; add --write to append them to bench/RESULTS.md too. */
    write: { type: 'boolean', default: false },
  },
});

const DB = 'kaimen_bench_exports';

if (values.one) {
  await runOne(values.one as 'csv' | 'xlsx' | 'docx', values.url!, values.out!);
  process.exit(0);
}

const big = values.quick ? 50_000 : 1_000_000;
const docxRows = values.quick ? 10_000 : 100_000;
const url = await freshDatabase(DB);
process.env.DATABASE_URL = url;
const { createDatabase, migrateDatabase } = await import('../src/db/client');
const { publishVersion } = await import('../src/server/drafts/publish-version');
const database = await createDatabase({ databaseUrl: url, poolMax: 2 });
await migrateDatabase(database);
const text = readFileSync('content/drafts/wuye-guanli/round-1.md', 'utf8');
const day = 86400_000;
const now = Date.now();
const r1 = await publishVersion({ slug: 'bench', code: 'BE', title: '基准测试条例（草案）', roundNumber: 1, label: '一审稿', opensAt: new Date(now - 60 * day), closesAt: new Date(now - 30 * day), text }, undefined, database.db);
const r2 = await publishVersion({ slug: 'bench', roundNumber: 2, label: '二审稿', opensAt: new Date(now - 20 * day), closesAt: new Date(now - 1 * day), text }, undefined, database.db);
await database.close();

console.log(`seeding ${big.toLocaleString()} + ${docxRows.toLocaleString()} comments with COPY …`);
const seedStart = Date.now();
await copyComments(url, r1.draftId, r1.roundId, big, 'A');
await copyComments(url, r1.draftId, r2.roundId, docxRows, 'B');
psql(url, `
  insert into tags (draft_id, name) select '${r1.draftId}', '主题' || g from generate_series(1, 20) g;
  insert into comment_tags (comment_id, tag_id)
    select c.id, t.id from comments c join tags t on t.name = '主题' || (1 + abs(hashtext(c.receipt)) % 20)
    where abs(hashtext(c.receipt)) % 3 = 0;
  insert into comment_groups (round_id, fingerprint, confirmed, label)
    select r.id, 'camp' || g, true, '批量意见 ' || g from rounds r cross join generate_series(1, 5) g where r.id in ('${r1.roundId}', '${r2.roundId}');
  update comments c set group_id = g.id from comment_groups g
    where g.round_id = c.round_id and c.fingerprint = g.fingerprint;
  vacuum analyze;`);
const seedSeconds = (Date.now() - seedStart) / 1000;
console.log(`seeded in ${seedSeconds.toFixed(1)} s`);

const dir = mkdtempSync(join(tmpdir(), 'kaimen-bench-exports-'));
const loadBefore = loadavg()[0];
const results: Array<{ what: string; rows: number; seconds: number; rssMb: number; sizeMb: number }> = [];
const baselineStart = Date.now();
const base = spawnSync('psql', [url, '-q', '-c', `copy (select c.receipt, c.article_number, c.channel, s.name, c.district, c.occupation, c.body, c.voices, c.status, c.adoption, c.reason, c.response, c.responded_at, c.decided_at, c.satisfaction, c.hidden_at, c.created_at, (select string_agg(t.name, '、') from comment_tags ct join tags t on t.id = ct.tag_id where ct.comment_id = c.id) from comments c left join stations s on s.id = c.station_id where c.round_id = '${r1.roundId}' order by c.article_number nulls first, c.created_at, c.id) to stdout with (format csv)`], { stdio: ['ignore', 'ignore', 'inherit'] });
if (base.status !== 0) throw new Error('baseline COPY failed');
results.push({ what: 'baseline: psql COPY (SELECT …) TO STDOUT, CSV', rows: big, seconds: (Date.now() - baselineStart) / 1000, rssMb: 0, sizeMb: 0 });

for (const [format, rows] of [['csv', big], ['xlsx', big], ['docx', docxRows]] as const) {
  const out = join(dir, `report.${format}`);
  const r = await child(format, url, out);
  results.push({ what: `${format.toUpperCase()} export (Kaimen)`, rows, seconds: r.seconds, rssMb: r.rssGrowthMb, sizeMb: statSync(out).size / 1e6 });
  console.log(`${format}: ${rows} rows in ${r.seconds.toFixed(1)} s, RSS +${r.rssGrowthMb.toFixed(0)} MB, ${(statSync(out).size / 1e6).toFixed(1)} MB`);
  rmSync(out, { force: true });
}
rmSync(dir, { recursive: true, force: true });
if (!values['keep-db']) spawnSync('psql', [dbUrl('postgres'), '-q', '-c', `drop database if exists ${DB} with (force)`], { stdio: 'inherit' });
if (!values.quick || values.write) writeResults();

// ── helpers ─────────────────────────────────────────────────────────────────
function psql(target: string, script: string): void {
  const r = spawnSync('psql', [target, '-q', '-v', 'ON_ERROR_STOP=1'], { input: script, stdio: ['pipe', 'inherit', 'inherit'] });
  if (r.status !== 0) throw new Error('psql failed');
}

/** Streams `n` generated comments into `COPY comments … FROM STDIN` through psql. */
async function copyComments(target: string, draftId: string, roundId: string, n: number, prefix: string): Promise<void> {
  const proc = spawn('psql', [target, '-q', '-v', 'ON_ERROR_STOP=1', '-c',
    'copy comments (receipt, lookup_hash, idempotency_key, draft_id, round_id, article_number, body, name, publish_name, district, occupation, contact, channel, voices, fingerprint, status, adoption, reason, response, responded_at, decided_at, satisfaction, created_at) from stdin with (format csv)'],
  { stdio: ['pipe', 'inherit', 'inherit'] });
  const channels = ['web', 'web', 'web', 'kiosk', 'station_qr', 'deputy', 'letter'];
  const districts = ['东城区', '西城区', '朝阳区', '海淀区', '丰台区', '石景山区', '通州区', '顺义区', '昌平区', '大兴区', '房山区', '门头沟区', '怀柔区', '平谷区', '密云区', '延庆区'];
  const jobs = ['教师', '退休', '工程师', '律师', '学生', '职员', '个体经营者', '医生', '社区工作者', '物业从业人员'];
  const adoptions = ['adopted', 'partially_adopted', 'not_adopted', 'already_provided', 'out_of_scope', 'pending', ''];
  const sats = ['satisfied', 'basically_satisfied', 'not_satisfied', '', '', ''];
  const start = now - 50 * day;
  let buf = '';
  const flush = async () => {
    if (!proc.stdin.write(buf)) await new Promise((r) => proc.stdin.once('drain', r));
    buf = '';
  };
  for (let i = 0; i < n; i++) {
    const article = i % 10 === 0 ? '' : String(1 + (i * 7919) % 104);
    const adoption = adoptions[i % adoptions.length];
    const answered = adoption && adoption !== 'pending';
    const body = `关于第${article || '（总体）'}条的意见${i}：建议进一步明确业主大会、业主委员会和物业服务人的权利义务，细化公共收益的公开办法，保障业主的知情权和监督权。`;
    const created = new Date(start + Math.floor((i / n) * 30 * day)).toISOString();
    const fp = i % 50 === 0 ? `camp${1 + (i % 5)}` : `fp${prefix}${i}`;
    buf += [`${prefix}${i}`, 'x', `${prefix}-${i}`, draftId, roundId, article, body, `居民${i % 997}`, i % 2 === 0 ? 't' : 'f',
      districts[i % districts.length], jobs[i % jobs.length], `138${String(i).padStart(8, '0')}`, channels[i % channels.length], 1 + (i % 3),
      fp, answered ? 'answered' : adoption ? 'under_review' : 'received', adoption,
      answered && adoption !== 'adopted' ? '经研究，相关内容已在其他条款中作出规定。' : '',
      answered ? '感谢您的意见。经研究，已在草案修改中予以考虑。' : '',
      answered ? created : '', adoption ? created : '', answered ? sats[i % sats.length] : '', created].map(csvCell).join(',') + '\n';
    if (buf.length > 1 << 20) await flush();
  }
  await flush();
  proc.stdin.end();
  const code = await new Promise<number | null>((r) => proc.on('exit', r));
  if (code !== 0) throw new Error('COPY failed');
}

function csvCell(v: string | number): string {
  const s = String(v);
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

async function child(format: string, target: string, out: string): Promise<{ seconds: number; rssGrowthMb: number }> {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'bench/exports.ts', '--one', format, '--url', target, '--out', out], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(`${format} export failed`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

/** In the child: one export of the bench draft, timed, with sampled RSS. */
async function runOne(format: 'csv' | 'xlsx' | 'docx', target: string, out: string): Promise<void> {
  const { createDatabase: open } = await import('../src/db/client');
  const { loadReportScope } = await import('../src/server/reports/adoption-report');
  const { writeReport } = await import('../src/server/reports/report-export');
  const db = await open({ databaseUrl: target, poolMax: 4 });
  const scope = await loadReportScope('bench', format === 'docx' ? 2 : 1, db.db);
  global.gc?.();
  const before = process.memoryUsage().rss;
  let peak = before;
  const timer = setInterval(() => { peak = Math.max(peak, process.memoryUsage().rss); }, 50);
  const t0 = performance.now();
  await writeReport(format, scope, 'staff', createWriteStream(out), {}, db.db);
  const seconds = (performance.now() - t0) / 1000;
  clearInterval(timer);
  peak = Math.max(peak, process.memoryUsage().rss);
  await db.close();
  console.log(JSON.stringify({ seconds, rssGrowthMb: (peak - before) / 1e6 }));
}

function writeResults(): void {
  const file = 'bench/RESULTS.md';
  if (!existsSync(file)) writeFileSync(file, '# Benchmark results\n');
  const pgVersion = spawnSync('psql', [dbUrl('postgres'), '-Atc', 'show server_version'], { encoding: 'utf8' }).stdout.trim();
  const lines = [
    '',
    `## Exports (issue 8) — ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC${values.quick ? ' (quick)' : ''}`,
    '',
    `Machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB; Node ${process.version}; PostgreSQL ${pgVersion} on the same machine.`,
    `Data: ${big.toLocaleString('en')} comments in round 1 and ${docxRows.toLocaleString('en')} in round 2 of a 104-article draft, seeded with COPY in ${seedSeconds.toFixed(0)} s; a third of the comments tagged, 2% in 5 campaign groups per round.`,
    `Load average (1 min) of the shared machine: ${loadBefore.toFixed(1)} before the exports, ${loadavg()[0].toFixed(1)} after (other work ran alongside).`,
    'Each export runs in a fresh process that writes the file to local disk; RSS growth = peak RSS sampled every 50 ms − RSS before the export.',
    'Targets: CSV ≤ 30 s, XLSX ≤ 120 s, RSS growth ≤ 200 MB for 1,000,000 comments; DOCX with 100,000 comments ≤ 60 s.',
    '',
    '| what | comments | seconds | RSS growth (MB) | file (MB) |',
    '| --- | ---: | ---: | ---: | ---: |',
    ...results.map((r) => `| ${r.what} | ${r.rows.toLocaleString('en')} | ${r.seconds.toFixed(1)} | ${r.rssMb ? r.rssMb.toFixed(0) : '—'} | ${r.sizeMb ? r.sizeMb.toFixed(1) : '—'} |`),
    '',
  ];
  appendFileSync(file, lines.join('\n'));
  console.log(lines.join('\n'));
}
