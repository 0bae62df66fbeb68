import { describe, expect, it } from 'vitest';
import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { z } from 'zod';
import { zhCN } from '../../src/i18n/zh-CN';
import { parseOrFail, tryParse } from '../../src/server/validation';

const root = resolve(import.meta.dirname, '../../src/server');
const filesWithZod = (dir: string): string[] => readdirSync(dir, { withFileTypes: true }).flatMap((e) =>
  e.isDirectory() ? filesWithZod(join(dir, e.name)) : e.name.endsWith('.ts') && /from 'zod'/.test(readFileSync(join(dir, e.name), 'utf8')) ? [join(dir, e.name)] : []);

describe('parseOrFail', () => {
  const schema = z.object({
    name: z.string().min(2, 'field.tooShort'),
    rows: z.array(z.object({ body: z.string().max(3) })),
    when: z.string(),
  });

  it('throws ValidationFailed with one issue per field, its dictionary key and limits', () => {
    expect(() => parseOrFail(schema, { name: 'a', rows: [{ body: 'long' }] })).toThrow(expect.objectContaining({
      code: 'ValidationFailed',
      fields: [
        { field: 'name', key: 'field.tooShort', params: { min: 2 } },
        { field: 'rows.0.body', key: 'field.tooLong', params: { max: 3 } },
        { field: 'when', key: 'field.required' },
      ],
    }));
  });

  it('keeps a custom issue\'s params, names the whole input "form", and returns the parsed value', () => {
    const custom = z.string().superRefine((v, ctx) => ctx.addIssue({ code: 'custom', message: 'field.tooLong', params: { max: 9 } }));
    expect(tryParse(custom, 'x')).toEqual({ ok: false, fields: [{ field: 'form', key: 'field.tooLong', params: { max: 9 } }] });
    expect(tryParse(z.string(), 1)).toEqual({ ok: false, fields: [{ field: 'form', key: 'field.required' }] });
    expect(tryParse(z.email('not a key'), 'x')).toEqual({ ok: false, fields: [{ field: 'form', key: 'field.invalid' }] });
    expect(parseOrFail(schema, { name: 'ab', rows: [], when: 'now' })).toEqual({ name: 'ab', rows: [], when: 'now' });
  });

  it('every message key written in a server schema exists in the zh-CN dictionary', () => {
    const missing: string[] = [];
    let seen = 0;
    for (const file of filesWithZod(root)) {
      const text = readFileSync(file, 'utf8');
      // Message positions: a string argument of a zod call, `message: '…'` / `error: '…'`, or fail(ctx, '…').
      for (const m of text.matchAll(/(?:message|error):\s*'([^']+)'|\.(?:min|max|length|regex|refine|gte|lte|int|positive)\([^()']*,\s*'([^']+)'|\b(?:refine|fail)\([^'()]*(?:\([^()]*\))?[^'()]*,\s*'([^']+)'|z\.\w+\('([a-z]+\.[A-Za-z.]+)'/g)) {
        const key = m[1] ?? m[2] ?? m[3] ?? m[4];
        seen++;
        // Prose for developers (sample-drafts' frontmatter) is not a key: it is shown as field.invalid.
        if (key.includes(' ')) continue;
        if (!Object.hasOwn(zhCN, key)) missing.push(`${file.slice(root.length + 1)}: ${key}`);
      }
    }
    expect(seen).toBeGreaterThan(40);
    expect(missing).toEqual([]);
  });
});
