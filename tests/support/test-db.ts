/**
 * A fresh migrated database for one test file: a PGlite copy of the template, or a new
 * PostgreSQL database created from the template database (dropped afterwards).
 */
import { readFileSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { inject } from 'vitest';
import { createDatabase, setDatabase, type Database } from '../../src/db/client';
import { createFromTemplate, dropDatabase } from './pg-admin';

export interface TestDatabase extends Database {
  /** PostgreSQL only: the URL of this file's database (for starting servers against it). */
  url?: string;
}

export async function createTestDatabase(opts: { global?: boolean } = {}): Promise<TestDatabase> {
  const url = process.env.DATABASE_URL;
  let database: TestDatabase;
  if (url) {
    const template = inject('pgTemplate');
    if (!template) throw new Error('global setup did not prepare a PostgreSQL template');
    const name = `kaimen_t_${randomBytes(6).toString('hex')}`;
    const dbUrl = await createFromTemplate(url, name, template);
    const inner = await createDatabase({ databaseUrl: dbUrl, poolMax: 5 });
    database = {
      ...inner,
      url: dbUrl,
      async close() {
        await inner.close();
        await dropDatabase(url, name);
      },
    };
  } else {
    const file = inject('pgliteTemplate');
    if (!file) throw new Error('global setup did not prepare a PGlite template');
    database = await createDatabase({ pgliteMemory: true, pgliteLoadDataDir: new Blob([readFileSync(file)]) });
  }
  if (opts.global) setDatabase(database);
  return database;
}
