/**
 * The one set of parsers for what arrives in an address: route parameters ([id], [slug], [n] …)
 * and query values (ids, dates, date-times, cursors, slugs, numbers). Pages and API routes read
 * their input through `param` and `parseQuery`, so malformed input is answered with the error
 * catalogue — a path that cannot name anything is a 404, a bad query value a 400
 * (ValidationFailed naming the field) — and never reaches the database as something it refuses
 * (a 500). Body schemas (server/<domain>/schemas.ts) use the same pieces for ids, dates and text.
 * Why these rules: docs/decisions/014-input-parsing.md.
 */
import { z } from 'zod';
import { AppError, type ErrorCode } from './errors';
import { parseOrFail } from './validation';

// ── Pieces ────────────────────────────────────────────────────────────────
/**
 * A UUID written as PostgreSQL writes them: 8-4-4-4-12 hex digits. Every id the database made
 * has this shape and every string of this shape is a valid uuid to it; 36 dashes are not.
 */
export const uuid = z.string().regex(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i, 'field.invalid');

/** True for a string `uuid` accepts (for domain code that checks an id before a query). */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && uuid.safeParse(value).success;
}

/** A draft's slug: lower-case letters, digits and dashes, 2–63 characters. */
export const slug = z.string().regex(/^[a-z0-9][a-z0-9-]{1,62}$/, 'drafts.field.slug');

/** A round number in a path or query: 1 to 9. */
export const roundNumber = z.string().regex(/^[1-9]$/, 'drafts.field.round').transform(Number);

/** An article number in a path: 1 to 9999, no leading zero. */
export const articleNumber = z.string().regex(/^[1-9]\d{0,3}$/, 'drafts.field.article').transform(Number);

/** A station's code as it appears in a path (stored upper-case; any case finds it). */
export const stationCode = z.string().regex(/^[A-Za-z0-9][A-Za-z0-9-]{0,39}$/, 'station.codeFormat');

/** The key a kiosk gives a comment before it is delivered (the QR code on its paper receipt). */
export const kioskKey = z.string().regex(/^[A-Za-z0-9_-]{16,64}$/, 'field.invalid');

/** A whole number from `min` to `max` written in plain digits (no sign, exponent or leading zero). */
export function wholeNumber(min: number, max: number) {
  return z.string().regex(/^(0|[1-9]\d{0,15})$/, 'field.invalid').transform(Number)
    .pipe(z.number().int().min(min, 'field.invalid').max(max, 'field.invalid'));
}

/** Years the site can show and the database can store without surprises. */
const MIN_YEAR = 1000;
const MAX_YEAR = 9999;

/** True when year `y` (1000–9999), month `m` and day `d` name a day that exists. */
export function isCalendarDate(y: number, m: number, d: number): boolean {
  if (y < MIN_YEAR || y > MAX_YEAR || m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1];
}

/** A calendar date `YYYY-MM-DD` that exists (no 2024-02-30, no year 0 or 10000); kept as the string. */
export const date = z.string().refine((v) => {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(v);
  return !!m && isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]));
}, 'field.invalid');

const DATETIME = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})(?::(\d{2})(?:\.\d{1,9})?)?(Z|[+-](\d{2}):(\d{2}))$/;

/** An ISO 8601 date-time with its zone (Z or ±hh:mm), e.g. `2026-03-01T08:00:00.000Z`, as a Date. */
export const dateTime = z.string().transform((v, ctx) => {
  const m = DATETIME.exec(v);
  const d = m ? new Date(v) : null;
  const ok = m && d && isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3])) &&
    Number(m[4]) < 24 && Number(m[5]) < 60 && Number(m[6] ?? 0) < 60 &&
    (m[7] === 'Z' || (Number(m[8]) < 24 && Number(m[9]) < 60)) &&
    !Number.isNaN(d.getTime()) && d.getUTCFullYear() >= MIN_YEAR && d.getUTCFullYear() <= MAX_YEAR;
  if (!ok) {
    ctx.addIssue({ code: 'custom', message: 'field.invalid' });
    return z.NEVER;
  }
  return d!;
});

/**
 * An opaque paging cursor: base64url of JSON, checked against `shape` when it comes back, so a
 * cursor that decodes to anything else is a 400 ("go back to the first page"), not a query.
 */
export function cursor<S extends z.ZodType>(shape: S) {
  return z.string().transform((raw, ctx): z.output<S> => {
    const invalid = () => {
      ctx.addIssue({ code: 'custom', message: 'review.cursorInvalid' });
      return z.NEVER;
    };
    if (!/^[A-Za-z0-9_-]{1,1000}$/.test(raw)) return invalid();
    let value: unknown;
    try {
      value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(Buffer.from(raw, 'base64url')));
    } catch {
      return invalid();
    }
    const parsed = shape.safeParse(value);
    return parsed.success ? parsed.data : invalid();
  });
}

/** The cursor for `value` (what `cursor(shape)` reads back). */
export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

/**
 * Text that is well-formed Unicode: a lone surrogate (possible in JSON, "\ud800") cannot be
 * stored or shown faithfully and is refused rather than silently turned into U+FFFD.
 */
export const wellFormedText = z.string().refine((v) => v.isWellFormed(), { message: 'comment.field.invalidEncoding', abort: true });

// ── Reading them ──────────────────────────────────────────────────────────
/**
 * A route parameter parsed with `schema`; a value it refuses names nothing, so `notFound` (a
 * 404-class code of the catalogue: DraftNotFound, CommentNotFound …) is thrown.
 */
export function param<S extends z.ZodType>(schema: S, value: string | undefined, notFound: ErrorCode = 'NotFound'): z.output<S> {
  const parsed = schema.safeParse(value ?? '');
  if (!parsed.success) throw new AppError(notFound);
  return parsed.data;
}

/**
 * The query values of `url` parsed with `schema` (an object of the names it reads; repeated
 * names keep their first value, empty values count as absent, other names are ignored).
 * Throws ValidationFailed (400) with one field issue per bad value.
 */
export function parseQuery<S extends z.ZodType>(url: URL, schema: S): z.output<S> {
  const raw: Record<string, string> = {};
  for (const [k, v] of url.searchParams) if (!Object.hasOwn(raw, k) && v !== '') raw[k] = v;
  return parseOrFail(schema, raw);
}

/**
 * A query value that only tunes what is shown (?deputy= on a poster, ?done= after a form):
 * parsed with `schema`, and simply left out (undefined) when absent or malformed.
 */
export function queryHint<S extends z.ZodType>(url: URL, name: string, schema: S): z.output<S> | undefined {
  const value = url.searchParams.get(name);
  if (value === null || value === '') return undefined;
  const parsed = schema.safeParse(value);
  return parsed.success ? parsed.data : undefined;
}
