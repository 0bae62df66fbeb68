/**
 * `npm start` builds only when the sources changed (scripts/start.mjs, scripts/fingerprint.mjs).
 * Run in a small project of its own: its `build` script is a real npm script that writes a
 * dist/serve.mjs, so the test sees whether start.mjs built, what it stamped, and what it served.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { fingerprint } from '../../scripts/fingerprint.mjs';

const start = resolve('scripts/start.mjs');
let root: string;

function write(path: string, text: string) {
  mkdirSync(dirname(join(root, path)), { recursive: true });
  writeFileSync(join(root, path), text);
}

function npmStart(...args: string[]) {
  // Run as `npm start` runs it: node_modules/.bin first on PATH (npm and Node 24 from the project).
  const r = spawnSync(process.execPath, [start, ...args], {
    cwd: root, encoding: 'utf8', env: { ...process.env, PATH: `${resolve('node_modules/.bin')}:${process.env.PATH}` },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'kaimen-start-'));
  write('src/pages/index.astro', '<p>首页</p>\n');
  write('public/favicon.svg', '<svg/>');
  write('scripts/serve.ts', 'export {};\n');
  write('astro.config.mjs', 'export default {};\n');
  write('tsconfig.json', '{}\n');
  write('package-lock.json', '{}\n');
  // The build counts its runs, so the test knows whether start.mjs built.
  const build = "const fs=require('fs');fs.mkdirSync('dist',{recursive:true});const n=fs.existsSync('builds')?Number(fs.readFileSync('builds','utf8'))+1:1;fs.writeFileSync('builds',String(n));fs.writeFileSync('dist/serve.mjs','console.log(\"served \"+process.argv.slice(2).join(\" \"))')";
  write('package.json', JSON.stringify({ name: 'start-test', private: true, scripts: { build: `node -e "${build.replaceAll('"', '\\"')}"` } }));
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

describe('the build fingerprint', () => {
  it('stays while nothing changes and moves with a byte, a rename or the lockfile', () => {
    const a = fingerprint(root);
    expect(fingerprint(root)).toBe(a);
    write('src/pages/index.astro', '<p>首页。</p>\n');
    const b = fingerprint(root);
    expect(b).not.toBe(a);
    renameSync(join(root, 'src/pages/index.astro'), join(root, 'src/pages/home.astro'));
    const c = fingerprint(root);
    expect(c).not.toBe(b);
    write('package-lock.json', '{"lockfileVersion":3}\n');
    expect(fingerprint(root)).not.toBe(c);
  });

  it('ignores what the build writes and what the server keeps (dist/, data)', () => {
    const a = fingerprint(root);
    write('dist/serve.mjs', 'x');
    write('data/pglite/PG_VERSION', '17');
    expect(fingerprint(root)).toBe(a);
  });
});

describe('npm start', () => {
  it('builds on the first start, skips the build on the second, and builds again after a change', () => {
    const first = npmStart('--first');
    expect(first.code).toBe(0);
    expect(first.out.trim().split('\n').at(-1)).toBe('served --first');
    expect(readFileSync(join(root, 'builds'), 'utf8')).toBe('1');
    expect(readFileSync(join(root, 'dist/.fingerprint'), 'utf8').trim()).toBe(fingerprint(root));

    const second = npmStart('--second');
    expect(second.out.trim().split('\n').at(-1)).toBe('served --second');
    expect(second.err).toContain('跳过构建');
    expect(readFileSync(join(root, 'builds'), 'utf8')).toBe('1');

    write('src/pages/index.astro', '<p>改过的首页</p>\n');
    const third = npmStart();
    expect(third.code).toBe(0);
    expect(readFileSync(join(root, 'builds'), 'utf8')).toBe('2');
  });

  it('builds when the stamp matches but the server file is gone, and stops on a failed build', () => {
    npmStart();
    rmSync(join(root, 'dist/serve.mjs'));
    expect(npmStart().code).toBe(0);
    expect(readFileSync(join(root, 'builds'), 'utf8')).toBe('2');

    write('package.json', JSON.stringify({ name: 'start-test', private: true, scripts: { build: 'node -e "process.exit(3)"' } }));
    const failed = npmStart();
    expect(failed.code).toBe(3);
    expect(failed.out).not.toContain('served');
    expect(existsSync(join(root, 'dist/.fingerprint')) && readFileSync(join(root, 'dist/.fingerprint'), 'utf8').trim() === fingerprint(root)).toBe(false);
  });
});
