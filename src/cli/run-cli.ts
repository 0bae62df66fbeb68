/**
 * The frame of every admin command: parse flags, open the database, run, print what was done,
 * and exit non-zero with a clear Chinese message on error (no stack trace for known errors).
 *
 * Each command exports `main(argv, io, options)` returning its exit code, so that tests call it
 * in-process (with their own database) and read what it printed; the file runs it only when it is
 * the script node started (`npm run …` through tsx), see runIfStarted.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { inspect, parseArgs, type ParseArgsConfig } from 'node:util';
import { loadConfig } from '../server/config';
import { createDatabase, getDatabase, migrateDatabase, setDatabase, type Database } from '../db/client';
import { isAppError, toErrorBody } from '../server/errors';
import { PgliteLockedError } from '../db/pglite-lock';

/** Where a command prints: stdout and stderr lines. */
export interface CliIo {
  out(line: string): void;
  err(line: string): void;
}

export interface CliOptions {
  /** An already open and migrated database to use instead of the configured one (tests); left open. */
  database?: Database;
}

export type CliMain = (argv: string[], io: CliIo, options?: CliOptions) => Promise<number>;

export const consoleIo: CliIo = { out: (line) => console.log(line), err: (line) => console.error(line) };

/** Runs a command's body: 0 when done; 1 with its message on `io.err` when it throws. */
export async function runCli(io: CliIo, body: () => Promise<void>): Promise<number> {
  try {
    await body();
    return 0;
  } catch (err) {
    if (isAppError(err)) {
      const { body } = toErrorBody(err);
      const fields = body.error.fields?.map((f) => `\n  ${f.field}: ${f.message}`).join('') ?? '';
      io.err(`错误（${body.error.code}）：${body.error.message}${fields}`);
    } else if (err instanceof PgliteLockedError) {
      io.err(heldDatabaseMessage(err));
    } else if (err instanceof Error && (err.name === 'CliUsageError' || /配置有误/.test(err.message))) {
      io.err(err.message);
    } else {
      io.err(inspect(err));
    }
    return 1;
  }
}

/**
 * The embedded database's directory is held by another process, almost always the running server
 * (PGlite is one process's database; db/pglite-lock.ts): say how to go on instead of failing.
 */
export function heldDatabaseMessage(err: PgliteLockedError): string {
  return `内嵌数据库正被运行中的服务器使用（进程 ${err.holderPid}，锁文件 ${err.lockPath}），此命令没有做任何修改。\n` +
    '请先停止服务器（在运行 npm start 的终端按 Ctrl+C）再运行此命令；' +
    '要创建第一个管理员，也可以打开服务器首次启动时显示的一次性设置链接；' +
    '或配置 DATABASE_URL 使用 PostgreSQL，服务器运行时也可以使用管理命令。';
}

/** Whether the module at `moduleUrl` is the script node was started with (not imported by a test). */
export function isStartedScript(moduleUrl: string): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return realpathSync(script) === realpathSync(fileURLToPath(moduleUrl));
  } catch {
    return false;
  }
}

/** Runs `main` with the process's arguments and console when its module is the started script. */
export async function runIfStarted(moduleUrl: string, main: CliMain): Promise<void> {
  if (!isStartedScript(moduleUrl)) return;
  process.exit(await main(process.argv.slice(2), consoleIo));
}

export class CliUsageError extends Error {
  constructor(message: string, usage?: string) {
    super(usage ? `${message}\n用法：${usage}` : message);
    this.name = 'CliUsageError';
  }
}

/** Parses `--flag value` options in `args` strictly; unknown flags are a usage error. */
export function parseFlags<T extends NonNullable<ParseArgsConfig['options']>>(args: string[], options: T, usage: string) {
  try {
    return parseArgs({ args, options, strict: true, allowPositionals: false }).values;
  } catch (err) {
    throw new CliUsageError(`参数有误：${(err as Error).message}`, usage);
  }
}

/**
 * Opens, migrates and registers the configured database for a command; closes it after `fn`.
 * With `given` (tests): registers that one for the time of `fn`, then restores the previous one.
 */
export async function withDatabase<R>(fn: (database: Database) => Promise<R>, given?: Database): Promise<R> {
  if (given) {
    const previous = getDatabase();
    setDatabase(given);
    try {
      return await fn(given);
    } finally {
      setDatabase(previous);
    }
  }
  const config = loadConfig();
  const database = await createDatabase({ databaseUrl: config.DATABASE_URL, pgliteDir: config.PGLITE_DIR, poolMax: 4, namedStatements: config.DATABASE_NAMED_STATEMENTS });
  try {
    await migrateDatabase(database);
    setDatabase(database);
    return await fn(database);
  } finally {
    setDatabase(undefined);
    await database.close();
  }
}
