/**
 * The one database handle: PostgreSQL through a `pg` Pool when DATABASE_URL is set, embedded
 * PGlite otherwise. Same schema, same migrations. The handle lives on globalThis so the
 * server bootstrap and the bundled Astro app share one instance in one process.
 *
 * PGlite, with drizzle's adapter for it (which imports PGlite), is imported only when an embedded
 * database is opened: a server on PostgreSQL never loads it (docs/decisions/030-start-up-loading.md).
 */
import { drizzle as drizzlePg, type NodePgDatabase } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import { sql, type SQL } from 'drizzle-orm';
import { createHash } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import * as schema from './schema';
import { acquirePgliteLock } from './pglite-lock';
import { log } from '../server/log';

/** Both drivers expose the same query API; the node-postgres type stands for both. */
export type Db = NodePgDatabase<typeof schema>;
export type Tx = Parameters<Parameters<Db['transaction']>[0]>[0];
export type DbOrTx = Db | Tx;

export interface OpenOptions {
  databaseUrl?: string;
  pgliteDir?: string;
  /** In-memory PGlite, or a PGlite loaded from a dumped data dir (tests). */
  pgliteMemory?: boolean;
  pgliteLoadDataDir?: Blob;
  poolMax?: number;
  /** false: executePrepared sends unnamed statements (pgbouncer < 1.21 in transaction mode; decision 025). */
  namedStatements?: boolean;
}

export interface Database {
  db: Db;
  driver: 'postgres' | 'pglite';
  close(): Promise<void>;
  /** PGlite only: dump the data dir (tests copy one migrated database per file). */
  dump?(): Promise<Blob>;
}

const KEY = Symbol.for('kaimen.database');
type Holder = { [KEY]?: Database };

/** Finds drizzle/ whether running from src (tsx, vitest) or from the built dist/. */
export function migrationsFolder(): string {
  const candidates = [
    resolve(process.cwd(), 'drizzle'),
    fileURLToPath(new URL('../../drizzle', import.meta.url)),
  ];
  const found = candidates.find((p) => existsSync(resolve(p, 'meta/_journal.json')));
  if (!found) throw new Error(`找不到数据库迁移目录 drizzle/（在 ${candidates.join('、')} 中查找过）`);
  return found;
}

/** Opens a database without registering it globally (tests, CLI helpers). */
export async function createDatabase(opts: OpenOptions): Promise<Database> {
  if (opts.databaseUrl) {
    const pg = await import('pg');
    const pool = new pg.default.Pool({
      connectionString: opts.databaseUrl,
      max: opts.poolMax ?? 20,
      connectionTimeoutMillis: 5000,
    });
    // An idle client that loses its server (PostgreSQL restarted) must not crash the process.
    pool.on('error', (err) => log.warn(`[db] idle client error: ${err.message}`));
    // A client that loses its server mid-query (PostgreSQL restarted) must fail that query, which
    // becomes ServiceUnavailable, not crash the process with an unhandled 'error' event.
    pool.on('connect', (client) => {
      client.on('error', (err) => log.warn(`[db] client error: ${err.message}`));
      // Its transactions run statements on the client itself: it must know its pool's choice.
      if (opts.namedStatements === false) unnamedPools.add(client);
    });
    if (opts.namedStatements === false) unnamedPools.add(pool);
    const db = drizzlePg(pool, { schema }) as Db;
    return { db, driver: 'postgres', close: () => pool.end() };
  }
  const [{ PGlite }, { drizzle: drizzlePglite }] = await Promise.all([import('@electric-sql/pglite'), import('drizzle-orm/pglite')]);
  let release: (() => void) | undefined;
  let client: InstanceType<typeof PGlite>;
  if (opts.pgliteMemory) {
    client = new PGlite({ loadDataDir: opts.pgliteLoadDataDir });
  } else {
    const dir = resolve(opts.pgliteDir ?? './data/pglite');
    release = acquirePgliteLock(dir);
    try {
      client = new PGlite(dir);
      await client.waitReady;
    } catch (err) {
      release();
      throw err;
    }
  }
  await client.waitReady;
  const db = drizzlePglite(client, { schema }) as unknown as Db;
  return {
    db,
    driver: 'pglite',
    async close() {
      try {
        await client.close();
      } finally {
        release?.();
      }
    },
    dump: () => client.dumpDataDir('none') as Promise<Blob>,
  };
}

