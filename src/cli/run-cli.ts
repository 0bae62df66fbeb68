/**
 * The frame of every admin command: parse flags, open the database, run, print what was done,
 * and exit non-zero with a clear Chinese message on error (no stack trace for known errors).
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig } from '../server/config';
import { createDatabase, migrateDatabase, setDatabase, type Database } from '../db/client';
import { isAppError, toErrorBody } from '../server/errors';

export async function runCli(main: () => Promise<void>): Promise<void> {
  try {
    await main();
    process.exit(0);
  } catch (err) {
    if (isAppError(err)) {
      const { body } = toErrorBody(err);
      const fields = body.error.fields?.map((f) => `\n  ${f.field}: ${f.message}`).join('') ?? '';
      console.error(`错误（${body.error.code}）：${body.error.message}${fields}`);
    } else if (err instanceof Error && (err.name === 'CliUsageError' || err.name === 'PgliteLockedError' || /配置有误/.test(err.message))) {
      console.error(err.message);
    } else {
      console.error(err);
    }
    process.exit(1);
  }
}

export class CliUsageError extends Error {
  constructor(message: string, usage?: string) {
    super(usage ? `${message}\n用法：${usage}` : message);
    this.name = 'CliUsageError';
  }
}

/** Parses `--flag value` options strictly; unknown flags are a usage error. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(options: T, usage: string) {
  try {
    return parseArgs({ options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new CliUsageError(`参数有误：${(err as Error).message}`, usage);
  }
}

/** Opens, migrates and registers the configured database for a command; closes it after `fn`. */
export async function withDatabase<R>(fn: (database: Database) => Promise<R>): Promise<R> {
  const config = loadConfig();
  const database = await createDatabase({ databaseUrl: config.DATABASE_URL, pgliteDir: config.PGLITE_DIR, poolMax: 4 });
  try {
    await migrateDatabase(database);
    setDatabase(database);
    return await fn(database);
  } finally {
    setDatabase(undefined);
    await database.close();
  }
}
