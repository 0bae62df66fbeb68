/** Password hashing with argon2id (@node-rs/argon2), and the rules a new password must meet. */
import { hash, verify } from '@node-rs/argon2';
import { commonPasswords } from './common-passwords';

// OWASP's argon2id baseline: 19 MiB, 2 iterations, 1 lane. Algorithm 2 = Argon2id.
const options = { algorithm: 2, memoryCost: 19456, timeCost: 2, parallelism: 1, outputLen: 32 } as const;

export const PASSWORD_MIN = 10;
export const PASSWORD_MAX = 128;

/** Hashes `password` with argon2id; the result carries its own salt and parameters. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, options);
}

/** True when `password` matches `passwordHash`; false (never throws) for a malformed hash. */
export async function verifyPassword(passwordHash: string, password: string): Promise<boolean> {
  try {
    return await verify(passwordHash, password);
  } catch {
    return false;
  }
}

let dummyHash: Promise<string> | undefined;
/**
 * Spends the time of one verification when there is no account, so that timing does not tell
 * whether an account exists.
 */
export async function verifyAgainstDummy(password: string): Promise<false> {
  dummyHash ??= hashPassword('kaimen-no-such-account-placeholder');
  await verifyPassword(await dummyHash, password);
  return false;
}

/** True when `password` is in the list of common passwords or is a trivial pattern. */
export function isCommonPassword(password: string): boolean {
  const p = password.toLowerCase();
  if (commonPasswords.has(p)) return true;
  if (/^(.)\1+$/.test(p)) return true; // one character repeated
  if (/^(.{1,4})\1+$/.test(p)) return true; // a short group repeated: abcabcabcabc, 52015201
  return isSequence(p);
}

function isSequence(p: string): boolean {
  let up = true;
  let down = true;
  for (let i = 1; i < p.length; i++) {
    const d = p.charCodeAt(i) - p.charCodeAt(i - 1);
    if (d !== 1) up = false;
    if (d !== -1) down = false;
  }
  return up || down;
}
