/**
 * Bench: the public draft pages of the 120-article 立法法 (the draft, one article, the comparison
 * of two rounds) against their own bytes served as static files by the same server in the same
 * run (issue 21: goal ≥ 50 % of that baseline, p99 ≤ 50 ms at 10 connections), plus /healthz (one
 * `select 1`), the draft API, each page rendered afresh (a new address every request: the render
 * cache never hits) and a browser's repeat visit (If-None-Match → 304).
 *
 * Starts the BUILT server (dist/, `npm run build` first) on loopback, with a fresh PGlite database
 * or, when DATABASE_URL (or BENCH_DATABASE_URL) is set, a fresh PostgreSQL database. It first
 * fetches each page and saves its bytes under dist/client/__bench/ (removed at the end), then
 * restarts the server so that its static handler lists them. Appends a section to bench/RESULTS.md.
 *
 *   npx tsx bench/draft-page.ts            # 10 s per URL after a 10 s warm-up, 10 connections
 *   DURATION=5 CONNECTIONS=20 npx tsx bench/draft-page.ts
 *   DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npx tsx bench/draft-page.ts
 */
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
// @ts-expect-error autocannon ships no types
import autocannon from 'autocannon';
import { ensureBuilt, freshDatabase, startServer, stopServer, type ServerHandle } from './lib/server';

const duration = Number(process.env.DURATION ?? 10);
const connections = Number(process.env.CONNECTIONS ?? 10);
const port = Number(process.env.BENCH_PORT ?? 4480);
const pgBase = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL;
const STATIC_DIR = 'dist/client/__bench';

const pages = [
  { name: 'draft page, 立法法 二审稿 (120 articles)', path: '/drafts/lifafa?round=2', file: 'draft.html' },
  { name: 'article page, 立法法 第十条', path: '/drafts/lifafa/articles/10?round=2', file: 'article.html' },
  { name: 'diff page, 立法法 一审稿→二审稿', path: '/drafts/lifafa/diff?from=1&to=2', file: 'diff.html' },
];

interface Result {
  requests: { average: number };
  latency: { p50: number; p99: number };
  errors: number;
  non2xx: number;
  '2xx': number;
  '3xx'?: number;
}

interface Options {
  headers?: Record<string, string>;
  /** A new address per request (the render cache never hits). */
  fresh?: boolean;
}

function run(url: string, opts: Options = {}): Promise<Result> {
  let n = 0;
  const u = new URL(url);
  const path = u.pathname + u.search;
  const sep = u.search ? '&' : '?';
  return autocannon({
    url,
    connections,
    duration,
    headers: { 'accept-encoding': 'identity', ...opts.headers },
    ...(opts.fresh ? { requests: [{ setupRequest: (req: object) => ({ ...req, path: `${path}${sep}bench=${process.pid}-${n++}` }) }] } : {}),
  });
}

async function measure(url: string, opts: Options = {}): Promise<Result> {
  await run(url, opts); // warm-up (JIT, caches), not recorded
  return run(url, opts);
}

const kb = (bytes: number) => `${(bytes / 1024).toFixed(0)} KB`;
const fmt = (r: Result) => `${Math.round(r.requests.average)} | ${r.latency.p50} | ${r.latency.p99}`;
/** Answers that are not what the row measures: errors, and anything but 2xx (or but 304 for a repeat visit). */
const bad = (r: Result, expect304 = false) => r.errors + (expect304 ? r['2xx'] + r.non2xx - (r['3xx'] ?? 0) : r.non2xx);

