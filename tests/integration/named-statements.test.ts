/**
 * DATABASE_NAMED_STATEMENTS (decision 025): the hot paths' statements are named prepared
 * statements by default (decision 010); opened with `namedStatements: false` — for pgbouncer 1.18
 * in transaction mode — they are unnamed and leave nothing prepared on the server connection.
 * bench/cluster.ts runs the real pgbouncer. Needs DATABASE_URL (PGlite has no named statements).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { createDatabase, executePrepared, type Database } from '../../src/db/client';
import { loadConfig } from '../../src/server/config';

const pg = !!process.env.DATABASE_URL;

describe.skipIf(!pg)('named prepared statements', () => {
  let database: TestDatabase;
  const opened: Database[] = [];
  beforeAll(async () => {
    database = await createTestDatabase();
  });
  afterAll(async () => {
    for (const d of opened) await d.close();
    await database?.close();
  });

  /** Runs one statement through executePrepared on a one-connection pool; how many statements that connection has prepared. */
  async function preparedAfter(namedStatements: boolean | undefined): Promise<number> {
    const d = await createDatabase({ databaseUrl: database.url!, poolMax: 1, namedStatements });
    opened.push(d);
    const { rows } = await executePrepared<{ one: number }>(d.db, sql`select ${1}::int as one`);
    expect(rows[0].one).toBe(1);
    const counted = await d.db.execute(sql`select count(*)::int as n from pg_prepared_statements`);
    return (counted.rows[0] as { n: number }).n;
  }

  it('are named by default, and unnamed with namedStatements: false', async () => {
    expect(await preparedAfter(undefined)).toBe(1);
    expect(await preparedAfter(false)).toBe(0);
  });

  it('are named inside a transaction too, on its connection, and unnamed there with namedStatements: false', async () => {
    for (const [namedStatements, expected] of [[undefined, 1], [false, 0]] as const) {
      const d = await createDatabase({ databaseUrl: database.url!, poolMax: 1, namedStatements });
      opened.push(d);
      const n = await d.db.transaction(async (tx) => {
        const { rows } = await executePrepared<{ two: number }>(tx, sql`select ${2}::int as two`);
        expect(rows[0].two).toBe(2);
        const counted = await tx.execute(sql`select count(*)::int as n from pg_prepared_statements`);
        return (counted.rows[0] as { n: number }).n;
      });
      expect(n).toBe(expected);
      // The same connection afterwards, through the pool: the statement prepared in the transaction is reused.
      if (expected) {
        const { rows } = await executePrepared<{ two: number }>(d.db, sql`select ${3}::int as two`);
        expect(rows[0].two).toBe(3);
        expect(((await d.db.execute(sql`select count(*)::int as n from pg_prepared_statements`)).rows[0] as { n: number }).n).toBe(1);
      }
    }
  });

  it('are switched by DATABASE_NAMED_STATEMENTS', () => {
    expect(loadConfig({}).DATABASE_NAMED_STATEMENTS).toBe(true);
    expect(loadConfig({ DATABASE_NAMED_STATEMENTS: 'false' }).DATABASE_NAMED_STATEMENTS).toBe(false);
  });
});
