/**
 * What the e2e server "sends": with no SMS or e-mail gateway, the 'message' job appends every
 * message to MESSAGES_FILE (src/server/messages/transports.ts), which tests read as a person reads
 * their phone. Delivery is a job, so a message arrives shortly after the request that queued it.
 */
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The main e2e server's messages file (tests/e2e/start-server.ts sets it; one per port). */
export const messagesFile = join(tmpdir(), `kaimen-e2e-${process.env.E2E_PORT ?? 4399}-messages.jsonl`);

export interface SentMessage { at: string; kind: string; recipient: string; subject: string; body: string }

export function sentMessages(file = messagesFile): SentMessage[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as SentMessage);
}

export interface WaitFor {
  /** Only a message sent at or after this moment (take it just before the action that sends). */
  after?: Date;
  /** Only a message after the first `count` to this recipient (sentMessages(…) before the action). */
  count?: number;
  /** How long to wait (10 s unless said). */
  timeoutMs?: number;
  file?: string;
}

/**
 * The six-digit code of the newest message to `recipient` that is newer than `after` or `count`,
 * polling until one arrives; throws after `timeoutMs`.
 */
export async function lastCodeTo(recipient: string, { after, count = 0, timeoutMs = 10_000, file = messagesFile }: WaitFor = {}): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const mine = sentMessages(file).filter((m) => m.recipient === recipient);
    const fresh = mine.slice(count).filter((m) => !after || Date.parse(m.at) >= after.getTime());
    const code = fresh.length ? /(\d{6})/.exec(fresh.at(-1)!.body)?.[1] : undefined;
    if (code) return code;
    if (Date.now() > deadline) throw new Error(`no new code was sent to ${recipient} within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
