/**
 * Loads the sample drafts of content/drafts/ (see its README) into an empty database on first
 * start: each folder is one draft whose draft.json lists its rounds, texts and notes. A draft
 * whose slug already exists is left alone, so restarts and edits never clash with comments.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { drafts } from '../../db/schema';
import type { DbOrTx } from '../../db/client';
import { publishVersion } from './publish-version';
import { currentConfig } from '../config';

const offset = z.string().regex(/^[+-]\d+[dh]$/, 'offset like -3d or +2h');
const manifestSchema = z.object({
  slug: z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/),
  code: z.string().regex(/^[A-Z]{2,4}$/),
  title: z.string().min(1),
  summary: z.string().optional(),
  rounds: z
    .array(z.object({
      number: z.number().int().min(1).max(9),
      label: z.string().min(1),
      opens: offset,
      closes: offset,
      text: z.string().min(1),
      note: z.string().optional(),
    }))
    .min(1),
});

export type SampleManifest = z.infer<typeof manifestSchema>;

/** Resolves an offset such as -3d or +2h against `now`. */
export function resolveOffset(value: string, now: Date): Date {
  const m = /^([+-]\d+)([dh])$/.exec(value)!;
  const n = Number(m[1]);
  return new Date(now.getTime() + n * (m[2] === 'd' ? 86400_000 : 3600_000));
}

export function sampleDir(): string {
  return resolve(currentConfig().CONTENT_DIR, 'drafts');
}

export function readSampleManifests(dir = sampleDir()): Array<{ dir: string; manifest: SampleManifest }> {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true })
    .filter((e) => e.isDirectory() && existsSync(join(dir, e.name, 'draft.json')))
    .sort((a, b) => a.name.localeCompare(b.name))
    .map((e) => {
      const file = join(dir, e.name, 'draft.json');
      const parsed = manifestSchema.safeParse(JSON.parse(readFileSync(file, 'utf8')));
      if (!parsed.success) throw new Error(`示例草案清单有误：${file}：${parsed.error.issues.map((i) => `${i.path.join('.')} ${i.message}`).join('；')}`);
      return { dir: join(dir, e.name), manifest: parsed.data };
    });
}

/** Publishes every sample draft not yet in the database; returns the titles loaded. */
export async function loadSampleDrafts(db: DbOrTx, now = new Date(), dir = sampleDir()): Promise<string[]> {
  const loaded: string[] = [];
  // Open consultations first, so the first draft a visitor sees is the open one.
  for (const { dir: folder, manifest } of readSampleManifests(dir)) {
    const [exists] = await db.select({ id: drafts.id }).from(drafts).where(eq(drafts.slug, manifest.slug));
    if (exists) continue;
    for (const r of [...manifest.rounds].sort((a, b) => a.number - b.number)) {
      await publishVersion(
        {
          slug: manifest.slug,
          code: manifest.code,
          title: manifest.title,
          summary: manifest.summary,
          roundNumber: r.number,
          label: r.label,
          opensAt: resolveOffset(r.opens, now),
          closesAt: resolveOffset(r.closes, now),
          text: readFileSync(join(folder, r.text), 'utf8'),
          noteMd: r.note ? readFileSync(join(folder, r.note), 'utf8') : undefined,
        },
        undefined,
        db,
      );
    }
    loaded.push(manifest.title);
  }
  return loaded;
}
