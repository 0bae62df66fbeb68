/**
 * Uploading a new version in the staff workspace: pasted text, a .md or .txt file (UTF-8), or a
 * Word .docx converted to plain text with mammoth; then a preview of the parsed structure
 * (counts, warnings, errors, the articles) before publishing with publishVersion. The text
 * travels with the preview form, so nothing is stored until staff publish (the form itself:
 * server/web/version-form.ts).
 */
import type { Locale } from '../../i18n';
import { AppError } from '../errors';
import { describeProblem, MAX_INPUT_BYTES, parseLegalText, type ParseCounts } from './parse-legal-text';

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
      // Loaded here, not at every start (decision 030): only an upload of a .docx needs it.
      const { default: mammoth } = await import('mammoth');
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
