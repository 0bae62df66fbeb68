/**
 * The one way a page handles its own form POST (docs/decisions/003-sessions-and-permissions.md):
 *
 *   const form = Astro.request.method === 'POST'
 *     ? await handleForm(Astro, schema, (data) => doTheThing(data, …))
 *     : emptyForm();
 *   if (form.ok) return Astro.redirect('/next?done=1', 303);   // post/redirect/get
 *
 * It reads the body (size-limited), validates with zod, runs the use case, and on a known
 * error gives back what was typed (never passwords or codes), a Chinese message per field and
 * a message for the whole form, and sets the response status (429 with Retry-After, …).
 * Anything that is not an AppError is rethrown (the error page handles it).
 */
import type { z } from 'zod';
import { t, type Locale, type MessageKey } from '../../i18n';
import { zhCN } from '../../i18n/zh-CN';
import { AppError, errorCatalogue, isAppError, normaliseError, type FieldIssue } from '../errors';
import { readBytes, readText } from './http';
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
}

export interface FormDone<R> {
  ok: true;
  result: R;
}

export function emptyForm(values: Record<string, string> = {}): FormState {
  return { ok: false, submitted: false, values, arrays: {}, errors: {} };
}

const SECRET = /password|code|token/i;

interface AstroLike {
  request: Request;
  locals: { locale: Locale };
  response: { status: number; headers: Headers };
}

/** Reads, validates and runs; see the module comment. `arrays` names multi-value fields. */
export async function handleForm<S extends z.ZodType, R>(
  astro: AstroLike, schema: S, action: (data: z.output<S>) => Promise<R>, opts: { arrays?: string[] } = {},
): Promise<FormDone<R> | FormState> {
  const { locale } = astro.locals;
  const state = emptyForm();
  state.submitted = true;
  try {
    const form = await readForm(astro.request);
    const raw: Record<string, unknown> = {};
    for (const key of new Set(form.keys())) {
      if (opts.arrays?.includes(key)) {
        raw[key] = form.getAll(key).map(String);
        state.arrays[key] = raw[key] as string[];
      } else {
        const value = String(form.get(key) ?? '');
        raw[key] = value;
        if (!SECRET.test(key)) state.values[key] = value.slice(0, 2000);
      }
    }
    for (const key of opts.arrays ?? []) raw[key] ??= [];
    const parsed = schema.safeParse(raw);
    if (!parsed.success) throw new AppError('ValidationFailed', {}, fieldIssues(parsed.error));
    return { ok: true, result: await action(parsed.data) };
  } catch (caught) {
    // Text the database refuses (NUL) becomes BadRequest here too: a page's own errors never reach the middleware.
    const err = normaliseError(caught);
    if (!isAppError(err)) throw caught;
    astro.response.status = err.status;
    for (const [name, value] of Object.entries(err.headers)) astro.response.headers.set(name, value);
    for (const f of err.fields) state.errors[f.field] ??= t(locale, f.key, f.params);
    state.message = t(locale, errorCatalogue[err.code].key, err.params);
    return state;
  }
}

/** Reads an urlencoded or multipart form of at most `limitBytes`. */
export async function readForm(request: Request, limitBytes = 64 * 1024): Promise<URLSearchParams | FormData> {
  const type = request.headers.get('content-type') ?? '';
  if (/^application\/x-www-form-urlencoded\b/i.test(type)) {
    const text = await readText(request, limitBytes);
    // URLSearchParams would turn bytes that are not UTF-8 (%ED%A0%80, a lone surrogate's) into U+FFFD and store that.
    const bad = badlyEncodedFields(text);
    if (bad.length) throw new AppError('ValidationFailed', {}, bad.map((field) => ({ field, key: 'comment.field.invalidEncoding' as const })));
    return new URLSearchParams(text);
  }
  if (/^multipart\/form-data\b/i.test(type)) {
    // Size-limited even when chunked; a malformed body (no boundary, cut short) is a 400, not a crash.
    const bytes = await readBytes(request, limitBytes);
    try {
      return await new Response(new Uint8Array(bytes), { headers: { 'content-type': type } }).formData();
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

function isMessageKey(s: string): s is MessageKey {
  return Object.prototype.hasOwnProperty.call(zhCN, s);
}

/** zod issues → one issue per field, messages as i18n keys (a schema's own key wins). */
export function fieldIssues(error: z.ZodError): FieldIssue[] {
  const out: FieldIssue[] = [];
  for (const issue of error.issues) {
    const field = issue.path.map(String).join('.') || 'form';
    if (out.some((f) => f.field === field)) continue;
    const params: Record<string, number> = {};
    if ('minimum' in issue) params.min = Number(issue.minimum);
    if ('maximum' in issue) params.max = Number(issue.maximum);
    let key: MessageKey;
    if (isMessageKey(issue.message)) key = issue.message;
    else if (issue.code === 'too_small') key = 'field.tooShort';
    else if (issue.code === 'too_big') key = 'field.tooLong';
    else if (issue.code === 'invalid_type') key = 'field.required';
    else key = 'field.invalid';
    out.push({ field, key, params });
  }
  return out;
}

// ── One-time values across a redirect (e.g. a new API token shown once) ────
interface Jar {
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
