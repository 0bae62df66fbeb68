/**
 * The server's secret keys (docs/decisions/011-secrets-and-keys.md): the audit trail's HMAC key
 * and the lookup-code secret. Neither is ever stored in the database.
 *
 * Each comes from the environment (AUDIT_KEY, LOOKUP_CODE_SECRET, validated by config.ts) with
 * earlier keys kept for verification after a rotation (AUDIT_PREVIOUS_KEYS,
 * LOOKUP_CODE_PREVIOUS_SECRETS). When a key is not set — `npm start` on a new machine — it is
 * generated once into SECRETS_DIR (mode 0600, created atomically so that several processes
 * starting together agree on one key) and reused, with a warning that production must set it.
 */
import { createHmac, createSecretKey, randomBytes, type Hmac, type KeyObject } from 'node:crypto';
import { closeSync, linkSync, mkdirSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { currentConfig, type Config } from './config';
import { log } from './log';

export type KeyName = 'audit' | 'lookup';

export interface KeyRing {
  /** The key new records are made with. */
  current: Buffer;
  /** A short public name of the current key (an HMAC of a constant), stored beside what it signed. */
  currentId: string;
  /** Every key that may have signed something, current first, by id. */
  byId: Map<string, Buffer>;
  /** Where the current key came from, for messages. */
  source: string;
}

const ENV: Record<KeyName, { current: 'AUDIT_KEY' | 'LOOKUP_CODE_SECRET'; previous: 'AUDIT_PREVIOUS_KEYS' | 'LOOKUP_CODE_PREVIOUS_SECRETS' }> = {
  audit: { current: 'AUDIT_KEY', previous: 'AUDIT_PREVIOUS_KEYS' },
  lookup: { current: 'LOOKUP_CODE_SECRET', previous: 'LOOKUP_CODE_PREVIOUS_SECRETS' },
};

/** Each key's KeyObject, made once: createHmac with a KeyObject is 4–5 × faster than with a Buffer, which Node turns into one at every call (17 vs 3 µs). */
const keyObjects = new WeakMap<Buffer, KeyObject>();

/** The one way to start an HMAC-SHA256 under one of these keys; `.update(…).digest()` it. */
export function hmacSha256(key: Buffer): Hmac {
  let object = keyObjects.get(key);
  if (!object) keyObjects.set(key, (object = createSecretKey(key)));
  return createHmac('sha256', object);
}

/** The public id of a key: 16 hex characters of an HMAC of a constant; reveals nothing of the key. */
export function keyId(key: Buffer): string {
  return hmacSha256(key).update('kaimen:key-id').digest('hex').slice(0, 16);
}

const rings = new Map<KeyName, KeyRing>();
// On globalThis: the server bundle and Astro's bundle each hold a copy of this module, and a key
// file's warning is said once per process.
const WARNED = Symbol.for('kaimen.keyWarnings');
const warned: Set<string> = ((globalThis as { [WARNED]?: Set<string> })[WARNED] ??= new Set<string>());

/** The key ring `name` of this process (read once, then cached). */
export function keyRing(name: KeyName, config: Config = currentConfig()): KeyRing {
  let ring = rings.get(name);
  if (!ring) {
    ring = loadKeyRing(name, config);
    rings.set(name, ring);
  }
  return ring;
}

/** Forgets the cached keys (tests that change the environment or the secrets folder). */
export function resetKeyRings(): void {
  rings.clear();
}

function loadKeyRing(name: KeyName, config: Config): KeyRing {
  const env = ENV[name];
  const given = config[env.current];
  let current: Buffer;
  let source: string;
  if (given) {
    current = Buffer.from(given, 'utf8');
    source = env.current;
  } else {
    const file = join(config.SECRETS_DIR, `${name}.key`);
    current = readOrCreateKeyFile(file);
    source = file;
    if (!warned.has(file)) {
      warned.add(file);
      log.warn(`[kaimen] 未设置 ${env.current}：使用 ${file} 中的密钥（首次启动时生成）。正式部署必须在环境中设置 ${env.current}，并妥善备份（见 docs/deploy.md）。`);
    }
  }
  const byId = new Map<string, Buffer>([[keyId(current), current]]);
  for (const old of config[env.previous] ?? []) {
    const key = Buffer.from(old, 'utf8');
    if (!byId.has(keyId(key))) byId.set(keyId(key), key);
  }
  return { current, currentId: keyId(current), byId, source };
}

/**
 * The key in `file`, or a new random one written there when the file does not exist. The new
 * key is written to a private temporary file and linked into place, so it appears whole and
 * only once: a process that loses the race reads the winner's key.
 */
export function readOrCreateKeyFile(file: string): Buffer {
  try {
    return parseKeyFile(file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  mkdirSync(join(file, '..'), { recursive: true, mode: 0o700 });
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const fd = openSync(tmp, 'wx', 0o600);
  try {
    writeSync(fd, `${randomBytes(32).toString('base64url')}\n`);
  } finally {
    closeSync(fd);
  }
  try {
    linkSync(tmp, file);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  } finally {
    unlinkSync(tmp);
  }
  return parseKeyFile(file);
}

function parseKeyFile(file: string): Buffer {
  const text = readFileSync(file, 'utf8').trim();
  if (text.length < 32) throw new Error(`密钥文件 ${file} 的内容太短（至少 32 个字符）：请删除它以重新生成，或改正。`);
  return Buffer.from(text, 'utf8');
}
