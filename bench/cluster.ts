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
 * status. Writes the figures to bench/RESULTS.md. Everything started is stopped and removed, also
 * on failure or Ctrl-C.
 *
 *   npx tsx bench/cluster.ts
 *   LOAD_SECONDS=60 SUBMITTERS=24 READERS=8 KEEP=1 npx tsx bench/cluster.ts
 *
 * Ports (BASE_PORT, default 4700): nginx +0 (HTTP) and +1 (HTTPS), instances +11..+13;
 * PG_PORT (5440) primary, +1 replica; PGBOUNCER_PORT (6432). Run as root (PostgreSQL and pgbouncer
 * then run as the postgres user) or as a user that may run initdb.
 */
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, chmodSync, existsSync, mkdirSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import https from 'node:https';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync } from 'node:zlib';
import pg from 'pg';
import { renderAll, productionValues } from '../deploy/render';
import { percentile } from './lib/server';
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

/** Starts instance `port` from the unit and keeps it running: an exit (even SIGKILL) is followed by a restart, as under systemd. */
async function startInstance(unitFile: string, port: number): Promise<void> {
  const unit = readUnit(unitFile, String(port));
  // PATH etc. from here; everything Kaimen reads from the unit and its environment file.
  const child = spawnLogged(`app-${port}`, unit.execStart[0], unit.execStart.slice(1), {
    cwd: unit.workingDirectory, env: { PATH: process.env.PATH, ASTRO_TELEMETRY_DISABLED: '1', ...unit.env },
  });
  instances.set(port, child);
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

function request(method: string, path: string, client: number, body?: string, headers: Record<string, string> = {}): Promise<Answer & { headers: Record<string, string | string[] | undefined> }> {
  return new Promise((ok, fail) => {
    const t0 = performance.now();
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
        ok({ status: res.statusCode ?? 0, body: text, ms: performance.now() - t0, headers: res.headers });
      });
      res.on('error', fail);
    });
    req.setTimeout(30_000, () => req.destroy(Object.assign(new Error('client timeout'), { code: 'TIMEOUT' })));
    req.on('error', fail);
    req.end(body);
  });
}

const post: Post = (path, json, client) => request('POST', path, client, json);

// ── the run ──

interface ReadStats { statuses: Map<string, number>; latencies: number[]; failuresAt: Array<{ at: number; kind: string }>; cacheHits: number }

