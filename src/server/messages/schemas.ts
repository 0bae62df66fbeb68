/**
 * Input of following a draft (messages/follows.ts and the pages /drafts/{slug}/follow,
 * /follow/{token}, /unsubscribe/{token}). Messages are i18n keys.
 */
import { z } from 'zod';

/** Longest address accepted (RFC 5321's path limit). */
export const FOLLOW_EMAIL_MAX = 254;

/** An e-mail address, trimmed, its domain lower-cased (as comments/schemas.ts normalises contacts). */
export const followEmail = z
  .string({ error: 'follow.field.email' })
  .transform((v) => v.normalize('NFKC').trim())
  .pipe(z.string().min(1, 'follow.field.emailRequired').max(FOLLOW_EMAIL_MAX, 'field.tooLong').pipe(z.email('follow.field.email')))
  .transform((v) => {
    const at = v.lastIndexOf('@');
    return v.slice(0, at) + '@' + v.slice(at + 1).toLowerCase();
  });

/** The anonymous follow form: the address to confirm. */
export const followEmailForm = z.object({ email: followEmail });

/** The signed-in follow form: follow or stop following. */
export const followAccountForm = z.object({ op: z.enum(['follow', 'unfollow'], { error: 'field.invalid' }) });

/** The notice on the draft page after the follow form (?followed=…). */
export const followNotice = z.enum(['sent', 'on', 'off', 'verify']);

/** The unsubscribe form: a button, or a mail client's RFC 8058 one-click POST (List-Unsubscribe=One-Click). */
export const unsubscribeForm = z.object({ 'List-Unsubscribe': z.string().optional() });
/** The confirmation button of /follow/{token}: nothing but the click. */
export const confirmFollowForm = z.object({});

/** A link token (`<follow id>.<mac>`): its shape only; links.ts readLinkToken checks the mac. */
export const linkTokenParam = z.string().min(1).max(100).regex(/^[0-9a-f-]{36}\.[A-Za-z0-9_-]+$/);
