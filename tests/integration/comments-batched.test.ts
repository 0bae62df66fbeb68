/**
 * Submissions arriving together share one INSERT statement and one commit on PostgreSQL
 * (comments/insert-comments.ts, db/batcher.ts). Whatever shares a batch, every comment is stored
 * once, a repeated idempotency key still gets the first receipt, and near-identical comments
 * still find each other's group.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { OPEN, commentByReceipt, seedDrafts } from './comments-fixtures';
import { submitComment } from '../../src/server/comments/submit-comment';
import { rowsOf } from '../../src/db/rows';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  await seedDrafts(database.db);
});
afterAll(async () => { await database.close(); });

const submit = (body: string, idempotencyKey: string = randomUUID(), article = 10) =>
  submitComment(OPEN, { article, body, idempotencyKey }, { channel: 'api' }, database.db);

const DISTINCT = Array.from({ length: 60 }, (_, i) =>
  `第${i + 1}条意见：建议${['社区', '街道', '热线', '网格', '物业', '学校'][i % 6]}在办理诉求时公开第${i * 7 + 3}项进度，编号${randomUUID()}。`);
const CAMPAIGN = '强烈建议在第十条中明确规定，承办单位应当在接到诉求后二十四小时内与诉求人取得联系，并在七个工作日内办结，逾期未办结的应当说明理由。';
const VARIANTS = [CAMPAIGN, CAMPAIGN.replace('强烈建议', '建议'), `${CAMPAIGN}谢谢！`, CAMPAIGN.replace('七个工作日', '五个工作日'), CAMPAIGN];

/**
 * Counts the statements inserting comments that this process sends through pg while `fn` runs.
 * (Not pg_stat_database's commits: autovacuum and the stats' own timing move those by ±10.)
 */
async function commentInserts<T>(fn: () => Promise<T>): Promise<{ result: T; inserts: number }> {
  const pgModule = (await import('pg')).default;
  const query = pgModule.Client.prototype.query;
  let inserts = 0;
  pgModule.Client.prototype.query = function (this: unknown, ...args: unknown[]) {
    const first = args[0] as string | { text?: string } | undefined;
    const text = typeof first === 'string' ? first : first?.text ?? '';
    if (/insert into comments\b/i.test(text)) inserts++;
    return (query as (...a: unknown[]) => unknown).apply(this, args);
  } as typeof query;
  try {
    return { result: await fn(), inserts };
  } finally {
    pgModule.Client.prototype.query = query;
  }
}

describe('submissions arriving together', () => {
  it('store every comment once, answer repeated keys with the first receipt and group near-duplicates', async () => {
    const repeated = DISTINCT.slice(0, 20).map((body) => ({ body, key: randomUUID() }));
    const calls = () => [
      ...DISTINCT.slice(20).map((body) => submit(body)),
      ...repeated.flatMap(({ body, key }) => [submit(body, key), submit(body, key), submit(body, key)]),
      ...VARIANTS.map((body) => submit(body)),
    ];
    const { result: results, inserts } = await commentInserts(() => Promise.all(calls()));
    const stored = rowsOf<{ n: number }>(await database.db.execute(sql`select count(*)::int as n from comments where round_id = (
      select round_id from comments where receipt = ${results[0].receipt})`))[0].n;
    expect(stored).toBe(40 + 20 + VARIANTS.length);
    expect(new Set(results.map((r) => r.receipt)).size).toBe(40 + 20 + VARIANTS.length);

    const perKey = results.slice(40, 100);
    for (let i = 0; i < 20; i++) {
      const three = perKey.slice(i * 3, i * 3 + 3);
      expect(new Set(three.map((r) => r.receipt)).size).toBe(1);
      expect(three.filter((r) => r.created)).toHaveLength(1);
    }

    const campaign = await Promise.all(results.slice(100).map((r) => commentByReceipt(database.db, r.receipt)));
    expect(campaign[0].groupId).not.toBeNull();
    expect(new Set(campaign.map((c) => c.groupId)).size).toBe(1);
    const loners = await Promise.all(results.slice(0, 40).map((r) => commentByReceipt(database.db, r.receipt)));
    expect(loners.every((c) => c.groupId === null)).toBe(true);

    if (database.driver === 'postgres') {
      // 105 submissions, each of which alone would send its own INSERT (the three of a repeated key
      // race to it): about half as many statements (53 in a run of 2026-12-05), for they were
      // batched — each batch one statement and one commit; a group's founder inserts on its own.
      expect(inserts).toBeGreaterThan(0);
      expect(inserts).toBeLessThan(Math.round(0.8 * (40 + 3 * 20 + VARIANTS.length)));
    }
  });

  it('refuses, alone, a comment on an article the round does not have, while its batch is stored', async () => {
    const ok = DISTINCT.slice(0, 5).map((b) => `${b}（另）`);
    const results = await Promise.allSettled([...ok.map((b) => submit(b)), submit('建议增加一条关于诉求人隐私保护的规定。', randomUUID(), 999)]);
    expect(results.slice(0, 5).every((r) => r.status === 'fulfilled')).toBe(true);
    const refused = results[5] as PromiseRejectedResult;
    expect(refused.status).toBe('rejected');
    expect(refused.reason.code).toBe('ArticleNotFound');
  });
});
