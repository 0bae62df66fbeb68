/**
 * The deployment of deploy/, run on this machine and proven under faults (issue 22):
 * a PostgreSQL 15 primary with a streaming replica (pg_basebackup -R), both with
 * deploy/postgresql/kaimen.conf; pgbouncer 1.18 in front of the primary (deploy/pgbouncer/
 * pgbouncer.ini, transaction pooling); three app instances started from deploy/systemd/kaimen@.service
 * and deploy/kaimen.env (DATABASE_URL through pgbouncer, DATABASE_READ_URL at the replica); nginx
 * with deploy/nginx/kaimen.conf (TLS with a self-signed certificate made here, HTTP/2) in front.
 * All templates are rendered by deploy/render.ts with this run's ports and directories.
 *
 * Load through nginx over TLS, every client from its own loopback address (127.0.1.x: nginx sees
 * each as a citizen, sets X-Forwarded-For, the app trusts it): submitters POST new comments to the
 * public API (bench/lib/receipts-ledger.ts: own idempotency key, retried with it after a network
 * error, 502 or 503), readers GET the draft, article, comparison, stats, data.csv and API pages.
 * Mid-run one instance is killed (SIGKILL; restarted a second later, as systemd's Restart=always
 * would) and the primary is restarted (pg_ctl restart -m fast). Then every receipt is checked
 * against the primary: sent / acknowledged / stored / lost / doubled; responses are counted by
 * status, and every 5xx by who sent it (nginx's own 503 carries X-Unavailable-From: proxy; the
 * app's has its JSON error code), set beside the fault windows and what nginx, pgbouncer's
 * clients (the instances) and the instances' start-ups logged. Before the load, the floors at the
 * same concurrency: a raw INSERT through pgbouncer, the same submission straight to the instances
 * (no nginx, no TLS) and a static file through nginx. Where a calm submission's time goes (decision
 * 025): client, nginx ($request_time, $upstream_response_time) and instance timings joined by request
 * id, pgbouncer's SHOW STATS, each piece's run-queue wait (/proc/<pid>/schedstat) and the bench
 * client's own event loop delay, over the span before the first fault. Appends its
 * section to bench/RESULTS.md and prints the "Current figures" row (edited in by hand: other
 * benches write that file too). Everything started is stopped and removed, also on failure or Ctrl-C.
 *
 *   npx tsx bench/cluster.ts
 *   LOAD_SECONDS=60 SUBMITTERS=24 READERS=8 BASELINE_SECONDS=10 KEEP=1 npx tsx bench/cluster.ts
 *
 * Ports (BASE_PORT, default 4700): nginx +0 (HTTP) and +1 (HTTPS), instances +11..+13;
 * PG_PORT (5440) primary, +1 replica; PGBOUNCER_PORT (6432). Run as root (PostgreSQL and pgbouncer
 * then run as the postgres user) or as a user that may run initdb.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { cpus, loadavg, totalmem } from 'node:os';
import { monitorEventLoopDelay } from 'node:perf_hooks';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { renderAll, productionValues } from '../deploy/render';
import { percentile } from './lib/server';
import { citizenComment } from './lib/comments';
import { checkLedger, count, newSubmitStats, submitUntilAnswered, type Answer, type Post } from './lib/receipts-ledger';

const root = resolve(import.meta.dirname, '..');
const BASE = Number(process.env.BASE_PORT ?? 4700);
const HTTP_PORT = BASE;
const HTTPS_PORT = BASE + 1;
const APP_PORTS = [BASE + 11, BASE + 12, BASE + 13];
const PG_PORT = Number(process.env.PG_PORT ?? 5440);
const REPLICA_PORT = PG_PORT + 1;
const PGBOUNCER_PORT = Number(process.env.PGBOUNCER_PORT ?? 6432);
const LOAD_SECONDS = Number(process.env.LOAD_SECONDS ?? 60);
const SUBMITTERS = Number(process.env.SUBMITTERS ?? 24);
const READERS = Number(process.env.READERS ?? 8);
const POOL_MAX = Number(process.env.POOL ?? 10);
/** Seconds of each baseline (raw INSERT through pgbouncer, a static file through nginx) before the load. */
const BASELINE_SECONDS = Number(process.env.BASELINE_SECONDS ?? 10);
const KILL_AT = LOAD_SECONDS * 0.25;
const PG_RESTART_AT = LOAD_SECONDS * 0.55;
const PG_BIN = process.env.PG_BIN ?? '/usr/lib/postgresql/15/bin';
const SLUG = 'jiesu-jiban';
/** The closed sample draft: its answer is published here, so its feedback page and data.csv exist. */
const CLOSED = 'tingche';
const PASSWORD = randomBytes(12).toString('hex');
const runId = `c${Date.now().toString(36)}`;
const dir = resolve(process.env.CLUSTER_DIR ?? `/tmp/deploy/cluster-${runId}`);
const isRoot = process.getuid?.() === 0;
const sh = promisify(execFile);

const log = (line: string) => console.log(`[cluster ${new Date().toISOString().slice(11, 19)}] ${line}`);

// ── what was started, for cleanup ──
const children = new Set<ChildProcess>();
const clusters: string[] = [];
let cleaned = false;
let loadAtStart = '';

/** Runs `cmd` as the postgres user when this script runs as root (initdb and pgbouncer refuse root). */
function asPostgres(cmd: string, args: string[]): [string, string[]] {
  return isRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
}
async function pgRun(cmd: string, args: string[]): Promise<string> {
  const [c, a] = asPostgres(cmd, args);
  const { stdout } = await sh(c, a, { maxBuffer: 16 * 2 ** 20 });
  return stdout;
}

function ensureInstalled(): void {
  const missing = [['nginx', '/usr/sbin/nginx'], ['pgbouncer', '/usr/sbin/pgbouncer'], ['postgresql-15', join(PG_BIN, 'initdb')]]
    .filter(([, path]) => !existsSync(path)).map(([pkg]) => pkg);
  if (!missing.length) return;
  if (!isRoot) throw new Error(`missing ${missing.join(', ')}: install them (apt-get install ${missing.join(' ')}) or run as root`);
  log(`installing ${missing.join(', ')} from Debian …`);
  execFileSync('apt-get', ['install', '-y', '--no-install-recommends', ...missing], { stdio: 'inherit', env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' } });
}

async function cleanup(): Promise<void> {
  if (cleaned) return;
  cleaned = true;
  // nginx's and pgbouncer's own processes by their pid files (nginx stops its workers on SIGTERM;
  // runuser, which started pgbouncer, is only a wrapper), then every child: SIGTERM, SIGKILL after 5 s.
  for (const pidFile of [join(dir, 'run/pgbouncer.pid'), join(dir, 'nginx/nginx.pid')]) {
    try { process.kill(Number(readFileSync(pidFile, 'utf8').trim()), 'SIGTERM'); } catch { /* not running */ }
  }
  const alive = () => [...children].filter((c) => c.exitCode === null && c.signalCode === null);
  for (const child of alive()) child.kill('SIGTERM');
  for (let i = 0; i < 50 && alive().length; i++) await new Promise((r) => setTimeout(r, 100));
  for (const child of alive()) child.kill('SIGKILL');
  for (const data of clusters) {
    try { await pgRun(join(PG_BIN, 'pg_ctl'), ['-D', data, 'stop', '-m', 'immediate', '-w']); } catch { /* not running */ }
  }
  if (process.env.KEEP !== '1') rmSync(dir, { recursive: true, force: true });
  else log(`kept ${dir}`);
}
process.on('unhandledRejection', (err) => { console.error(err); void cleanup().finally(() => process.exit(1)); });
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => { log(`${signal}: cleaning up`); void cleanup().finally(() => process.exit(130)); });
}

// ── the pieces ──

