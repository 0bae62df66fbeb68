import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import { createStaticHandler, listStaticFiles } from '../../src/server/web/static-files';

let root: string;
let server: http.Server;
let base: string;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), 'kaimen-static-'));
  mkdirSync(join(root, '_astro'));
  mkdirSync(join(root, 'kiosk'));
  writeFileSync(join(root, 'favicon.svg'), '<svg/>');
  writeFileSync(join(root, '_astro', 'global.abc123.css'), 'body{margin:0}');
  writeFileSync(join(root, 'kiosk', '二维码.js'), 'export {};');
  writeFileSync(join(root, '.hidden'), 'secret');
  const serveStatic = createStaticHandler(root);
  // What is not a static file reaches "the app": here a 418 that names the path.
  server = http.createServer((req, res) => {
    if (!serveStatic(req, res)) {
      res.writeHead(418, { 'x-app': '1' });
      res.end(`app ${req.method} ${req.url}`);
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise((ok) => server.close(ok));
  rmSync(root, { recursive: true, force: true });
});

describe('static files (built client folder)', () => {
  it('lists every file once, as URL paths, without dotfiles', () => {
    expect([...listStaticFiles(root)].sort()).toEqual(['/_astro/global.abc123.css', '/favicon.svg', '/kiosk/二维码.js']);
  });

  it('serves a listed file with its type; hashed assets are cached for a year, others revalidated', async () => {
    const icon = await fetch(`${base}/favicon.svg?v=2`);
    expect(icon.status).toBe(200);
    expect(icon.headers.get('content-type')).toMatch(/svg/);
    expect(icon.headers.get('cache-control')).toBe('public, max-age=0');
    expect(await icon.text()).toBe('<svg/>');
    const css = await fetch(`${base}/_astro/global.abc123.css`);
    expect(css.status).toBe(200);
    expect(css.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(await css.text()).toBe('body{margin:0}');
  });

  it('serves a percent-encoded name, answers HEAD without a body and a matching ETag with 304', async () => {
    const js = await fetch(`${base}/kiosk/${encodeURIComponent('二维码')}.js`);
    expect(js.status).toBe(200);
    const etag = js.headers.get('etag')!;
    expect(etag).toBeTruthy();
    const head = await fetch(`${base}/kiosk/${encodeURIComponent('二维码')}.js`, { method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
    // Node's http, not fetch: fetch adds cache-control: no-cache to a conditional request.
    const status = await new Promise<number>((ok, fail) => {
      http.get(`${base}/kiosk/${encodeURIComponent('二维码')}.js`, { headers: { 'if-none-match': etag } }, (res) => {
        res.resume();
        ok(res.statusCode!);
      }).on('error', fail);
    });
    expect(status).toBe(304);
  });

  it('hands everything else to the app: other paths, other methods, dotfiles, folders, escapes', async () => {
    for (const [method, path] of [
      ['GET', '/drafts/jiesu-jiban'],
      ['POST', '/favicon.svg'],
      ['GET', '/.hidden'],
      ['GET', '/kiosk'],
      ['GET', '/kiosk/'],
      ['GET', '/_astro/../favicon.svg.bak'],
      ['GET', '/%2e%2e/etc/passwd'],
    ] as const) {
      const res = await fetch(`${base}${path}`, { method });
      expect(res.status, `${method} ${path}`).toBe(418);
      expect(res.headers.get('x-app')).toBe('1');
    }
  });
});
