/**
 * `npm start`: build only when something the build reads changed, then serve.
 *
 * The fingerprint (scripts/fingerprint.mjs) is a SHA-256 over every file under src/, public/ and
 * scripts/, the Astro, TypeScript and package files, the lockfile and Node's version. It is kept in dist/.fingerprint after a build that succeeded, so a
 * second `npm start` with nothing changed skips the build (~25 s) and serves in about a second.
 * A stale or missing dist/serve.mjs always builds. `npm run build` builds unconditionally.
 *
 * The server then replaces this process (process.execve where Node has it), so signals from a
 * terminal or systemd reach the server itself; elsewhere it runs as a child that gets them
 * forwarded.
 *
 *   node scripts/start.mjs
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fingerprint } from './fingerprint.mjs';

const root = process.cwd();
const dist = join(root, 'dist');
const stamp = join(dist, '.fingerprint');

const started = Date.now();
const want = fingerprint(root);
const have = existsSync(stamp) && existsSync(join(dist, 'serve.mjs')) ? readFileSync(stamp, 'utf8').trim() : '';
if (want === have) {
  console.error(`[kaimen] 源代码未改动，跳过构建（指纹 ${want.slice(0, 12)}，${Date.now() - started} ms）。`);
} else {
  console.error('[kaimen] 正在构建（源代码或依赖有改动）……');
  const built = spawnSync('npm', ['run', 'build'], { stdio: 'inherit', shell: process.platform === 'win32' });
  if (built.status !== 0) process.exit(built.status ?? 1);
  // What was built is what the fingerprint says only if nothing changed during the build.
  if (fingerprint(root) === want) writeFileSync(stamp, `${want}\n`);
}

const args = [join(dist, 'serve.mjs'), ...process.argv.slice(2)];
if (typeof process.execve === 'function') {
  process.execve(process.execPath, [process.execPath, ...args], process.env);
} else {
  const child = spawn(process.execPath, args, { stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}
