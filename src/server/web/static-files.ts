/**
 * The built client files (dist/client: hashed /_astro assets, public/), served by scripts/serve.ts
 * in front of Astro's handler. They are listed once at start-up — a build never changes while it
 * runs — so a request that is not for one of them (every page, every POST, every API call) goes
 * to Astro without touching the disk; the adapter's standalone handler stat()ed the file system for
 * every request first (docs/decisions/010-write-path-indexes.md). Files are sent with `send`
 * (ETag, Last-Modified, conditional GET, ranges, HEAD), hashed assets with a year's immutable cache.
 */
import { readdirSync } from 'node:fs';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { join, relative, sep } from 'node:path';
import send from 'send';
import { log } from '../log';

export type StaticHandler = (req: IncomingMessage, res: ServerResponse) => boolean;

/** Every file under `root`, as the URL path that names it (`/favicon.svg`, `/_astro/x.css`); dot-named files and folders are not served. */
export function listStaticFiles(root: string): Set<string> {
  const paths = new Set<string>();
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      if (entry.name.startsWith('.')) continue;
      const full = join(dir, entry.name);
      if (entry.isDirectory()) walk(full);
      else if (entry.isFile()) paths.add('/' + relative(root, full).split(sep).join('/'));
    }
  };
  walk(root);
  return paths;
}

/**
 * A handler that answers GET and HEAD for the files under `root` and returns true, or returns false
 * (having done nothing) for anything else. The URL's path must already be decodable (serve.ts checks).
 */
export function createStaticHandler(root: string): StaticHandler {
  const files = listStaticFiles(root);
  return (req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') return false;
    const url = req.url ?? '/';
    const q = url.search(/[?#]/);
    const path = decodeURI(q < 0 ? url : url.slice(0, q));
    if (!files.has(path)) return false;
    const hashed = path.startsWith('/_astro/');
    const stream = send(req, path, { root, index: false, immutable: hashed, maxAge: hashed ? '1y' : 0 });
    stream.on('error', (err: { status?: number; statusCode?: number }) => {
      const status = err.status ?? err.statusCode ?? 500;
      if (status >= 500) log.error({ path, err: String(err) }, '[static] file not served');
      if (!res.headersSent) res.writeHead(status);
      res.end();
    });
    stream.pipe(res);
    return true;
  };
}
