/** Helpers shared by the drafts integration tests (not a test file itself). */
import { randomUUID } from 'node:crypto';
import { and, asc, eq } from 'drizzle-orm';
import { comments, drafts, provisions, rounds, versions } from '../../src/db/schema';
import type { DbOrTx } from '../../src/db/client';

/** Stores a comment row directly (commenting itself is another module's job). */
export async function insertComment(db: DbOrTx, slug: string, roundNumber: number, articleNumber: number | null, hidden = false): Promise<void> {
  const [r] = await db
    .select({ draftId: drafts.id, roundId: rounds.id })
    .from(rounds)
    .innerJoin(drafts, eq(drafts.id, rounds.draftId))
    .where(and(eq(drafts.slug, slug), eq(rounds.number, roundNumber)));
  const key = randomUUID();
  await db.insert(comments).values({
    receipt: `T${key.slice(0, 12)}`,
    lookupHash: key,
    idempotencyKey: key,
    draftId: r.draftId,
    roundId: r.roundId,
    articleNumber,
    body: '测试意见：建议明确办理时限。',
    channel: 'web',
    fingerprint: key,
    ...(hidden ? { hiddenAt: new Date(), hiddenReason: 'spam' } : {}),
  });
}

/** The articles of round `roundNumber` of `slug`: number, text and lineage id, in reading order. */
export async function articlesOf(db: DbOrTx, slug: string, roundNumber: number) {
  return db
    .select({ number: provisions.number, text: provisions.text, lineageId: provisions.lineageId })
    .from(provisions)
    .innerJoin(versions, eq(versions.id, provisions.versionId))
    .innerJoin(rounds, eq(rounds.id, versions.roundId))
    .innerJoin(drafts, eq(drafts.id, rounds.draftId))
    .where(and(eq(drafts.slug, slug), eq(rounds.number, roundNumber), eq(provisions.kind, 'article')))
    .orderBy(asc(provisions.seq));
}

/** Counts the SQL statements sent through `db` while `fn` runs (both drivers call client.query). */
export async function countQueries<T>(db: DbOrTx, fn: () => Promise<T>): Promise<{ result: T; queries: number }> {
  const client = (db as unknown as { $client: { query: (...args: unknown[]) => Promise<unknown> } }).$client;
  const original = client.query;
  let queries = 0;
  client.query = function (this: unknown, ...args: unknown[]) {
    queries++;
    return original.apply(this, args);
  };
  try {
    const result = await fn();
    return { result, queries };
  } finally {
    client.query = original;
  }
}
