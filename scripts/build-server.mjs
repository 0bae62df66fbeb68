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
 * - dist/server/workers/<name>.mjs: each worker thread's entry (src/server/workers/*.worker.ts).
 *
 * Packages stay external in both; our own modules and Astro's chunks are bundled. Except
 * drizzle-orm: its 112 ES module files cost ~1.5 s of CPU to load from node_modules at every
 * start (the resolver reads its 179 KB package.json for each), so it is bundled once into
 * dist/vendor/ (one file per entry point used, shared code in chunks) and both bundles import
 * those files: one copy of drizzle per process, as when it was loaded from node_modules
 * (docs/decisions/030-start-up-loading.md).
 *
 * The build fails if a package that only some requests need (LAZY below) is imported statically
 * from either bundle: that would load it at every start. Import such a package inside the
 * function that uses it (`await import('exceljs')`).
 *
 *   node scripts/build-server.mjs [dist folder, default dist]
 */
import { readdirSync, rmSync } from 'node:fs';
import { join, relative, resolve, sep } from 'node:path';
import { build } from 'esbuild';

const dist = process.argv[2] ?? 'dist';
const vendorDir = join(dist, 'vendor');
/** Bundled into dist/vendor instead of loaded from node_modules. */
const VENDORED = /^drizzle-orm(\/.*)?$/;
/** Loaded only where used: an export, an e-mail, an embedded database, a .docx upload, a QR code, the analysis worker. */
const LAZY = ['exceljs', 'docx', 'archiver', 'jszip', 'nodemailer', '@electric-sql/pglite', 'mammoth', 'qrcode', '@node-rs/jieba'];

// Chunk names carry a hash: files from an earlier build would otherwise stay beside the new ones.
rmSync(vendorDir, { recursive: true, force: true });

const common = { bundle: true, platform: 'node', format: 'esm', target: 'node24', logLevel: 'warning', metafile: true };

/** Specifier (drizzle-orm/pg-core) → entry name in dist/vendor (drizzle-orm__pg-core). */
const vendorEntries = new Map();
const isBare = (path) => !path.startsWith('.') && !path.startsWith('/');

/** Maps drizzle-orm imports to the vendored files, as a path relative to the bundle at `outfile`. */
function vendorPlugin(outfile) {
  return {
    name: 'kaimen-vendor',
    setup(b) {
      b.onResolve({ filter: VENDORED }, (args) => {
        const name = args.path.replace(/\//g, '__');
        vendorEntries.set(args.path, name);
        const rel = relative(resolve(outfile, '..'), resolve(vendorDir, `${name}.mjs`)).split(sep).join('/');
        return { path: rel.startsWith('.') ? rel : `./${rel}`, external: true };
      });
    },
  };
}

async function bundle(entry, outfile) {
  const result = await build({ ...common, packages: 'external', entryPoints: [entry], outfile, plugins: [vendorPlugin(outfile)] });
  return result.metafile;
}

const metafiles = [
  await bundle('scripts/serve.ts', join(dist, 'serve.mjs')),
  await bundle(join(dist, 'server/entry.mjs'), join(dist, 'server/app.mjs')),
];

// Worker threads (src/server/workers/run-worker.ts): each src/server/workers/<name>.worker.ts as
// dist/server/workers/<name>.mjs, beside app.mjs, where openWorker looks for it. Not loaded at start.
const workersDir = join(dist, 'server/workers');
rmSync(workersDir, { recursive: true, force: true });
for (const file of readdirSync('src/server/workers').filter((f) => f.endsWith('.worker.ts'))) {
  metafiles.push(await bundle(join('src/server/workers', file), join(workersDir, file.replace(/\.worker\.ts$/, '.mjs'))));
}

// drizzle-orm's entry points used by either bundle, with their shared code split into chunks;
// every other package (pg, PGlite) stays external.
metafiles.push((await build({
  ...common,
  entryPoints: Object.fromEntries([...vendorEntries].map(([specifier, name]) => [name, specifier])),
  outdir: vendorDir,
  outExtension: { '.js': '.mjs' },
  splitting: true,
  chunkNames: 'chunk-[hash]',
  plugins: [{
    name: 'kaimen-vendor-externals',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => (args.kind !== 'entry-point' && isBare(args.path) && !VENDORED.test(args.path) ? { path: args.path, external: true } : undefined));
    },
  }],
})).metafile);

// What a start loads: both bundles and, transitively, the vendored files they import statically.
const outputs = Object.assign({}, ...metafiles.map((m) => m.outputs));
const byPath = new Map(Object.entries(outputs).map(([path, output]) => [resolve(path), output]));
const seen = new Set();
const atStart = [];
const queue = [resolve(dist, 'serve.mjs'), resolve(dist, 'server/app.mjs')];
while (queue.length) {
  const file = queue.pop();
  if (seen.has(file)) continue;
  seen.add(file);
  for (const imp of byPath.get(file)?.imports ?? []) {
    if (imp.kind !== 'import-statement') continue;
    if (!imp.external) queue.push(resolve(imp.path));
    else if (isBare(imp.path)) atStart.push({ from: relative(dist, file), path: imp.path });
    else queue.push(resolve(file, '..', imp.path));
  }
}
const eager = atStart.filter((imp) => LAZY.some((pkg) => imp.path === pkg || imp.path.startsWith(`${pkg}/`)));
if (eager.length) {
  console.error(`build-server: these packages would load at every start; import them inside the function that uses them (await import(...)):\n${[...new Set(eager.map((imp) => `  ${imp.path} (${imp.from})`))].join('\n')}`);
  process.exit(1);
}
