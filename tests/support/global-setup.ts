/**
 * Prepares one migrated template database for the whole run: a PGlite data-dir dump when
 * DATABASE_URL is unset, a PostgreSQL template database when it is set. Each test file then
 * gets a fresh copy (tests/support/test-db.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { createDatabase, migrateDatabase } from '../../src/db/client';
import { adminUrl, dropDatabase, quoteIdent } from './pg-admin';

export default async function setup(project: TestProject) {
  const url = process.env.DATABASE_URL;
  if (url) {
    const template = `kaimen_tpl_${process.pid}`;
    await dropDatabase(url, template);
    const admin = await adminUrl(url);
    await admin.query(`create database ${quoteIdent(template)}`);
    await admin.end();
    const u = new URL(url);
    u.pathname = `/${template}`;
    const database = await createDatabase({ databaseUrl: u.toString(), poolMax: 2 });
    await migrateDatabase(database);
    await database.close();
    project.provide('pgTemplate', template);
    return async () => {
      await dropDatabase(url, template);
    };
  }
  const dir = mkdtempSync(join(tmpdir(), 'kaimen-test-'));
  const database = await createDatabase({ pgliteMemory: true });
  await migrateDatabase(database);
  const dump = await database.dump!();
  await database.close();
  const file = join(dir, 'template.tar');
  writeFileSync(file, Buffer.from(await dump.arrayBuffer()));
  project.provide('pgliteTemplate', file);
  return () => rmSync(dir, { recursive: true, force: true });
}

declare module 'vitest' {
  export interface ProvidedContext {
    pgTemplate?: string;
    pgliteTemplate?: string;
  }
}
