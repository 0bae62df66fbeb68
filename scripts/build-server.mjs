/**
 * Bundles scripts/serve.ts (start-up, shutdown, the cluster) into dist/serve.mjs, run after
 * `astro build` by `npm run build`. Production then runs plain JavaScript: no TypeScript loader
 * hooks, which cost every request's dynamic import() a trip through them (~10 % of the server's
 * CPU under load, bench/RESULTS.md). Packages stay external; our own modules are bundled.
 */
import { build } from 'esbuild';

await build({
  entryPoints: ['scripts/serve.ts'],
  outfile: 'dist/serve.mjs',
  bundle: true,
  platform: 'node',
  format: 'esm',
  target: 'node24',
  packages: 'external',
  logLevel: 'warning',
});
