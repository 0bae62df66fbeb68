/**
 * The shared parsers of route parameters and query values (src/server/params.ts) and the body
 * readers' refusal of text that is not well-formed Unicode (http.ts readJson, forms.ts readForm).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import {
  cursor, date, dateTime, encodeCursor, isCalendarDate, isUuid, param, parseQuery, queryHint, slug, uuid, wellFormedText, wholeNumber,
} from '../../src/server/params';
import { readJson } from '../../src/server/web/http';
import { readForm } from '../../src/server/web/forms';
import { parseShanghaiTime } from '../../src/server/time';
import { decisionSchema } from '../../src/server/review/schemas';
import { decodeCursor, encodeCursor as encodeInboxCursor } from '../../src/server/review/inbox';
import { t } from '../../src/i18n';
import type { AppError } from '../../src/server/errors';

const codeOf = (fn: () => unknown) => {
  try {
    fn();
    return null;
  } catch (err) {
    return (err as { code?: string }).code;
  }
};

describe('ids', () => {
  it('takes the database\'s shape of UUID and nothing else', () => {
    expect(isUuid('9b2e5c1e-3f4a-4d6b-8c7d-0e1f2a3b4c5d')).toBe(true);
    expect(isUuid('9B2E5C1E-3F4A-4D6B-8C7D-0E1F2A3B4C5D')).toBe(true);
    for (const bad of ['-'.repeat(36), '0'.repeat(36), '9b2e5c1e-3f4a-4d6b-8c7d-0e1f2a3b4c5g', '9b2e5c1e3f4a4d6b8c7d0e1f2a3b4c5d', ' 9b2e5c1e-3f4a-4d6b-8c7d-0e1f2a3b4c5d', '', null, 42]) {
      expect(isUuid(bad), String(bad)).toBe(false);
    }
  });

  it('never passes a string PostgreSQL would refuse as a uuid', () => {
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom('0', 'a', 'f', 'g', '-', 'F', ' '), maxLength: 40 }), (s) => {
      if (isUuid(s)) expect(s).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i);
    }), { seed: 14 });
  });
});

describe('dates', () => {
  it('takes only days that exist, in years 1000 to 9999', () => {
    for (const ok of ['2024-02-29', '2026-12-31', '1000-01-01', '9999-12-31']) expect(date.safeParse(ok).success, ok).toBe(true);
    for (const bad of ['2023-02-29', '2024-02-30', '2024-13-01', '2024-00-10', '0000-01-01', '0999-12-31', '10000-01-01', '2024-1-1', '2024-01-01T00:00', '']) {
      expect(date.safeParse(bad).success, bad).toBe(false);
    }
    expect(isCalendarDate(1900, 2, 29)).toBe(false);
    expect(isCalendarDate(2000, 2, 29)).toBe(true);
  });

  it('reads date-times with their zone, refusing what would roll over or leave the range', () => {
    expect(dateTime.parse('2026-03-01T08:00:00.000Z').toISOString()).toBe('2026-03-01T08:00:00.000Z');
    expect(dateTime.parse('2026-03-01T08:00+08:00').toISOString()).toBe('2026-03-01T00:00:00.000Z');
    for (const bad of ['2024-02-30T00:00:00Z', '2024-01-01T24:00:00Z', '2024-01-01T00:60Z', '2024-01-01T00:00:00', '0000-01-01T00:00:00Z',
      '+275760-09-13T00:00:00Z', '-271821-04-20T00:00:00Z', '1000-01-01T00:00:00+01:00', 'Tuesday', '1', 'NaN', '']) {
      expect(dateTime.safeParse(bad).success, bad).toBe(false);
    }
  });

  it('parseShanghaiTime refuses days that do not exist and years the database refuses', () => {
    expect(parseShanghaiTime('2026-12-01T18:00')?.toISOString()).toBe('2026-12-01T10:00:00.000Z');
    for (const bad of ['2026-02-30', '2026-02-30T10:00', '0000-01-01T00:00', '2026-01-01T25:00', '10000-01-01']) {
      expect(parseShanghaiTime(bad), bad).toBeNull();
    }
  });
});

describe('cursors', () => {
  const shape = cursor(z.object({ t: dateTime, id: uuid }));
  const id = '9b2e5c1e-3f4a-4d6b-8c7d-0e1f2a3b4c5d';

  it('read back what they wrote', () => {
    const raw = encodeCursor({ t: '2026-03-01T08:00:00.000Z', id });
    expect(shape.parse(raw)).toEqual({ t: new Date('2026-03-01T08:00:00.000Z'), id });
    expect(decodeCursor(encodeInboxCursor(new Date('2026-03-01T08:00:00.000Z'), id))).toEqual({ createdAt: new Date('2026-03-01T08:00:00.000Z'), id });
  });

  it('refuse anything else with the cursor message', () => {
    const b64 = (s: string) => Buffer.from(s).toString('base64url');
    for (const bad of ['', 'abc', '!!!', b64('{"t":"2026-03-01T08:00:00Z","id":"------------------------------------"}'), b64('{"t":"1","id":"' + id + '"}'),
      b64(`2024-01-01T00:00:00Z|${id}`), b64('null'), b64('[]'), Buffer.from([0xff, 0xfe]).toString('base64url'), 'A'.repeat(1001)]) {
      const r = shape.safeParse(bad);
      expect(r.success, bad).toBe(false);
      if (!r.success) expect(r.error.issues[0].message).toBe('review.cursorInvalid');
    }
    expect(codeOf(() => decodeCursor('junk'))).toBe('ValidationFailed');
  });

  it('never throws on arbitrary input', () => {
    fc.assert(fc.property(fc.string({ unit: 'binary', maxLength: 300 }), (s) => {
      expect(typeof shape.safeParse(s).success).toBe('boolean');
      expect(typeof shape.safeParse(Buffer.from(s).toString('base64url')).success).toBe('boolean');
    }), { seed: 14 });
  });
});

describe('param, parseQuery, queryHint', () => {
  it('a route parameter that names nothing is the given 404 code', () => {
    expect(param(uuid, '9b2e5c1e-3f4a-4d6b-8c7d-0e1f2a3b4c5d', 'CommentNotFound')).toBe('9b2e5c1e-3f4a-4d6b-8c7d-0e1f2a3b4c5d');
    expect(codeOf(() => param(uuid, '-'.repeat(36), 'CommentNotFound'))).toBe('CommentNotFound');
    expect(codeOf(() => param(slug, '\u0000', 'DraftNotFound'))).toBe('DraftNotFound');
    expect(codeOf(() => param(slug, undefined))).toBe('NotFound');
  });

  it('a bad query value is ValidationFailed naming it; empty values are absent, repeated ones keep the first', () => {
    const schema = z.object({ before: dateTime.optional(), page: wholeNumber(1, 100).optional() });
    expect(parseQuery(new URL('http://x/?before=&page=2&page=x'), schema)).toEqual({ page: 2 });
    try {
      parseQuery(new URL('http://x/?before=0000-01-01T00:00:00Z&page=1e3'), schema);
      expect.unreachable();
    } catch (err) {
      expect((err as { code: string }).code).toBe('ValidationFailed');
      expect((err as { fields: Array<{ field: string }> }).fields.map((f) => f.field).sort()).toEqual(['before', 'page']);
    }
    expect(codeOf(() => parseQuery(new URL('http://x/?__proto__=1&constructor=2'), z.object({})))).toBeNull();
  });

  it('wholeNumber takes plain digits in range only', () => {
    const n = wholeNumber(1, 50);
    expect(n.parse('50')).toBe(50);
    for (const bad of ['0', '51', '-1', '1.5', '1e1', '01', ' 1', '9'.repeat(400), 'Infinity']) expect(n.safeParse(bad).success, bad).toBe(false);
  });

  it('a hint that does not parse is left out', () => {
    const url = new URL(`http://x/?deputy=${'-'.repeat(36)}&ok=9b2e5c1e-3f4a-4d6b-8c7d-0e1f2a3b4c5d`);
    expect(queryHint(url, 'deputy', uuid)).toBeUndefined();
    expect(queryHint(url, 'ok', uuid)).toBe('9b2e5c1e-3f4a-4d6b-8c7d-0e1f2a3b4c5d');
    expect(queryHint(url, 'missing', uuid)).toBeUndefined();
  });
});

describe('text that is not well-formed Unicode', () => {
  it('is refused by the decision schema, with the encoding message', () => {
    expect(wellFormedText.safeParse('理由\ud800').success).toBe(false);
    const r = decisionSchema.safeParse({ adoption: 'not_adopted', reason: '理由\ud800' });
    expect(r.success).toBe(false);
    if (!r.success) expect(r.error.issues[0]).toMatchObject({ path: ['reason'], message: 'comment.field.invalidEncoding' });
    expect(decisionSchema.safeParse({ adoption: 'not_adopted', reason: '理由😀', response: '答复' }).success).toBe(true);
  });

  const jsonRequest = (body: string) => new Request('http://x/', { method: 'POST', headers: { 'content-type': 'application/json' }, body });

  it('is refused in any JSON body, naming the field, however deep the nesting', async () => {
    const err = await readJson(jsonRequest('{"reason":"ok","tags":["a","\\udc00"]}')).catch((e: AppError) => e) as AppError;
    expect(err.code).toBe('ValidationFailed');
    expect(err.fields[0]).toMatchObject({ field: 'tags.1', key: 'comment.field.invalidEncoding' });
    const deep = await readJson(jsonRequest(`${'['.repeat(20000)}"\\ud800"${']'.repeat(20000)}`)).catch((e: AppError) => e) as AppError;
    expect(deep.code).toBe('ValidationFailed');
    expect(await readJson(jsonRequest('{"reason":"\\ud83d\\ude00"}'))).toEqual({ reason: '😀' });
  });

  it('is refused in a form as the bytes it arrives as (not UTF-8), not stored as U+FFFD', async () => {
    const form = (body: string) => new Request('http://x/', { method: 'POST', headers: { 'content-type': 'application/x-www-form-urlencoded' }, body });
    const err = await readForm(form('action=decide&reason=%ED%A0%80')).catch((e) => e);
    expect(err.code).toBe('ValidationFailed');
    expect(err.fields).toEqual([{ field: 'reason', key: 'comment.field.invalidEncoding' }]);
    expect((await readForm(form('reason=%E7%90%86%E7%94%B1+x')) as URLSearchParams).get('reason')).toBe('理由 x');
  });
});

describe('t()', () => {
  it('finds own keys only: a key from a request cannot reach Object.prototype', () => {
    for (const key of ['toString', 'constructor', '__proto__', 'hasOwnProperty']) {
      expect(t('zh-CN', key as never)).toBe(key);
    }
  });
});