async function buildApp(appDir: string): Promise<void> {
  if (process.env.BUILD_DIR) {
    symlinkSync(resolve(process.env.BUILD_DIR, 'dist'), join(appDir, 'dist'));
  } else {
    log('building the app …');
    const node = process.execPath;
    await sh(node, [join(root, 'node_modules/astro/bin/astro.mjs'), 'build', '--outDir', join(appDir, 'dist')], { cwd: root, env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' }, maxBuffer: 64 * 2 ** 20 });
    await sh(node, [join(root, 'scripts/build-server.mjs'), join(appDir, 'dist')], { cwd: root, maxBuffer: 64 * 2 ** 20 });
  }
  for (const name of ['node_modules', 'content', 'drizzle']) symlinkSync(join(root, name), join(appDir, name));
}

async function startPostgres(data: string, port: number, logFile: string): Promise<void> {
  await pgRun(join(PG_BIN, 'pg_ctl'), ['-D', data, '-l', logFile, '-o', `-p ${port} -k ${join(dir, 'run')}`, '-w', '-t', '60', 'start']);
  clusters.push(data);
}

async function initPrimary(rendered: string): Promise<void> {
  const data = join(dir, 'pg/primary');
  await pgRun(join(PG_BIN, 'initdb'), ['-D', data, '-U', 'postgres', '--auth-local=trust', '--auth-host=scram-sha-256', '-E', 'UTF8', '--locale=C.UTF-8']);
  // Replication and the bench's own checks as postgres from loopback; the app's role with its password.
  writeFileSync(join(data, 'pg_hba.conf'), [
    'local all all trust',
    'host replication postgres 127.0.0.1/32 trust',
    'host all postgres 127.0.0.1/32 trust',
    'host all all 127.0.0.1/32 scram-sha-256',
  ].join('\n') + '\n');
  appendFileSync(join(data, 'postgresql.conf'), `\n# bench/cluster.ts: Kaimen's settings (deploy/postgresql/kaimen.conf, rendered)\ninclude '${join(rendered, 'postgresql/kaimen.conf')}'\n`);
  await startPostgres(data, PG_PORT, join(dir, 'log/primary.log'));
  const admin = new pg.Client({ host: '127.0.0.1', port: PG_PORT, user: 'postgres', database: 'postgres' });
  await admin.connect();
  await admin.query(`create role kaimen login password '${PASSWORD}'`);
  await admin.query('create database kaimen owner kaimen');
  await admin.end();
}

/** Publishes the answer of the closed sample draft's last round (its feedback page and data.csv are public data). */
async function publishFeedback(): Promise<void> {
  const c = new pg.Client({ host: '127.0.0.1', port: PG_PORT, user: 'postgres', database: 'kaimen' });
  await c.connect();
  await c.query(`update rounds set feedback_published_at = now()
    where id = (select r.id from rounds r join drafts d on d.id = r.draft_id where d.slug = $1 order by r.number desc limit 1)`, [CLOSED]);
  await c.end();
}

async function initReplica(): Promise<void> {
  const data = join(dir, 'pg/replica');
  await pgRun(join(PG_BIN, 'pg_basebackup'), ['-h', '127.0.0.1', '-p', String(PG_PORT), '-U', 'postgres', '-D', data, '-R', '-X', 'stream', '-c', 'fast']);
  await startPostgres(data, REPLICA_PORT, join(dir, 'log/replica.log'));
}

function spawnLogged(name: string, cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}): ChildProcess {
  const out = join(dir, 'log', `${name}.log`);
  const child = spawn(cmd, args, { ...opts, stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout!.on('data', (d) => appendFileSync(out, d));
  child.stderr!.on('data', (d) => appendFileSync(out, d));
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

async function waitFor(what: string, probe: () => Promise<boolean>, ms = 60_000): Promise<void> {
  const deadline = Date.now() + ms;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 150));
  }
  throw new Error(`${what} did not come up in ${ms / 1000} s (logs in ${join(dir, 'log')}; KEEP=1 keeps them)`);
}

async function startPgbouncer(rendered: string): Promise<void> {
  // The client side checks the role's password; pgbouncer logs in to PostgreSQL with it too.
  writeFileSync(join(dir, 'pgbouncer/userlist.txt'), `"kaimen" "${PASSWORD}"\n`, { mode: 0o600 });
  if (isRoot) execFileSync('chown', ['-R', 'postgres:postgres', join(dir, 'pgbouncer')]);
  const [cmd, args] = asPostgres('/usr/sbin/pgbouncer', [join(rendered, 'pgbouncer/pgbouncer.ini')]);
  spawnLogged('pgbouncer-stdout', cmd, args);
  await waitFor('pgbouncer', async () => {
    const c = new pg.Client({ host: '127.0.0.1', port: PGBOUNCER_PORT, user: 'kaimen', password: PASSWORD, database: 'kaimen' });
    await c.connect();
    await c.query('select 1');
    await c.end();
    return true;
  });
}

interface Unit { workingDirectory: string; execStart: string[]; env: Record<string, string>; restartSec: number; killSignal: NodeJS.Signals }

/** Reads the rendered kaimen@.service as systemd would for instance `instance` (only what it runs: no User=, no sandbox). */
function readUnit(file: string, instance: string): Unit {
  const unit: Unit = { workingDirectory: '/', execStart: [], env: {}, restartSec: 0.1, killSignal: 'SIGTERM' };
  const envFiles: string[] = [];
  const inline: Record<string, string> = {};
  for (const raw of readFileSync(file, 'utf8').split('\n')) {
    const line = raw.trim().replaceAll('%i', instance);
    if (!line || line.startsWith('#') || line.startsWith('[')) continue;
    const at = line.indexOf('=');
    const key = line.slice(0, at);
    const value = line.slice(at + 1);
    if (key === 'WorkingDirectory') unit.workingDirectory = value;
    else if (key === 'ExecStart') unit.execStart = value.split(/\s+/);
    else if (key === 'EnvironmentFile') envFiles.push(value);
    else if (key === 'Environment') for (const pair of value.split(/\s+/)) inline[pair.slice(0, pair.indexOf('='))] = pair.slice(pair.indexOf('=') + 1);
    else if (key === 'RestartSec') unit.restartSec = Number(value);
    else if (key === 'KillSignal') unit.killSignal = value as NodeJS.Signals;
  }
  for (const f of envFiles) {
    for (const raw of readFileSync(f, 'utf8').split('\n')) {
      const line = raw.trim();
      if (!line || line.startsWith('#')) continue;
      unit.env[line.slice(0, line.indexOf('='))] = line.slice(line.indexOf('=') + 1);
    }
  }
  Object.assign(unit.env, inline);
  return unit;
}

const instances = new Map<number, ChildProcess>();
/** Restarts of instances that exited, as systemd's Restart=always does (after RestartSec). */
const restarts: Array<{ port: number; exitedAt: number; upAt?: number }> = [];
/** Every start of an instance: spawned, answering /healthz, and the CPU it had used by then (from /proc). */
interface Start { port: number; pid: number; spawnAt: number; upAt?: number; cpuMs?: number }
const starts: Start[] = [];

/** User + system CPU time of process `pid` so far, in ms (Linux /proc; undefined elsewhere). */
function cpuMsOf(pid: number): number | undefined {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in clock ticks (USER_HZ = 100)
  } catch {
    return undefined;
  }
}

/** Starts instance `port` from the unit and keeps it running: an exit (even SIGKILL) is followed by a restart, as under systemd. */
async function startInstance(unitFile: string, port: number): Promise<void> {
  const unit = readUnit(unitFile, String(port));
  // PATH etc. from here; everything Kaimen reads from the unit and its environment file.
  const child = spawnLogged(`app-${port}`, unit.execStart[0], unit.execStart.slice(1), {
    cwd: unit.workingDirectory, env: { PATH: process.env.PATH, ASTRO_TELEMETRY_DISABLED: '1', ...unit.env },
  });
  instances.set(port, child);
  const start: Start = { port, pid: child.pid ?? 0, spawnAt: Date.now() };
  starts.push(start);
  child.once('exit', () => {
    if (cleaned) return;
    const restart = { port, exitedAt: Date.now() } as (typeof restarts)[number];
    restarts.push(restart);
    setTimeout(() => {
      if (cleaned) return;
      startInstance(unitFile, port).then(() => { restart.upAt = Date.now(); }, () => { /* its own exit schedules the next try */ });
    }, unit.restartSec * 1000);
  });
  await waitFor(`instance :${port}`, async () => {
    if (child.exitCode !== null || child.signalCode !== null) throw new Error(`instance :${port} exited (${child.exitCode ?? child.signalCode}); see ${join(dir, 'log', `app-${port}.log`)}`);
    return (await fetch(`http://127.0.0.1:${port}/healthz`)).ok;
  }, 120_000);
  start.upAt = Date.now();
  start.cpuMs = cpuMsOf(start.pid);
}

/** CPU ms used so far by `pid` and every process below it (nginx's workers, PostgreSQL's backends). */
function cpuMsOfTree(pid: number): number {
  const parents = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      parents.set(ppid, [...(parents.get(ppid) ?? []), Number(entry)]);
    } catch { /* gone */ }
  }
  let total = 0;
  for (const todo = [pid]; todo.length;) {
    const p = todo.pop()!;
    total += cpuMsOf(p) ?? 0;
    todo.push(...(parents.get(p) ?? []));
  }
  return total;
}

