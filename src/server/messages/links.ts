/**
 * Links in messages that act without signing in: confirming a follow (double opt-in) and
 * unsubscribing in one click. Each is the follow's id and an HMAC of it under a key derived from
 * the lookup-code secret, so nothing is stored and a link cannot be made for another follow.
 */
import { hkdfSync, timingSafeEqual } from 'node:crypto';
import { publicOrigin } from '../config';
import { hmacSha256, keyRing } from '../keys';

type Purpose = 'follow-confirm' | 'unsubscribe';

function mac(purpose: Purpose, id: string, secret: Buffer): Buffer {
  const key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), `kaimen:${purpose}`, 32));
  return hmacSha256(key).update(id).digest().subarray(0, 18);
}

/** `<id>.<mac>` for a follow id (a UUID). */
export function linkToken(purpose: Purpose, id: string): string {
  return `${id}.${mac(purpose, id, keyRing('lookup').current).toString('base64url')}`;
}

/** The follow id a token was made for; null when it is not a token of `purpose`. */
export function readLinkToken(purpose: Purpose, token: string): string | null {
  const [id, tag] = token.split('.');
  if (!id || !tag || !/^[0-9a-f-]{36}$/.test(id)) return null;
  const given = Buffer.from(tag, 'base64url');
  for (const secret of keyRing('lookup').byId.values()) {
    const expected = mac(purpose, id, secret);
    if (given.length === expected.length && timingSafeEqual(given, expected)) return id;
  }
  return null;
}

export const followConfirmUrl = (followId: string) => `${publicOrigin()}/follow/${linkToken('follow-confirm', followId)}`;
export const unsubscribeUrl = (followId: string) => `${publicOrigin()}/unsubscribe/${linkToken('unsubscribe', followId)}`;
