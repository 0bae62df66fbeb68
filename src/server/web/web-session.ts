/**
 * The two short-lived cookies of the web comment journey (docs/decisions/004-receipts.md):
 * - the lookup code for one receipt, HttpOnly, sent only to /receipts/{receipt}, so that the
 *   status page can show the code after the redirect without putting it in a URL;
 * - the idempotency keys of this browser's recent submissions, sent only to the form handler,
 *   so that reloading the form and submitting the same comment again gives the same receipt.
 */
import { createHash } from 'node:crypto';
import type { CommentInput } from '../comments/schemas';
import { secureCookies } from '../config';

export const RECEIPT_COOKIE = 'kaimen_rc';
export const RECENT_COOKIE = 'kaimen_recent';
const RECEIPT_COOKIE_SECONDS = 30 * 60;
const RECENT_COOKIE_SECONDS = 24 * 3600;
const RECENT_MAX = 8;

export interface CookieSpec {
  value: string;
  options: { path: string; maxAge: number; httpOnly: true; sameSite: 'lax'; secure: boolean };
}

/** The cookie that lets this browser see receipt `receipt` (and its code) for half an hour; `fresh` right after submitting. */
export function receiptCookie(receipt: string, code: string, fresh: boolean): CookieSpec {
  return {
    value: `${fresh ? 'new.' : ''}${code}`,
    options: { path: `/receipts/${receipt}`, maxAge: RECEIPT_COOKIE_SECONDS, httpOnly: true, sameSite: 'lax', secure: secureCookies() },
  };
}

/** Reads the receipt cookie's value: the lookup code, and whether the comment was just submitted. */
export function readReceiptCookie(value: string | undefined): { code: string; fresh: boolean } | null {
  if (!value) return null;
  const fresh = value.startsWith('new.');
  const code = fresh ? value.slice(4) : value;
  return /^[0-9A-Z]{4}-[0-9A-Z]{4}$/.test(code) ? { code, fresh } : null;
}

/** A short digest of everything the person submitted, to recognise the same comment sent again. */
export function contentDigest(slug: string, input: CommentInput): string {
  const fields = [slug, input.round, input.article, input.body, input.name, input.publishName, input.district, input.occupation, input.contact, input.notify];
  return createHash('sha256').update(JSON.stringify(fields)).digest('base64url').slice(0, 16);
}

/** Parses the recent-submissions cookie: digest → idempotency key. */
export function readRecent(value: string | undefined): Map<string, string> {
  const map = new Map<string, string>();
  for (const entry of (value ?? '').split('~')) {
    const m = /^([A-Za-z0-9_-]{16})\.([0-9a-f-]{36})$/.exec(entry);
    if (m) map.set(m[1], m[2]);
  }
  return map;
}

/** The recent-submissions cookie with `digest → key` added (newest last, at most 8 kept). */
export function recentCookie(slug: string, recent: Map<string, string>, digest: string, key: string): CookieSpec {
  const next = new Map(recent);
  next.delete(digest);
  next.set(digest, key);
  const entries = [...next].slice(-RECENT_MAX).map(([d, k]) => `${d}.${k}`);
  return {
    value: entries.join('~'),
    options: { path: `/drafts/${slug}/comment`, maxAge: RECENT_COOKIE_SECONDS, httpOnly: true, sameSite: 'lax', secure: secureCookies() },
  };
}
