import { describe, expect, it } from 'vitest';
import { diffQuerySchema, draftQuerySchema, importFlagsSchema, queryOf } from '../../src/server/drafts/schemas';
import { parseOrFail } from '../../src/server/validation';

describe('drafts schemas', () => {
  it('reads ?round as 1..9 and refuses anything else', () => {
    expect(parseOrFail(draftQuerySchema, {})).toEqual({});
    expect(parseOrFail(draftQuerySchema, { round: '3' })).toEqual({ round: 3 });
    for (const bad of ['0', '10', 'x', '', '2.5', ' 2', '-1']) {
      expect(() => parseOrFail(draftQuerySchema, { round: bad }), bad).toThrow(expect.objectContaining({ code: 'ValidationFailed' }));
    }
  });
  it('names the field and its message key', () => {
    const err = (() => {
      try {
        parseOrFail(diffQuerySchema, { from: 'a', to: '2' });
      } catch (e) {
        return e as { fields: unknown };
      }
    })();
    expect(err?.fields).toEqual([{ field: 'from', key: 'drafts.field.round' }]);
  });
  it('keeps the first of repeated query keys', () => {
    expect(queryOf(new URL('http://x/?round=2&round=3&x=1'))).toEqual({ round: '2', x: '1' });
  });
  it('validates the import flags: times in Beijing time, closing after opening', () => {
    const ok = parseOrFail(importFlagsSchema, { file: 'a.md', slug: 'jiesu-jiban', round: '2', opens: '2026-12-01T09:00', closes: '2026-12-31T18:00' });
    expect(ok.round).toBe(2);
    expect(ok.opens?.toISOString()).toBe('2026-12-01T01:00:00.000Z');
    expect(() => parseOrFail(importFlagsSchema, { file: 'a.md', slug: 'x-y', round: '1', opens: '2026-12-31', closes: '2026-12-01' })).toThrow(
      expect.objectContaining({ fields: [{ field: 'closes', key: 'drafts.field.period' }] }),
    );
    expect(() => parseOrFail(importFlagsSchema, { slug: 'A', round: '1' })).toThrow(
      expect.objectContaining({ fields: [{ field: 'file', key: 'field.required' }, { field: 'slug', key: 'drafts.field.slug' }] }),
    );
  });
});
