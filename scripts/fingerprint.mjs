/**
 * The build's fingerprint (scripts/start.mjs): a SHA-256 over every file under src/, public/ and
 * scripts/, the Astro, TypeScript and package files, the lockfile and Node's version — everything
 * `npm run build` reads that is not a package. Files are taken in sorted order with their paths,
 * so a rename or a moved file changes it too.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, relative, sep } from 'node:path';

const trees = ['src', 'public', 'scripts'];
const files = ['astro.config.mjs', 'tsconfig.json', 'package.json', 'package-lock.json'];

/** Every file under `dir`, sorted, so the fingerprint does not depend on the directory's order. */
function walk(dir) {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : e.isFile() ? [join(dir, e.name)] : []));
}

/** The fingerprint of the sources under `root` (hex). */
export function fingerprint(root) {
  const hash = createHash('sha256').update(`node ${process.version}\n`);
  for (const file of [...trees.flatMap((d) => walk(join(root, d))), ...files.map((f) => join(root, f))]) {
    hash.update(`${relative(root, file).split(sep).join('/')}\n`);
    hash.update(existsSync(file) ? readFileSync(file) : '(absent)');
    hash.update('\n');
  }
  return hash.digest('hex');
}
