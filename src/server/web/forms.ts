/**
 * The one way a page handles its own form POST (decisions 003 and 015):
 *
 *   const form = Astro.request.method === 'POST'
 *     ? await handleForm(Astro, schema, (data) => doTheThing(data, …))
 *     : emptyForm();
 *   if (form.ok) return Astro.redirect('/next?done=1', 303);   // post/redirect/get
 *
 * It reads the body (size-limited), validates with zod, runs the use case, and on a known
 * error gives back what was typed (never passwords or codes), a Chinese message per field and
 * a message for the whole form, and sets the response status (429 with Retry-After, …).
 * Anything that is not an AppError is rethrown (the error page handles it). `mapError` lets a
 * page place a known error differently (a field it does not show, a Conflict); `state.error`
 * keeps it for a page that answers it with a redirect or a 404. Pages that must keep long text
 * or a secret typed back read the body with `readForm` (the same checks) and map errors themselves.
 */
import { z } from 'zod';
import { t, type Locale } from '../../i18n';
import { AppError, errorCatalogue, isAppError, normaliseError } from '../errors';
import { readBytes, readText } from './http';
import { parseOrFail } from '../validation';
import { secureCookies } from '../config';

export interface FormState {
  ok: false;
  submitted: boolean;
  /** What was typed, to fill the fields again. */
  values: Record<string, string>;
  arrays: Record<string, string[]>;
  /** field → Chinese message. */
  errors: Record<string, string>;
  /** The message for the whole form (shown at the top in a role="alert" box). */
  message?: string;
  /** The error behind the messages, for a page that answers some with a redirect or a 404. */
  error?: AppError;
}

export interface FormDone<R> {
  ok: true;
  result: R;
}

export function emptyForm(values: Record<string, string> = {}): FormState {
  return { ok: false, submitted: false, values, arrays: {}, errors: {} };
}

const SECRET = /password|code|token/i;

export interface AstroLike {
  request: Request;
  locals: { locale: Locale };
  response: { status: number; headers: Headers };
}

export interface FormOptions {
  /** Multi-value fields (checkboxes, multiple selects). */
  arrays?: string[];
  /** File fields of a multipart form: given to the schema as a File (undefined when none chosen), never typed again. */
  files?: string[];
  /** The most the body may hold (64 KB unless said). */
  limitBytes?: number;
  /** The most characters of a field typed back (2,000 unless said). */
  keepChars?: number;
  /** Refuse multipart bodies (415), as a form without a file field is never sent so. */
  urlencodedOnly?: boolean;
  /**
   * The page's own reading of a known error before it is shown: e.g. a Conflict becomes a
   * message on one field, or a field the form does not show is named 'form'.
   */
  mapError?: (err: AppError) => AppError;
}

/** Reads, validates and runs; see the module comment. */
export async function handleForm<S extends z.ZodType, R>(
  astro: AstroLike, schema: S, action: (data: z.output<S>) => Promise<R>, opts: FormOptions = {},
): Promise<FormDone<R> | FormState> {
  const { locale } = astro.locals;
  const state = emptyForm();
  state.submitted = true;
  try {
    const { form, invalid } = await readFields(astro.request, opts.limitBytes, opts.urlencodedOnly);
    const raw: Record<string, unknown> = {};
    for (const key of new Set(form.keys())) {
      if (opts.files?.includes(key)) {
        const file = form.get(key);
        raw[key] = typeof file === 'object' && file && file.size > 0 ? file : undefined;
      } else if (opts.arrays?.includes(key)) {
        raw[key] = form.getAll(key).map(String);
        state.arrays[key] = raw[key] as string[];
      } else {
        const value = String(form.get(key) ?? '');
        raw[key] = value;
        if (!SECRET.test(key)) state.values[key] = value.slice(0, opts.keepChars ?? 2000);
      }
    }
    for (const key of opts.arrays ?? []) raw[key] ??= [];
    refuseInvalid(invalid);
    return { ok: true, result: await action(parseOrFail(schema, raw)) };
  } catch (caught) {
    // Text the database refuses (NUL) becomes BadRequest here too: a page's own errors never reach the middleware.
    const known = normaliseError(caught);
    if (!isAppError(known)) throw caught;
    const err = opts.mapError ? opts.mapError(known) : known;
    state.error = err;
    astro.response.status = err.status;
    for (const [name, value] of Object.entries(err.headers)) astro.response.headers.set(name, value);
    for (const f of err.fields) state.errors[f.field] ??= t(locale, f.key, f.params);
    state.message = t(locale, errorCatalogue[err.code].key, err.params);
    return state;
  }
}

