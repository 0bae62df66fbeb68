/**
 * npm run bench [-- --quick] — every benchmark of the project in one run, against the BUILT
 * server and real PostgreSQL, each next to its raw baseline measured in the same run. Each
 * benchmark appends its own section to bench/RESULTS.md; this script writes the run's header
 * (date, machine, sizes) first and a summary of which steps ran at the end.
 *
 *   npm run bench               # full sizes (1,000,000 comments; takes a long time)
 *   npm run bench -- --quick    # small sizes, a few minutes
 *   npm run bench -- --only submit,faults
 *
 * PostgreSQL: BENCH_DATABASE_URL or DATABASE_URL (default postgres://postgres@127.0.0.1:5432/postgres);
 * each benchmark creates and drops databases of its own there.
 */
import { spawnSync } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { parseArgs } from 'node:util';

const { values } = parseArgs({ options: { quick: { type: 'boolean', default: false }, only: { type: 'string' } } });
const quick = values.quick;
const only = values.only?.split(',').map((s) => s.trim());

interface Step { name: string; script: string; args: string[]; env: Record<string, string> }
const steps: Step[] = [
  { name: 'draft', script: 'bench/draft-page.ts', args: [], env: { DURATION: quick ? '5' : '10' } },
  { name: 'submit', script: 'bench/submit-comments.ts', args: [], env: { DURATION: quick ? '8' : '15' } },
  { name: 'submit-cluster', script: 'bench/submit-comments.ts', args: [], env: { DURATION: quick ? '8' : '15', WEB_CONCURRENCY: '2', BENCH_LABEL: 'WEB_CONCURRENCY=2' } },
  { name: 'inbox', script: 'bench/inbox.ts', args: quick ? [] : ['--full'], env: quick ? { COMMENTS: '100000', RUNS: '20' } : {} },
  { name: 'exports', script: 'bench/exports.ts', args: quick ? ['--quick', '--write'] : [], env: {} },
  { name: 'import', script: 'bench/import.ts', args: quick ? ['--quick'] : [], env: {} },
  { name: 'faults', script: 'bench/faults.ts', args: ['--kills', '5', '--pg-restart'], env: {} },
  { name: 'grouping', script: 'bench/grouping-recall.ts', args: [], env: {} },
  { name: 'suggestions', script: 'bench/tag-suggestions.ts', args: [], env: quick ? { COMMENTS: '20000' } : {} },
  { name: 'messages', script: 'bench/deliver-messages.ts', args: [], env: { N: quick ? '1000' : '10000' } },
];

const pgUrl = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const started = new Date();
appendFileSync(new URL('./RESULTS.md', import.meta.url), `\n# Run of ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC — npm run bench${quick ? ' -- --quick' : ''}\n\n` +
  `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}, ` +
  `PostgreSQL on the same machine; load average at the start ${loadavg().map((l) => l.toFixed(1)).join(' / ')}. ` +
  `The sections below, up to the next run header, were measured in this run.\n`);

const env = { ...process.env, ASTRO_TELEMETRY_DISABLED: '1', BENCH_DATABASE_URL: pgUrl, DATABASE_URL: pgUrl };
console.log('building…');
const build = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', env });
if (build.status !== 0) process.exit(1);

const outcome: string[] = [];
for (const step of steps) {
  if (only && !only.includes(step.name)) continue;
  console.log(`\n=== ${step.name}: ${step.script} ${step.args.join(' ')}`);
  const t0 = Date.now();
  const r = spawnSync(process.execPath, ['--import', 'tsx', step.script, ...step.args], { stdio: 'inherit', env: { ...env, ...step.env } });
  const seconds = Math.round((Date.now() - t0) / 1000);
  outcome.push(`| ${step.name} | \`${step.script} ${step.args.join(' ')}\` | ${r.status === 0 ? 'completed' : `exit ${r.status ?? r.signal}`} | ${seconds} s |`);
}
appendFileSync(new URL('./RESULTS.md', import.meta.url), `\n### Steps of the run of ${started.toISOString().slice(0, 16).replace('T', ' ')} UTC\n\n| step | command | outcome | time |\n| --- | --- | --- | ---: |\n${outcome.join('\n')}\n`);
console.log(outcome.join('\n'));
