/**
 * The layout of docs/architecture.md, checked: the import graph of src/ (TypeScript's own
 * pre-processor reads the imports of .ts files and of .astro frontmatter).
 * - no cycles between the files of src/server and src/db;
 * - pages and the middleware do not import the database (src/db): they call use cases;
 * - domain code (src/server/<domain>) does not import the HTTP helpers (src/server/web) or Astro;
 * - auth does not import stations.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const root = resolve(import.meta.dirname, '../..');
const src = join(root, 'src');

function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? walk(join(dir, e.name)) : [join(dir, e.name)]));
}

const files = walk(src).filter((f) => /\.(ts|astro)$/.test(f) && !f.endsWith('.d.ts'));

function importsOf(file: string): string[] {
  let text = readFileSync(file, 'utf8');
  if (file.endsWith('.astro')) {
    const m = /^---\n([\s\S]*?)\n---/.exec(text);
    const scripts = [...text.matchAll(/<script[^>]*>([\s\S]*?)<\/script>/g)].map((s) => s[1]);
    text = [m?.[1] ?? '', ...scripts].join('\n');
  }
  const info = ts.preProcessFile(text, true, true);
  return info.importedFiles.map((f) => f.fileName);
}

/** The src file a relative specifier names, or the bare package name. */
function resolveSpecifier(from: string, spec: string): string {
  if (!spec.startsWith('.')) return spec;
  const base = resolve(dirname(from), spec);
  for (const candidate of [base, `${base}.ts`, join(base, 'index.ts')]) {
    if (files.includes(candidate)) return candidate;
  }
  return base;
}

const graph = new Map(files.map((f) => [f, importsOf(f).map((s) => resolveSpecifier(f, s))]));
const rel = (f: string) => relative(root, f);
const inside = (f: string, dir: string) => f.startsWith(join(src, dir) + '/');

describe('the import graph of src/', () => {
  it('has no cycles between the files of src/server and src/db', () => {
    const core = files.filter((f) => inside(f, 'server') || inside(f, 'db'));
    const state = new Map<string, 'open' | 'done'>();
    const cycles: string[] = [];
    const visit = (f: string, path: string[]) => {
      if (state.get(f) === 'done') return;
      if (state.get(f) === 'open') {
        cycles.push([...path.slice(path.indexOf(f)), f].map(rel).join(' → '));
        return;
      }
      state.set(f, 'open');
      for (const dep of graph.get(f) ?? []) if (core.includes(dep)) visit(dep, [...path, f]);
      state.set(f, 'done');
    };
    for (const f of core) visit(f, []);
    expect(cycles).toEqual([]);
  });

  it('keeps the database out of pages and the middleware', () => {
    const offenders = files
      .filter((f) => inside(f, 'pages') || f === join(src, 'middleware.ts'))
      .filter((f) => graph.get(f)!.some((d) => inside(d, 'db')))
      .map(rel);
    expect(offenders).toEqual([]);
  });

  it('keeps HTTP and Astro out of the domain code', () => {
    const domain = files.filter((f) => inside(f, 'server') && !inside(f, 'server/web') && f !== join(src, 'server/boot.ts'));
    const offenders = domain
      .flatMap((f) => graph.get(f)!.filter((d) => inside(d, 'server/web') || d === 'astro' || d.startsWith('astro:')).map((d) => `${rel(f)} → ${rel(d)}`));
    expect(offenders).toEqual([]);
  });

  it('keeps auth independent of stations', () => {
    const offenders = files
      .filter((f) => inside(f, 'server/auth'))
      .flatMap((f) => graph.get(f)!.filter((d) => inside(d, 'server/stations')).map((d) => `${rel(f)} → ${rel(d)}`));
    expect(offenders).toEqual([]);
  });
});
