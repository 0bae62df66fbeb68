/** npm run db:migrate — applies pending migrations to DATABASE_URL or the PGlite dir. */
import { loadConfig } from '../server/config';
import { createDatabase, migrateDatabase } from '../db/client';
import { consoleIo, runCli, runIfStarted, type CliIo } from './run-cli';

export async function main(_argv: string[], io: CliIo = consoleIo): Promise<number> {
  return runCli(io, async () => {
    const config = loadConfig();
    const database = await createDatabase({ databaseUrl: config.DATABASE_URL, pgliteDir: config.PGLITE_DIR, poolMax: 2 });
    try {
      await migrateDatabase(database);
      io.out(`迁移完成（${database.driver === 'postgres' ? 'PostgreSQL' : `PGlite ${config.PGLITE_DIR}`}）。`);
    } finally {
      await database.close();
    }
  });
}

await runIfStarted(import.meta.url, main);
