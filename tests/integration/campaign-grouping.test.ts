/**
 * Campaign grouping that survives rewrites (issue 19), measured on the labelled corpus
 * (tests/fixtures/campaigns/corpus.json, made by make-corpus.ts) through the real path:
 * every item submitted with submitComment, in the corpus's mixed order, to one open round.
 * Goals: recall ≥ 95 % (copies in their letter's group), false grouping ≤ 2 % (distinct
 * comments in any group). The grouping before this (bench/lib/grouping-legacy.ts) had 69 %.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { OPEN, seedDrafts } from './comments-fixtures';
import { submitComment } from '../../src/server/comments/submit-comment';
import { rowsOf } from '../../src/db/rows';
import { loadCorpus, score, type Score } from '../fixtures/campaigns/score';

let database: TestDatabase;
let result: Score;
const corpus = loadCorpus();

beforeAll(async () => {
  database = await createTestDatabase();
  await seedDrafts(database.db);
  const receipts: string[] = [];
  for (const it of corpus.items) {
    const r = await submitComment(OPEN, { article: it.article, body: it.body, idempotencyKey: randomUUID(), publishName: false, notify: false }, { channel: 'web' }, database.db);
    receipts.push(r.receipt);
  }
  const groups = new Map(rowsOf<{ receipt: string; group_id: string | null }>(
    await database.db.execute(sql`select receipt, group_id from comments`)).map((r) => [r.receipt, r.group_id]));
  result = score(corpus.items, receipts.map((r) => groups.get(r) ?? null));
}, 120_000);
afterAll(async () => { await database.close(); });

describe('campaign grouping on the labelled corpus', () => {
  it('is a corpus of 12 letters × 15 copies and 200 distinct comments', () => {
    expect(corpus.letters).toHaveLength(12);
    expect(result.copies).toBe(180);
    expect(result.distinct).toBe(200);
  });
  it('puts at least 95 % of the copies in their letter’s group', () => {
    expect(result.missed, `missed: ${result.missed.join(', ')}`).toSatisfy((m: string[]) => m.length <= 0.05 * result.copies);
    expect(result.recall).toBeGreaterThanOrEqual(0.95);
  });
  it('groups at most 2 % of the distinct comments, and never two letters together', () => {
    expect(result.falseGrouping, `grouped: ${result.falselyGrouped.join(', ')}`).toBeLessThanOrEqual(0.02);
    expect(result.lettersMerged).toBe(0);
  });
  it('leaves no group without members and one band-index row per key', async () => {
    const orphans = await database.db.execute(sql`
      select count(*)::int as n from comment_groups g where not exists (select 1 from comments c where c.group_id = g.id)`);
    expect(orphans.rows[0]).toEqual({ n: 0 });
    const perKey = await database.db.execute(sql`select count(*)::int as n from lsh_buckets group by round_id, band_key having count(*) > 1`);
    expect(perKey.rows).toEqual([]);
  });
});

describe('the scoring', () => {
  it('counts a copy outside its letter’s group as missed and a grouped distinct comment as false', () => {
    const items = corpus.items.slice(0, 60);
    const letterOf = (i: number) => items[i].letter;
    // Everything alone: no recall, no false grouping.
    expect(score(items, items.map(() => null)).recall).toBe(0);
    // Each letter's copies in one group, one distinct comment joining the first letter's group.
    const groups = items.map((it, i) => (it.letter ? `g-${letterOf(i)}` : null));
    const firstDistinct = items.findIndex((it) => !it.letter);
    groups[firstDistinct] = `g-${items.find((it) => it.letter)!.letter}`;
    const s = score(items, groups);
    expect(s.recall).toBe(1);
    expect(s.grouped).toBe(1);
    expect(s.withLetter).toBe(1);
  });
});