/**
 * CPU and run-queue wait of each piece's processes (main threads; /proc/<pid>/schedstat: ns on a CPU,
 * ns runnable but waiting for one), summed by piece: how long each waited for a core it wanted.
 */
function schedByPiece(): Record<string, { cpuMs: number; waitMs: number }> {
  const pidIn = (file: string) => { try { return Number(readFileSync(file, 'utf8').split('\n')[0].trim()); } catch { return 0; } };
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1].split(' ')[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch { /* gone */ }
  }
  const tree = (pid: number) => { const out: number[] = []; for (const todo = [pid]; todo.length;) { const p = todo.pop()!; if (p) { out.push(p); todo.push(...(children.get(p) ?? [])); } } return out; };
  const sum = (pids: number[]) => pids.reduce((acc, pid) => {
    try {
      const [cpu, wait] = readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ').map(Number);
      return { cpuMs: acc.cpuMs + cpu / 1e6, waitMs: acc.waitMs + wait / 1e6 };
    } catch { return acc; }
  }, { cpuMs: 0, waitMs: 0 });
  return {
    instances: sum([...instances.values()].map((c) => c.pid ?? 0)),
    nginx: sum(tree(pidIn(join(dir, 'nginx/nginx.pid')))),
    pgbouncer: sum([pidIn(join(dir, 'run/pgbouncer.pid'))]),
    primary: sum(tree(pidIn(join(dir, 'pg/primary/postmaster.pid')))),
    'bench client': sum([process.pid]),
  };
}

/** The CPU the pieces of the deployment used, by piece (ms so far): for "where did the 2 cores go". */
function cpuByPiece(): Record<string, number> {
  const pidIn = (file: string) => { try { return Number(readFileSync(file, 'utf8').split('\n')[0].trim()); } catch { return 0; } };
  const self = process.cpuUsage();
  return {
    nginx: cpuMsOfTree(pidIn(join(dir, 'nginx/nginx.pid'))),
    pgbouncer: cpuMsOf(pidIn(join(dir, 'run/pgbouncer.pid'))) ?? 0,
    primary: cpuMsOfTree(pidIn(join(dir, 'pg/primary/postmaster.pid'))),
    replica: cpuMsOfTree(pidIn(join(dir, 'pg/replica/postmaster.pid'))),
    'bench clients': (self.user + self.system) / 1000,
  };
}

/**
 * The phases of each start, from the instance's own log lines (LOG_LEVEL=info; pino's time and
 * pid): spawned → database opened and migrated ("使用 PostgreSQL") → listening ("开门已启动") →
 * /healthz answered, and the CPU the process had used by then.
 */
function startPhases(list: Start[], origin: number): string[] {
  return list.map((s) => {
    const lines = readFileSync(join(dir, 'log', `app-${s.port}.log`), 'utf8').split('\n');
    const when = (needle: string) => {
      const line = lines.find((l) => l.includes(`"pid":${s.pid},`) && l.includes(needle));
      const time = line ? /"time":"([^"]+)"/.exec(line)?.[1] : undefined;
      return time ? Date.parse(time) : undefined;
    };
    const db = when('使用 PostgreSQL');
    const listening = when('开门已启动');
    const sec = (a?: number, b?: number) => (a && b ? ((b - a) / 1000).toFixed(1) : '?');
    return `:${s.port} spawned at ${((s.spawnAt - origin) / 1000).toFixed(1)} s: database ready +${sec(s.spawnAt, db)} s, listening +${sec(db, listening)} s, /healthz +${sec(listening, s.upAt)} s = ${sec(s.spawnAt, s.upAt)} s, CPU ${s.cpuMs !== undefined ? (s.cpuMs / 1000).toFixed(1) : '?'} s`;
  });
}

// ── HTTPS clients, each from its own loopback address ──

const ADDRESSES = Array.from({ length: 200 }, (_, i) => `127.0.1.${i + 1}`);
let ca: Buffer;
const agents = new Map<string, https.Agent>();
function agentFor(client: number): https.Agent {
  const address = ADDRESSES[client % ADDRESSES.length];
  let agent = agents.get(address);
  if (!agent) {
    agent = new https.Agent({ keepAlive: true, maxSockets: 4, localAddress: address, ca, servername: 'localhost' });
    agents.set(address, agent);
  }
  return agent;
}

/** How the client's request went out: on a kept-alive connection, or a new one (TCP + TLS handshake, its ms). */
interface Conn { reused: boolean; handshakeMs?: number }

function request(method: string, path: string, client: number, body?: string, headers: Record<string, string> = {}): Promise<Answer & { headers: Record<string, string | string[] | undefined>; conn: Conn }> {
  return new Promise((ok, fail) => {
    const t0 = performance.now();
    const conn: Conn = { reused: false };
    const req = https.request({
      host: '127.0.0.1', port: HTTPS_PORT, method, path, agent: agentFor(client),
      headers: { host: `localhost:${HTTPS_PORT}`, 'accept-encoding': 'gzip', ...(body ? { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } : {}), ...headers },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        let text: string;
        try { text = (res.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw).toString('utf8'); } catch { text = ''; }
        ok({ status: res.statusCode ?? 0, body: text, ms: performance.now() - t0, headers: res.headers, conn });
      });
      res.on('error', fail);
    });
    req.once('socket', (socket) => {
      conn.reused = req.reusedSocket;
      if (!req.reusedSocket) socket.once('secureConnect', () => { conn.handshakeMs = performance.now() - t0; });
    });
    req.setTimeout(30_000, () => req.destroy(Object.assign(new Error('client timeout'), { code: 'TIMEOUT' })));
    req.on('error', fail);
    req.end(body);
  });
}

/**
 * Who answered a 5xx: nginx's own 503 when an instance died mid-request or none could be reached
 * (X-Unavailable-From: proxy, deploy/nginx/kaimen.conf), the app (its JSON error code, e.g.
 * app:ServiceUnavailable while the database is unavailable), or nginx's bare error page.
 */
function originOf(r: { status: number; body: string; headers: Record<string, string | string[] | undefined> }): string | undefined {
  if (r.status < 500) return undefined;
  if (r.headers['x-unavailable-from'] === 'proxy') return 'nginx';
  try {
    const code = (JSON.parse(r.body) as { error?: { code?: string } }).error?.code;
    if (code) return `app:${code}`;
  } catch { /* not JSON */ }
  return r.headers['x-request-id'] ? 'app' : 'nginx-page';
}

/** Every answered submission attempt: when it was answered (ms since the load began), how long it took, which status. */
const submitTimeline: Array<{ at: number; ms: number; status: number; requestId?: string; conn: Conn }> = [];
/** Every 5xx of the load: sent and answered (ms since the load began), and who answered it. */
const fiveXX: Array<{ sent: number; at: number; status: number; from: string; what: 'submission' | 'read' }> = [];
let loadT0 = 0;
const post: Post = async (path, json, client) => {
  const r = await request('POST', path, client, json);
  const from = originOf(r);
  if (loadT0) {
    const at = Date.now() - loadT0;
    submitTimeline.push({ at, ms: r.ms, status: r.status, requestId: r.headers['x-request-id'] as string | undefined, conn: r.conn });
    if (r.status >= 500) fiveXX.push({ sent: at - r.ms, at, status: r.status, from: from ?? '?', what: 'submission' });
  }
  return { ...r, from };
};

// ── the run ──

interface ReadStats { statuses: Map<string, number>; latencies: number[]; failuresAt: Array<{ at: number; kind: string }>; cacheHits: number }

