import { readdirSync, readFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { configVariables, loadConfig } from '../../src/server/config';

describe('configuration', () => {
  it('has working defaults', () => {
    const c = loadConfig({});
    expect(c.PORT).toBe(4321);
    expect(c.DATABASE_URL).toBeUndefined();
    expect(c.PGLITE_DIR).toBe('./data/pglite');
    expect(c.SEED_SAMPLES).toBe(true);
  });
  it('names every invalid variable in Chinese', () => {
    expect(() => loadConfig({ PORT: 'abc', DATABASE_URL: 'mysql://x' })).toThrowError(/PORT[\s\S]*DATABASE_URL|DATABASE_URL[\s\S]*PORT/);
    expect(() => loadConfig({ DATABASE_URL: 'mysql://x' })).toThrowError(/配置有误/);
  });
  it('treats empty variables as unset', () => {
    expect(loadConfig({ DATABASE_URL: '' }).DATABASE_URL).toBeUndefined();
  });
});

describe('the environment', () => {
  const root = resolve(import.meta.dirname, '../..');

  it('documents every configuration variable in .env.example, each in a commented block', () => {
    const blocks = readFileSync(join(root, '.env.example'), 'utf8').split(/\n\s*\n/);
    const undocumented = configVariables.filter((name) => {
      const block = blocks.find((b) => new RegExp(`^#?\\s*${name}=`, 'm').test(b));
      return !block || !block.split('\n').some((line) => /^#\s*\S/.test(line) && !new RegExp(`^#\\s*${name}=`).test(line));
    });
    expect(undocumented).toEqual([]);
    expect(configVariables.length).toBeGreaterThan(20);
  });

  it('is read only by src/server/config.ts', () => {
    const walk = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
    const readers = walk(join(root, 'src'))
      .filter((f) => /\.(ts|astro|mjs|js)$/.test(f) && !f.endsWith('.d.ts'))
      .filter((f) => /process\.env|import\.meta\.env/.test(readFileSync(f, 'utf8')))
      .map((f) => relative(root, f));
    expect(readers).toEqual(['src/server/config.ts']);
  });
});
