/** Whether this instance can serve: the database answers (GET /healthz). */
import { sql } from 'drizzle-orm';
import { getDatabase, type Database } from '../db/client';

export interface Health {
  status: 'ok' | 'unavailable';
  database: { driver: Database['driver'] | null; reachable: boolean; ms?: number };
}

/** Runs `select 1` on the process's database; never throws. */
export async function checkHealth(): Promise<Health> {
  const database = getDatabase();
  const started = performance.now();
  try {
    if (!database) throw new Error('not started');
    await database.db.execute(sql`select 1`);
    return { status: 'ok', database: { driver: database.driver, reachable: true, ms: Math.round(performance.now() - started) } };
  } catch {
    return { status: 'unavailable', database: { driver: database?.driver ?? null, reachable: false } };
  }
}
