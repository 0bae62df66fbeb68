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
