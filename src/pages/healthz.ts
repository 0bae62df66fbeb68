/** GET /healthz — reports whether the database answers. 200 when it does, 503 when not. */
import type { APIRoute } from 'astro';
import { sql } from 'drizzle-orm';
import { getDatabase } from '../db/client';
import { json } from '../server/web/http';

export const GET: APIRoute = async () => {
  const database = getDatabase();
  const started = performance.now();
  try {
    if (!database) throw new Error('not started');
    await database.db.execute(sql`select 1`);
    return json({ status: 'ok', database: { driver: database.driver, reachable: true, ms: Math.round(performance.now() - started) } }, 200, { 'cache-control': 'no-store' });
  } catch {
    return json({ status: 'unavailable', database: { driver: database?.driver ?? null, reachable: false } }, 503, { 'cache-control': 'no-store' });
  }
};
