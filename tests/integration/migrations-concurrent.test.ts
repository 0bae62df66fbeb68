/**
 * Two instances starting at once on one PostgreSQL apply the migrations once (the advisory
 * lock in migrateDatabase). Only meaningful on PostgreSQL; PGlite is single-process by design.
 */
import { describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { sql } from 'drizzle-orm';
import { createDatabase, migrateDatabase, migrationsFolder } from '../../src/db/client';
import { adminUrl, dropDatabase, quoteIdent } from '../support/pg-admin';

const url = process.env.DATABASE_URL;

describe.skipIf(!url)('migrations on PostgreSQL (DATABASE_URL set)', () => {
  it('two instances migrating an empty database at once apply every migration exactly once', async () => {
    const name = `kaimen_mig_${randomBytes(5).toString('hex')}`;
    const admin = await adminUrl(url!);
    await admin.query(`create database ${quoteIdent(name)}`);
    await admin.end();
    const u = new URL(url!);
    u.pathname = `/${name}`;
    const a = await createDatabase({ databaseUrl: u.toString(), poolMax: 2 });
    const b = await createDatabase({ databaseUrl: u.toString(), poolMax: 2 });
    try {
      await Promise.all([migrateDatabase(a), migrateDatabase(b)]);
      const journal = JSON.parse(readFileSync(`${migrationsFolder()}/meta/_journal.json`, 'utf8')) as { entries: unknown[] };
      const rows = await a.db.execute(sql`select count(*)::int as n, count(distinct hash)::int as d from drizzle.__drizzle_migrations`);
      expect(rows.rows[0]).toEqual({ n: journal.entries.length, d: journal.entries.length });
    } finally {
      await a.close();
      await b.close();
      await dropDatabase(url!, name);
    }
  });
});
