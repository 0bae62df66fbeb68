/** Every rate limit of accounts and sessions in one place (the numbers of issue 4). */
import { sha256Hex } from './secrets';
import type { Limit } from './rate-limit';

/** Account identifiers are personal data: limit keys carry only their hash. */
const account = (identifier: string) => sha256Hex(identifier).slice(0, 32);

export const limits = {
  signInAccount: (identifier: string): Limit => ({ key: `signin:account:${account(identifier)}`, points: 5, windowSeconds: 60 }),
  signInIp: (ip: string): Limit => ({ key: `signin:ip:${ip}`, points: 20, windowSeconds: 60 }),
  signUpIp: (ip: string): Limit => ({ key: `signup:ip:${ip}`, points: 10, windowSeconds: 3600 }),
  resetAccount: (identifier: string): Limit => ({ key: `reset:account:${account(identifier)}`, points: 3, windowSeconds: 3600 }),
  resetIp: (ip: string): Limit => ({ key: `reset:ip:${ip}`, points: 20, windowSeconds: 3600 }),
  codeUser: (userId: string): Limit => ({ key: `code:user:${userId}`, points: 5, windowSeconds: 600 }),
  passwordUser: (userId: string): Limit => ({ key: `password:user:${userId}`, points: 5, windowSeconds: 60 }),
  /** Every POST/PUT/PATCH/DELETE from one IP (browsers, kiosks behind one address). */
  writesIp: (ip: string): Limit => ({ key: `writes:ip:${ip}`, points: 120, windowSeconds: 60 }),
  /** Writes of a signed-in person (deputies entering a meeting's sheet write a lot). */
  writesUser: (userId: string): Limit => ({ key: `writes:user:${userId}`, points: 300, windowSeconds: 60 }),
  /** Writes of an enrolled kiosk (its own per-kiosk comment limit applies as well). */
  writesKiosk: (kioskId: string): Limit => ({ key: `writes:kiosk:${kioskId}`, points: 300, windowSeconds: 60 }),
  /** Writes of an API client authenticated by bearer token (partner systems batch more). */
  writesToken: (userId: string): Limit => ({ key: `writes:token:${userId}`, points: 600, windowSeconds: 60 }),
};
