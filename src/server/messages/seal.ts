/**
 * Sealing a message's secret parameters (a verification or reset code) for the time it waits in
 * the outbox: AES-256-GCM under a key derived (HKDF) from the lookup-code secret, which is never
 * in the database. Whoever reads the database — staff, an admin, a backup — sees ciphertext; the
 * delivery job opens it, sends it, and erases it. Each sealed text names its key, so a rotation
 * (LOOKUP_CODE_PREVIOUS_SECRETS) still opens what waited across it.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { keyRing } from '../keys';

const derived = new Map<Buffer, Buffer>();

function sealKey(secret: Buffer): Buffer {
  let key = derived.get(secret);
  if (!key) {
    key = Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'kaimen:outbox-seal', 32));
    derived.set(secret, key);
  }
  return key;
}

/** `v1.<key id>.<iv>.<ciphertext>.<tag>`, base64url parts. */
export function seal(values: Record<string, string>): string {
  const ring = keyRing('lookup');
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', sealKey(ring.current), iv);
  const body = Buffer.concat([cipher.update(JSON.stringify(values), 'utf8'), cipher.final()]);
  return ['v1', ring.currentId, iv.toString('base64url'), body.toString('base64url'), cipher.getAuthTag().toString('base64url')].join('.');
}

/** The values of a sealed text; null when its key is gone or the text was altered. */
export function unseal(text: string): Record<string, string> | null {
  const [version, id, iv, body, tag] = text.split('.');
  const secret = version === 'v1' ? keyRing('lookup').byId.get(id) : undefined;
  if (!secret || !iv || !body || !tag) return null;
  try {
    const decipher = createDecipheriv('aes-256-gcm', sealKey(secret), Buffer.from(iv, 'base64url'));
    decipher.setAuthTag(Buffer.from(tag, 'base64url'));
    const plain = Buffer.concat([decipher.update(Buffer.from(body, 'base64url')), decipher.final()]).toString('utf8');
    return JSON.parse(plain) as Record<string, string>;
  } catch {
    return null;
  }
}
