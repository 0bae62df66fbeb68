/**
 * A bulk import whose random receipt is already taken (about 15,000 times in a million letters
 * into one round): the row is skipped by the batch's ON CONFLICT, found not to be there by its
 * key, and stored again with a new receipt — and the lookup code handed out verifies against the
 * hash stored with that new receipt (the batch's literals are written before the batch is sent,
 * so the retry must write them again). The receipt is forced to collide by the import's own
 * receipt function, which this file replaces with one that can be told the next receipt to draw.
 */
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { systemActor } from '../../src/server/audit';
import { importComments, type ImportReceipt } from '../../src/server/comments/import-comments';
import { verifyLookupCode } from '../../src/server/comments/receipts';
import { OPEN, commentByReceipt, commentCount, seedDrafts } from './comments-fixtures';

const forced: string[] = [];
vi.mock('../../src/server/comments/import-features', async (original) => {
  const real = await original<typeof import('../../src/server/comments/import-features')>();
  return { ...real, fastReceipt: (draftCode: string, round: number) => forced.shift() ?? real.fastReceipt(draftCode, round) };
});

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  await seedDrafts(database.db);
});
afterAll(async () => { await database.close(); });

const HEADER = 'external_id,draft,round,article,body,name,publish_name,district,occupation,contact,channel,received_at,station,voices';

async function run(csv: string) {
  const receipts: ImportReceipt[] = [];
  const result = await importComments({ csv }, { actor: systemActor, source: 'cli', onReceipt: (r) => receipts.push(r) }, database.db);
  return { ...result, receipts };
}

describe('a receipt drawn twice', () => {
  it('stores the letter under a new receipt whose lookup code verifies, and leaves the first letter as it was', async () => {
    const first = await run(`${HEADER}\nRC-1,${OPEN},,5,第五条应当写明办理时限。,,,,,,,,,\n`);
    const taken = first.receipts[0].receipt;
    const before = await commentCount(database.db);
    forced.push(taken);
    const second = await run(`${HEADER}\nRC-2,${OPEN},,6,第六条的时限太长，建议缩短。,,,,,,,,,\nRC-3,${OPEN},,,总体赞成。再补充一点意见。,,,,,,,,,\n`);
    expect(forced).toEqual([]); // the forced receipt was drawn
    expect(second).toMatchObject({ rows: 2, imported: 2, alreadyPresent: 0 });
    expect(await commentCount(database.db)).toBe(before + 2);
    const redrawn = second.receipts.find((r) => r.externalId === 'RC-2')!;
    expect(redrawn.receipt).not.toBe(taken);
    const stored = await commentByReceipt(database.db, redrawn.receipt);
    expect(stored?.body).toBe('第六条的时限太长，建议缩短。');
    expect(verifyLookupCode(redrawn.receipt, redrawn.lookupCode!, stored!.lookupHash)).toBe(true);
    const original = await commentByReceipt(database.db, taken);
    expect(original?.body).toBe('第五条应当写明办理时限。');
  });
});
