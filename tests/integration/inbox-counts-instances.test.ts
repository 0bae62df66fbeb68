/**
 * The inbox's cached counts hold across instances: two copies of review/inbox-counts.ts (each
 * with its own cache, as two server processes have) on two handles to one database. A change
 * committed through one is seen by the other's next read; a new comment, which does not bump the
 * counts' version, shows only after the cache's 30 s (so the cache is really in use).
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { createDatabase, type Database, type Db } from '../../src/db/client';
import { rowsOf } from '../../src/db/rows';
import { resolveFilters } from '../../src/server/review/inbox';
import { tagComments } from '../../src/server/review/tags';
import { assignComments } from '../../src/server/review/assign';
import { comment, createStaff, publishSample } from './review-support';

type CountsModule = typeof import('../../src/server/review/inbox-counts');

let database: TestDatabase;
let second: Database | undefined;
let dbA: Db;
let dbB: Db;
let instanceA: CountsModule;
let instanceB: CountsModule;
let alice: Awaited<ReturnType<typeof createStaff>>;
const ids: string[] = [];

beforeAll(async () => {
  database = await createTestDatabase();
  // PostgreSQL: a pool of its own, as another instance has. PGlite serves one process: one handle.
  second = database.url ? await createDatabase({ databaseUrl: database.url }) : undefined;
  dbA = database.db;
  dbB = second?.db ?? database.db;
  instanceA = await import('../../src/server/review/inbox-counts');
  vi.resetModules();
  instanceB = await import('../../src/server/review/inbox-counts');
  expect(instanceB).not.toBe(instanceA);
  await publishSample(dbA, 'wuye', 1, 'wuye-guanli');
  alice = await createStaff(dbA, '王工');
  ids.push(await comment(dbA, 'wuye', '楼顶漏雨三年了，物业一直不修'));
  ids.push(await comment(dbA, 'wuye', '物业费收费标准应当公开透明'));
});
afterAll(async () => {
  await second?.close();
  await database.close();
});

const counts = async (instance: CountsModule, db: Db) => instance.countFacets(await resolveFilters({ draft: 'wuye' }, db), alice, db);

describe('inbox counts across instances', () => {
  it('a tag or an assignment committed through one instance is counted by the other at its next read', async () => {
    expect((await counts(instanceB, dbB)).total).toBe(2);
    expect((await counts(instanceA, dbA)).assignee?.get('none')).toBe(2);

    // Not a counted change (new comments do not bump the version): instance B keeps its cached numbers.
    ids.push(await comment(dbA, 'wuye', '建议规定物业服务企业退出时的交接程序'));
    expect((await counts(instanceB, dbB)).total).toBe(2);

    await tagComments([ids[0]], ['漏雨'], alice, {}, dbA);
    const afterTag = await counts(instanceB, dbB);
    const tagId = rowsOf<{ id: string }>(await dbB.execute(sql`select id from tags where name = '漏雨'`))[0].id;
    expect(afterTag.tag?.get(tagId)).toBe(1);
    expect(afterTag.total).toBe(3);

    await assignComments({ ids: [ids[1]] }, alice.id, alice, dbB);
    expect((await counts(instanceA, dbA)).assignee?.get(alice.id)).toBe(1);
    expect((await counts(instanceA, dbA)).assignee?.get('none')).toBe(2);
  });

  it('the version moves only when the change is committed', async () => {
    const version = async (db: Db) => Number(rowsOf<{ version: string }>(await db.execute(sql`select version from inbox_counts_version`))[0].version);
    const before = await version(dbB);
    await dbA.transaction(async (tx) => {
      await tx.execute(sql`update comments set status = 'under_review' where id = ${ids[2]}::uuid`);
      if (second) expect(await version(dbB)).toBe(before); // not yet visible to the other instance
      tx.rollback();
    }).catch(() => {});
    expect(await version(dbB)).toBe(before);
    await dbA.execute(sql`update comments set status = 'under_review' where id = ${ids[2]}::uuid`);
    expect(await version(dbB)).toBe(before + 1);
    expect((await counts(instanceB, dbB)).status?.get('under_review')).toBe(1);
  });

  it('a submission that groups its founder leaves the version alone (no queue on its row); a staff change of group moves it', async () => {
    const version = async () => Number(rowsOf<{ version: string }>(await dbA.execute(sql`select version from inbox_counts_version`))[0].version);
    const letter = '建议在条例中明确规定物业服务企业必须每季度公开维修资金的使用情况和收支明细';
    const founder = await comment(dbA, 'wuye', letter);
    const before = await version();
    const copy = await comment(dbA, 'wuye', letter);
    const groups = rowsOf<{ group_id: string | null }>(await dbA.execute(sql`select group_id from comments where id in (${founder}::uuid, ${copy}::uuid)`));
    expect(groups.map((g) => g.group_id)).toEqual([groups[0].group_id, groups[0].group_id]);
    expect(groups[0].group_id).not.toBeNull();
    expect(await version()).toBe(before);
    await dbA.execute(sql`update comments set group_id = null where id = ${copy}::uuid`);
    expect(await version()).toBe(before + 1);
  });
});
