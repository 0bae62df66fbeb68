/**
 * Start-up: validated configuration, the database (opened, migrated), the sample drafts on an
 * empty database. scripts/serve.ts calls start() before listening; in `astro dev` the
 * middleware calls ensureStarted() on the first request.
 */
import { auditAnchorFile, loadConfig, publicOrigin, type Config } from './config';
import { createDatabase, getDatabase, getDb, migrateDatabase, setDatabase, type Database } from '../db/client';
import { log } from './log';

const KEY = Symbol.for('kaimen.starting');
type Holder = { [KEY]?: Promise<Database> };

export interface StartOptions {
  config?: Config;
  /** Print start-up notices (the server does; tests do not). */
  log?: (line: string) => void;
  /**
   * Where the first-run setup link is printed, as plain text for the person at the console and
   * never through the structured log (decision 021). Without it no link is made (tests, workers).
   */
  announce?: (text: string) => void;
}

/** Opens and migrates the database, loads the samples when enabled, and registers it globally. */
export async function start(opts: StartOptions = {}): Promise<Database> {
  const config = opts.config ?? loadConfig();
  const log = opts.log ?? (() => {});
  const database = await createDatabase({
    databaseUrl: config.DATABASE_URL,
    pgliteDir: config.PGLITE_DIR,
    poolMax: config.DATABASE_POOL_MAX,
    namedStatements: config.DATABASE_NAMED_STATEMENTS,
  });
  try {
    await migrateDatabase(database);
    setDatabase(database);
    if (config.DATABASE_READ_URL && database.driver === 'postgres') {
      // Anonymous reading pages from the replica while it keeps up (src/db/replica.ts).
      const { openReadReplica, setReadReplica } = await import('../db/replica');
      const primaryPool = (database.db as unknown as { $client: import('pg').Pool }).$client;
      const replica = await openReadReplica({ url: config.DATABASE_READ_URL, maxLagMs: config.READ_MAX_LAG_MS, poolMax: config.DATABASE_POOL_MAX }, primaryPool);
      setReadReplica(replica);
      log(`[kaimen] 只读副本（DATABASE_READ_URL）：${replica.health().state}，匿名阅读页面在它落后不超过 ${config.READ_MAX_LAG_MS} ms 时从它读取。`);
    }
    if (database.driver === 'pglite') {
      log(
        `[kaimen] 使用嵌入式数据库 PGlite（${config.PGLITE_DIR}）。它不做 fsync，断电可能丢失最后的提交：` +
          '仅供试用和测试。正式记录请使用 PostgreSQL（设置 DATABASE_URL）。',
      );
    } else {
      log('[kaimen] 使用 PostgreSQL（DATABASE_URL）。');
    }
    // Keys made on a first start without AUDIT_KEY / LOOKUP_CODE_SECRET are made now, with their warning.
    const { keyRing } = await import('./keys');
    keyRing('audit', config);
    keyRing('lookup', config);
    if (!config.PUBLIC_URL) {
      log(`[kaimen] 未设置 PUBLIC_URL：海报、二维码和接口说明中的网址使用 http://${config.HOST}:${config.PORT}。正式部署请设置为网站的公开地址。`);
    }
    if (config.SEED_SAMPLES) {
      const { loadSampleDrafts } = await import('./drafts/sample-drafts');
      const loaded = await loadSampleDrafts(database.db);
      if (loaded.length) log(`[kaimen] 已载入示例草案：${loaded.join('、')}`);
    }
    if (opts.announce) await announceSetupLink(database, config, log, opts.announce);
    await startBackgroundWork({
      exportDir: config.EXPORT_DIR,
      leaseMs: config.JOB_LEASE_SECONDS * 1000,
      retentionDays: config.EXPORT_RETENTION_DAYS,
      anchorFile: auditAnchorFile(config),
    });
    return database;
  } catch (err) {
    setDatabase(undefined);
    const { getReadReplica, setReadReplica } = await import('../db/replica');
    await getReadReplica()?.close().catch(() => {});
    setReadReplica(undefined);
    await database.close().catch(() => {});
    throw err;
  }
}

/**
 * No admin yet: make a one-time setup link and print it (auth/setup.ts). The structured log says
 * only that a link was printed, never the link.
 */
async function announceSetupLink(database: Database, config: Config, log: (line: string) => void, announce: (text: string) => void): Promise<void> {
  const { createSetupLinkIfNoAdmin, setupUrl, SETUP_LINK_HOURS } = await import('./auth/setup');
  const link = await createSetupLinkIfNoAdmin(database.db);
  if (!link) return;
  announce(
    `\n[kaimen] 还没有管理员账户。请在 ${SETUP_LINK_HOURS} 小时内用浏览器打开下面的一次性链接，创建第一个管理员（只能使用一次）：\n` +
      `    ${setupUrl(publicOrigin(config), link.token)}\n`,
  );
  log(`[kaimen] 还没有管理员账户：一次性设置链接已打印在控制台（标准输出，不写入日志），${SETUP_LINK_HOURS} 小时内有效；重新启动会生成新的链接。`);
}

export interface BackgroundOptions {
  exportDir: string;
  leaseMs?: number;
  /** Days export files are kept (EXPORT_RETENTION_DAYS). */
  retentionDays?: number;
  /** Where audit anchors are appended (AUDIT_ANCHOR_FILE). */
  anchorFile: string;
  anchorEveryMs?: number;
  pollMs?: number;
}

