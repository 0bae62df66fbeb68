/**
 * The upload form of a version (/staff/drafts/new and /staff/drafts/{slug}/upload): multipart,
 * at most MAX_UPLOAD_BYTES plus the fields, read with forms.readForm. Not through handleForm:
 * the pasted text (up to 1 MB) and the preview travel with the form and must come back whole,
 * also when a field is refused (decision 015).
 */
import { t, type Locale } from '../../i18n';
import type { Actor } from '../audit';
import { AppError, errorCatalogue, isAppError } from '../errors';
import { parseOrFail } from '../validation';
import { parseShanghaiTime } from '../time';
import { MAX_INPUT_BYTES } from '../drafts/parse-legal-text';
import { publishVersion } from '../drafts/publish-version';
import { versionFormSchema } from '../drafts/schemas';
import { extractUploadText, MAX_UPLOAD_BYTES, previewVersion, type VersionPreview } from '../drafts/upload-version';
import { readForm } from './forms';

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
