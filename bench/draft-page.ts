/**
 * Bench: the draft page of the 120-article 立法法 round 2 against raw baselines in the same run
 * (/healthz: one `select 1`; /favicon.svg: a static file), plus the draft API and the diff page.
 * Starts the BUILT server (dist/, run `npx astro build` first) on loopback with a fresh PGlite
 * database (or DATABASE_URL), unless BASE_URL points at a running one. Appends the figures to
 * bench/RESULTS.md with the date and the conditions.
 *
 *   npx tsx bench/draft-page.ts            # 10 s per URL, 10 connections
 *   DURATION=5 CONNECTIONS=20 npx tsx bench/draft-page.ts
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error autocannon ships no types
import autocannon from 'autocannon';

const duration = Number(process.env.DURATION ?? 10);
const connections = Number(process.env.CONNECTIONS ?? 10);
const port = Number(process.env.BENCH_PORT ?? 4480);
const targets = [
  { name: 'baseline: static file', path: '/favicon.svg' },
  { name: 'baseline: /healthz (select 1)', path: '/healthz' },
  { name: 'draft page, 立法法 二审稿 (120 articles)', path: '/drafts/lifafa?round=2' },
  { name: 'draft API, 立法法 二审稿', path: '/api/v1/drafts/lifafa?round=2' },
  { name: 'diff page, 立法法 一审稿→二审稿', path: '/drafts/lifafa/diff?from=1&to=2' },
  { name: 'article page, 立法法 第十条', path: '/drafts/lifafa/articles/10?round=2' },
];

interface Result {
  requests: { average: number };
  latency: { p50: number; p99: number; average: number };
  errors: number;
  non2xx: number;
}

function run(url: string): Promise<Result> {
  return autocannon({ url, connections, duration, headers: { 'accept-encoding': 'identity' } });
}

async function waitFor(url: string, child?: ChildProcess): Promise<void> {
  for (let i = 0; i < 120; i++) {
    if (child && child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    try {
      if ((await fetch(url)).ok) return;
    } catch {
      // not up yet
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  throw new Error(`server did not answer at ${url}`);
}

async function main() {
  let base = process.env.BASE_URL;
  let child: ChildProcess | undefined;
  if (!base) {
    if (!existsSync('dist/serve.mjs')) throw new Error('dist/serve.mjs is missing: run `npm run build` first.');
    base = `http://127.0.0.1:${port}`;
    const env = { ...process.env, PORT: String(port), HOST: '127.0.0.1', PGLITE_DIR: join(mkdtempSync(join(tmpdir(), 'kaimen-bench-')), 'db') };
    child = spawn(process.execPath, ['dist/serve.mjs'], { env, stdio: ['ignore', 'ignore', 'inherit'] });
    await waitFor(`${base}/healthz`, child);
  }
  try {
    const health = (await (await fetch(`${base}/healthz`)).json()) as { database: { driver: string } };
    const driver = health.database.driver === 'postgres' ? 'PostgreSQL' : 'PGlite';
    const rows: string[] = [];
    for (const t of targets) {
      const res = await fetch(base + t.path);
      const bytes = (await res.arrayBuffer()).byteLength;
      if (!res.ok) throw new Error(`${t.path} answered ${res.status}`);
      await run(base + t.path); // warm-up (JIT, caches), not recorded
      const r = await run(base + t.path);
      const line = `| ${t.name} | \`${t.path}\` | ${Math.round(r.requests.average)} | ${r.latency.p50} | ${r.latency.p99} | ${(bytes / 1024).toFixed(0)} KB | ${r.errors + r.non2xx} |`;
      rows.push(line);
      console.log(line);
    }
    const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
    const conditions = `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}, ${driver}, loopback, ${connections} connections, ${duration} s per URL after a ${duration} s warm-up, no compression, load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')} (other work on the machine)`;
    const section = [
      `## ${date} UTC — draft page`,
      '',
      conditions,
      '',
      '| what | path | req/s | p50 ms | p99 ms | body | errors |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: |',
      ...rows,
      '',
    ].join('\n');
    const file = 'bench/RESULTS.md';
    if (!existsSync(file)) writeFileSync(file, '# Bench results\n\nWritten by the scripts in bench/; newest last.\n\n');
    if (!readFileSync(file, 'utf8').endsWith('\n')) appendFileSync(file, '\n');
    appendFileSync(file, section + '\n');
    console.log(`\nwritten to ${file}`);
  } finally {
    child?.kill('SIGTERM');
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
