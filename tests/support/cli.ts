/**
 * Admin commands in tests: `runMain` calls a command's main() in-process with the test's own
 * database and collects what it printed; `runScript` starts it as `npm run …` does (tsx), for
 * the one smoke test per command that checks the started script's wiring and exit code.
 */
import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import type { CliMain, CliOptions } from '../../src/cli/run-cli';

export interface CliRun {
  code: number | null;
  out: string;
  err: string;
}

export async function runMain(main: CliMain, args: string[], options?: CliOptions): Promise<CliRun> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(args, { out: (line) => out.push(line), err: (line) => err.push(line) }, options);
  return { code, out: out.map((l) => `${l}\n`).join(''), err: err.map((l) => `${l}\n`).join('') };
}

const root = resolve(import.meta.dirname, '../..');

/** `tsx src/cli/<script>.ts args…` with `env` (the whole environment), as package.json runs it. */
export function runScript(script: string, args: string[], env: NodeJS.ProcessEnv): Promise<CliRun> {
  return new Promise((done, fail) => {
    const child = spawn(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), `src/cli/${script}.ts`, ...args], { cwd: root, env, timeout: 90_000 });
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
    child.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
    child.on('error', fail);
    child.on('close', (code) => done({ code, out, err }));
  });
}

/** stderr without the log line noting that keys were generated (no AUDIT_KEY in a test's environment). */
export const stderrBesidesKeyNotice = (err: string) => err.split('\n').filter((l) => l && !l.includes('"msg":"[kaimen] 未设置')).join('\n');
