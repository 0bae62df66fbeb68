/**
 * A spec's own server on a fresh PGlite dir: runs the spec's seed script with tsx, then
 * scripts/serve.ts, and waits for /healthz. The seed's last stdout line is returned (specs pass
 * ids or tokens that way).
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface SeededServer {
  baseURL: string;
  /** The seed script's last line of output. */
  seedLine: string;
  stop(): Promise<void>;
}

export async function startSeededServer(name: string, seedScript: string, port: number): Promise<SeededServer> {
  const baseURL = `http://localhost:${port}`;
  const dir = mkdtempSync(join(tmpdir(), `kaimen-e2e-${name}-`));
  const env: NodeJS.ProcessEnv = { ...process.env, PGLITE_DIR: join(dir, 'pglite'), PORT: String(port), HOST: 'localhost', ASTRO_TELEMETRY_DISABLED: '1', EXPORT_DIR: join(dir, 'exports') };
  delete env.DATABASE_URL;
  const seed = spawnSync(process.execPath, ['--import', 'tsx', seedScript], { env, encoding: 'utf8' });
  if (seed.status !== 0) throw new Error(`seed failed: ${seed.stderr}`);
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/serve.ts'], { env, stdio: 'ignore' });
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${baseURL}/healthz`)).ok) break; } catch { /* not up yet */ }
    if (i > 160 || child.exitCode !== null) throw new Error(`the ${name} e2e server did not start`);
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    baseURL,
    seedLine: seed.stdout.trim().split('\n').at(-1) ?? '',
    async stop() {
      if (child.exitCode !== null) return;
      await new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); });
    },
  };
}
