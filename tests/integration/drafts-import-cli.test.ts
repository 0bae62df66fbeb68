/** `npm run drafts:import` as a user runs it: counts, the no-op re-import, clear errors with exit 1. */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { lawsDir } from '../support/shared-fixtures';

const laws = lawsDir.pathname;
let dir: string;
let database: TestDatabase | undefined;
let env: NodeJS.ProcessEnv;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kaimen-import-'));
  env = { ...process.env, SEED_SAMPLES: 'false' };
  if (process.env.DATABASE_URL) {
    // Never the shared database: a fresh one of this file's own.
    database = await createTestDatabase();
    env.DATABASE_URL = database.url;
  } else {
    delete env.DATABASE_URL;
    env.PGLITE_DIR = join(dir, 'db');
  }
});
afterAll(async () => {
  await database?.close();
  rmSync(dir, { recursive: true, force: true });
});

function importDraft(...args: string[]) {
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'src/cli/drafts-import.ts', ...args], { env, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

describe('npm run drafts:import', () => {
  it('imports a text and prints its counts, then says a re-import changes nothing', () => {
    const args = ['--file', `${laws}beijing-tingche-2021.md`, '--slug', 'tingche-cli', '--round', '1', '--label', '一审稿', '--opens', '2026-01-01T09:00', '--closes', '2026-02-01T18:00'];
    const first = importDraft(...args);
    // Nothing on stderr but the log line noting that keys were generated (no AUDIT_KEY in a test's environment).
    expect(first.err.split('\n').filter((l) => l && !l.includes('"msg":"[kaimen] 未设置')).join('\n')).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toContain('已导入 tingche-cli 第 1 审次：5 章、0 节、43 条、84 款、3 项。');
    const again = importDraft(...args);
    expect(again.code).toBe(0);
    expect(again.out).toContain('已是这份文本');
    expect(again.out).toContain('未做任何修改');
  }, 120_000);

  it('refuses bad flags, a missing file and an unparsable text with a Chinese message and exit 1', () => {
    const bad = importDraft('--file', 'x.md', '--slug', 'Bad Slug', '--round', '12');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('ValidationFailed');
    expect(bad.err).toContain('审次应为 1 到 9 之间的数字');
    const missing = importDraft('--file', join(dir, 'nope.md'), '--slug', 'x-y', '--round', '1');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('找不到法规文本文件');
    const unknown = importDraft('--bogus');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('用法');
    const prose = importDraft('--file', new URL('../../docs/architecture.md', import.meta.url).pathname, '--slug', 'prose', '--round', '1');
    expect(prose.code).toBe(1);
    expect(prose.err).toContain('LegalTextInvalid');
    expect(prose.err).not.toMatch(/at .*\.ts:\d+/);
  }, 120_000);
});