/** Applies pending migrations once, even when several instances start at the same moment. */
export async function migrateDatabase(database: Database): Promise<void> {
  const folder = migrationsFolder();
  if (database.driver === 'postgres') {
    // A session-level advisory lock: a second instance waits, then finds nothing to apply.
    await database.db.transaction(async (tx) => {
      await tx.execute(sql`select pg_advisory_xact_lock(4711001)`);
      await migratePg(tx as unknown as Db, { migrationsFolder: folder });
    });
  } else {
    const { migrate: migratePglite } = await import('drizzle-orm/pglite/migrator');
    await migratePglite(database.db as never, { migrationsFolder: folder });
  }
}

/** Registers `database` as the process-wide handle returned by getDb(). */
export function setDatabase(database: Database | undefined): void {
  (globalThis as Holder)[KEY] = database;
}

export function getDatabase(): Database | undefined {
  return (globalThis as Holder)[KEY];
}

/** The process-wide database. Throws if the server bootstrap has not opened it. */
export function getDb(): Db {
  const database = (globalThis as Holder)[KEY];
  if (!database) throw new Error('数据库尚未打开：服务启动时应先调用 openDatabase()');
  return database.db;
}

const preparedNames = new Map<string, string>();
/**
 * Pools opened with namedStatements: false. On globalThis: the server bundle opens the pool and
 * Astro's bundle, with its own copy of this module, runs the statements.
 */
const UNNAMED = Symbol.for('kaimen.unnamedPools');
const unnamedPools: WeakSet<object> = ((globalThis as { [UNNAMED]?: WeakSet<object> })[UNNAMED] ??= new WeakSet<object>());

/** True when `db` is the PostgreSQL pool itself: not a transaction, not PGlite. */
export function isPool(db: DbOrTx): boolean {
  const client = (db as { $client?: { totalCount?: unknown } }).$client;
  return !!client && typeof client.totalCount === 'number';
}

/**
 * The node-postgres client or pool that runs `db`'s statements: the pool itself, or a
 * transaction's connection (drizzle keeps it as the transaction's session client). Null on PGlite.
 */
function pgRunnerOf(db: DbOrTx): { query: (q: object) => Promise<unknown> } | null {
  if (isPool(db)) return (db as unknown as { $client: { query: (q: object) => Promise<unknown> } }).$client;
  const client = (db as { session?: { client?: { query?: unknown; connectionParameters?: unknown } } }).session?.client;
  return client && typeof client.query === 'function' && client.connectionParameters ? (client as { query: (q: object) => Promise<unknown> }) : null;
}

/**
 * Runs one statement of a hot path (comment submission) as a named prepared statement on
 * PostgreSQL, on the pool or inside a transaction (its connection): each connection parses and
 * plans it once instead of on every call (planning the submission statement cost more than
 * executing it; a founder's transaction planned its two large statements every time). On PGlite
 * it is db.execute. The name is derived from the statement's text, so a statement whose text
 * varies gets one prepared statement per variant (a handful in this code base). A pool opened
 * with `namedStatements: false` (DATABASE_NAMED_STATEMENTS=false, for a pgbouncer in transaction
 * mode that cannot keep them: decision 025), and its connections, run db.execute, planned each time.
 */
export async function executePrepared<T>(db: DbOrTx, query: SQL): Promise<{ rows: T[] }> {
  const runner = pgRunnerOf(db);
  if (!runner || unnamedPools.has(runner)) return (await db.execute(query)) as unknown as { rows: T[] };
  const dialect = (db as unknown as { dialect: { sqlToQuery(q: SQL): { sql: string; params: unknown[] } } }).dialect;
  const { sql: text, params } = dialect.sqlToQuery(query);
  let name = preparedNames.get(text);
  if (!name) {
    name = `kaimen_${createHash('sha1').update(text).digest('hex').slice(0, 24)}`;
    preparedNames.set(text, name);
  }
  return runner.query({ name, text, values: params }) as Promise<{ rows: T[] }>;
}
