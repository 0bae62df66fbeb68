/**
 * The one logger: JSON lines on stderr (pino), level from LOG_LEVEL (default info; silent turns
 * it off). stdout stays the commands' own output. Never log personal data: no IP address, no
 * query string, no name, contact, code or comment text (decision 018).
 */
import { randomUUID } from 'node:crypto';
import pino from 'pino';
import { currentConfig } from './config';

function level(): string {
  // An invalid configuration is reported by whoever loads it; the logger still has to work to say so.
  try {
    return currentConfig().LOG_LEVEL;
  } catch {
    return 'info';
  }
}

export const log = pino(
  { level: level(), base: { pid: process.pid }, timestamp: pino.stdTimeFunctions.isoTime, formatters: { level: (label) => ({ level: label }) } },
  pino.destination({ dest: 2, sync: true }),
);

const REQUEST_ID_RE = /^[A-Za-z0-9._:-]{8,128}$/;

/** The request id: the incoming X-Request-Id when it is a plain token (from a proxy), else a new UUID. */
export function requestIdOf(incoming: string | null | undefined): string {
  return incoming && REQUEST_ID_RE.test(incoming) ? incoming : randomUUID();
}

/** One access line per request: id, method, path without its query string, status, milliseconds. */
export function logAccess(entry: { id: string; method: string; path: string; status: number; ms: number; route?: string }): void {
  const lvl = entry.status >= 500 ? 'error' : 'info';
  log[lvl]({ req: { id: entry.id, method: entry.method, path: entry.path.split('?')[0], route: entry.route }, status: entry.status, ms: Math.round(entry.ms * 10) / 10 }, 'request');
}

const SERVER_LOGS = Symbol.for('kaimen.serverWritesAccessLog');

/** Called by scripts/serve.ts, which writes the access lines itself (static files included). */
export function markServerWritesAccessLog(): void {
  (globalThis as Record<symbol, unknown>)[SERVER_LOGS] = true;
}

/** True in the production server; false under `astro dev`, where the middleware writes them. */
export function serverWritesAccessLog(): boolean {
  return (globalThis as Record<symbol, unknown>)[SERVER_LOGS] === true;
}
