/**
 * `npm start` on a new machine: an embedded database made and migrated in the same process that
 * then takes comments. PGlite learns the array types when it opens, before the migrations make the
 * enums — a statement passing an array of an enum failed only here, never on a database the tests
 * load ready-migrated.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { createDatabase, migrateDatabase, type Database } from '../../src/db/client';
import { submitComment } from '../../src/server/comments/submit-comment';
import { consumeLimit } from '../../src/server/auth/rate-limit';
import { OPEN, commentByReceipt, seedDrafts } from './comments-fixtures';

let dir: string;
let database: Database;
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kaimen-fresh-'));
  database = await createDatabase({ pgliteDir: join(dir, 'pglite') });
  await migrateDatabase(database);
  await seedDrafts(database.db);
}, 60_000);
afterAll(async () => {
  await database?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('a new embedded database, migrated in this process', () => {
  it('stores comments from every channel and counts rate limits', async () => {
    for (const channel of ['web', 'api', 'kiosk', 'letter'] as const) {
      const r = await submitComment(OPEN, { article: 10, body: `建议明确诉求工单记录的时限（${channel}）。`, idempotencyKey: randomUUID() }, { channel }, database.db);
      expect(r.created).toBe(true);
      expect((await commentByReceipt(database.db, r.receipt)).channel).toBe(channel);
    }
    const state = await consumeLimit({ key: `fresh:${randomUUID()}`, points: 2, windowSeconds: 60 }, database.db);
    expect(state).toMatchObject({ allowed: true, remaining: 1 });
  });
});
