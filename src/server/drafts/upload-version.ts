/**
 * Uploading a new version in the staff workspace: pasted text, a .md or .txt file (UTF-8), or a
 * Word .docx converted to plain text with mammoth; then a preview of the parsed structure
 * (counts, warnings, errors, the articles) before publishing with publishVersion. The text
 * travels with the preview form, so nothing is stored until staff publish.
 */
import mammoth from 'mammoth';
import { z } from 'zod';
import { t, type Locale } from '../../i18n';
import type { Actor } from '../audit';
import { AppError, errorCatalogue, isAppError } from '../errors';
import { readForm } from '../web/forms';
import { parseOrFail } from '../validation';
import { parseShanghaiTime } from '../time';
import { describeProblem, MAX_INPUT_BYTES, parseLegalText, type ParseCounts } from './parse-legal-text';
import { publishVersion } from './publish-version';
import { slugSchema } from './schemas';

export interface UploadedFile {
  name: string;
  bytes: Uint8Array;
}

export interface VersionPreview {
  ok: boolean;
  title: string | null;
  counts: ParseCounts | null;
  warnings: string[];
  errors: string[];
  articles: Array<{ label: string; caption: string | null; excerpt: string; chapter: number | null }>;
}

/** Largest accepted upload: Word files carry styles and images around the text. */
export const MAX_UPLOAD_BYTES = 8 * 1024 * 1024;

/**
 * The legal text of an upload: .docx through mammoth's raw text (paragraphs become lines),
 * .md and .txt as strict UTF-8. Throws ValidationFailed on another type, an empty, oversized
 * or unreadable file.
 */
export async function extractUploadText(file: UploadedFile): Promise<string> {
  const field = 'file';
  if (!file.bytes.byteLength) throw new AppError('ValidationFailed', {}, [{ field, key: 'upload.empty' }]);
  if (file.bytes.byteLength > MAX_UPLOAD_BYTES) throw new AppError('ValidationFailed', {}, [{ field, key: 'upload.tooLarge' }]);
  const ext = file.name.toLowerCase().split('.').pop() ?? '';
  if (ext === 'docx') {
    try {
      const { value } = await mammoth.extractRawText({ buffer: Buffer.from(file.bytes) });
      return tidy(value);
    } catch {
      throw new AppError('ValidationFailed', {}, [{ field, key: 'upload.docxUnreadable' }]);
    }
  }
  if (ext === 'md' || ext === 'txt' || ext === 'markdown') {
    try {
      return tidy(new TextDecoder('utf-8', { fatal: true }).decode(file.bytes));
    } catch {
      throw new AppError('ValidationFailed', {}, [{ field, key: 'upload.notUtf8' }]);
    }
  }
  throw new AppError('ValidationFailed', {}, [{ field, key: 'upload.type' }]);
}

/** Removes a BOM, unifies line ends and collapses the blank lines Word puts between paragraphs. */
function tidy(text: string): string {
  return text.replace(/^\uFEFF/, '').replace(/\r\n?/g, '\n').replace(/\n{3,}/g, '\n\n').trim() + '\n';
}

/** Parses `text` for the preview: what publishing would create, or why it would be refused (messages in `locale`). */
export function previewVersion(text: string, locale: Locale = 'zh-CN'): VersionPreview {
  if (new TextEncoder().encode(text).byteLength > MAX_INPUT_BYTES) {
    return { ok: false, title: null, counts: null, warnings: [], errors: [describeProblem({ line: 0, code: 'too_large', params: { bytes: text.length, limit: MAX_INPUT_BYTES } }, locale)], articles: [] };
  }
  const r = parseLegalText(text);
  if (!r.ok) return { ok: false, title: null, counts: null, warnings: [], errors: r.errors.map((p) => describeProblem(p, locale)), articles: [] };
  return {
    ok: true,
    title: r.text.title,
    counts: r.counts,
    warnings: r.warnings.map((p) => describeProblem(p, locale)),
    errors: [],
    articles: r.text.articles.map((a) => ({
      label: a.label, caption: a.caption ?? null, chapter: a.chapter ?? null,
      excerpt: a.text.length > 80 ? `${a.text.slice(0, 80)}…` : a.text,
    })),
  };
}

// ── The upload form (/staff/drafts/new and /staff/drafts/{slug}/upload) ─────
export interface VersionFormState {
  op: 'preview' | 'publish' | null;
  values: Record<string, string>;
  /** The text to publish, as extracted from the file or pasted. */
  text: string;
  preview: VersionPreview | null;
  errors: Record<string, string>;
  message?: string;
  published?: { slug: string; round: number; created: boolean; articles: number };
}

const versionFormSchema = z.object({
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

/**
 * Reads the upload form (multipart, at most MAX_UPLOAD_BYTES plus the fields), extracts the
 * text from the file or the pasted text, and previews or publishes it. Publishing is refused
 * while the text has parse errors. `fixedSlug` is the draft of /staff/drafts/{slug}/upload.
 */
export async function submitVersionForm(request: Request, actor: Actor, locale: Locale, fixedSlug?: string): Promise<VersionFormState> {
  const state: VersionFormState = { op: null, values: {}, text: '', preview: null, errors: {} };
  try {
    if (Number(request.headers.get('content-length') ?? 0) > MAX_UPLOAD_BYTES + 4 * MAX_INPUT_BYTES) throw new AppError('PayloadTooLarge', { limit: '8 MB' });
    const form = await readForm(request, MAX_UPLOAD_BYTES + 4 * MAX_INPUT_BYTES);
    const raw: Record<string, string> = {};
    for (const [k, v] of form.entries()) if (typeof v === 'string' && k !== 'file') raw[k] = v;
    if (fixedSlug) raw.slug = fixedSlug;
    state.values = { ...raw, text: '' };
    const file = 'getAll' in form ? form.get('file') : null;
    if (file && typeof file !== 'string' && file.size > 0) {
      state.text = await extractUploadText({ name: file.name, bytes: new Uint8Array(await file.arrayBuffer()) });
    } else {
      state.text = (raw.text ?? '').replace(/\r\n?/g, '\n');
    }
    const input = parseOrFail(versionFormSchema, raw);
    state.op = input.op;
    if (!state.text.trim()) throw new AppError('ValidationFailed', {}, [{ field: 'text', key: 'upload.noText' }]);
    state.preview = previewVersion(state.text, locale);
    if (input.op === 'preview' || !state.preview.ok) return state;
    const opensAt = input.opens ? parseShanghaiTime(input.opens) : undefined;
    const closesAt = input.closes ? parseShanghaiTime(input.closes) : undefined;
    if (opensAt === null) throw new AppError('ValidationFailed', {}, [{ field: 'opens', key: 'drafts.field.time' }]);
    if (closesAt === null) throw new AppError('ValidationFailed', {}, [{ field: 'closes', key: 'drafts.field.time' }]);
    const result = await publishVersion({
      slug: input.slug, roundNumber: input.round, text: state.text, title: input.title || undefined, code: input.code || undefined,
      label: input.label || undefined, opensAt, closesAt, noteMd: input.note?.trim() ? input.note : undefined,
    }, actor);
    state.published = { slug: input.slug, round: input.round, created: result.created, articles: result.counts.articles };
    return state;
  } catch (err) {
    if (!isAppError(err)) throw err;
    for (const f of err.fields) state.errors[f.field] ??= t(locale, f.key, f.params);
    state.message = t(locale, errorCatalogue[err.code].key, err.params);
    return state;
  }
}
