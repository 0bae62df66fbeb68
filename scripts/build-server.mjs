/**
 * Run after `astro build` by `npm run build`; production then runs plain JavaScript in two files:
 *
 * - dist/serve.mjs: scripts/serve.ts (start-up, shutdown, the cluster, the built client files),
 *   without a TypeScript loader, whose hooks cost every request's dynamic import() a trip through
 *   them (~10 % of the server's CPU under load, bench/RESULTS.md).
 * - dist/server/app.mjs: Astro's server output (dist/server/entry.mjs and its chunks) in one file.
 *   Astro loads a route's module with `import()` on every request; across chunk files each call
 *   goes through Node's module resolver (package scopes, the module map) even when the module is
 *   loaded. Bundled, those imports are plain function calls. The file stays in dist/server, where
 *   the adapter looks for its client folder (../client).
 *
 * Packages stay external in both; our own modules and Astro's chunks are bundled.
 *
 *   node scripts/build-server.mjs [dist folder, default dist]
 */
import { join } from 'node:path';
import { build } from 'esbuild';

const dist = process.argv[2] ?? 'dist';
const common = { bundle: true, platform: 'node', format: 'esm', target: 'node24', packages: 'external', logLevel: 'warning' };

await build({ ...common, entryPoints: ['scripts/serve.ts'], outfile: join(dist, 'serve.mjs') });
await build({ ...common, entryPoints: [join(dist, 'server/entry.mjs')], outfile: join(dist, 'server/app.mjs') });
