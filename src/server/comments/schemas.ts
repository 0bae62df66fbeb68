/**
 * Validation of what citizens send: comments (form and API alike), receipt look-ups and
 * satisfaction ratings. Messages are i18n keys; failures become ValidationFailed with one issue
 * per field.
 */
import { z } from 'zod';
import { isReservedKey } from './receipts';
import { hasVisibleCharacter, lineTextProblem, trimInvisible } from '../text-rules';
import { AppError } from '../errors';
import { parseOrFail } from '../validation';
import type { MessageKey } from '../../i18n';

export const BODY_MIN = 5;
export const BODY_MAX = 5000;
export const SHORT_MAX = 50;
export const CONTACT_MAX = 100;
export const REMARK_MAX = 500;

/** C0 and C1 control characters except tab and line feed (carriage returns are normalised first). */
const CONTROL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F]/;
const SINGLE_LINE_CONTROL = /[\u0000-\u001F\u007F-\u009F\u2028\u2029]/;
const MOBILE = /^(?:\+?86)?(1[3-9]\d{9})$/;

type Ctx = z.RefinementCtx;
function fail(ctx: Ctx, key: MessageKey, params?: Record<string, string | number>): typeof z.NEVER {
  ctx.addIssue({ code: 'custom', message: key, params });
  return z.NEVER;
}

/** \r\n and lone \r become \n; leading and trailing whitespace and zero-width characters go. */
export function normaliseBody(text: string): string {
  return trimInvisible(text.replace(/\r\n?/g, '\n'));
}

const body = z.string({ error: 'field.required' }).transform((raw, ctx) => {
  if (!raw.isWellFormed()) return fail(ctx, 'comment.field.invalidEncoding');
  const text = normaliseBody(raw);
  if (CONTROL.test(text)) return fail(ctx, 'comment.field.controlChars');
  const length = Array.from(text).length;
  if (length === 0) return fail(ctx, 'field.required');
  if (!hasVisibleCharacter(text)) return fail(ctx, 'field.noVisibleText');
  if (length < BODY_MIN) return fail(ctx, 'field.tooShort', { min: BODY_MIN });
  if (length > BODY_MAX) return fail(ctx, 'field.tooLong', { max: BODY_MAX });
  return text;
});

/** An optional one-line field: trimmed, empty → undefined, no controls, no angle brackets. */
const shortText = (max: number) =>
  z
    .string({ error: 'field.invalid' })
    .optional()
    .nullable()
    .transform((raw, ctx): string | undefined => {
      if (raw === undefined || raw === null) return undefined;
      if (!raw.isWellFormed()) return fail(ctx, 'comment.field.invalidEncoding');
      const text = trimInvisible(raw);
      if (!text) return undefined;
      if (SINGLE_LINE_CONTROL.test(text)) return fail(ctx, 'comment.field.controlChars');
      const problem = lineTextProblem(text);
      if (problem) return fail(ctx, problem);
      if (/[<>]/.test(text)) return fail(ctx, 'comment.field.angleBrackets');
      if (Array.from(text).length > max) return fail(ctx, 'field.tooLong', { max });
      return text;
    });

/** A mainland mobile number (stored as its 11 digits) or an email address (domain lower-cased). */
export function normaliseContact(raw: string): string | null {
  const text = raw.normalize('NFKC').trim();
  const digits = text.replace(/[\s-]/g, '');
  const mobile = MOBILE.exec(digits);
  if (mobile) return mobile[1];
  if (text.length <= CONTACT_MAX && z.email().safeParse(text).success) {
    const at = text.lastIndexOf('@');
    return text.slice(0, at) + '@' + text.slice(at + 1).toLowerCase();
  }
  return null;
}

const contact = shortText(CONTACT_MAX).transform((value, ctx): string | undefined => {
  if (value === undefined) return undefined;
  return normaliseContact(value) ?? fail(ctx, 'comment.field.contactInvalid');
});

