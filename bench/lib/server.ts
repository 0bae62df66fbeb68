/**
 * Helpers for benchmarks and fault scripts: fresh PostgreSQL databases, starting and killing
 * the built server, waiting for health.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import pg from 'pg';

export const PG_BASE = process.env.BENCH_DATABASE_URL ?? process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export function dbUrl(name: string): string {
  const u = new URL(PG_BASE);
  u.pathname = `/${name}`;
  return u.toString();
}

/** Drops and creates database `name`; returns its URL. */
export async function freshDatabase(name: string): Promise<string> {
  const admin = new pg.Client({ connectionString: dbUrl('postgres') });
  await admin.connect();
  try {
    await admin.query(`drop database if exists "${name}" with (force)`);
    await admin.query(`create database "${name}"`);
  } finally {
    await admin.end();
  }
  return dbUrl(name);
}

export function ensureBuilt(): void {
  for (const f of ['dist/server/app.mjs', 'dist/serve.mjs']) if (!existsSync(f)) throw new Error(`先运行 npm run build（找不到 ${f}）`);
}

export interface ServerHandle {
  child: ChildProcess;
  port: number;
  url: string;
  output: string[];
}

/** Starts the built server (`dist/serve.mjs`, as `npm start` does) and waits until /healthz answers 200. */
export async function startServer(port: number, env: Record<string, string>, timeoutMs = 60_000): Promise<ServerHandle> {
  const output: string[] = [];
  // BENCH_SERVER_NODE_ARGS, e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`, to profile the server a bench drives.
  const nodeArgs = (process.env.BENCH_SERVER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean);
  const child = spawn(process.execPath, [...nodeArgs, 'dist/serve.mjs'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ASTRO_TELEMETRY_DISABLED: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => output.push(String(d)));
  child.stderr!.on('data', (d) => output.push(String(d)));
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`server exited (${child.exitCode}):\n${output.join('')}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) return { child, port, url, output };
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 150));
  }
  child.kill('SIGKILL');
  throw new Error(`server did not become healthy in ${timeoutMs} ms:\n${output.join('')}`);
}

export async function stopServer(h: ServerHandle, signal: NodeJS.Signals = 'SIGTERM'): Promise<void> {
  if (h.child.exitCode !== null || h.child.signalCode !== null) return;
  const exited = new Promise((r) => h.child.once('exit', r));
  h.child.kill(signal);
  await exited;
}

export function percentile(sorted: number[], p: number): number {
  if (!sorted.length) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

/**
 * CPU time (user + system, ms) used so far by each PostgreSQL process on this machine, by pid
 * (Linux /proc; empty where PostgreSQL runs elsewhere).
 */
export function postgresCpuSnapshot(): Map<number, number> {
  const cpu = new Map<number, number>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, 'utf8');
      if (!stat.includes('(postgres)')) continue;
      const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      cpu.set(Number(entry), (Number(fields[11]) + Number(fields[12])) * 10);
    } catch {
      /* the process ended meanwhile */
    }
  }
  return cpu;
}

/**
 * CPU time PostgreSQL used since `before` (a postgresCpuSnapshot), counted per process: one that
 * started since counts whole, one that ended since is not counted (so take it while the
 * connections of the work measured are still open).
 */
export function postgresCpuSince(before: Map<number, number>): number {
  let total = 0;
  for (const [pid, ms] of postgresCpuSnapshot()) total += ms - (before.get(pid) ?? 0);
  return total;
}
