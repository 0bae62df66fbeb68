import { describe, expect, it } from 'vitest';
import { AppError, errorResponse, toErrorBody } from '../../src/server/errors';

describe('error catalogue', () => {
  it('maps an AppError to its status and Chinese message', () => {
    const { status, body } = toErrorBody(new AppError('ConsultationClosed', { closedAt: '2026年11月1日 18:00' }));
    expect(status).toBe(409);
    expect(body.error.code).toBe('ConsultationClosed');
    expect(body.error.message).toContain('2026年11月1日 18:00');
  });
  it('hides unknown errors behind Internal without details', async () => {
    const res = errorResponse(new Error('secret stack detail'));
    expect(res.status).toBe(500);
    const text = await res.text();
    expect(text).not.toContain('secret');
    expect(JSON.parse(text).error.code).toBe('Internal');
  });
  it('reports field problems', () => {
    const { body } = toErrorBody(new AppError('ValidationFailed', {}, [{ field: 'body', key: 'field.tooShort', params: { min: 5 } }]));
    expect(body.error.fields).toEqual([{ field: 'body', message: '至少需要 5 个字。' }]);
  });
  it('carries headers such as Retry-After', () => {
    const res = errorResponse(new AppError('RateLimited', { seconds: 12 }, [], { 'retry-after': '12' }));
    expect(res.status).toBe(429);
    expect(res.headers.get('retry-after')).toBe('12');
  });
});

import { normaliseError } from '../../src/server/errors';

describe('normaliseError', () => {
  it('turns a database outage into 503 ServiceUnavailable with Retry-After', () => {
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
    const wrapped = new Error('Failed query: insert …', { cause: refused });
    const e = normaliseError(wrapped) as AppError;
    expect(e.code).toBe('ServiceUnavailable');
    expect(e.status).toBe(503);
    expect(e.headers['retry-after']).toBe('2');
    expect((normaliseError(Object.assign(new Error('x'), { code: '57P01' })) as AppError).code).toBe('ServiceUnavailable');
  });
  it('leaves other errors alone', () => {
    const other = new Error('boom');
    expect(normaliseError(other)).toBe(other);
    const unique = Object.assign(new Error('duplicate key'), { code: '23505' });
    expect(normaliseError(unique)).toBe(unique);
  });
});
