/**
 * Fixed-window rate limits kept in the database (table rate_limits), so every app instance
 * over one PostgreSQL shares them. One upsert per check (or per batch of checks arriving together):
 * no read-then-write race.
 */
import { and, gt, inArray, sql } from 'drizzle-orm';
import { rateLimits } from '../../db/schema';
import { executePrepared, getDb, type DbOrTx } from '../../db/client';
import { groupCommit } from '../../db/batcher';
import { pgArray } from '../../db/pg-literals';
import { AppError } from '../errors';

export interface Limit {
  /** What is limited and for whom, e.g. `signin:ip:1.2.3.4` or `comment:kiosk:<id>`. */
  key: string;
  /** How many attempts the window allows. */
  points: number;
  windowSeconds: number;
}

export interface LimitState {
  allowed: boolean;
  remaining: number;
  /** Seconds until the window resets. */
  retryAfter: number;
}

/**
 * Counts one attempt against `limit` and reports whether it is allowed. On the PostgreSQL pool,
 * checks arriving together share one statement and one commit (db/batcher.ts); two checks of one
 * key never share a batch, so each counts.
 */
export function consumeLimit(limit: Limit, db: DbOrTx = getDb()): Promise<LimitState> {
  return consumeBatched(db, limit);
}

const consumeBatched = groupCommit(consumeLimits, { maxBatch: 64, maxInFlight: 4, conflicts: (a, b) => a.key === b.key });

/** One upsert for limits of distinct keys; their states in order. */
async function consumeLimits(db: DbOrTx, limits: Limit[]): Promise<LimitState[]> {
  const result = await executePrepared<{ key: string; points: number; retry_after: number }>(db, sql`
    insert into rate_limits (key, points, reset_at)
    select l.key, 1, now() + make_interval(secs => l.seconds)
    from unnest(${pgArray(limits.map((l) => l.key))}::text[], ${pgArray(limits.map((l) => l.windowSeconds))}::int[]) as l(key, seconds)
    order by l.key -- rows locked in one order by every writer: no deadlock between batches
    on conflict (key) do update set
      points = case when rate_limits.reset_at <= now() then 1 else rate_limits.points + 1 end,
      reset_at = case when rate_limits.reset_at <= now() then excluded.reset_at else rate_limits.reset_at end
    returning key, points, greatest(1, ceil(extract(epoch from (reset_at - now()))))::int as retry_after`);
  const byKey = new Map(result.rows.map((r) => [r.key, r]));
  return limits.map((limit) => {
    const row = byKey.get(limit.key)!;
    const used = Number(row.points);
    return { allowed: used <= limit.points, remaining: Math.max(0, limit.points - used), retryAfter: Number(row.retry_after) };
  });
}

/** Consumes one attempt of every limit; throws RateLimited (429, Retry-After) if any is exceeded. */
export async function enforceLimits(limits: Limit[], db: DbOrTx = getDb()): Promise<void> {
  // Counted together (one batch on the pool); every limit counts the attempt, as before.
  const states = await Promise.all(limits.map((limit) => consumeLimit(limit, db)));
  const refused = states.filter((s) => !s.allowed);
  if (refused.length) {
    const seconds = Math.max(...refused.map((s) => s.retryAfter));
    throw new AppError('RateLimited', { seconds }, [], { 'retry-after': String(seconds) });
  }
}

/** Consumes one attempt of every limit; false (nothing thrown) when any is exceeded. */
export async function tryLimits(limits: Limit[], db: DbOrTx = getDb()): Promise<boolean> {
  const states = await Promise.all(limits.map((limit) => consumeLimit(limit, db)));
  return states.every((s) => s.allowed);
}

/** How many attempts each key has used in its current window (0 for none). */
export async function usedPoints(keys: string[], db: DbOrTx = getDb()): Promise<Map<string, { points: number; retryAfter: number }>> {
  const rows = await db
    .select({ key: rateLimits.key, points: rateLimits.points, retryAfter: sql<number>`ceil(extract(epoch from (${rateLimits.resetAt} - now())))::int` })
    .from(rateLimits)
    .where(and(inArray(rateLimits.key, keys), gt(rateLimits.resetAt, sql`now()`)));
  return new Map(rows.map((r) => [r.key, { points: Number(r.points), retryAfter: Math.max(1, Number(r.retryAfter)) }]));
}

/**
 * Refuses at once when a window is already used up, without counting this attempt: for limits
 * that count only failures (wrong codes, wrong passwords), checked before the attempt is tried.
 */
export async function refuseIfExhausted(limits: Limit[], db: DbOrTx = getDb()): Promise<void> {
  const used = await usedPoints(limits.map((l) => l.key), db);
  for (const limit of limits) {
    const state = used.get(limit.key);
    if (state && state.points >= limit.points) {
      throw new AppError('RateLimited', { seconds: state.retryAfter }, [], { 'retry-after': String(state.retryAfter) });
    }
  }
}

/** Forgets the attempts of `key` (e.g. after a successful sign-in). */
export async function resetLimit(key: string, db: DbOrTx = getDb()): Promise<void> {
  await db.execute(sql`delete from rate_limits where key = ${key}`);
}

/** Removes expired windows; run now and then (the job runner does). */
export async function pruneLimits(db: DbOrTx = getDb()): Promise<number> {
  const r = await db.execute(sql`delete from rate_limits where reset_at < now() - interval '1 hour'`);
  return Number((r as { rowCount?: number }).rowCount ?? 0);
}
