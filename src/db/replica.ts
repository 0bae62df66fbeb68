/**
 * The read handle: anonymous reading pages (drafts, articles, comparisons, stats, feedback,
 * data.csv and their read-only API) may be served from a streaming replica (DATABASE_READ_URL),
 * everything else from the primary. `getReadDb()` is the one way to get it:
 * - inside `withReplicaReads(fn)` (the middleware wraps an anonymous GET of a reading route in it,
 *   web/replica-reads.ts) it is the replica when one is configured, answers and lags no more than
 *   READ_MAX_LAG_MS behind the primary; otherwise, and outside such a scope, it is `getDb()`;
 * - a statement that finds the replica gone (refused, cut off, shut down, a recovery conflict)
 *   runs again on the primary and marks the replica down until the next check finds it back, so
 *   a replica that falls behind or dies makes reads slower, never errors.
 * A page that must see a write it just made (a signed-in user's pages, the receipt page after a
 * submission, staff pages) never runs in the scope and so always reads the primary.
 * The state lives on globalThis: the server bundle and Astro's bundle each hold a copy of this module.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { Pool, PoolClient as pgClient } from 'pg';
import * as schema from './schema';
import { getDb, type Db } from './client';
import { rowsOf } from './rows';
import { log } from '../server/log';

export type ReplicaState = 'starting' | 'ok' | 'lagging' | 'down';

export interface ReplicaHealth {
  state: ReplicaState;
  /** How far the replica's applied data is behind (ms), as last measured; null when unknown. */
  lagMs: number | null;
  maxLagMs: number;
  /** Where anonymous reading pages are read from right now. */
  readsFrom: 'replica' | 'primary';
  /** Statements that found the replica gone and ran on the primary instead, since start. */
  fallbacks: number;
}

export interface ReplicaOptions {
  url: string;
  maxLagMs: number;
  poolMax?: number;
  /** How often the lag is measured (ms). */
  checkEveryMs?: number;
  /** Measures the lag (ms) on the replica; the default asks PostgreSQL (tests put a lag in). */
  measureLag?: (db: Db) => Promise<number>;
}

export interface ReadReplica {
  db: Db;
  health(): ReplicaHealth;
  /** Measures now (the periodic check does this); never throws. */
  check(): Promise<ReplicaHealth>;
  close(): Promise<void>;
}

const KEY = Symbol.for('kaimen.readReplica');
const SCOPE = Symbol.for('kaimen.replicaReadScope');
type Holder = { [KEY]?: ReadReplica; [SCOPE]?: AsyncLocalStorage<boolean> };
const holder = globalThis as Holder;
const scope: AsyncLocalStorage<boolean> = (holder[SCOPE] ??= new AsyncLocalStorage<boolean>());

/** Runs `fn` as an anonymous reading request: getReadDb() inside it may be the replica. */
export function withReplicaReads<T>(fn: () => T): T {
  return scope.run(true, fn);
}

/** The handle for reading use cases: the replica inside withReplicaReads when it is usable, else getDb(). */
export function getReadDb(): Db {
  const replica = holder[KEY];
  if (replica && scope.getStore() === true && replica.health().readsFrom === 'replica') return replica.db;
  return getDb();
}

/** The registered replica (boot.ts), or undefined when none is configured. */
export function getReadReplica(): ReadReplica | undefined {
  return holder[KEY];
}

export function setReadReplica(replica: ReadReplica | undefined): void {
  holder[KEY] = replica;
}

/** Errors that say the replica (not the statement) failed: run the statement on the primary instead. */
const replicaGoneCodes = new Set([
  'ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'ENOTFOUND', 'EHOSTUNREACH', 'ENETUNREACH', 'EAI_AGAIN',
  '57P01', '57P02', '57P03', '08000', '08001', '08003', '08004', '08006', '53300',
  // canceling statement due to conflict with recovery
  '40001',
]);
export function isReplicaGone(err: unknown): boolean {
  if (!(err instanceof Error)) return false;
  const code = (err as { code?: string }).code;
  if (code && replicaGoneCodes.has(code)) return true;
  return /Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error|connect ECONNREFUSED/i.test(err.message);
}

/** The driver's reason, not drizzle's wrapper (which repeats the statement). */
function reason(err: unknown): string {
  const cause = (err as { cause?: unknown })?.cause;
  const e = cause instanceof Error ? cause : err;
  return e instanceof Error ? (e.message || (e as { code?: string }).code || e.name) : String(e);
}

/**
 * The lag of a hot standby: none when it has applied all it received from a primary it is
 * streaming from; otherwise the time since the last transaction it applied (on an idle primary
 * that overstates the lag, which only sends reads to the primary). A server that is not in
 * recovery (a stand-in in tests) has none.
 */
