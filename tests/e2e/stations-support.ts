/**
 * A server of their own for the kiosk and deputy specs: the built app on a fresh PGlite dir
 * seeded by stations-seed.ts (a station, a deputy, a staff account, an enrollment code), since
 * the shared e2e server has no accounts to sign in with.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const E2E_PASSWORD = 'Kaimen-e2e-Passw0rd!';

export interface StationServer {
  baseURL: string;
  enrollmentCode: string;
  stop(): Promise<void>;
}

/**
 * A private copy of the build that Playwright's web server has just made: several people share
 * this work tree, and another build can replace dist/ while these tests run.
 */
function privateBuild(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kaimen-e2e-stations-run-'));
  const source = process.env.STATIONS_E2E_DIST ?? 'dist';
  if (!existsSync(join(source, 'server/app.mjs'))) throw new Error(`${source}/ is missing: run npm run build first`);
  cpSync(source, join(dir, 'dist'), { recursive: true });
  for (const name of ['node_modules', 'drizzle', 'content']) symlinkSync(resolve(name), join(dir, name));
  return dir;
}

export async function startStationServer(port: number): Promise<StationServer> {
  const dir = join(mkdtempSync(join(tmpdir(), 'kaimen-e2e-stations-')), 'pglite');
  const env: NodeJS.ProcessEnv = { ...process.env, PGLITE_DIR: dir, PORT: String(port), HOST: 'localhost', ASTRO_TELEMETRY_DISABLED: '1', EXPORT_DIR: join(dir, '..', 'exports') };
  delete env.DATABASE_URL;
  const seed = spawnSync(process.execPath, ['--import', 'tsx', 'tests/e2e/stations-seed.ts'], { env, encoding: 'utf8' });
  if (seed.status !== 0) throw new Error(`seed failed: ${seed.stderr}`);
  const { enrollmentCode } = JSON.parse(seed.stdout.trim().split('\n').at(-1)!);
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', resolve('scripts/serve.ts')], { env, stdio: 'ignore', cwd: privateBuild() });
  const baseURL = `http://localhost:${port}`;
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${baseURL}/healthz`)).ok) break;
    } catch { /* not up yet */ }
    if (i > 120 || child.exitCode !== null) throw new Error('the stations e2e server did not start');
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    baseURL,
    enrollmentCode,
    stop: () => new Promise<void>((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    }),
  };
}
