/** Shared set-up for the comment integration tests: a database with the sample drafts and a tiny draft of our own. */
import { count, eq } from 'drizzle-orm';
import { comments } from '../../src/db/schema';
import type { DbOrTx } from '../../src/db/client';
import { loadSampleDrafts } from '../../src/server/drafts/sample-drafts';
import { publishVersion } from '../../src/server/drafts/publish-version';
import { parseShanghaiTime } from '../../src/server/time';
import { afterAll, beforeAll } from 'vitest';
import { setDatabase } from '../../src/db/client';
import { createTestDatabase, type TestDatabase } from '../support/test-db';

/**
 * A fresh database, registered as the process's getDb(), with the drafts seeded, for the tests of
 * one file; closed after them. Returns a getter (the database exists once beforeAll has run).
 */
export function useSeededGlobalDatabase(): () => TestDatabase {
  let database: TestDatabase;
  beforeAll(async () => {
    database = await createTestDatabase({ global: true });
    await seedDrafts(database.db);
  });
  afterAll(async () => {
    setDatabase(undefined);
    await database.close();
  });
  return () => database;
}

/** The open sample draft (三审稿 open from 3 days ago for 30 days). */
export const OPEN = 'jiesu-jiban';
/** Sample drafts whose current round is closed / not yet open. */
export const CLOSED = 'tingche';
export const UPCOMING = 'lifafa';
/** A draft of ours whose period ends at 2026-12-01 18:00 Beijing time. */
export const TIMED = 'ceshi-tiaoli';
export const TIMED_OPENS = parseShanghaiTime('2026-11-01T09:00')!;
export const TIMED_CLOSES = parseShanghaiTime('2026-12-01T18:00')!;

const TIMED_TEXT = `# 测试条例（草案）

第一条 为了测试意见征集，制定本条例。

第二条 本条例自公布之日起施行。
`;

/** Loads the samples and the timed draft. */
export async function seedDrafts(db: DbOrTx, now = new Date()): Promise<void> {
  await loadSampleDrafts(db, now);
  await publishVersion({ slug: TIMED, code: 'CS', roundNumber: 1, text: TIMED_TEXT, opensAt: TIMED_OPENS, closesAt: TIMED_CLOSES }, undefined, db);
}

export async function commentCount(db: DbOrTx): Promise<number> {
  const [{ n }] = await db.select({ n: count() }).from(comments);
  return Number(n);
}

export async function commentByReceipt(db: DbOrTx, receipt: string) {
  const [row] = await db.select().from(comments).where(eq(comments.receipt, receipt));
  return row;
}

/** Runs `fn` and returns the error it throws (or fails). */
export async function caught(fn: () => Promise<unknown>): Promise<{ code: string; fields: Array<{ field: string; key: string; params?: Record<string, unknown> }>; params: Record<string, unknown> }> {
  try {
    await fn();
  } catch (err) {
    return err as never;
  }
  throw new Error('expected an error');
}

export const validComment = { article: 10, body: '建议明确诉求工单记录的时限，避免遗漏。' };