async function main() {
  ensureBuilt();
  const env: Record<string, string> = { SEED_SAMPLES: 'true', LOG_LEVEL: 'warn' };
  let driver = 'PGlite';
  if (pgBase) {
    env.DATABASE_URL = await freshDatabase('kaimen_bench_draft_page');
    driver = 'PostgreSQL';
  } else {
    env.PGLITE_DIR = join(mkdtempSync(join(tmpdir(), 'kaimen-bench-')), 'db');
  }
  let server: ServerHandle | undefined = await startServer(port, env, 120_000);
  const bodies = new Map<string, number>();
  try {
    // The pages' own bytes, as static files of the same server (listed when it starts: restart it).
    mkdirSync(STATIC_DIR, { recursive: true });
    for (const p of pages) {
      const res = await fetch(server.url + p.path);
      if (!res.ok) throw new Error(`${p.path} answered ${res.status}`);
      const body = Buffer.from(await res.arrayBuffer());
      bodies.set(p.path, body.byteLength);
      writeFileSync(join(STATIC_DIR, p.file), body);
    }
    await stopServer(server);
    server = await startServer(port, env, 120_000);
    const base = server.url;

    const rows: string[] = [];
    const summary: string[] = [];
    const row = (what: string, path: string, r: Result, bytes: number, ofStatic: string, expect304 = false) => {
      const line = `| ${what} | \`${path}\` | ${fmt(r)} | ${ofStatic} | ${kb(bytes)} | ${bad(r, expect304)} |`;
      rows.push(line);
      console.log(line);
    };
    const health = await measure(`${base}/healthz`);
    row('baseline: /healthz (select 1)', '/healthz', health, 0, '–');
    for (const p of pages) {
      const staticPath = `/__bench/${p.file}`;
      const bytes = bodies.get(p.path)!;
      const stat = await measure(base + staticPath);
      const page = await measure(base + p.path);
      const fresh = await measure(base + p.path, { fresh: true });
      const etag = (await fetch(base + p.path)).headers.get('etag');
      const revisit = etag ? await measure(base + p.path, { headers: { 'if-none-match': etag } }) : null;
      const pct = (r: Result) => `${Math.round((100 * r.requests.average) / stat.requests.average)} %`;
      row(`baseline: ${p.file} as a static file`, staticPath, stat, bytes, '100 %');
      row(p.name, p.path, page, bytes, pct(page));
      row(`${p.name}, rendered afresh (new address each time)`, `${p.path}&bench=…`, fresh, bytes, pct(fresh));
      if (revisit) row(`${p.name}, repeat visit (If-None-Match → 304)`, p.path, revisit, 0, pct(revisit), true);
      const ratio = page.requests.average / stat.requests.average;
      summary.push(`${p.name.split(',')[0]}: ${Math.round(100 * ratio)} % of its static file (goal ≥ 50 % ${ratio >= 0.5 ? 'met' : 'NOT met'}), p99 ${page.latency.p99} ms (goal ≤ 50 ms ${page.latency.p99 <= 50 ? 'met' : 'NOT met'}); rendered afresh ${Math.round((100 * fresh.requests.average) / stat.requests.average)} %, p99 ${fresh.latency.p99} ms`);
    }
    const api = await measure(`${base}/api/v1/drafts/lifafa?round=2`);
    const apiBytes = (await (await fetch(`${base}/api/v1/drafts/lifafa?round=2`)).arrayBuffer()).byteLength;
    row('draft API, 立法法 二审稿', '/api/v1/drafts/lifafa?round=2', api, apiBytes, '–');

    const date = new Date().toISOString().slice(0, 16).replace('T', ' ');
    const conditions = `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}, ${driver}, the built server (dist/serve.mjs), loopback, autocannon in the bench process, ${connections} connections, ${duration} s per row after a ${duration} s warm-up, no compression, anonymous requests, LOG_LEVEL=warn (no access lines); load average at the end ${loadavg().map((l) => l.toFixed(1)).join(' ')} (the machine is shared with other work). Each page's baseline is its own bytes saved to a file and served by the same server's static handler in the same run; "rendered afresh" adds a new query parameter to every request so the render cache never hits (every request renders the whole page; the page state is read at most once a second, as for any request); a repeat visit sends the ETag back.`;
    const section = [
      `## ${date} UTC — draft page (bench/draft-page.ts, ${driver})`,
      '',
      conditions,
      '',
      '| what | path | req/s | p50 ms | p99 ms | % of static | body | errors |',
      '| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
      ...rows,
      '',
      ...summary.map((s) => `- ${s}`),
      '',
    ].join('\n');
    const file = 'bench/RESULTS.md';
    if (!existsSync(file)) writeFileSync(file, '# Bench results\n\n');
    if (!readFileSync(file, 'utf8').endsWith('\n')) appendFileSync(file, '\n');
    appendFileSync(file, '\n' + section);
    console.log(`\n${summary.join('\n')}\nwritten to ${file}`);
  } finally {
    if (server) await stopServer(server);
    rmSync(STATIC_DIR, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err instanceof Error ? err.stack ?? err.message : err);
  rmSync(STATIC_DIR, { recursive: true, force: true });
  process.exit(1);
});