/**
 * Reads an urlencoded or (unless `urlencodedOnly`) multipart form of at most `limitBytes`. Throws UnsupportedMediaType,
 * PayloadTooLarge (before reading it all), BadRequest (raw bytes not UTF-8, malformed multipart)
 * or ValidationFailed naming each field whose percent-escapes are not UTF-8 (%FF, %E4%B8).
 */
export async function readForm(request: Request, limitBytes = FORM_LIMIT_BYTES, urlencodedOnly = false): Promise<URLSearchParams | FormData> {
  const { form, invalid } = await readFields(request, limitBytes, urlencodedOnly);
  refuseInvalid(invalid);
  return form;
}

export const FORM_LIMIT_BYTES = 64 * 1024;

/** Every field as typed, for a use case that validates the form itself (station QR, deputy entry, station admin). */
export const rawForm = z.record(z.string(), z.string());

function refuseInvalid(invalid: string[]): void {
  if (invalid.length) throw new AppError('ValidationFailed', {}, invalid.map((field) => ({ field, key: 'comment.field.invalidEncoding' as const })));
}

/** The form, and the fields whose value is not UTF-8 (shown with U+FFFD, so what was typed can be shown again). */
async function readFields(request: Request, limitBytes = FORM_LIMIT_BYTES, urlencodedOnly = false): Promise<{ form: URLSearchParams | FormData; invalid: string[] }> {
  const type = request.headers.get('content-type') ?? '';
  if (/^application\/x-www-form-urlencoded\b/i.test(type)) {
    const text = await readText(request, limitBytes);
    // URLSearchParams turns bytes that are not UTF-8 (%ED%A0%80, a lone surrogate's) into U+FFFD: never store that.
    return { form: new URLSearchParams(text), invalid: badlyEncodedFields(text) };
  }
  if (!urlencodedOnly && /^multipart\/form-data\b/i.test(type)) {
    // Size-limited even when chunked; a malformed body (no boundary, cut short) is a 400, not a crash.
    const bytes = await readBytes(request, limitBytes);
    try {
      return { form: await new Response(new Uint8Array(bytes), { headers: { 'content-type': type } }).formData(), invalid: [] };
    } catch {
      throw new AppError('BadRequest');
    }
  }
  throw new AppError('UnsupportedMediaType', { expected: 'application/x-www-form-urlencoded' });
}

/** The fields of an urlencoded body whose value is not percent-encoded UTF-8. */
function badlyEncodedFields(body: string): string[] {
  const out: string[] = [];
  for (const pair of body.split('&')) {
    const eq = pair.indexOf('=');
    if (eq < 0) continue;
    const decode = (s: string) => decodeURIComponent(s.replace(/\+/g, ' '));
    try {
      decode(pair.slice(eq + 1));
    } catch {
      let name = 'form';
      try { name = decode(pair.slice(0, eq)) || 'form'; } catch { /* the name is no better */ }
      if (!out.includes(name)) out.push(name);
    }
  }
  return out;
}

// ── One-time values across a redirect (e.g. a new API token shown once) ────
export interface Jar {
  get(name: string): { value: string } | undefined;
  set(name: string, value: string, options: Record<string, unknown>): void;
  delete(name: string, options: Record<string, unknown>): void;
}

/** Keeps `value` for the next GET of `path` only (HttpOnly, one minute). */
export function setFlash(cookies: Jar, name: string, value: string, path: string): void {
  cookies.set(`flash_${name}`, value, { path, httpOnly: true, sameSite: 'strict', maxAge: 60, secure: secureCookies() });
}

/** Reads and forgets a flash value. */
export function takeFlash(cookies: Jar, name: string, path: string): string | undefined {
  const value = cookies.get(`flash_${name}`)?.value;
  if (value !== undefined) cookies.delete(`flash_${name}`, { path });
  return value;
}