export async function measureStandbyLag(db: Db): Promise<number> {
  const [row] = rowsOf<{ lag_ms: number | string | null }>(await db.execute(sql`
    select case
      when not pg_is_in_recovery() then 0
      when pg_last_wal_receive_lsn() = pg_last_wal_replay_lsn()
        and exists (select 1 from pg_stat_wal_receiver where status = 'streaming') then 0
      else coalesce(extract(epoch from (clock_timestamp() - pg_last_xact_replay_timestamp())) * 1000, 0)
    end as lag_ms`));
  return Math.max(0, Math.round(Number(row?.lag_ms ?? 0)));
}

/**
 * Opens the replica's pool beside `primary` (the primary's pg Pool) and measures it once before
 * returning; then every `checkEveryMs`. The pool re-runs on `primary` what the replica cannot answer.
 */
export async function openReadReplica(opts: ReplicaOptions, primary: Pool): Promise<ReadReplica> {
  const pg = (await import('pg')).default;
  const maxLagMs = opts.maxLagMs;
  let state: ReplicaState = 'starting';
  let lagMs: number | null = null;
  let fallbacks = 0;
  const markDown = (err: unknown) => {
    fallbacks++;
    if (state !== 'down') log.warn(`[db] 只读副本不可用，改从主库读取：${reason(err)}`);
    state = 'down';
  };

  /** A pool whose statements and connections fall back to the primary's when the replica is gone. */
  const baseQuery = pg.Pool.prototype.query as (...a: unknown[]) => Promise<unknown>;
  const baseConnect = pg.Pool.prototype.connect as (...a: unknown[]) => Promise<pgClient>;
  class FallbackPool extends pg.Pool {
    query(...args: unknown[]): never {
      // drizzle uses the promise form; a callback form goes to the replica as it is.
      if (typeof args[args.length - 1] === 'function') return baseQuery.apply(this, args) as never;
      return baseQuery.apply(this, args).catch((err) => {
        if (!isReplicaGone(err)) throw err;
        markDown(err);
        return baseQuery.apply(primary, args);
      }) as never;
    }
    connect(...args: unknown[]): never {
      if (args.length) return baseConnect.apply(this, args) as never;
      return baseConnect.apply(this, []).catch((err: unknown) => {
        if (!isReplicaGone(err)) throw err;
        markDown(err);
        return primary.connect();
      }) as never;
    }
  }
  const pool = new FallbackPool({ connectionString: opts.url, max: opts.poolMax ?? 20, connectionTimeoutMillis: 2000 });
  pool.on('error', (err) => log.warn(`[db] replica idle client error: ${err.message}`));
  pool.on('connect', (client) => client.on('error', (err) => log.warn(`[db] replica client error: ${err.message}`)));
  const db = drizzlePg(pool, { schema }) as Db;
  // The lag check has a connection of its own, without the fallback: it must see the replica fail.
  const checkPool = new pg.Pool({ connectionString: opts.url, max: 1, connectionTimeoutMillis: 2000 });
  checkPool.on('error', () => {});
  checkPool.on('connect', (client) => client.on('error', () => {}));
  const probe = drizzlePg(checkPool, { schema }) as Db;
  const measure = opts.measureLag ?? measureStandbyLag;

  const health = (): ReplicaHealth => ({
    state, lagMs, maxLagMs, fallbacks, readsFrom: state === 'ok' ? 'replica' : 'primary',
  });
  let checking: Promise<ReplicaHealth> | null = null;
  const check = () => (checking ??= (async () => {
    try {
      const measured = await Promise.race([
        measure(probe),
        new Promise<never>((_, fail) => setTimeout(() => fail(new Error('lag check timed out')), 2000).unref()),
      ]);
      const next: ReplicaState = measured > maxLagMs ? 'lagging' : 'ok';
      if (next !== state && (next === 'lagging' || state !== 'starting')) {
        log.warn(`[db] 只读副本${next === 'ok' ? '已恢复' : `落后 ${measured} ms（上限 ${maxLagMs} ms），改从主库读取`}`);
      }
      state = next;
      lagMs = measured;
    } catch (err) {
      if (state !== 'down') log.warn(`[db] 只读副本不可用，改从主库读取：${reason(err)}`);
      state = 'down';
      lagMs = null;
    } finally {
      checking = null;
    }
    return health();
  })());

  await check();
  const timer = setInterval(() => void check(), opts.checkEveryMs ?? 1000);
  timer.unref();
  return {
    db,
    health,
    check,
    async close() {
      clearInterval(timer);
      await checking?.catch(() => {});
      await Promise.all([pool.end(), checkPool.end()]);
    },
  };
}
