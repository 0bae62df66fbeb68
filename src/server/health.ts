/** Whether this instance can serve: the database answers; and the read replica's state (GET /healthz). */
import { sql } from 'drizzle-orm';
import { getDatabase, type Database } from '../db/client';
import { getReadReplica, type ReplicaHealth } from '../db/replica';

export interface Health {
  status: 'ok' | 'unavailable';
  database: { driver: Database['driver'] | null; reachable: boolean; ms?: number };
  /**
   * The read replica (DATABASE_READ_URL) when one is configured: its state (ok, lagging, down),
   * its last measured lag and where anonymous reading pages read from now. A replica that is down
   * or behind does not make the instance unavailable: reads go to the primary.
   */
  replica?: ReplicaHealth;
}

/** Runs `select 1` on the process's database; never throws. */
export async function checkHealth(): Promise<Health> {
  const database = getDatabase();
  const replica = getReadReplica()?.health();
  const started = performance.now();
  try {
    if (!database) throw new Error('not started');
    await database.db.execute(sql`select 1`);
    return { status: 'ok', database: { driver: database.driver, reachable: true, ms: Math.round(performance.now() - started) }, ...(replica ? { replica } : {}) };
  } catch {
    return { status: 'unavailable', database: { driver: database?.driver ?? null, reachable: false }, ...(replica ? { replica } : {}) };
  }
}
