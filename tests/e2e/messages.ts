/**
 * What the e2e server "sends": with no SMS or e-mail gateway, it appends every message to
 * MESSAGES_FILE (src/server/auth/notifier.ts), which tests read as a person reads their phone.
 */
import { existsSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** The main e2e server's messages file (tests/e2e/start-server.ts sets it; one per port). */
export const messagesFile = join(tmpdir(), `kaimen-e2e-${process.env.E2E_PORT ?? 4399}-messages.jsonl`);

export interface SentMessage { kind: string; recipient: string; subject: string; body: string }

export function sentMessages(file = messagesFile): SentMessage[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as SentMessage);
}

/** The six-digit code of the newest message to `recipient`. */
export function lastCodeTo(recipient: string, file = messagesFile): string {
  const message = sentMessages(file).filter((m) => m.recipient === recipient).at(-1);
  const code = message && /(\d{6})/.exec(message.body)?.[1];
  if (!code) throw new Error(`no code was sent to ${recipient}`);
  return code;
}
