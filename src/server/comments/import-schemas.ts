/**
 * Validation of one row of a bulk comment import (letters, partner systems): the web comment's
 * own rules (commentInputSchema: body 5–5,000 characters, no control characters, contact a
 * mobile number or an email …) plus the columns only an import has. docs/decisions/009-bulk-import.md.
 */
import { z } from 'zod';
import type { MessageKey } from '../../i18n';
import { commentInputSchema } from './schemas';

/** The CSV columns, in the order of the documented header. */
export const importColumns = [
  'external_id', 'draft', 'round', 'article', 'body', 'name', 'publish_name', 'district', 'occupation', 'contact',
  'channel', 'received_at', 'station', 'voices',
] as const;
export type ImportColumn = (typeof importColumns)[number];
export const requiredColumns: readonly ImportColumn[] = ['external_id', 'draft', 'body'];

/** Chinese header names accepted for each column (a transcription sheet made in a spreadsheet). */
export const columnAliases: Record<string, ImportColumn> = {
  来信编号: 'external_id', 编号: 'external_id', 草案: 'draft', 审次: 'round', 条: 'article', 条文: 'article',
  意见: 'body', 意见内容: 'body', 姓名: 'name', 公开姓名: 'publish_name', 区: 'district', 所在区: 'district',
  职业: 'occupation', 联系方式: 'contact', 渠道: 'channel', 收信时间: 'received_at', 联络站: 'station',
  站点: 'station', 人数: 'voices',
};

/** The column a header cell names, or null. */
export function columnOf(header: string): ImportColumn | null {
  const h = header.trim();
  const lower = h.toLowerCase();
  if ((importColumns as readonly string[]).includes(lower)) return lower as ImportColumn;
  return columnAliases[h] ?? null;
}

type Ctx = z.RefinementCtx;
function fail(ctx: Ctx, key: MessageKey, params?: Record<string, string | number>): typeof z.NEVER {
  ctx.addIssue({ code: 'custom', message: key, params });
  return z.NEVER;
}

/** A cell as text: JSON rows may carry numbers and booleans; null and undefined are empty. */
const cell = z.union([z.string(), z.number(), z.boolean(), z.null()], { error: 'field.invalid' })
  .optional()
  .transform((v) => (v === null || v === undefined ? '' : String(v)));

const SLUG = /^[a-z0-9][a-z0-9-]{1,62}$/;

const externalId = cell.transform((raw, ctx) => {
  const v = raw.trim();
  if (!v || Array.from(v).length > 100 || !v.isWellFormed() || /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/.test(v)) {
    return fail(ctx, 'commentImport.externalIdInvalid');
  }
  return v;
});

const draft = cell.transform((raw, ctx) => {
  const v = raw.trim().toLowerCase();
  if (!v) return fail(ctx, 'field.required');
  return SLUG.test(v) ? v : fail(ctx, 'commentImport.draftNotFound', { draft: raw.trim().slice(0, 64) });
});

const truthy = new Set(['true', '是', '1', 'yes', 'y', '公开']);
const falsy = new Set(['false', '否', '0', 'no', 'n', '不公开', '']);
const publishName = cell.transform((raw, ctx) => {
  const v = raw.trim().toLowerCase();
  if (truthy.has(v)) return true;
  if (falsy.has(v)) return false;
  return fail(ctx, 'commentImport.flagInvalid');
});

const channels = { letter: 'letter', api: 'api', 来信: 'letter', 信件: 'letter', 合作系统: 'api', '': 'letter' } as const;
const channel = cell.transform((raw, ctx): 'letter' | 'api' => {
  const v = raw.trim().toLowerCase() as keyof typeof channels;
  return channels[v] ?? fail(ctx, 'commentImport.channelInvalid');
});

/** An ISO date or date-time; kept as text here and read by the caller (it needs the round's period). */
const receivedAt = cell.transform((raw, ctx): string | undefined => {
  const v = raw.trim();
  if (!v) return undefined;
  if (!/^\d{4}-\d{2}-\d{2}([T ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})?)?$/.test(v)) return fail(ctx, 'commentImport.receivedAtInvalid');
  return v;
});

const station = cell.transform((raw, ctx): string | undefined => {
  const v = raw.trim();
  if (!v) return undefined;
  return /^[A-Za-z0-9_-]{1,40}$/.test(v) ? v : fail(ctx, 'commentImport.stationNotFound', { station: v.slice(0, 40) });
});

const voices = cell.transform((raw, ctx): number => {
  const v = raw.trim();
  if (!v) return 1;
  const n = /^\d{1,6}$/.test(v) ? Number(v) : NaN;
  return n >= 1 && n <= 100_000 ? n : fail(ctx, 'commentImport.voicesInvalid');
});

const web = commentInputSchema.shape;
/** Empty cells count as absent for the web comment's optional fields. */
const optional = <S extends z.ZodType>(schema: S) => cell.pipe(z.preprocess((v) => (v === '' ? undefined : v), schema));

/** One import row, keyed by CSV column. */
export const importRowSchema = z.object({
  external_id: externalId,
  draft,
  round: optional(web.round),
  article: optional(web.article),
  body: cell.pipe(web.body),
  name: optional(web.name),
  publish_name: publishName,
  district: optional(web.district),
  occupation: optional(web.occupation),
  contact: optional(web.contact),
  channel,
  received_at: receivedAt,
  station,
  voices,
});

export type ImportRow = z.output<typeof importRowSchema>;
