/**
 * The production server: validate config, open and migrate the database, load samples, then
 * serve the built Astro app; close everything cleanly on SIGTERM/SIGINT. With
 * WEB_CONCURRENCY=N (PostgreSQL only) a primary process migrates once and N workers share the
 * port (node:cluster); each worker is an ordinary stateless instance.
 */
import cluster from 'node:cluster';
import http from 'node:http';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../src/server/config';
import { start, stop } from '../src/server/boot';
import { AppError, toErrorBody } from '../src/server/errors';
import { createStaticHandler } from '../src/server/web/static-files';
import { log, logAccess, markServerWritesAccessLog, requestIdOf } from '../src/server/log';

async function main() {
  const config = loadConfig();
  // Astro's server output bundled into one file by scripts/build-server.mjs.
  const entry = resolve('dist/server/app.mjs');
  if (!existsSync(entry)) throw new Error('找不到构建产物 dist/server/app.mjs：请先运行 npm run build（npm start 会自动构建）。');
  if (cluster.isPrimary && config.WEB_CONCURRENCY > 1) return supervise(config);
  const isWorker = !cluster.isPrimary;
  // Workers: the primary has already migrated and loaded the samples (and printed the setup link).
  let setupNotice = '';
  await start({
    config: isWorker ? { ...config, SEED_SAMPLES: false } : config,
    log: isWorker ? () => {} : (l) => log.info(l),
    announce: isWorker ? undefined : (text) => { setupNotice = text; },
  });
  // The adapter in middleware mode: Astro's handler alone; the built client files are served here.
  const { handler } = (await import(pathToFileURL(entry).href)) as {
    handler: (req: http.IncomingMessage, res: http.ServerResponse) => Promise<void>;
  };
  const serveStatic = createStaticHandler(resolve('dist/client'));
  markServerWritesAccessLog();
  const server = http.createServer((req, res) => {
    // One id per request, from a proxy's X-Request-Id when it is a plain token; Astro's middleware reads it back.
    const id = requestIdOf(req.headers['x-request-id'] as string | undefined);
    req.headers['x-request-id'] = id;
    res.setHeader('X-Request-Id', id);
    const started = performance.now();
    const { method = '', url: path = '' } = req;
    res.once('close', () => logAccess({ id, method, path, status: res.statusCode, ms: performance.now() - started }));
    const refused = refusedBeforeAstro(req);
    if (refused && path.startsWith('/api/')) {
      const { status, body } = toErrorBody(refused);
      res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-content-type-options': 'nosniff' });
      res.end(JSON.stringify(body));
      return;
    }
    if (refused) {
      // A page gets the error page every other refused page gets (src/pages/error.astro), with the
      // refusal's status, in the visitor's language: asked for as a GET (or HEAD), its body unread.
      req.method = method === 'HEAD' ? 'HEAD' : 'GET';
      req.url = `/error?code=${refused.code}`;
      void handler(req, res);
      return;
    }
    if (!serveStatic(req, res)) void handler(req, res);
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(config.PORT, config.HOST, () => ok());
  });
  if (!isWorker) log.info(`[kaimen] 开门已启动：http://${config.HOST}:${config.PORT}`);
  // The first-run link, last and in plain text on stdout, never in the JSON log (decision 021).
  if (setupNotice) process.stdout.write(setupNotice);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`[kaimen] 收到 ${signal}，正在停止……`);
    const force = setTimeout(() => server.closeAllConnections(), 10_000);
    server.closeIdleConnections();
    await new Promise<void>((ok) => server.close(() => ok()));
    clearTimeout(force);
    await stop();
    log.info('[kaimen] 已停止，数据库已关闭。');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

/** Methods the Fetch API refuses to carry (`new Request` throws on them): Astro would answer them with a 500. */
const unservableMethods = new Set(['CONNECT', 'TRACE', 'TRACK']);

/**
 * A request that cannot reach Astro's handler as it is, refused here with the catalogue's error:
 * an undecodable address (e.g. %C0%AF; the adapter's own answer is a bare English "Bad request.")
 * is a 400, TRACE and its kin a 405. Under /api/ the JSON error; elsewhere the error page.
 */
function refusedBeforeAstro(req: http.IncomingMessage): AppError | null {
  if (unservableMethods.has(req.method ?? '')) return new AppError('MethodNotAllowed');
  try {
    decodeURI(req.url ?? '/');
  } catch {
    return new AppError('BadRequest');
  }
  return null;
}

/** The primary of a cluster: migrate and seed once, run the workers, restart any that die. */
async function supervise(config: ReturnType<typeof loadConfig>) {
  if (!config.DATABASE_URL) {
    throw new Error('WEB_CONCURRENCY 大于 1 时必须使用 PostgreSQL（设置 DATABASE_URL）：嵌入式数据库只能由一个进程打开。');
  }
  let setupNotice = '';
  await start({ config, log: (l) => log.info(l), announce: (text) => { setupNotice = text; } });
  await stop();
  let stopping = false;
  for (let i = 0; i < config.WEB_CONCURRENCY; i++) cluster.fork();
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    log.warn(`[kaimen] 工作进程 ${worker.process.pid} 退出（${signal ?? code}），正在重启`);
    cluster.fork();
  });
  log.info(`[kaimen] 开门已启动：http://${config.HOST}:${config.PORT}（${config.WEB_CONCURRENCY} 个工作进程）`);
  if (setupNotice) process.stdout.write(setupNotice);
  const shutdown = (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info(`[kaimen] 收到 ${signal}，正在停止工作进程……`);
    const alive = Object.values(cluster.workers ?? {}).filter(Boolean);
    let left = alive.length;
    if (!left) process.exit(0);
    for (const w of alive) {
      w!.once('exit', () => {
        if (--left === 0) {
          log.info('[kaimen] 已停止。');
          process.exit(0);
        }
      });
      w!.process.kill('SIGTERM');
    }
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
}

main().catch((err) => {
  log.fatal(err instanceof Error ? err.message : String(err));
  process.exit(1);
});