async function main(): Promise<void> {
  ensureInstalled();
  const started = Date.now();
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
    AUDIT_KEY: randomBytes(32).toString('base64'), LOOKUP_CODE_SECRET: randomBytes(32).toString('base64'), LOG_LEVEL: 'warn',
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
    '  access_log off;',
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
  const t0 = Date.now();
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
        if (r.status >= 500) reads.failuresAt.push({ at: Date.now() - t0, kind: String(r.status) });
      } catch (err) {
        count(reads.statuses, 'net');
        reads.failuresAt.push({ at: Date.now() - t0, kind: `net:${(err as { code?: string }).code ?? (err as Error).message}` });
      }
    }
  });
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
  const faults = (async () => {
    await new Promise((r) => setTimeout(r, KILL_AT * 1000));
    const victim = APP_PORTS[1];
    instances.get(victim)!.kill('SIGKILL');
    events.push(`${at()} s: SIGKILL instance :${victim} (${submit.sent.filter((s) => s.receipt).length} receipts so far)`);
    log(events.at(-1)!);
    await new Promise((r) => setTimeout(r, Math.max(0, t0 + PG_RESTART_AT * 1000 - Date.now())));
    events.push(`${at()} s: pg_ctl restart -m fast of the primary`);
    log(events.at(-1)!);
    // With -l, as at start: without it the new postmaster would keep pg_ctl's stdout (this pipe) open.
    await pgRun(join(PG_BIN, 'pg_ctl'), ['-D', join(dir, 'pg/primary'), '-l', join(dir, 'log/primary.log'), 'restart', '-m', 'fast', '-w', '-t', '60']);
    events.push(`${at()} s: primary accepting connections again`);
    log(events.at(-1)!);
  })();
  await Promise.all([faults, watcher, ...readers]);
  await submitters;
  for (const r of restarts) {
    events.push(`instance :${r.port} exited at ${((r.exitedAt - t0) / 1000).toFixed(1)} s, restarted by the unit's Restart=always, serving again ${r.upAt ? `at ${((r.upAt - t0) / 1000).toFixed(1)} s` : 'not yet at the end'}`);
  }
  const loadSeconds = (Date.now() - t0) / 1000;
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

  const sortedSubmit = [...submit.latencies].sort((a, b) => a - b);
  const sortedReads = [...reads.latencies].sort((a, b) => a - b);
  const acceptedPerSecond = ledger.acknowledged / loadSeconds;
  const readsPerSecond = reads.latencies.length / loadSeconds;
  const fmt = (m: Map<string, number>) => [...m.entries()].sort(([a], [b]) => a.localeCompare(b)).map(([k, v]) => `${k}: ${v}`).join(', ');
  const windows = (list: Array<{ at: number; kind: string }>) => {
    const by = new Map<string, number[]>();
    for (const f of list) by.set(f.kind, [...(by.get(f.kind) ?? []), f.at / 1000]);
    return [...by.entries()].map(([k, ats]) => `${k} ×${ats.length} at ${Math.min(...ats).toFixed(1)}–${Math.max(...ats).toFixed(1)} s`).join('; ') || 'none';
  };
  const bad5xx = [...submit.statuses.entries(), ...reads.statuses.entries()].filter(([k]) => /^5/.test(k) && k !== '503').reduce((s, [, v]) => s + v, 0);
  const ok = submit.refusals.length === 0 && ledger.lost === 0 && ledger.doubled === 0 && ledger.unanswered === 0 && bad5xx === 0 && onReplica === onPrimary;

  const report = {
    ledger, acceptedPerSecond: Math.round(acceptedPerSecond), submitP50: percentile(sortedSubmit, 50), submitP99: percentile(sortedSubmit, 99),
    submitStatuses: Object.fromEntries(submit.statuses), readsPerSecond: Math.round(readsPerSecond), readP50: percentile(sortedReads, 50), readP99: percentile(sortedReads, 99),
    readStatuses: Object.fromEntries(reads.statuses), nginxCacheHits: reads.cacheHits, replicaStates: Object.fromEntries(replicaSeen), maxReplicaLagMs: maxLagMs,
    refusals: submit.refusals.slice(0, 5), replicaTransactions, commentsOnPrimary: onPrimary, commentsOnReplica: onReplica, events, submitFailures: windows(submit.failuresAt), readFailures: windows(reads.failuresAt), checks,
  };
  console.log(JSON.stringify(report, null, 2));

  const stamp = new Date().toISOString().slice(0, 16).replace('T', ' ');
  const command = `npx tsx bench/cluster.ts${LOAD_SECONDS !== 60 ? ` (LOAD_SECONDS=${LOAD_SECONDS})` : ''}`;
  const section = `
## ${stamp} UTC — the deployment under faults (bench/cluster.ts; issue 22)

${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}, ${String(version).split(' on ')[0]}, load average at the start ${loadavg().map((l) => l.toFixed(1)).join(' / ')} (a machine shared with other engineers).
deploy/ rendered by deploy/render.ts and run: primary :${PG_PORT} + streaming replica :${REPLICA_PORT} (pg_basebackup -R, deploy/postgresql/kaimen.conf),
pgbouncer 1.18 :${PGBOUNCER_PORT} in transaction mode (DATABASE_NAMED_STATEMENTS=false), three instances from kaimen@.service (DATABASE_POOL_MAX=${POOL_MAX},
DATABASE_URL via pgbouncer, DATABASE_READ_URL at the replica), nginx 1.22 with TLS + HTTP/2 in front. ${SUBMITTERS} submitters (new comment each time,
own idempotency key and body marker, retried with the key after a network error / 502 / 503) and ${READERS} readers (${paths.length} reading pages in turn),
every client from its own loopback address, ${LOAD_SECONDS} s. Faults: ${events.join('; ')}.

| receipts sent | acknowledged | stored | lost | doubled | unanswered | retried |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| ${ledger.sent} | ${ledger.acknowledged} | ${ledger.stored} | ${ledger.lost} | ${ledger.doubled} | ${ledger.unanswered} | ${ledger.retried} |

| load | per second | p50 ms | p99 ms | answers by status |
| --- | ---: | ---: | ---: | --- |
| comment submissions (POST /api/v1/drafts/{slug}/comments), acknowledged | ${Math.round(acceptedPerSecond)} | ${report.submitP50.toFixed(0)} | ${report.submitP99.toFixed(0)} | ${fmt(submit.statuses)} |
| reading pages (GET, through nginx) | ${Math.round(readsPerSecond)} | ${report.readP50.toFixed(0)} | ${report.readP99.toFixed(0)} | ${fmt(reads.statuses)} |

Failures in time: submissions ${report.submitFailures}; reads ${report.readFailures}. Comments refused (4xx): ${submit.refusals.length ? submit.refusals.slice(0, 3).join(' | ') : 'none'}. nginx cache hits (data.csv, stats): ${reads.cacheHits}.
Replica: states seen on the instances' /healthz ${fmt(replicaSeen)}, highest lag ${maxLagMs} ms, ${replicaTransactions} transactions served during the run; after it,
${onReplica} of the run's comments on the replica, ${onPrimary} on the primary. Deployment checks: ${checks.join('; ')}.
Result: ${ok ? '0 lost, 0 doubled, no 5xx but 503' : 'NOT met'} (goal: 0 lost, 0 doubled, no 5xx except clean 503s while the database restarts or an instance dies mid-request).
`;
  const line = `| cluster under faults (3 instances, pgbouncer, replica, nginx; SIGKILL + primary restart): receipts lost / doubled; acknowledged/s, p99; reads/s, p99; 5xx other than 503 | ${ledger.lost} / ${ledger.doubled} of ${ledger.acknowledged}; ${Math.round(acceptedPerSecond)}/s, ${report.submitP99.toFixed(0)} ms; ${Math.round(readsPerSecond)}/s, ${report.readP99.toFixed(0)} ms; ${bad5xx} | 0 / 0; —; —; 0 | ${stamp}, ${command} |`;
  if (process.env.BENCH_NO_WRITE !== '1') writeResults(line, section);
  console.log(section);
  log(`total ${((Date.now() - started) / 1000).toFixed(0)} s`);
  if (!ok) process.exitCode = 1;
}

/** Replaces this bench's line in the "Current figures" table (or adds it) and appends the dated section. */
function writeResults(line: string, section: string): void {
  const file = join(root, 'bench/RESULTS.md');
  const text = readFileSync(file, 'utf8');
  const lines = text.split('\n');
  const mine = lines.findIndex((l) => l.startsWith('| cluster under faults'));
  if (mine >= 0) lines[mine] = line;
  else {
    const header = lines.findIndex((l) => l.startsWith('| what | figure | target | run |'));
    let end = header + 2;
    while (end < lines.length && lines[end].startsWith('|')) end++;
    lines.splice(end, 0, line);
  }
  writeFileSync(file, lines.join('\n').replace(/\n*$/, '\n') + section);
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

try {
  await main();
} catch (err) {
  console.error(err);
  process.exitCode = 1;
} finally {
  await cleanup();
  for (const agent of agents.values()) agent.destroy();
}
