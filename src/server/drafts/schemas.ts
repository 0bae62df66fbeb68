/**
 * Input of the draft pages, the reading API and the import command, validated with zod. Messages
 * are i18n keys; `parseOrFail` (server/validation.ts) turns issues into one ValidationFailed.
 */
import { z } from 'zod';
import { parseShanghaiTime } from '../time';
import { articleNumber, roundNumber, slug } from '../params';
import { MAX_INPUT_BYTES } from './parse-legal-text';

/** The address parsers (server/params.ts) under the names the drafts code has always used. */
export const slugSchema = slug;
export const roundNumberSchema = roundNumber;
export const articleNumberSchema = articleNumber;

/** ?round=N on the draft page and GET /api/v1/drafts/{slug}; absent means the latest round. */
export const draftQuerySchema = z.object({ round: roundNumberSchema.optional() });

/** ?from=M&to=N on the diff page and API; absent `to` means the latest round, absent `from` the one before `to`. */
export const diffQuerySchema = z.object({ from: roundNumberSchema.optional(), to: roundNumberSchema.optional() });

const isoTime = z
  .string()
  .transform((v, ctx) => {
    const d = parseShanghaiTime(v);
    if (!d) {
      ctx.addIssue({ code: 'custom', message: 'drafts.field.time' });
      return z.NEVER;
    }
    return d;
  });

/** The flags of `npm run drafts:import`. */
export const importFlagsSchema = z
  .object({
    file: z.string({ error: 'field.required' }).min(1, 'field.required'),
    slug: z.string({ error: 'field.required' }).pipe(slugSchema),
    round: z.string({ error: 'field.required' }).pipe(roundNumberSchema),
    label: z.string().trim().min(1, 'field.required').max(20, 'drafts.field.label').optional(),
    opens: isoTime.optional(),
    closes: isoTime.optional(),
    title: z.string().trim().min(1, 'field.required').max(200, 'drafts.field.title').optional(),
    note: z.string().min(1, 'field.required').optional(),
  })
  .refine((v) => !v.opens || !v.closes || v.closes > v.opens, { message: 'drafts.field.period', path: ['closes'] });

export type ImportFlags = z.infer<typeof importFlagsSchema>;

/** The query string of `url` as a plain object, repeated keys keeping the first value. */
export function queryOf(url: URL): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of url.searchParams) if (!(k in out)) out[k] = v;
  return out;
}

/** The upload form of a version (/staff/drafts/new and /staff/drafts/{slug}/upload). */
export const versionFormSchema = z.object({
  op: z.enum(['preview', 'publish']),
  slug: slugSchema,
  round: z.coerce.number({ error: 'drafts.field.round' }).int('drafts.field.round').min(1, 'drafts.field.round').max(9, 'drafts.field.round'),
  title: z.string().trim().max(200, 'drafts.field.title').optional(),
  code: z.union([z.literal(''), z.string().regex(/^[A-Z]{2,4}$/, 'field.invalid')]).optional(),
  label: z.string().trim().max(20, 'drafts.field.label').optional(),
  opens: z.string().optional(),
  closes: z.string().optional(),
  note: z.string().max(50_000, 'field.tooLong').optional(),
  text: z.string().max(MAX_INPUT_BYTES, 'field.tooLong').optional(),
});

/** A Beijing time typed in a form field, refused with drafts.field.time. */
const draftTime = (field: string) => z.string().optional().transform((v, ctx) => {
  if (!v) return undefined;
  const d = parseShanghaiTime(v);
  if (!d) { ctx.addIssue({ code: 'custom', message: 'drafts.field.time', path: [field] }); return z.NEVER; }
  return d;
});

/** Opening a round or recording the approval (/staff/drafts/{slug}). */
export const draftAdminForm = z.object({
  op: z.enum(['round', 'approval']),
  round: z.coerce.number().int().min(1).max(9).optional(),
  label: z.string().max(20, 'drafts.field.label').optional(),
  opens: draftTime('opens'),
  closes: draftTime('closes'),
  note: z.string().max(50_000, 'field.tooLong').optional(),
  /** Why the period is shortened (required once the round has comments; shown on the draft page). */
  closeReason: z.string().max(200, 'field.tooLong').optional(),
  required: z.string().optional(),
});