/** A positive integer given as a number (API) or a string of digits (form); '' → undefined. */
const ordinal = (max: number) =>
  z
    .union([z.number(), z.string()], { error: 'field.invalid' })
    .optional()
    .nullable()
    .transform((raw, ctx): number | undefined => {
      if (raw === undefined || raw === null || raw === '') return undefined;
      const n = typeof raw === 'number' ? raw : /^\s*\d{1,6}\s*$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isInteger(n) || n < 1 || n > max) return fail(ctx, 'field.invalid');
      return n;
    });

const flag = z
  .union([z.boolean(), z.literal('on'), z.literal('true'), z.literal('false'), z.literal('')], { error: 'field.invalid' })
  .optional()
  .nullable()
  .transform((v) => v === true || v === 'on' || v === 'true');

const idempotencyKey = z
  .string({ error: 'comment.field.keyInvalid' })
  .regex(/^[\x21-\x7E]{8,200}$/, 'comment.field.keyInvalid')
  // kiosk: and deputy: keys are the server's (comments/receipts.ts): a client cannot write them.
  .refine((k) => !isReservedKey(k), 'comment.field.keyInvalid')
  .optional()
  .nullable()
  .transform((v) => v ?? undefined);

/**
 * The fields of one comment, without the rule between them: for picking a subset (a refined
 * object cannot be picked), e.g. the kiosk's JSON body. Validate with commentInputSchema.
 */
export const commentFieldsSchema = z.object({
  round: ordinal(9),
  article: ordinal(99999),
  body,
  name: shortText(SHORT_MAX),
  publishName: flag,
  district: shortText(SHORT_MAX),
  occupation: shortText(SHORT_MAX),
  contact,
  /** Tell me at `contact` when my comment is answered (unticked unless the person ticks it). */
  notify: flag,
  idempotencyKey,
});

/**
 * One comment as the form and the API send it (the API's `article` is the article's number).
 * Asking to be told of the answer needs somewhere to tell: notify without a contact is refused
 * on the contact field (checked even when other fields are wrong, so every message shows at
 * once; not when the contact or the flag is itself wrong).
 */
export const commentInputSchema = commentFieldsSchema.refine((c) => !c.notify || c.contact !== undefined, {
  path: ['contact'],
  message: 'comment.field.notifyNeedsContact',
  when: (payload) => !payload.issues.some((i) => i.path?.[0] === 'contact' || i.path?.[0] === 'notify'),
});

export type CommentInput = z.output<typeof commentInputSchema>;

/** Validates a comment (form fields or API JSON); throws ValidationFailed. */
export function parseCommentInput(raw: unknown): CommentInput {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    throw new AppError('ValidationFailed', {}, [{ field: 'body', key: 'field.required' }]);
  }
  return parseOrFail(commentInputSchema, raw);
}

export const satisfactionValues = ['satisfied', 'basically_satisfied', 'not_satisfied'] as const;
export type Satisfaction = (typeof satisfactionValues)[number];

/** A satisfaction rating with an optional remark. */
export const ratingSchema = z.object({
  satisfaction: z.enum(satisfactionValues, { error: 'receipt.rate.choose' }),
  remark: z
    .string({ error: 'field.invalid' })
    .optional()
    .nullable()
    .transform((raw, ctx): string | undefined => {
      if (raw === undefined || raw === null) return undefined;
      if (!raw.isWellFormed()) return fail(ctx, 'comment.field.invalidEncoding');
      const text = normaliseBody(raw);
      if (!text) return undefined;
      if (CONTROL.test(text)) return fail(ctx, 'comment.field.controlChars');
      if (Array.from(text).length > REMARK_MAX) return fail(ctx, 'receipt.field.remarkTooLong', { max: REMARK_MAX });
      return text;
    }),
});

export type RatingInput = z.output<typeof ratingSchema>;