/**
 * The background work of every instance, in one place: the job kinds the runner knows
 * (jobs/runner.ts: report exports and large staff imports, message deliveries, bulk actions and themes each in their own lane), and the periodic tasks — housekeeping about every hour (jobs/housekeeping.ts)
 * and an audit anchor about every minute when the chain has grown (audit-anchor.ts), once more at stop.
 */
export async function startBackgroundWork(opts: BackgroundOptions): Promise<void> {
  const { registerJobHandler, startJobRunner, kickJobRunner } = await import('./jobs/runner');
  const { runReportJob } = await import('./reports/report-export');
  const { runHousekeeping } = await import('./jobs/housekeeping');
  const { anchorAuditChain } = await import('./audit-anchor');
  const { registerMessageDelivery } = await import('./messages/deliver');
  const { MESSAGE_LANE } = await import('./messages/outbox');
  registerJobHandler('report', runReportJob);
  registerMessageDelivery();
  const { registerBulkJobs, BULK_LANE } = await import('./review/bulk-filter');
  registerBulkJobs();
  (await import('./review/bulk-undo')).registerBulkUndoJob();
  const { registerSuggestionsJob, enqueueStaleSuggestions, SUGGESTIONS_LANE } = await import('./suggestions/suggestions-job');
  registerSuggestionsJob();
  (await import('./suggestions/suggestions')).registerAcceptJob();
  const { registerThemesJob, enqueueThemeRefreshes, THEMES_LANE } = await import('./themes/themes-job');
  registerThemesJob();
  const { registerImportJob } = await import('./comments/import-job');
  registerImportJob();
  const { registerNearGroupsJob, NEAR_GROUPS_LANE } = await import('./grouping/group-imported');
  registerNearGroupsJob();
  let anchored: Awaited<ReturnType<typeof anchorAuditChain>> = null;
  startJobRunner({
    exportDir: opts.exportDir,
    leaseMs: opts.leaseMs,
    pollMs: opts.pollMs,
    // Messages: several at once (each waits on the database and the network; the SMTP pool has
    // 4 connections, so 8 loops keep them busy while others record), looked for every second.
    // Bulk actions over a filter: one at a time, never behind an export (review/bulk-filter.ts).
    lanes: [{ name: MESSAGE_LANE, concurrency: 8, pollMs: Math.min(opts.pollMs ?? 1000, 1000) }, { name: BULK_LANE, concurrency: 1, pollMs: Math.min(opts.pollMs ?? 1000, 1000) }, { name: SUGGESTIONS_LANE, concurrency: 1, pollMs: Math.min(opts.pollMs ?? 1000, 1000) },
      // Themes (themes/themes-job.ts): one at a time, apart from exports and bulk actions.
      { name: THEMES_LANE, concurrency: 1, pollMs: Math.min(opts.pollMs ?? 1000, 1000) },
      // Near-duplicate grouping of imported comments (grouping/group-imported.ts), apart from all of these.
      { name: NEAR_GROUPS_LANE, concurrency: 1, pollMs: Math.min(opts.pollMs ?? 1000, 1000) }],
    tasks: [
      {
        name: 'housekeeping',
        everyMs: 3_600_000,
        firstAfterMs: 500,
        run: async () => {
          await runHousekeeping({ exportDir: opts.exportDir, retentionDays: opts.retentionDays ?? 14 });
        },
      },
      {
        // Computed rounds with new comments get a refresh queued (never at submission).
        name: 'themes-refresh',
        everyMs: 60_000,
        run: async () => {
          if (await enqueueThemeRefreshes()) kickJobRunner(THEMES_LANE);
        },
      },
      {
        // Tag suggestions: train again each round whose coding changed enough (suggestions/suggestions-job.ts).
        name: 'tag-suggestions',
        everyMs: 60_000,
        firstAfterMs: 5_000,
        run: async () => {
          await enqueueStaleSuggestions();
        },
      },
      {
        name: 'audit-anchor',
        everyMs: opts.anchorEveryMs ?? 60_000,
        atStop: true,
        run: async () => {
          try {
            anchored = await anchorAuditChain(getDb(), opts.anchorFile, anchored);
          } catch (err) {
            log.warn(`[audit] 无法写入审计锚点（${opts.anchorFile}）：${err instanceof Error ? err.message : err}`);
          }
        },
      },
    ],
  });
}

/** Starts once per process (concurrent callers share one start). */
export function ensureStarted(): Promise<Database> {
  const existing = getDatabase();
  if (existing) return Promise.resolve(existing);
  const holder = globalThis as Holder;
  holder[KEY] ??= start({ log: (l) => log.info(l), announce: (text) => process.stdout.write(text) }).catch((err) => {
    holder[KEY] = undefined;
    throw err;
  });
  return holder[KEY];
}

/** Closes the database registered by start(). */
export async function stop(): Promise<void> {
  // A running export goes back to the queue, and the last audit anchor is written, before the database closes.
  await (await import('./jobs/runner')).stopJobRunner();
  (await import('./messages/transports')).closeTransports();
  const database = getDatabase();
  setDatabase(undefined);
  (globalThis as Holder)[KEY] = undefined;
  const { getReadReplica, setReadReplica } = await import('../db/replica');
  const replica = getReadReplica();
  setReadReplica(undefined);
  await replica?.close();
  await database?.close();
}
