/**
 * The production server: validate config, open and migrate the database, load samples, then
 * serve the built Astro app; close everything cleanly on SIGTERM/SIGINT.
 */
import http from 'node:http';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadConfig } from '../src/server/config';
import { start, stop } from '../src/server/boot';

async function main() {
  const config = loadConfig();
  const entry = resolve('dist/server/entry.mjs');
  if (!existsSync(entry)) throw new Error('找不到构建产物 dist/server/entry.mjs：请先运行 npm run build（npm start 会自动构建）。');
  await start({ config, log: (l) => console.log(l) });
  // The standalone entry would start its own server on import; ours owns start-up and shutdown.
  process.env.ASTRO_NODE_AUTOSTART = 'disabled';
  const { handler } = (await import(pathToFileURL(entry).href)) as {
    handler: (req: http.IncomingMessage, res: http.ServerResponse) => void;
  };
  const server = http.createServer((req, res) => {
    handler(req, res);
  });
  server.keepAliveTimeout = 5000;
  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(config.PORT, config.HOST, () => ok());
  });
  console.log(`[kaimen] 开门已启动：http://${config.HOST}:${config.PORT}`);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    console.log(`[kaimen] 收到 ${signal}，正在停止……`);
    const force = setTimeout(() => server.closeAllConnections(), 10_000);
    server.closeIdleConnections();
    await new Promise<void>((ok) => server.close(() => ok()));
    clearTimeout(force);
    await stop();
    console.log('[kaimen] 已停止，数据库已关闭。');
    process.exit(0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
}

main().catch((err) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(1);
});
