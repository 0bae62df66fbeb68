import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { consumeLimit, enforceLimits, resetLimit } from '../../src/server/auth/rate-limit';
import { AppError } from '../../src/server/errors';

let database: TestDatabase;
beforeAll(async () => { database = await createTestDatabase(); });
afterAll(async () => { await database.close(); });

describe('database rate limits', () => {
  it('allows the limit, then refuses with Retry-After, and resets', async () => {
    const limit = { key: 'test:a', points: 3, windowSeconds: 60 };
    for (let i = 0; i < 3; i++) expect((await consumeLimit(limit, database.db)).allowed).toBe(true);
    const err = await enforceLimits([limit], database.db).catch((e) => e);
    expect(err).toBeInstanceOf(AppError);
    expect(err.code).toBe('RateLimited');
    expect(Number(err.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(err.headers['retry-after'])).toBeLessThanOrEqual(60);
    await resetLimit('test:a', database.db);
    expect((await consumeLimit(limit, database.db)).allowed).toBe(true);
  });
  it('counts concurrent attempts exactly', async () => {
    const limit = { key: 'test:b', points: 10, windowSeconds: 60 };
    const results = await Promise.all(Array.from({ length: 25 }, () => consumeLimit(limit, database.db)));
    expect(results.filter((r) => r.allowed)).toHaveLength(10);
  });
  it('starts a new window when the old one has passed', async () => {
    const limit = { key: 'test:c', points: 1, windowSeconds: 1 };
    expect((await consumeLimit(limit, database.db)).allowed).toBe(true);
    expect((await consumeLimit(limit, database.db)).allowed).toBe(false);
    await new Promise((r) => setTimeout(r, 1100));
    expect((await consumeLimit(limit, database.db)).allowed).toBe(true);
  });
});
