/**
 * The POST of the comment page (/drafts/{slug}/comment), every web comment form's target: the
 * form through handleForm, the same comment sent again from this browser keeping its first
 * idempotency key (the recent-comments cookie), the receipt cookie on success, and each error
 * placed where the page shows it. Lives beside the forms because it speaks cookies; the rules of
 * commenting stay in comments/submit-comment.ts.
 */
import { randomUUID } from 'node:crypto';
import { t, type Locale } from '../../i18n';
import { AppError, errorCatalogue } from '../errors';
import type { SessionUser } from '../auth/session-user';
import { commentInputSchema } from '../comments/schemas';
import { submitComment } from '../comments/submit-comment';
import { commentLimits } from '../auth/limits';
import { isUuid } from '../params';
import { FORM_LIMIT_BYTES, handleForm, type AstroLike, type Jar } from './forms';
import { contentDigest, readRecent, receiptCookie, recentCookie, RECEIPT_COOKIE, RECENT_COOKIE } from './web-session';

/** The fields typed again into the form after a refusal. */
const KEPT = ['body', 'name', 'publishName', 'district', 'occupation', 'contact', 'notify', 'idempotencyKey'];
/** Fields the form does not show: their problems are told at the top. */
const HIDDEN = new Set(['round', 'article', 'idempotencyKey']);

export interface CommentPost {
  astro: AstroLike & { cookies: Jar; locals: { locale: Locale; user: SessionUser | null; ip: string } };
  slug: string;
}

export type CommentFormOutcome =
  | { done: true; receipt: string }
  | {
      done: false;
      values: Record<string, string>;
      /** field → message; 'form' for the top of the form. */
      errors: Record<string, string>;
      /** The period is closed or not open yet: shown with the typed text to copy. */
      periodMessage: string | null;
      /** The draft or round does not exist: the page renders its 404. */
      notFound: string | null;
      /** The round and article the form was for (the article dropped when it does not exist). */
      round?: number;
      article?: number;
    };

const num = (s: string | undefined) => (s && /^\d{1,6}$/.test(s) ? Number(s) : undefined);

/** Handles the comment page's POST; see the module comment. */
export async function postCommentForm({ astro, slug }: CommentPost): Promise<CommentFormOutcome> {
  const { locale, user, ip } = astro.locals;
  // Everything typed comes back, however long (the body is at most 64 KB): a refused comment is never cut.
  const form = await handleForm(astro, commentInputSchema, async (input) => {
    // The same comment sent again from this browser (even from a reloaded form) keeps its first key.
    const recent = readRecent(astro.cookies.get(RECENT_COOKIE)?.value);
    const digest = contentDigest(slug, input);
    // A form from a shared page may come without a key (no script): one is made here, kept in the cookie.
    const key = recent.get(digest) ?? input.idempotencyKey ?? randomUUID();
    const result = await submitComment(slug, { ...input, idempotencyKey: key }, { channel: 'web', userId: user?.id ?? null, limits: commentLimits(user, ip) });
    if (isUuid(key)) {
      const spec = recentCookie(slug, recent, digest, key);
      astro.cookies.set(RECENT_COOKIE, spec.value, spec.options);
    }
    const rc = receiptCookie(result.receipt, result.lookupCode, true);
    astro.cookies.set(RECEIPT_COOKIE, rc.value, rc.options);
    return result.receipt;
  }, { mapError: placeError, keepChars: FORM_LIMIT_BYTES, urlencodedOnly: true });
  if (form.ok) return { done: true, receipt: form.result };

  const err = form.error!;
  const values = Object.fromEntries(KEPT.map((k) => [k, form.values[k] ?? '']));
  const message = t(locale, errorCatalogue[err.code].key, err.params);
  const outcome = { done: false as const, values, errors: form.errors, periodMessage: null as string | null, notFound: null as string | null, round: num(form.values.round), article: num(form.values.article) };
  if (err.code === 'DraftNotFound' || err.code === 'RoundNotFound') outcome.notFound = message;
  else if (err.code === 'ConsultationClosed' || err.code === 'ConsultationNotOpen') outcome.periodMessage = message;
  else if (err.code === 'Conflict') values.idempotencyKey = '';
  else if (err.code === 'ArticleNotFound') outcome.article = undefined;
  // A message for the whole form only where no field says what is wrong.
  if (!err.fields.length && !outcome.notFound && !outcome.periodMessage) outcome.errors.form = message;
  return outcome;
}

/** The comment page's reading of an error: hidden fields and unreadable bytes are told at the top. */
function placeError(err: AppError): AppError {
  if (err.code === 'Conflict') return new AppError('Conflict', err.params, [{ field: 'form', key: 'comment.keyReused' }], err.headers);
  if (err.code === 'BadRequest') return new AppError('BadRequest', err.params, [{ field: 'form', key: 'comment.field.invalidEncoding' }], err.headers);
  if (err.code !== 'ValidationFailed') return err;
  return new AppError('ValidationFailed', err.params, err.fields.map((f) => (HIDDEN.has(f.field) ? { ...f, field: 'form' } : f)), err.headers);
}