async function main(): Promise<void> {
  ensureInstalled();
  const started = Date.now();
  loadAtStart = loadavg().map((l) => l.toFixed(1)).join(' / ');
  for (const sub of ['app', 'pg', 'run', 'log', 'pgbouncer', 'nginx/cache', 'nginx/temp', 'data', 'archive', 'tls']) mkdirSync(join(dir, sub), { recursive: true });
  if (isRoot) execFileSync('chown', ['-R', 'postgres:postgres', join(dir, 'pg'), join(dir, 'run'), join(dir, 'archive'), join(dir, 'log')]);
  for (const sub of ['nginx/cache', 'nginx/temp']) chmodSync(join(dir, sub), 0o777);
  chmodSync(join(dir, 'log'), 0o777);

  // TLS: a self-signed certificate for localhost.
  execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-days', '2', '-subj', '/CN=localhost', '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
    '-keyout', join(dir, 'tls/key.pem'), '-out', join(dir, 'tls/cert.pem')], { stdio: 'ignore' });
  ca = readFileSync(join(dir, 'tls/cert.pem'));

  // deploy/ rendered with this run's ports and directories.
  const rendered = join(dir, 'rendered');
  const appDir = join(dir, 'app');
  renderAll(rendered, {
    ...productionValues(),
    SERVER_NAME: 'localhost', HTTP_PORT: String(HTTP_PORT), HTTPS_PORT: String(HTTPS_PORT), HTTPS_PORT_SUFFIX: `:${HTTPS_PORT}`,
    TLS_CERT: join(dir, 'tls/cert.pem'), TLS_KEY: join(dir, 'tls/key.pem'), CLIENT_DIR: join(appDir, 'dist/client'),
    CACHE_DIR: join(dir, 'nginx/cache'), UPSTREAM_PORTS: APP_PORTS.join(','),
    USER: 'root', APP_DIR: appDir, NODE: process.execPath, ENV_FILE: join(rendered, 'kaimen.env'), DATA_DIR: join(dir, 'data'),
    DATABASE_URL: `postgres://kaimen:${PASSWORD}@127.0.0.1:${PGBOUNCER_PORT}/kaimen`,
    DATABASE_READ_URL: `postgres://kaimen:${PASSWORD}@127.0.0.1:${REPLICA_PORT}/kaimen`,
    DATABASE_POOL_MAX: String(POOL_MAX), PUBLIC_URL: `https://localhost:${HTTPS_PORT}`, SEED_SAMPLES: 'true',
    AUDIT_KEY: randomBytes(32).toString('base64'), LOOKUP_CODE_SECRET: randomBytes(32).toString('base64'),
    // info: the start-up lines time each start's phases; the access lines say which instance answered 503 when.
    LOG_LEVEL: 'info',
    DB_NAME: 'kaimen', PG_HOST: '127.0.0.1', PG_PORT: String(PG_PORT), LISTEN_ADDR: '127.0.0.1', PGBOUNCER_PORT: String(PGBOUNCER_PORT),
    SOCKET_DIR: join(dir, 'run'), RUN_DIR: join(dir, 'run'), LOG_FILE: join(dir, 'log/pgbouncer.log'), AUTH_FILE: join(dir, 'pgbouncer/userlist.txt'),
    DEFAULT_POOL_SIZE: '20', SHARED_BUFFERS: '256MB', EFFECTIVE_CACHE_SIZE: '1GB', MAX_CONNECTIONS: '100',
    ARCHIVE_DIR: join(dir, 'archive'), LISTEN_ADDRESSES: '127.0.0.1',
  });
  if (isRoot) execFileSync('chmod', ['-R', 'a+rX', rendered]);

  const buildStarted = Date.now();
  await buildApp(appDir);
  log(`app built (${((Date.now() - buildStarted) / 1000).toFixed(0)} s); PostgreSQL primary :${PG_PORT} …`);
  await initPrimary(rendered);
  await initReplica();
  log(`replica :${REPLICA_PORT} streaming; pgbouncer :${PGBOUNCER_PORT} …`);
  await startPgbouncer(rendered);

  // Instances: the first migrates and loads the samples, then the others.
  const unitFile = join(rendered, 'systemd/kaimen@.service');
  await startInstance(unitFile, APP_PORTS[0]);
  await Promise.all(APP_PORTS.slice(1).map((p) => startInstance(unitFile, p)));
  await publishFeedback();
  log(`instances ${APP_PORTS.map((p) => `:${p}`).join(' ')} up; nginx :${HTTPS_PORT} …`);

  const nginxConf = join(dir, 'nginx/nginx.conf');
  writeFileSync(nginxConf, [
    `pid ${join(dir, 'nginx/nginx.pid')};`,
    `error_log ${join(dir, 'log/nginx-error.log')} warn;`,
    isRoot ? 'user nobody nogroup;' : '',
    'worker_processes 2;',
    'events { worker_connections 4096; }',
    'http {',
    '  include /etc/nginx/mime.types;',
    '  default_type application/octet-stream;',
    // Every 5xx nginx sends, with the instances it tried and what they did (the 503s' sources).
    "  log_format faults '$msec $status $request_method $uri upstream=$upstream_addr upstream_status=$upstream_status';",
    '  map $status $kaimen_5xx { ~^5 1; default 0; }',
    `  access_log ${join(dir, 'log/nginx-5xx.log')} faults if=$kaimen_5xx;`,
    // Every POST's time in nginx and in the instance it went to (joined with the client's and the app's by request id).
    "  log_format timing '$request_id $status $request_method rt=$request_time uct=$upstream_connect_time uht=$upstream_header_time urt=$upstream_response_time reqs=$connection_requests tls=$ssl_session_reused';",
    '  map $request_method $kaimen_post { POST 1; default 0; }',
    `  access_log ${join(dir, 'log/nginx-timing.log')} timing if=$kaimen_post;`,
    '  sendfile on;',
    `  client_body_temp_path ${join(dir, 'nginx/temp/body')};`,
    `  proxy_temp_path ${join(dir, 'nginx/temp/proxy')};`,
    // The site exactly as rendered from deploy/nginx/kaimen.conf (Debian's nginx.conf includes it the same way).
    `  include ${join(rendered, 'nginx/kaimen.conf')};`,
    '}',
  ].join('\n'));
  execFileSync('/usr/sbin/nginx', ['-t', '-q', '-c', nginxConf, '-p', join(dir, 'nginx')]);
  spawnLogged('nginx', '/usr/sbin/nginx', ['-c', nginxConf, '-p', join(dir, 'nginx'), '-g', 'daemon off;']);
  await waitFor('nginx', async () => (await request('GET', '/healthz', 0)).status === 200);

  const checks = await deploymentChecks();
  for (const c of checks) log(`check: ${c}`);
  const asset = /\/_astro\/[^"' )]+\.(css|js)/.exec((await request('GET', `/drafts/${SLUG}`, 2)).body)?.[0];
  log(`baselines: ${BASELINE_SECONDS} s each at ${SUBMITTERS} clients …`);
  const baselines = await measureBaselines(asset);
  for (const b of baselines) log(`baseline: ${b.what}: ${b.perSecond.toFixed(0)}/s, p50 ${b.p50.toFixed(0)} ms, p99 ${b.p99.toFixed(0)} ms, ${b.errors} errors`);

  const paths = [`/drafts/${SLUG}`, `/drafts/${SLUG}/articles/10`, `/drafts/lifafa/diff?from=1&to=2`, `/drafts/${SLUG}/stats`, `/drafts/${CLOSED}/feedback`,
    `/drafts/${CLOSED}/data.csv`, `/api/v1/drafts/${SLUG}`, `/api/v1/drafts/${SLUG}/stats`];
  for (const p of paths) {
    const r = await request('GET', p, 1);
    if (r.status !== 200) throw new Error(`GET ${p} → ${r.status} before the load`);
  }

  // Replica statistics before, to see that it served reads.
  const replicaAdmin = new pg.Client({ host: '127.0.0.1', port: REPLICA_PORT, user: 'postgres', database: 'kaimen' });
  replicaAdmin.on('error', () => {});
  await replicaAdmin.connect();
  const replicaTx = async () => Number((await replicaAdmin.query(`select xact_commit + xact_rollback as n from pg_stat_database where datname = 'kaimen'`)).rows[0].n);
  const replicaTx0 = await replicaTx();

  log(`load: ${SUBMITTERS} submitters, ${READERS} readers for ${LOAD_SECONDS} s; SIGKILL :${APP_PORTS[1]} at ${KILL_AT.toFixed(0)} s, primary restart at ${PG_RESTART_AT.toFixed(0)} s`);
  const cpuBefore = cpuByPiece();
  let primaryCpuBank = 0;
  let primaryCpuBase = cpuBefore.primary;
  const instanceCpuBefore = new Map([...instances.values()].map((c) => [c.pid!, cpuMsOf(c.pid!) ?? 0]));
  // The bench client's own event loop (one process for every client): a late callback delays every answer it times.
  const statsBefore = await pgbouncerStats();
  const schedBefore = schedByPiece();
  let schedCalm: ReturnType<typeof schedByPiece> | undefined;
  let statsCalm: Record<string, number> | undefined;
  const clientLoop = monitorEventLoopDelay({ resolution: 10 });
  clientLoop.enable();
  const t0 = Date.now();
  loadT0 = t0;
  const loadEnd = t0 + LOAD_SECONDS * 1000;
  const submit = newSubmitStats();
  const reads: ReadStats = { statuses: new Map(), latencies: [], failuresAt: [], cacheHits: 0 };
  const events: string[] = [];
  const at = () => ((Date.now() - t0) / 1000).toFixed(1);
  const replicaSeen = new Map<string, number>();
  let maxLagMs = 0;

  const submitters = Promise.all(Array.from({ length: SUBMITTERS }, async (_, i) => {
    let client = i;
    while (Date.now() < loadEnd) {
      // Each comment from another citizen's address; retried until answered (even past the end).
      await submitUntilAnswered(post, `/api/v1/drafts/${SLUG}/comments`, submit, { runId, client, t0, deadline: Date.now() + 120_000 });
      client += SUBMITTERS;
    }
  }));
  submitters.catch(() => {}); // awaited below; a failure must reach main's cleanup, not crash the process
  const readers = Array.from({ length: READERS }, async (_, i) => {
    let n = i;
    while (Date.now() < loadEnd) {
      const path = paths[n % paths.length];
      const client = 100 + (n % 100);
      n += READERS;
      try {
        const r = await request('GET', path, client);
        count(reads.statuses, String(r.status));
        reads.latencies.push(r.ms);
        if (r.headers['x-cache'] === 'HIT') reads.cacheHits++;
        if (r.status >= 500) {
          reads.failuresAt.push({ at: Date.now() - t0, kind: `${r.status} ${originOf(r)}` });
          fiveXX.push({ sent: Date.now() - t0 - r.ms, at: Date.now() - t0, status: r.status, from: originOf(r) ?? '?', what: 'read' });
        }
      } catch (err) {
        count(reads.statuses, 'net');
        reads.failuresAt.push({ at: Date.now() - t0, kind: `net:${(err as { code?: string }).code ?? (err as Error).message}` });
      }
    }
  });
  // pgbouncer's pool of the primary, sampled each second: clients waiting for a server connection and how long.
  const pools = { maxWaiting: 0, maxWaitMs: 0, maxActive: 0, samples: 0, waitingSamples: 0 };
  const poolWatcher = (async () => {
    const admin = new pg.Client({ host: '127.0.0.1', port: PGBOUNCER_PORT, user: 'kaimen', password: PASSWORD, database: 'pgbouncer' });
    admin.on('error', () => {});
    try { await admin.connect(); } catch { return; }
    while (Date.now() < loadEnd) {
      try {
        // Without parameters pg sends the simple query protocol, the only one pgbouncer's console speaks.
        const { rows } = await admin.query<Record<string, string>>('SHOW POOLS');
        const pool = rows.find((r) => r.database === 'kaimen');
        if (pool) {
          pools.samples++;
          if (Number(pool.cl_waiting) > 0) pools.waitingSamples++;
          pools.maxWaiting = Math.max(pools.maxWaiting, Number(pool.cl_waiting));
          pools.maxActive = Math.max(pools.maxActive, Number(pool.sv_active));
          pools.maxWaitMs = Math.max(pools.maxWaitMs, Number(pool.maxwait) * 1000 + Number(pool.maxwait_us ?? 0) / 1000);
        }
      } catch { /* restarting */ }
      await new Promise((r) => setTimeout(r, 1000));
    }
    await admin.end().catch(() => {});
  })();
  // Where each instance reads from, once a second (straight to the instances: /healthz is theirs).
  const watcher = (async () => {
    while (Date.now() < loadEnd) {
      for (const port of APP_PORTS) {
        try {
          const h = (await (await fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(2000) })).json()) as { replica?: { state: string; lagMs: number | null } };
          if (h.replica) {
            count(replicaSeen, h.replica.state);
            maxLagMs = Math.max(maxLagMs, h.replica.lagMs ?? 0);
          }
        } catch { count(replicaSeen, 'no answer'); }
      }
      await new Promise((r) => setTimeout(r, 1000));
    }
  })();
  const windows = { killAt: 0, pgDownAt: 0, pgUpAt: 0 };
  const faults = (async () => {
    await new Promise((r) => setTimeout(r, KILL_AT * 1000));
    schedCalm = schedByPiece();
    statsCalm = await pgbouncerStats();
    const victim = APP_PORTS[1];
    instances.get(victim)!.kill('SIGKILL');
    windows.killAt = Date.now() - t0;
    events.push(`${at()} s: SIGKILL instance :${victim} (${submit.sent.filter((s) => s.receipt).length} receipts so far)`);
    log(events.at(-1)!);
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + PG_RESTART_AT * 1000 - Date.now())));
    primaryCpuBank = cpuByPiece().primary - cpuBefore.primary; // its backends end with the restart
    events.push(`${at()} s: pg_ctl restart -m fast of the primary`);
    windows.pgDownAt = Date.now() - t0;
    log(events.at(-1)!);
    // With -l, as at start: without it the new postmaster would keep pg_ctl's stdout (this pipe) open.
    await pgRun(join(PG_BIN, 'pg_ctl'), ['-D', join(dir, 'pg/primary'), '-l', join(dir, 'log/primary.log'), 'restart', '-m', 'fast', '-w', '-t', '60']);
    windows.pgUpAt = Date.now() - t0;
    primaryCpuBase = cpuByPiece().primary;
    events.push(`${at()} s: primary accepting connections again`);
    log(events.at(-1)!);
  })();
  await Promise.all([faults, watcher, poolWatcher, ...readers]);
  await submitters;
  for (const r of restarts) {
    events.push(`instance :${r.port} exited at ${((r.exitedAt - t0) / 1000).toFixed(1)} s, restarted by the unit's Restart=always, serving again ${r.upAt ? `at ${((r.upAt - t0) / 1000).toFixed(1)} s` : 'not yet at the end'}`);
  }
  clientLoop.disable();
  const clientLoopText = `the bench client's event loop delay p50 ${(clientLoop.percentile(50) / 1e6).toFixed(0)} / p99 ${(clientLoop.percentile(99) / 1e6).toFixed(0)} / max ${(clientLoop.max / 1e6).toFixed(0)} ms`;
  const loadSeconds = (Date.now() - t0) / 1000;
  // The killed instance's first life is not counted (its CPU went with it): a floor for the instances.
  const cpuAfter = cpuByPiece();
  // The primary's CPU before its restart plus after it (the restart itself is not counted).
  cpuAfter.primary = cpuBefore.primary + primaryCpuBank + (cpuAfter.primary - primaryCpuBase);
  const instancesCpu = [...instances.values()].reduce((sum, c) => sum + (cpuMsOf(c.pid!) ?? 0) - (instanceCpuBefore.get(c.pid!) ?? 0), 0);
  const cpuText = [`instances ≥ ${(instancesCpu / 1000).toFixed(1)} s`, ...Object.entries(cpuAfter).map(([k, v]) => `${k} ${((v - (cpuBefore[k] ?? 0)) / 1000).toFixed(1)} s`)].join(', ');
  log(`load done in ${loadSeconds.toFixed(1)} s; checking receipts …`);

  const primary = new pg.Client({ host: '127.0.0.1', port: PG_PORT, user: 'postgres', database: 'kaimen' });
  primary.on('error', () => {});
  await primary.connect();
  const ledger = await checkLedger(primary, submit.sent, runId);
  // The replica caught up: the same comments there.
  const marker = `%〔${runId}-%`;
  const onPrimary = Number((await primary.query('select count(*)::int as n from comments where body like $1', [marker])).rows[0].n);
  let onReplica = -1;
  for (let i = 0; i < 50; i++) {
    onReplica = Number((await replicaAdmin.query('select count(*)::int as n from comments where body like $1', [marker])).rows[0].n);
    if (onReplica === onPrimary) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const replicaTransactions = (await replicaTx()) - replicaTx0;
  const { rows: [{ version }] } = await primary.query('select version()');
  await primary.end();
  await replicaAdmin.end();

  const failures = serverFailures(t0, Date.now());
  const sortedSubmit = [...submit.latencies].sort((a, b) => a - b);
  const sortedReads = [...reads.latencies].sort((a, b) => a - b);
  const acceptedPerSecond = ledger.acknowledged / loadSeconds;
  const readsPerSecond = reads.latencies.length / loadSeconds;
  // Submissions before the first fault: the same load on the same machine without faults.
  const calmEntries = submitTimeline.filter((e) => e.at < windows.killAt && e.status === 201);
  const calm = calmEntries.map((e) => e.ms).sort((a, b) => a - b);
  const split = timeSplit(calmEntries);
  const schedText = schedCalm ? Object.entries(schedCalm).map(([k, v]) => {
    const cpu = v.cpuMs - (schedBefore[k]?.cpuMs ?? 0);
    const wait = v.waitMs - (schedBefore[k]?.waitMs ?? 0);
    return `${k} ${(cpu / 1000).toFixed(1)} s on a CPU, ${(wait / 1000).toFixed(1)} s waiting for one (${cpu > 0 ? (wait / cpu).toFixed(1) : '?'} × its CPU)`;
  }).join('; ') : 'not read';
  const calmAll = submitTimeline.filter((e) => e.at < windows.killAt).length;
  const bouncer = statsBefore && statsCalm ? (() => {
    const d = (k: string) => statsCalm![k] - statsBefore[k];
    return `${d('total_xact_count')} transactions, ${d('total_query_count')} statements for ${calmAll} submission attempts and the reads that went to the primary ` +
      `(${(d('total_query_count') / Math.max(1, calmAll)).toFixed(1)} a submission at most); in PostgreSQL per statement ${(d('total_query_time') / Math.max(1, d('total_query_count')) / 1000).toFixed(1)} ms, ` +
      `per transaction ${(d('total_xact_time') / Math.max(1, d('total_xact_count')) / 1000).toFixed(1)} ms; waiting for a server connection ${(d('total_wait_time') / 1000).toFixed(0)} ms in all`;
  })() : 'SHOW STATS not read';
  const calmPerSecond = calm.length / (windows.killAt / 1000);
  const fmt = (m: Map<string, number>) => [...m.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}: ${v}`).join(', ');
  const bad5xx = [...submit.statuses.entries(), ...reads.statuses.entries()].filter(([k]) => /^5/.test(k) && k !== '503').reduce((s, [, v]) => s + v, 0);
  // A 503 is the fault's when the request was in flight during it: nginx's, when it was sent to the
  // instance between SIGKILL and its exit being seen; the app's, while the primary was down (stopping → accepting).
  // The instance's death lasts from SIGKILL until its supervisor sees it exit (nginx may send to its
  // last keep-alive connections until then).
  const deathSeenAt = restarts[0] ? restarts[0].exitedAt - t0 : windows.killAt;
  // The database's restart lasts until pgbouncer logs in again: it fails new transactions at once
  // for server_login_retry after its last failed login (deploy/pgbouncer/pgbouncer.ini).
  const loginRetryMs = 1000 * Number(/^server_login_retry\s*=\s*([\d.]+)/m.exec(readFileSync(join(dir, 'rendered/pgbouncer/pgbouncer.ini'), 'utf8'))?.[1] ?? 0);
  const dbBackAt = windows.pgUpAt + loginRetryMs;
  const inFault = (f: (typeof fiveXX)[number]) => f.from === 'nginx'
    ? f.sent <= deathSeenAt && f.at >= windows.killAt
    : f.sent <= dbBackAt && f.at >= windows.pgDownAt;
  const outside = fiveXX.filter((f) => !inFault(f));
  const sec = (ms: number) => (ms / 1000).toFixed(1);
  const bySource = spans(fiveXX.map((f) => ({ at: f.at, kind: `${f.what} ${f.status} ${f.from}` })));
  const outsideText = spans(outside.map((f) => ({ at: f.at, kind: `${f.what} ${f.status} ${f.from} (sent at ${sec(f.sent)} s)` })));
  const phases = startPhases(starts, t0);
  const ok = submit.refusals.length === 0 && ledger.lost === 0 && ledger.doubled === 0 && ledger.unanswered === 0 && bad5xx === 0 && outside.length === 0 && onReplica === onPrimary;

  const report = {
    ledger, acceptedPerSecond: Math.round(acceptedPerSecond), submitP50: percentile(sortedSubmit, 50), submitP99: percentile(sortedSubmit, 99),
    timeSplit: split, pgbouncerStats: bouncer, runQueue: schedText, clientLoop: clientLoopText, calmPerSecond: Math.round(calmPerSecond), calmP50: percentile(calm, 50), calmP99: percentile(calm, 99), baselines,
    submitStatuses: Object.fromEntries(submit.statuses), readsPerSecond: Math.round(readsPerSecond), readP50: percentile(sortedReads, 50), readP99: percentile(sortedReads, 99),
    readStatuses: Object.fromEntries(reads.statuses), nginxCacheHits: reads.cacheHits, replicaStates: Object.fromEntries(replicaSeen), maxReplicaLagMs: maxLagMs,
    refusals: submit.refusals.slice(0, 5), replicaTransactions, commentsOnPrimary: onPrimary, commentsOnReplica: onReplica, events, windows,
    cpu: cpuText, pools, fiveXXBySource: bySource, fiveXXOutsideFaults: outsideText, serverFailures: failures, startPhases: phases, checks,
  };
  console.log(JSON.stringify(report, null, 2));

  const stamp = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const command = `npx tsx bench/cluster.ts${LOAD_SECONDS !== 60 ? ` (LOAD_SECONDS=${LOAD_SECONDS})` : ''}`;
  const baselineRows = baselines.map((b) => `| baseline: ${b.what}, ${BASELINE_SECONDS} s before the load | ${b.perSecond.toFixed(0)} | ${b.p50.toFixed(0)} | ${b.p99.toFixed(0)} | ${b.errors} errors |`).join('\n');
  const section = `
## ${stamp} UTC — the deployment under faults (bench/cluster.ts; issue 22)

${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}, ${String(version).split(' on ')[0]}, load average at the start ${loadAtStart} (a machine shared with other engineers).
deploy/ rendered by deploy/render.ts and run: primary :${PG_PORT} + streaming replica :${REPLICA_PORT} (pg_basebackup -R, deploy/postgresql/kaimen.conf),
pgbouncer 1.18 :${PGBOUNCER_PORT} in transaction mode (DATABASE_NAMED_STATEMENTS=false), three instances from kaimen@.service (DATABASE_POOL_MAX=${POOL_MAX},
DATABASE_URL via pgbouncer, DATABASE_READ_URL at the replica, LOG_LEVEL=info), nginx 1.22 with TLS + HTTP/2 in front. ${SUBMITTERS} submitters (new comment each time,
own idempotency key and body marker, retried with the key after a network error / 502 / 503) and ${READERS} readers (${paths.length} reading pages in turn),
every client from its own loopback address, ${LOAD_SECONDS} s. Faults: ${events.join('; ')}.

| receipts sent | acknowledged | stored | lost | doubled | unanswered | retried |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| ${ledger.sent} | ${ledger.acknowledged} | ${ledger.stored} | ${ledger.lost} | ${ledger.doubled} | ${ledger.unanswered} | ${ledger.retried} |

| load | per second | p50 ms | p99 ms | answers by status |
| --- | ---: | ---: | ---: | --- |
${baselineRows}
| comment submissions before the first fault (0–${sec(windows.killAt)} s), acknowledged | ${Math.round(calmPerSecond)} | ${report.calmP50.toFixed(0)} | ${report.calmP99.toFixed(0)} | |
| comment submissions (POST /api/v1/drafts/{slug}/comments), acknowledged, whole run | ${Math.round(acceptedPerSecond)} | ${report.submitP50.toFixed(0)} | ${report.submitP99.toFixed(0)} | ${fmt(submit.statuses)} |
| reading pages (GET, through nginx), whole run | ${Math.round(readsPerSecond)} | ${report.readP50.toFixed(0)} | ${report.readP99.toFixed(0)} | ${fmt(reads.statuses)} |

Where a submission's time went before the first fault (by request id; client, nginx's timing log, the instance's access line): ${split}; ${clientLoopText}.
pgbouncer's SHOW STATS over the same span: ${bouncer}.
Run-queue wait over the same span (/proc/<pid>/schedstat, main threads): ${schedText}.
Fault windows: instance killed at ${sec(windows.killAt)} s (its exit seen at ${sec(deathSeenAt)} s); primary down ${sec(windows.pgDownAt)}–${sec(windows.pgUpAt)} s, pgbouncer's next login at most ${loginRetryMs} ms later (server_login_retry), i.e. by ${sec(dbBackAt)} s.
5xx by source (client side: nginx's own 503 carries X-Unavailable-From: proxy, the app's its JSON error code): ${bySource}.
Outside the fault windows (nginx's: not sent between the kill and the exit seen; the app's: not in flight before pgbouncer could log in again): ${outsideText}.
nginx's 5xx log (instances tried: their answers): ${failures.nginx}. nginx's error log: ${failures.nginxErrors}.
Instances' 5xx access lines and warnings: ${failures.instances.join('; ')}.
pgbouncer's pool (SHOW POOLS each second, ${pools.samples} samples): clients waiting for a server connection in ${pools.waitingSamples}, at most ${pools.maxWaiting}, longest wait ${pools.maxWaitMs.toFixed(0)} ms; server connections active at most ${pools.maxActive} of default_pool_size 20 + reserve 5.
CPU during the load (${loadSeconds.toFixed(0)} s × ${cpus().length} cores = ${(loadSeconds * cpus().length).toFixed(0)} core-seconds, shared with other engineers' work): ${cpuText}.
Starts (spawned → database opened and migrated → listening → /healthz answered; CPU used by then): ${phases.join('; ')}.
Comments refused (4xx): ${submit.refusals.length ? submit.refusals.slice(0, 3).join(' | ') : 'none'}. nginx cache hits (data.csv, stats): ${reads.cacheHits}.
Replica: states seen on the instances' /healthz ${fmt(replicaSeen)}, highest lag ${maxLagMs} ms, ${replicaTransactions} transactions served during the run; after it,
${onReplica} of the run's comments on the replica, ${onPrimary} on the primary. Deployment checks: ${checks.join('; ')}.
Result: ${ok ? '0 lost, 0 doubled, no 5xx but 503s in flight during a fault' : 'NOT met'} (goal: 0 lost, 0 doubled, no 5xx except clean 503s while the database restarts or an instance dies mid-request).
`;
  const line = `| cluster under faults (3 instances, pgbouncer, replica, nginx; SIGKILL + primary restart): receipts lost / doubled; acknowledged/s, p99; reads/s, p99; 5xx other than 503; 503s outside the faults | ${ledger.lost} / ${ledger.doubled} of ${ledger.acknowledged}; ${Math.round(acceptedPerSecond)}/s, ${report.submitP99.toFixed(0)} ms (before the faults ${Math.round(calmPerSecond)}/s, ${report.calmP99.toFixed(0)} ms; baselines same run: ${baselines.map((b) => `${b.what.split(' (')[0]} ${b.perSecond.toFixed(0)}/s, p99 ${b.p99.toFixed(0)} ms`).join('; ')}); ${Math.round(readsPerSecond)}/s, ${report.readP99.toFixed(0)} ms; ${bad5xx}; ${outside.length} | 0 / 0; —; —; 0; 0 | ${stamp}, ${command} |`;
  // Appended only: other benches edit RESULTS.md at the same time; the "Current figures" row is printed for a hand edit.
  if (process.env.BENCH_NO_WRITE !== '1') appendFileSync(join(root, 'bench/RESULTS.md'), section);
  console.log(section);
  console.log(`Current figures row:\n${line}`);
  log(`total ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (!ok) process.exitCode = 1;
}

/** What the site promises, checked once through nginx before the load. */
async function deploymentChecks(): Promise<string[]> {
  const out: string[] = [];
  const h2 = await sh('curl', ['-s', '-o', '/dev/null', '-w', '%{http_version}', '--http2', '--cacert', join(dir, 'tls/cert.pem'), `https://localhost:${HTTPS_PORT}/healthz`]).then((r) => r.stdout).catch(() => '?');
  out.push(`HTTP/${h2}`);
  const page = await request('GET', `/drafts/${SLUG}`, 2);
  out.push(`HSTS ${page.headers['strict-transport-security'] ? 'once' : 'missing'}${Array.isArray(page.headers['strict-transport-security']) ? ' (twice!)' : ''}`);
  out.push(`gzip ${page.headers['content-encoding'] ?? 'none'}`);
  const asset = /\/_astro\/[^"' )]+\.(css|js)/.exec(page.body)?.[0];
  if (asset) {
    const a = await request('GET', asset, 2);
    out.push(`/_astro ${a.status} ${a.headers['cache-control']}`);
  }
  const redirect = await sh('curl', ['-s', '-o', '/dev/null', '-w', '%{http_code} %{redirect_url}', `http://127.0.0.1:${HTTP_PORT}/drafts`]).then((r) => r.stdout).catch(() => '?');
  out.push(`http → ${redirect}`);
  const big = await request('POST', `/api/v1/drafts/${SLUG}/comments`, 3, 'x'.repeat(18 * 2 ** 20)).catch(() => ({ status: 0 }));
  out.push(`18 MB comment → ${big.status}`);
  const csv1 = await request('GET', `/drafts/${CLOSED}/data.csv`, 4);
  const csv2 = await request('GET', `/drafts/${CLOSED}/data.csv`, 4);
  out.push(`data.csv cache ${csv1.headers['x-cache']} then ${csv2.headers['x-cache']}`);
  const burst = await Promise.all(Array.from({ length: 40 }, () => request('GET', `/drafts/${SLUG}/stats`, 5).then((r) => r.status)));
  out.push(`40 stats requests at once from one address: ${burst.filter((s) => s === 429).length} × 429`);
  return out;
}

interface Baseline { what: string; perSecond: number; p50: number; p99: number; errors: number }

/** `concurrency` loops calling `fn` for `seconds`; throughput and latency of the calls that succeeded. */
async function timedLoops(what: string, concurrency: number, seconds: number, fn: (worker: number, n: number) => Promise<void>): Promise<Baseline> {
  const latencies: number[] = [];
  let errors = 0;
  const started = Date.now();
  const end = started + seconds * 1000;
  await Promise.all(Array.from({ length: concurrency }, async (_, w) => {
    for (let n = 0; Date.now() < end; n++) {
      const t = performance.now();
      try {
        await fn(w, n);
        latencies.push(performance.now() - t);
      } catch {
        errors++;
      }
    }
  }));
  const sorted = latencies.sort((a, b) => a - b);
  return { what, perSecond: latencies.length / ((Date.now() - started) / 1000), p50: percentile(sorted, 50), p99: percentile(sorted, 99), errors };
}

/**
 * The floors of this run at the load's concurrency, measured just before it on the same machine:
 * a raw INSERT of a comment-sized row through pgbouncer (pg, one connection per client, like the
 * app's statements in transaction mode), the load's submission POSTed straight to the instances
 * (plain HTTP: the app path without nginx and TLS) and a static file through nginx (TLS, HTTP/1.1,
 * the same client addresses and agents as the load).
 */
async function measureBaselines(asset: string | undefined): Promise<Baseline[]> {
  const connect = async () => {
    const c = new pg.Client({ host: '127.0.0.1', port: PGBOUNCER_PORT, user: 'kaimen', password: PASSWORD, database: 'kaimen' });
    await c.connect();
    return c;
  };
  const setup = await connect();
  await setup.query('create table bench_raw_insert (id bigserial primary key, idempotency_key text not null unique, body text not null, created_at timestamptz not null default now())');
  const clients = await Promise.all(Array.from({ length: SUBMITTERS }, connect));
  const out = [await timedLoops(`raw INSERT through pgbouncer (pg, ${SUBMITTERS} connections)`, SUBMITTERS, BASELINE_SECONDS, async (w, n) => {
    await clients[w].query('insert into bench_raw_insert (idempotency_key, body) values ($1, $2)', [randomUUID(), citizenComment(3_000_000 + w * 100_000 + n)]);
  })];
  await Promise.all(clients.map((c) => c.end()));
  await setup.query('drop table bench_raw_insert');
  await setup.end();
  // The same submission as the load's, straight to the instances (plain HTTP, kept-alive connections, no nginx, no TLS;
  // each from its own address by X-Forwarded-For, which the app trusts): what the app path costs on this machine now.
  out.push(await timedLoops(`comment submission straight to the ${APP_PORTS.length} instances (HTTP, no nginx/TLS, ${SUBMITTERS} clients)`, SUBMITTERS, BASELINE_SECONDS, async (w, n) => {
    const r = await fetch(`http://127.0.0.1:${APP_PORTS[w % APP_PORTS.length]}/api/v1/drafts/${SLUG}/comments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-forwarded-for': `10.${w}.${(n >> 8) & 255}.${n & 255}` },
      body: JSON.stringify({ article: 10, body: citizenComment(4_000_000 + w * 100_000 + n), idempotencyKey: randomUUID() }),
    });
    await r.arrayBuffer();
    if (r.status !== 201) throw new Error(String(r.status));
  }));
  if (asset) {
    out.push(await timedLoops(`static file through nginx (${asset.split('/').pop()}, TLS, ${SUBMITTERS} clients)`, SUBMITTERS, BASELINE_SECONDS, async (w) => {
      const r = await request('GET', asset, w);
      if (r.status !== 200) throw new Error(String(r.status));
    }));
  }
  return out;
}

/**
 * Where the time of the calm submissions (201 before the first fault) went, by request id: the
 * client's own ms (its queue, TCP/TLS, nginx, the app), nginx's $request_time and
 * $upstream_response_time (deploy's proxy; nginx-timing.log), and the instance's own access-line ms
 * (the app's work and its waits for the database); plus how many went out on a new connection.
 */
function timeSplit(calm: ReadonlyArray<{ ms: number; requestId?: string; conn: Conn }>): string {
  const nginx = new Map<string, { rt: number; urt: number; reqs: number }>();
  const file = join(dir, 'log/nginx-timing.log');
  for (const l of existsSync(file) ? readFileSync(file, 'utf8').split('\n') : []) {
    const m = /^(\S+) \S+ \S+ rt=(\S+) uct=\S+ uht=\S+ urt=(\S+) reqs=(\d+)/.exec(l);
    if (m) nginx.set(m[1], { rt: Number(m[2]) * 1000, urt: Number(m[3].split(/,\s*/).pop()) * 1000, reqs: Number(m[4]) });
  }
  const app = new Map<string, number>();
  for (const port of APP_PORTS) {
    const f = join(dir, 'log', `app-${port}.log`);
    for (const l of existsSync(f) ? readFileSync(f, 'utf8').split('\n') : []) {
      if (!l.includes('"msg":"request"') || !l.includes('"method":"POST"')) continue;
      try {
        const e = JSON.parse(l) as { req?: { id?: string }; ms?: number };
        if (e.req?.id && typeof e.ms === 'number') app.set(e.req.id, e.ms);
      } catch { /* not JSON */ }
    }
  }
  const rows = calm.filter((c) => c.requestId && nginx.has(c.requestId) && app.has(c.requestId))
    .map((c) => ({ client: c.ms, ...nginx.get(c.requestId!)!, app: app.get(c.requestId!)!, conn: c.conn }));
  if (!rows.length) return 'no submission found in both logs';
  const stat = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return `p50 ${percentile(s, 50).toFixed(0)} / p99 ${percentile(s, 99).toFixed(0)} ms`; };
  const fresh = rows.filter((r) => !r.conn.reused);
  return `${rows.length} of ${calm.length} joined: client ${stat(rows.map((r) => r.client))}; nginx $request_time ${stat(rows.map((r) => r.rt))}; ` +
    `$upstream_response_time ${stat(rows.map((r) => r.urt))}; the instance's own access line ${stat(rows.map((r) => r.app))}; ` +
    `client − nginx ${stat(rows.map((r) => r.client - r.rt))}; nginx − upstream ${stat(rows.map((r) => r.rt - r.urt))}; upstream − app ${stat(rows.map((r) => r.urt - r.app))}; ` +
    `on a new connection ${fresh.length} (TCP+TLS handshake ${fresh.length ? stat(fresh.flatMap((r) => (r.conn.handshakeMs === undefined ? [] : [r.conn.handshakeMs]))) : '—'})`;
}

/** pgbouncer's totals for the app's database (SHOW STATS: transactions, statements, µs in them, µs waited). */
async function pgbouncerStats(): Promise<Record<string, number> | undefined> {
  const admin = new pg.Client({ host: '127.0.0.1', port: PGBOUNCER_PORT, user: 'kaimen', password: PASSWORD, database: 'pgbouncer' });
  admin.on('error', () => {});
  try {
    await admin.connect();
    const { rows } = await admin.query<Record<string, string>>('SHOW STATS');
    const row = rows.find((r) => r.database === 'kaimen');
    return row ? Object.fromEntries(Object.entries(row).map(([k, v]) => [k, Number(v)])) : undefined;
  } catch {
    return undefined;
  } finally {
    await admin.end().catch(() => {});
  }
}

/** "kind ×n at a–b s" per kind, `at` in ms since the load began. */
function spans(list: Array<{ at: number; kind: string }>): string {
  const by = new Map<string, number[]>();
  for (const f of list) by.set(f.kind, [...(by.get(f.kind) ?? []), f.at / 1000]);
  return [...by.entries()].sort(([a], [b]) => a.localeCompare(b))
    .map(([k, ats]) => `${k} ×${ats.length} at ${Math.min(...ats).toFixed(1)}–${Math.max(...ats).toFixed(1)} s`).join('; ') || 'none';
}

/**
 * What the servers wrote about the run's failures, by source and time since `t0`: nginx's 5xx
 * (and the instances it tried, with their answers), nginx's error log (refused, reset, no live
 * upstream), and each instance's 5xx access lines and warnings/errors (database errors by code).
 */
function serverFailures(t0: number, t1: number): { nginx: string; nginxErrors: string; instances: string[] } {
  const read = (name: string) => (existsSync(join(dir, 'log', name)) ? readFileSync(join(dir, 'log', name), 'utf8').split('\n').filter(Boolean) : []);
  const inRun = (ms: number) => ms >= t0 && ms <= t1;
  const nginx = read('nginx-5xx.log').filter((l) => / upstream=/.test(l)).map((l) => {
    // $upstream_addr and $upstream_status list every instance tried, separated by ", ".
    const [, msec, status, method, uri, upstream, upstreamStatus] = /^(\S+) (\S+) (\S+) (\S+) upstream=(.*) upstream_status=(.*)$/.exec(l) ?? [];
    const route = uri.replace(/\/drafts\/[^/]+/, '/drafts/{slug}');
    const tried = upstream.split(/,\s*/).filter((a) => a && a !== '-');
    return { at: Number(msec) * 1000 - t0, kind: `${status} ${method} ${route} (tried ${tried.length ? tried.join(' then ') : 'none'}: ${upstreamStatus.replace(/,\s*/g, ' then ') || '-'})` };
  }).filter((e) => inRun(e.at + t0));
  const reasons: Array<[RegExp, string]> = [[/no live upstreams/, 'no live upstreams'], [/connect\(\) failed \(111/, 'refused'],
    [/prematurely closed/, 'closed mid-request'], [/\(104: Connection reset/, 'reset mid-request'], [/timed out/, 'timed out'], [/temporarily disabled/, 'instance marked down']];
  const nginxErrors = read('nginx-error.log').flatMap((l) => {
    const m = /^(\d{4})\/(\d\d)\/(\d\d) (\d\d:\d\d:\d\d) \[(\w+)\]/.exec(l);
    if (!m) return [];
    const at = Date.parse(`${m[1]}-${m[2]}-${m[3]}T${m[4]}Z`) - t0; // nginx logs local time: UTC here; whole seconds
    const reason = reasons.find(([re]) => re.test(l))?.[1] ?? l.replace(/^.*?\*\d+ /, '').slice(0, 60);
    const upstream = /upstream: "http:\/\/([^/"]+)/.exec(l)?.[1];
    return inRun(at + t0) ? [{ at, kind: `${m[5]} ${reason}${upstream ? ` (${upstream})` : ''}` }] : [];
  });
  const instances = APP_PORTS.map((port) => {
    const events = read(`app-${port}.log`).flatMap((l) => {
      if (!l.startsWith('{')) return [];
      let e: { time?: string; level?: string; msg?: string; status?: number; req?: { path?: string } };
      try { e = JSON.parse(l); } catch { return []; }
      const at = Date.parse(e.time ?? '') - t0;
      if (!inRun(at + t0)) return [];
      if (e.msg === 'request') return (e.status ?? 0) >= 500 ? [{ at, kind: `${e.status} ${(e.req?.path ?? '').replace(/\/drafts\/[^/]+/, '/drafts/{slug}')}` }] : [];
      return e.level === 'warn' || e.level === 'error' || e.level === 'fatal' ? [{ at, kind: `${e.level} ${String(e.msg).slice(0, 90)}` }] : [];
    });
    return `:${port}: ${spans(events)}`;
  });
  return { nginx: spans(nginx), nginxErrors: spans(nginxErrors), instances };
}

try {
  await main();
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  await cleanup();
  for (const agent of agents.values()) agent.destroy();
}
