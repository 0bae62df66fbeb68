// @ts-check
import { defineConfig } from 'astro/config';
import node from '@astrojs/node';

export default defineConfig({
  output: 'server',
  // Middleware mode: scripts/serve.ts owns the HTTP server, start-up (config, database, migrations,
  // samples) and graceful shutdown, serves the built client files (src/server/web/static-files.ts) and
  // hands every other request to Astro's handler.
  adapter: node({ mode: 'middleware' }),
  // The origin check is done in src/middleware.ts for every POST, so that API clients get the
  // catalogue's JSON error and pages get the Chinese one (docs/decisions/002-security-headers.md).
  security: { checkOrigin: false },
  build: { inlineStylesheets: 'never' },
  vite: {
    // No inline scripts or styles: the CSP allows 'self' only.
    build: { assetsInlineLimit: 0 },
    ssr: { external: ['@electric-sql/pglite', 'pg', '@node-rs/argon2', '@node-rs/jieba'] },
  },
  server: { port: 4321, host: 'localhost' },
  devToolbar: { enabled: false },
});
