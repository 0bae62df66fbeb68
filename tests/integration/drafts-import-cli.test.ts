/** `npm run drafts:import` as a user runs it: counts, the no-op re-import, clear errors with exit 1. */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { lawsDir } from '../support/shared-fixtures';
import { runMain, runScript, stderrBesidesKeyNotice } from '../support/cli';
import { main } from '../../src/cli/drafts-import';

const laws = lawsDir.pathname;
let dir: string;
let database: TestDatabase;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kaimen-import-'));
  database = await createTestDatabase();
});
afterAll(async () => {
  await database?.close();
  rmSync(dir, { recursive: true, force: true });
});

const importDraft = (...args: string[]) => runMain(main, args, { database });

describe('npm run drafts:import', () => {
  it('imports a text and prints its counts, then says a re-import changes nothing', async () => {
    const args = ['--file', `${laws}beijing-tingche-2021.md`, '--slug', 'tingche-cli', '--round', '1', '--label', '一审稿', '--opens', '2026-01-01T09:00', '--closes', '2026-02-01T18:00'];
    const first = await importDraft(...args);
    expect(first.err).toBe('');
    expect(first.code).toBe(0);
    expect(first.out).toBe('已导入 tingche-cli 第 1 审次：5 章、0 节、43 条、84 款、3 项。\n');
    const again = await importDraft(...args);
    expect(again.code).toBe(0);
    expect(again.out).toContain('已是这份文本');
    expect(again.out).toContain('未做任何修改');
  });

  it('refuses bad flags, a missing file and an unparsable text with a Chinese message and exit 1', async () => {
    const bad = await importDraft('--file', 'x.md', '--slug', 'Bad Slug', '--round', '12');
    expect(bad.code).toBe(1);
    expect(bad.err).toContain('ValidationFailed');
    expect(bad.err).toContain('审次应为 1 到 9 之间的数字');
    const missing = await importDraft('--file', join(dir, 'nope.md'), '--slug', 'x-y', '--round', '1');
    expect(missing.code).toBe(1);
    expect(missing.err).toContain('找不到法规文本文件');
    const unknown = await importDraft('--bogus');
    expect(unknown.code).toBe(1);
    expect(unknown.err).toContain('用法');
    const prose = await importDraft('--file', new URL('../../docs/architecture.md', import.meta.url).pathname, '--slug', 'prose', '--round', '1');
    expect(prose.code).toBe(1);
    expect(prose.err).toContain('LegalTextInvalid');
    expect(prose.err).not.toMatch(/at .*\.ts:\d+/);
    expect(prose.out).toBe('');
  });

  it('runs as the started script: opens the configured database, prints the counts, exits 0 (smoke)', async () => {
    const env: NodeJS.ProcessEnv = { ...process.env, SEED_SAMPLES: 'false' };
    if (database.url) {
      env.DATABASE_URL = database.url; // this file's own database, never the shared one
    } else {
      delete env.DATABASE_URL;
      env.PGLITE_DIR = join(dir, 'db');
    }
    const r = await runScript('drafts-import', ['--file', `${laws}beijing-tingche-2021.md`, '--slug', 'tingche-smoke', '--round', '1'], env);
    expect(stderrBesidesKeyNotice(r.err)).toBe('');
    expect(r.out).toBe('已导入 tingche-smoke 第 1 审次：5 章、0 节、43 条、84 款、3 项。\n');
    expect(r.code).toBe(0);
  }, 120_000);
});
