/** npm run db:migrate — applies pending migrations to DATABASE_URL or the PGlite dir. */
import { loadConfig } from '../server/config';
import { createDatabase, migrateDatabase } from '../db/client';
import { runCli } from './run-cli';

await runCli(async () => {
  const config = loadConfig();
  const database = await createDatabase({ databaseUrl: config.DATABASE_URL, pgliteDir: config.PGLITE_DIR, poolMax: 2 });
  try {
    await migrateDatabase(database);
    console.log(`迁移完成（${database.driver === 'postgres' ? 'PostgreSQL' : `PGlite ${config.PGLITE_DIR}`}）。`);
  } finally {
    await database.close();
  }
});
