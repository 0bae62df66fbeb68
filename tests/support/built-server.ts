/**
 * The built app, served for integration tests that need real HTTP (the access matrix, several
 * instances on one database): `buildApp()` builds into a temporary directory of its own (so it
 * never races the dist/ of other runs) and `startServer()` runs scripts/serve.ts on it.
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { createDatabase, migrateDatabase, type Database } from '../../src/db/client';
import { createTestDatabase, type TestDatabase } from './test-db';

const root = resolve(import.meta.dirname, '../..');

/** Builds the app as `npm run build` does, into a fresh temporary directory; returns that directory. */
export async function buildApp(): Promise<string> {
  const dir = mkdtempSync(join(tmpdir(), 'kaimen-build-'));
  // The bundle imports packages at run time: let it find the project's node_modules.
  symlinkSync(join(root, 'node_modules'), join(dir, 'node_modules'));
  const run = (args: string[]) => promisify(execFile)(process.execPath, args, {
    cwd: root, env: { ...process.env, ASTRO_TELEMETRY_DISABLED: '1' }, maxBuffer: 20 * 1024 * 1024,
  });
  await run([join(root, 'node_modules/astro/bin/astro.mjs'), 'build', '--outDir', join(dir, 'dist')]);
  await run([join(root, 'scripts/build-server.mjs'), join(dir, 'dist')]);
  return dir;
}

export function removeBuild(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** A free TCP port on localhost. */
export function freePort(): Promise<number> {
  return new Promise((ok, fail) => {
    const srv = createServer();
    srv.once('error', fail);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => ok(port));
    });
  });
}

export interface RunningServer {
  url: string;
  /** The server process itself (not a wrapper), e.g. to find its job runner's worker id. */
  pid: number;
  stop(): Promise<void>;
  /** Kills the process at once (SIGKILL): no shutdown, its jobs keep their leases. */
  kill(): Promise<void>;
  /** Everything the server has written to stdout and stderr so far. */
  output(): string;
}

/** Starts scripts/serve.ts on the build in `buildDir` with `env` (DATABASE_URL or PGLITE_DIR). */
export async function startServer(buildDir: string, env: Record<string, string>): Promise<RunningServer> {
  const port = await freePort();
  // The tsx loader in this process (not the tsx CLI, which would run the server as a grandchild).
  const tsx = pathToFileURL(join(root, 'node_modules/tsx/dist/loader.mjs')).href;
  const child: ChildProcess = spawn(process.execPath, ['--import', tsx, join(root, 'scripts/serve.ts')], {
    cwd: buildDir,
    env: { ...process.env, SEED_SAMPLES: 'false', HOST: '127.0.0.1', ...env, PORT: String(port) },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout!.on('data', (d) => { output += d; });
  child.stderr!.on('data', (d) => { output += d; });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output}`);
    try {
      const res = await fetch(`${url}/healthz`);
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`server did not start in time:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  const signal = (name: NodeJS.Signals) => new Promise<void>((ok) => {
    if (child.exitCode !== null || child.signalCode !== null) return ok();
    child.once('exit', () => ok());
    child.kill(name);
  });
  return { url, pid: child.pid!, stop: () => signal('SIGTERM'), kill: () => signal('SIGKILL'), output: () => output };
}

let ipCounter = 0;
/** A different client address per call (the server must run with TRUST_PROXY=true). */
export function fakeIp(): string {
  ipCounter++;
  return `10.${(ipCounter >> 16) & 255}.${(ipCounter >> 8) & 255}.${ipCounter & 255}`;
}

/** POSTs a form like a browser on the same site would (Origin set, no redirects followed). */
export function postForm(url: string, path: string, fields: Record<string, string>, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(`${url}${path}`, {
    method: 'POST',
    redirect: 'manual',
    headers: { origin: url, 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': fakeIp(), ...headers },
    body: new URLSearchParams(fields).toString(),
  });
}

/** Signs in through the sign-in page and returns the Cookie header for the session. */
export async function signInOverHttp(url: string, account: string, password: string): Promise<string> {
  const res = await postForm(url, '/signin', { account, password });
  const cookie = res.headers.getSetCookie().find((c) => /kaimen_session=/.test(c));
  if (res.status !== 303 || !cookie) throw new Error(`sign-in of ${account} failed: ${res.status}`);
  return cookie.split(';')[0];
}

/**
 * A migrated database for a built server: a fresh PostgreSQL database when DATABASE_URL is set,
 * else a PGlite directory of its own. `env` is what startServer needs to open it; `testDb` is set
 * on PostgreSQL (close it after the server). On PGlite, close `database` before starting the
 * server: only one process may open the directory.
 */
export async function serverDatabase(prefix: string): Promise<{ database: Database; env: Record<string, string>; testDb?: TestDatabase }> {
  if (process.env.DATABASE_URL) {
    const testDb = await createTestDatabase();
    return { database: testDb, env: { DATABASE_URL: testDb.url! }, testDb };
  }
  const dir = join(mkdtempSync(join(tmpdir(), `kaimen-${prefix}-`)), 'db');
  const database = await createDatabase({ pgliteDir: dir });
  await migrateDatabase(database);
  return { database, env: { PGLITE_DIR: dir } };
}
