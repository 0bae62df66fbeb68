/**
 * Input rules for accounts, shared by the pages, the admin commands and the tests. Messages
 * are i18n keys (src/i18n/zh-CN.ts); src/server/web/forms.ts turns them into Chinese per field.
 */
import { z } from 'zod';
import { lineText } from '../text-rules';
import { isCommonPassword, PASSWORD_MAX, PASSWORD_MIN } from './passwords';
import { beijingDistricts } from '../districts';
import { dateTime, wholeNumber } from '../params';
import { messageKinds } from '../messages/templates';

export const OTHER_DISTRICT = 'other';

export type AccountId = { kind: 'email'; value: string } | { kind: 'phone'; value: string };

const EMAIL = /^[^\s@]{1,64}@[^\s@]+\.[^\s@]{2,}$/;
const MOBILE = /^1[3-9]\d{9}$/;

/** Reads an email or a mainland mobile number (spaces, dashes and +86 allowed); null if neither. */
export function parseAccountId(raw: string): AccountId | null {
  const s = raw.trim();
  if (s.includes('@')) {
    const email = s.toLowerCase();
    return email.length <= 254 && EMAIL.test(email) ? { kind: 'email', value: email } : null;
  }
  const digits = s.replace(/[\s-]/g, '').replace(/^(\+?86)(?=1\d{10}$)/, '');
  return MOBILE.test(digits) ? { kind: 'phone', value: digits } : null;
}

const text = (max: number) => lineText(max);
const required = (max: number) => text(max).pipe(z.string().min(1, 'field.required'));

export const accountField = z.string().trim().min(1, 'field.required').max(254, 'field.tooLong')
  .transform((v, ctx) => {
    const id = parseAccountId(v);
    if (!id) {
      ctx.addIssue({ code: 'custom', message: 'auth.field.account' });
      return z.NEVER;
    }
    return id;
  });

export const newPasswordField = z.string()
  .min(PASSWORD_MIN, 'auth.field.passwordShort')
  .max(PASSWORD_MAX, 'field.tooLong')
  .refine((p) => !isCommonPassword(p), 'auth.field.passwordCommon');

/** Adds a "passwords differ" issue on passwordConfirm. */
function confirmMatches<T extends { password: string; passwordConfirm: string }>(v: T, ctx: z.RefinementCtx) {
  if (v.password !== v.passwordConfirm) ctx.addIssue({ code: 'custom', path: ['passwordConfirm'], message: 'auth.field.passwordMismatch' });
}

export const districtFields = {
  district: z.string().trim().min(1, 'auth.field.district').max(30, 'field.tooLong'),
  districtOther: text(30).optional(),
};

/** The district a person chose: one of the 16, or what they typed after choosing 其他. */
function resolveDistrict<T extends { district: string; districtOther?: string }>(v: T, ctx: z.RefinementCtx) {
  if (v.district === OTHER_DISTRICT) {
    if (!v.districtOther) ctx.addIssue({ code: 'custom', path: ['districtOther'], message: 'auth.field.districtOther' });
  } else if (!(beijingDistricts as readonly string[]).includes(v.district)) {
    ctx.addIssue({ code: 'custom', path: ['district'], message: 'auth.field.district' });
  }
}

export function chosenDistrict(v: { district: string; districtOther?: string }): string {
  return v.district === OTHER_DISTRICT ? (v.districtOther ?? '') : v.district;
}

export const signUpSchema = z.object({
  account: accountField,
  password: newPasswordField,
  passwordConfirm: z.string().max(PASSWORD_MAX, 'field.tooLong'),
  name: required(50),
  ...districtFields,
  occupation: text(50).optional(),
}).superRefine((v, ctx) => { confirmMatches(v, ctx); resolveDistrict(v, ctx); });
export type SignUpInput = z.output<typeof signUpSchema>;

export const signInSchema = z.object({
  account: accountField,
  password: z.string().min(1, 'field.required').max(PASSWORD_MAX, 'field.tooLong'),
});
export type SignInInput = z.output<typeof signInSchema>;

export const changePasswordSchema = z.object({
  currentPassword: z.string().min(1, 'field.required').max(PASSWORD_MAX, 'field.tooLong'),
  password: newPasswordField,
  passwordConfirm: z.string().max(PASSWORD_MAX, 'field.tooLong'),
}).superRefine(confirmMatches);

export const codeField = z.string().trim().regex(/^\d{6}$/, 'auth.field.code');

