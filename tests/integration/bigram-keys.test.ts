/**
 * The bigram keys that migration 0006 computes in SQL for comments stored before it must equal
 * bigramKeysOf in text-features.ts, or search would miss those comments. The function is taken
 * from the migration file itself and run on the database.
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { bigramKey, bigramsOf } from '../../src/server/grouping/text-features';
import { rowsOf } from '../../src/db/rows';

let database: TestDatabase;
beforeAll(async () => {
  database = await createTestDatabase();
  const migration = readFileSync(new URL('../../drizzle/0006_band_index_int_bigrams.sql', import.meta.url), 'utf8');
  const fn = /CREATE FUNCTION kaimen_bigram_keys[\s\S]*?\$\$;/.exec(migration)?.[0];
  if (!fn) throw new Error('migration 0006 no longer defines kaimen_bigram_keys');
  await database.db.execute(sql.raw(fn.replace(/;$/, '')));
});
afterAll(() => database?.close());

describe('migration 0006 bigram keys', () => {
  it.each([
    '停车位不足，夜间噪音扰民',
    '物业费 Ab12 漏雨',
    '𠀀𠀁字𠮷野家', // astral characters: hashed keys
    '鿿鿿ＡＢ', // U+9FFF: the sign bit of the BMP key
    '好',
  ])('agree with bigramKeysOf for %s', async (text) => {
    const grams = bigramsOf(text);
    const [row] = rowsOf<{ keys: number[] | string }>(await database.db.execute(
      sql`select kaimen_bigram_keys(${`{${grams.map((g) => `"${g}"`).join(',')}}`}::text[]) as keys`));
    const keys = Array.isArray(row.keys) ? row.keys.map(Number) : row.keys.replace(/[{}]/g, '').split(',').filter(Boolean).map(Number);
    expect(keys).toEqual(grams.map(bigramKey));
  });
});
