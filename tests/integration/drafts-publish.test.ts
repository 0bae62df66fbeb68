/**
 * publishVersion's rules and lineage on the sample drafts (content/drafts/README.md lists the exact
 * differences between the 接诉即办 rounds 1 → 2 → 3).
 */
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { count, eq } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { auditEvents, drafts, provisions, rounds, versions } from '../../src/db/schema';
import { publishVersion } from '../../src/server/drafts/publish-version';
import { loadSampleDrafts } from '../../src/server/drafts/sample-drafts';
import { articlesOf, insertComment } from './drafts-support';
import { lawFile } from '../support/shared-fixtures';

let database: TestDatabase;
const now = new Date('2026-06-01T00:00:00Z');
const tingche = (year: number) => readFileSync(lawFile(`beijing-tingche-${year}.md`), 'utf8');

beforeAll(async () => {
  database = await createTestDatabase();
  await loadSampleDrafts(database.db, now);
});
afterAll(async () => {
  await database.close();
});

async function total(table: typeof versions | typeof provisions | typeof auditEvents | typeof rounds): Promise<number> {
  const [row] = await database.db.select({ n: count() }).from(table);
  return Number(row.n);
}

describe('publishVersion', () => {
  it('loaded the sample drafts with their counts', async () => {
    expect((await articlesOf(database.db, 'jiesu-jiban', 1)).length).toBe(37);
    expect((await articlesOf(database.db, 'jiesu-jiban', 2)).length).toBe(36);
    expect((await articlesOf(database.db, 'jiesu-jiban', 3)).length).toBe(38);
    expect((await articlesOf(database.db, 'lifafa', 2)).length).toBe(120);
    const [d] = await database.db.select().from(drafts).where(eq(drafts.slug, 'jiesu-jiban'));
    expect(d.code).toBe('JS');
  });

  it('re-importing the same text is a no-op: no new rows, no audit event', async () => {
    const before = [await total(versions), await total(provisions), await total(auditEvents)];
    const result = await publishVersion({ slug: 'tingche', roundNumber: 2, text: tingche(2024), label: '改名' }, undefined, database.db);
    expect(result.created).toBe(false);
    expect(result.counts.articles).toBe(43);
    expect([await total(versions), await total(provisions), await total(auditEvents)]).toEqual(before);
  });

  it('replaces the text of a round without comments, keeping lineage', async () => {
    await publishVersion({ slug: 'scratch', roundNumber: 1, text: tingche(2021), code: 'SC' }, undefined, database.db);
    await publishVersion({ slug: 'scratch', roundNumber: 2, text: tingche(2021) }, undefined, database.db);
    const first = await articlesOf(database.db, 'scratch', 1);
    const result = await publishVersion({ slug: 'scratch', roundNumber: 2, text: tingche(2024) }, undefined, database.db);
    expect(result.created).toBe(true);
    const second = await articlesOf(database.db, 'scratch', 2);
    expect(second.map((a) => a.lineageId)).toEqual(first.map((a) => a.lineageId));
    expect(second[28].text).toContain('应当由业主依法共同决定');
  });

  it('refuses a different text for a round that has comments (VersionConflict) and changes nothing', async () => {
    await insertComment(database.db, 'scratch', 2, 29);
    const before = [await total(versions), await total(provisions), await total(auditEvents)];
    const err = await publishVersion({ slug: 'scratch', roundNumber: 2, text: tingche(2021) }, undefined, database.db).catch((e) => e);
    expect(err.code).toBe('VersionConflict');
    expect(err.status).toBe(409);
    expect([await total(versions), await total(provisions), await total(auditEvents)]).toEqual(before);
    // The same text stays a no-op even with comments.
    expect((await publishVersion({ slug: 'scratch', roundNumber: 2, text: tingche(2024) }, undefined, database.db)).created).toBe(false);
  });

  it('refuses a text without articles (LegalTextInvalid) before writing anything', async () => {
    const before = await total(rounds);
    const err = await publishVersion({ slug: 'empty-one', roundNumber: 1, text: '# 标题\n\n只有一段说明。\n' }, undefined, database.db).catch((e) => e);
    expect(err.code).toBe('LegalTextInvalid');
    expect(await total(rounds)).toBe(before);
  });
});

describe('lineage across the 接诉即办 rounds', () => {
  let r1: Awaited<ReturnType<typeof articlesOf>>;
  let r2: typeof r1;
  let r3: typeof r1;
  const lin = (list: typeof r1, n: number) => list.find((a) => a.number === n)!.lineageId;
  beforeAll(async () => {
    [r1, r2, r3] = await Promise.all([1, 2, 3].map((n) => articlesOf(database.db, 'jiesu-jiban', n)));
  });

  it('gives every article a lineage id, unique within its round', () => {
    for (const list of [r1, r2, r3]) {
      expect(list.every((a) => a.lineageId)).toBe(true);
      expect(new Set(list.map((a) => a.lineageId)).size).toBe(list.length);
    }
  });

  it('1 → 2: a merge keeps the first source, an added article is new, a removed one ends, renumbered ones keep theirs', () => {
    expect(lin(r2, 1)).toBe(lin(r1, 1)); // modified purpose clause
    expect(lin(r2, 6)).toBe(lin(r1, 6)); // r1 6 + 7 merged into r2 6
    const r1Ids = new Set(r1.map((a) => a.lineageId));
    expect(r1Ids.has(lin(r2, 7))).toBe(false); // 表彰奖励, new
    expect(r2.some((a) => a.lineageId === lin(r1, 7))).toBe(false); // merged away
    expect(r2.some((a) => a.lineageId === lin(r1, 10))).toBe(false); // 不合理诉求标注, removed
    expect(lin(r2, 10)).toBe(lin(r1, 11)); // renumbered
    expect(lin(r2, 11)).toBe(lin(r1, 12)); // an item fewer
    expect(lin(r2, 22)).toBe(lin(r1, 23)); // extended wording
    expect(lin(r2, 36)).toBe(lin(r1, 37));
  });

  it('2 → 3: a split keeps the first piece, an inserted article is new, later articles follow their renumbering', () => {
    expect(lin(r3, 9)).toBe(lin(r2, 9)); // third paragraph added
    expect(lin(r3, 17)).toBe(lin(r2, 17)); // second paragraph added
    expect(lin(r3, 18)).toBe(lin(r2, 18)); // first piece of the split
    const r2Ids = new Set(r2.map((a) => a.lineageId));
    expect(r2Ids.has(lin(r3, 19))).toBe(false); // second piece of the split
    expect(r2Ids.has(lin(r3, 21))).toBe(false); // 京津冀联动, added
    expect(lin(r3, 20)).toBe(lin(r2, 19));
    expect(lin(r3, 32)).toBe(lin(r2, 30)); // 考评, modified and renumbered
    expect(lin(r3, 38)).toBe(lin(r2, 36));
  });

  it('follows one article through all three rounds: r1 第十一条 → r2 第十条 → r3 第十条', () => {
    expect(lin(r3, 10)).toBe(lin(r1, 11));
  });
});