export const resetRequestSchema = z.object({ account: accountField });

export const resetConfirmSchema = z.object({
  account: accountField,
  code: codeField,
  password: newPasswordField,
  passwordConfirm: z.string().max(PASSWORD_MAX, 'field.tooLong'),
}).superRefine(confirmMatches);

/** What an admin (page or `npm run users:create`) gives to create an account. */
export const createUserSchema = z.object({
  role: z.enum(['citizen', 'deputy', 'staff', 'admin'], 'auth.field.role'),
  account: accountField,
  password: newPasswordField,
  name: text(50).optional(),
  district: text(30).optional(),
  occupation: text(50).optional(),
  stations: z.array(z.string().trim().min(1).max(40, 'field.tooLong')).max(50).default([]),
});
export type CreateUserInput = z.input<typeof createUserSchema>;

export const createTokenSchema = z.object({
  userId: z.uuid('auth.field.tokenUser'),
  label: required(60),
});

/** The token of a first-run setup link (auth/setup.ts): 20 random bytes, base32. */
export const setupTokenField = z.string().regex(/^[a-z2-7]{32}$/);

/** The first admin, made with a setup link (/setup). */
export const setupForm = z.object({
  name: required(50),
  account: accountField,
  password: newPasswordField,
  passwordConfirm: z.string().max(PASSWORD_MAX, 'field.tooLong'),
}).superRefine(confirmMatches);
export type SetupInput = z.output<typeof setupForm>;

/** A staff or deputy account made by an admin (/admin/users/new). */
export const staffAccountForm = z.object({
  role: z.enum(['staff', 'deputy'], 'auth.field.role'),
  account: accountField,
  name: z.string().trim().min(1, 'field.required').max(50, 'field.tooLong'),
  password: newPasswordField,
  stations: z.array(z.string().max(40)).max(50),
});

/** What an admin does to an account (/admin/users/{id}). */
export const userActionForm = z.object({ intent: z.enum(['deactivate', 'activate', 'endSessions']) });

/** Creating or revoking an API token (/admin/tokens). */
export const tokenForm = z.discriminatedUnion('intent', [
  createTokenSchema.extend({ intent: z.literal('create') }),
  z.object({ intent: z.literal('revoke'), tokenId: z.uuid() }),
]);

/** Confirming a contact with its code, or sending a new code (/account/verify). */
export const verifyForm = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('confirm'), code: codeField }),
  z.object({ intent: z.literal('resend') }),
]);

/** Whether to be told when my comments are answered (/account): an unticked box sends nothing. */
export const notifyAnswersForm = z
  .object({ notifyAnswers: z.enum(['on', 'true', 'false', ''], { error: 'field.invalid' }).optional() })
  .transform((v) => ({ on: v.notifyAnswers === 'on' || v.notifyAnswers === 'true' }));

/**
 * An account name handed in the address (?account=, from a message's link) to fill a field:
 * trimmed, and nothing when it is longer than any account can be. Only ever a field's value.
 */
export function accountFromQuery(url: URL): string {
  const value = (url.searchParams.get('account') ?? '').trim();
  return value.length <= 254 ? value : '';
}

/** Confirming a sign-up with its code, or sending a new code (/signup/confirm). */
export const signupConfirmForm = z.discriminatedUnion('intent', [
  z.object({ intent: z.literal('confirm'), account: accountField, code: codeField }),
  z.object({ intent: z.literal('resend'), account: accountField }),
]);

/**
 * The query of the outbox page (/staff/outbox): the filters (state, kind, channel; an empty value
 * is "all") and the next page's keyset, the last row's time and id (`before`, `beforeId`).
 */
export const outboxQuery = z.object({
  state: z.enum(['queued', 'delivered', 'failed']).optional(),
  kind: z.enum([...messageKinds, 'message']).optional(),
  channel: z.enum(['sms', 'email']).optional(),
  before: dateTime.optional(),
  beforeId: z.uuid().optional(),
});

/** Sending a failed notice again (/staff/outbox). */
export const outboxRetryForm = z.object({ id: z.uuid() });

// ── the audit page's filters (admin/audit.astro) ──
const trimmedTo = (max: number) => z.string().transform((v) => v.trim().slice(0, max)).optional();
export const auditQuery = z.object({
  action: trimmedTo(60),
  object: trimmedTo(100),
  before: wholeNumber(1, Number.MAX_SAFE_INTEGER).optional(),
  verify: z.string().optional(),
});
