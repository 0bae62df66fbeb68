/** The copies in tests/fixtures/shared are the texts of ../shared, when that folder is here to compare. */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { apiContract, lawsDir } from '../support/shared-fixtures';

const shared = new URL('../../../shared/', import.meta.url);
const present = existsSync(new URL('data/laws/', shared));

describe.skipIf(!present)('tests/fixtures/shared against ../shared', () => {
  it('holds every law of ../shared/data/laws, unchanged', () => {
    const names = readdirSync(new URL('data/laws/', shared)).filter((n) => n.endsWith('.md')).sort();
    expect(readdirSync(lawsDir).filter((n) => n.endsWith('.md')).sort()).toEqual(names);
    for (const name of names) {
      expect(readFileSync(new URL(name, lawsDir), 'utf8'), name).toBe(readFileSync(new URL(`data/laws/${name}`, shared), 'utf8'));
    }
  });
  it('holds ../shared/docs/api.md, unchanged', () => {
    expect(readFileSync(apiContract, 'utf8')).toBe(readFileSync(new URL('docs/api.md', shared), 'utf8'));
  });
});
