/** Duplicate grouping at submission: exact and near-identical comments join one group. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { OPEN, commentByReceipt, seedDrafts } from './comments-fixtures';
import { submitComment } from '../../src/server/comments/submit-comment';
import { groupPick, NO_ID } from '../../src/server/grouping/grouping';
import { intArrayLiteral } from '../../src/db/pg-literals';
import { textFeaturesOf } from '../../src/server/grouping/text-features';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  await seedDrafts(database.db);
});
afterAll(async () => { await database.close(); });

const CAMPAIGN = '强烈建议在第十条中明确规定，承办单位应当在接到诉求后二十四小时内与诉求人取得联系，并在七个工作日内办结，逾期未办结的应当说明理由并告知诉求人办理进度。';
const submit = (body: string) => submitComment(OPEN, { article: 10, body, idempotencyKey: randomUUID() }, { channel: 'web' }, database.db);

describe('grouping at submission', () => {
  it('puts identical and near-identical comments from every channel in the founder’s group', async () => {
    const founder = await submit(CAMPAIGN);
    const variants = [
      CAMPAIGN,
      CAMPAIGN.replace('强烈建议', '建议'),
      CAMPAIGN.replace('七个工作日', '五个工作日'),
      `${CAMPAIGN}谢谢！`,
      CAMPAIGN.replace('，', ' , '),
    ];
    const results = await Promise.all(variants.map(submit));
    const founderRow = await commentByReceipt(database.db, founder.receipt);
    expect(founderRow.groupId).not.toBeNull();
    for (const r of results) expect((await commentByReceipt(database.db, r.receipt)).groupId).toBe(founderRow.groupId);
    const orphans = await database.db.execute(sql`
      select count(*)::int as n from comment_groups g where not exists (select 1 from comments c where c.group_id = g.id)`);
    expect(orphans.rows[0]).toEqual({ n: 0 });
  });

  it('keeps an exact duplicate out of the band index (its founder holds the keys): one row per band key', async () => {
    const founder = await commentByReceipt(database.db, (await submit(`${CAMPAIGN.slice(0, 40)}另外建议公开办理结果。`)).receipt);
    const member = await commentByReceipt(database.db, (await submit(`${CAMPAIGN.slice(0, 40)}另外建议公开办理结果！！`)).receipt);
    expect(member.groupId).toBe(founder.id); // a new group takes its founder's id
    const rows = await database.db.execute(sql`
      select comment_id, count(*)::int as n from lsh_buckets where comment_id in (${founder.id}::uuid, ${member.id}::uuid) group by comment_id`);
    expect(rows.rows).toEqual([{ comment_id: founder.id, n: 16 }]);
    const perKey = await database.db.execute(sql`select count(*)::int as n from lsh_buckets group by round_id, band_key having count(*) > 1`);
    expect(perKey.rows).toEqual([]);
  });

  it('leaves an unrelated comment alone', async () => {
    const r = await submit('建议增加对老年人使用热线的便利措施，例如设置一键转人工服务，方便老人反映问题。');
    expect((await commentByReceipt(database.db, r.receipt)).groupId).toBeNull();
  });

  it('probes the band index by its whole key, even with a generic plan and no statistics', async () => {
    // A prepared statement keeps its generic plan until the tables are analysed: a plan that read
    // the whole round's band keys and filtered them cost milliseconds per submission (bench/).
    const founder = await commentByReceipt(database.db, (await submit('建议在各街道设立接诉即办服务站，方便居民当面反映问题。')).receipt);
    await database.db.execute(sql`
      insert into lsh_buckets (round_id, band_key, comment_id)
      select ${founder.roundId}::uuid, k, ${founder.id}::uuid from generate_series(-3000000, -2997001) as k
      on conflict do nothing`);
    const body = '建议在各街道设立接诉即办服务站，方便老年居民当面反映问题。';
    const text = textFeaturesOf(body);
    const plan = await database.db.transaction(async (tx) => {
      await tx.execute(sql`set local plan_cache_mode = force_generic_plan`);
      const pick = groupPick({
        roundId: sql`${founder.roundId}::uuid`, fingerprint: sql`${text.fingerprint}::text`, self: sql`${NO_ID}::uuid`,
        minhash: sql`${intArrayLiteral(text.minhash)}::int[]`, lshBands: sql`${intArrayLiteral(text.lshBands)}::int[]`,
        bigrams: sql`${intArrayLiteral(text.bigrams)}::int[]`,
      });
      const r = await tx.execute(sql`explain (format json) select * from ${pick} as p`);
      return JSON.stringify((r.rows[0] as Record<string, unknown>)['QUERY PLAN']);
    });
    const scans = [...plan.matchAll(/"Index Name":"lsh_buckets[^"]*"[^{}]*?"Index Cond":"([^"]*)"/g)].map((m) => m[1]);
    expect(scans.length).toBeGreaterThan(0);
    for (const cond of scans) expect(cond).toMatch(/band_key = /);
  });
});
