/**
 * What a fault script needs to prove that no acknowledged comment is lost or stored twice:
 * clients that submit as the kiosk and the web form do (each comment its own idempotency key and a
 * body marker; a network error, a 502 or a 503 is retried with the same key until answered), and
 * the ledger that checks every receipt a client was given against the database, by the key's
 * digest (the server never stores the key) and by the body marker (a comment stored twice under
 * different keys would show there).
 */
import { randomUUID } from 'node:crypto';
import type pg from 'pg';
import { idempotencyDigest } from '../../src/server/comments/receipts';
import { citizenComment } from './comments';

/** `from`: who answered a 5xx, when the caller can tell (e.g. "nginx" or "app:ServiceUnavailable"). */
export interface Answer { status: number; body: string; ms: number; from?: string }
/** Sends one JSON POST; throws on a network error (refused, reset, timed out). */
export type Post = (path: string, json: string, client: number) => Promise<Answer>;

export interface SentComment {
  key: string;
  marker: string;
  receipt?: string;
  attempts: number;
}

export interface SubmitStats {
  sent: SentComment[];
  /** Answers by status ("net" for a network error), every attempt counted. */
  statuses: Map<string, number>;
  /** Latency of each answered attempt (ms). */
  latencies: number[];
  /** When (ms since `t0`) each 5xx or network error happened, by kind. */
  failuresAt: Array<{ at: number; kind: string }>;
  /** Answers that refused a comment for good (status and body). */
  refusals: string[];
}

export function newSubmitStats(): SubmitStats {
  return { sent: [], statuses: new Map(), latencies: [], failuresAt: [], refusals: [] };
}

export const count = (m: Map<string, number>, k: string) => m.set(k, (m.get(k) ?? 0) + 1);

/**
 * Submits one new comment to `path` until it is answered 201/200 (or `deadline` passes),
 * retrying with the same key after a network error, 502, 503 or 429. Any other answer is an error.
 */
export async function submitUntilAnswered(post: Post, path: string, stats: SubmitStats, opts: { runId: string; client: number; t0: number; deadline: number; article?: number }): Promise<SentComment> {
  const n = stats.sent.length;
  const item: SentComment = { key: randomUUID(), marker: `〔${opts.runId}-${n}〕`, attempts: 0 };
  stats.sent.push(item);
  const body = JSON.stringify({ article: opts.article ?? 10, body: `${citizenComment(2_000_000 + n)}${item.marker}`, idempotencyKey: item.key });
  while (Date.now() < opts.deadline) {
    item.attempts++;
    let answer: Answer;
    try {
      answer = await post(path, body, opts.client);
    } catch (err) {
      count(stats.statuses, 'net');
      stats.failuresAt.push({ at: Date.now() - opts.t0, kind: `net:${(err as { code?: string }).code ?? (err as Error).message}` });
      await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
      continue;
    }
    count(stats.statuses, String(answer.status));
    stats.latencies.push(answer.ms);
    if (answer.status === 201 || answer.status === 200) {
      item.receipt = (JSON.parse(answer.body) as { receipt: string }).receipt;
      return item;
    }
    if (answer.status >= 500) stats.failuresAt.push({ at: Date.now() - opts.t0, kind: answer.from ? `${answer.status} ${answer.from}` : String(answer.status) });
    // A refusal (4xx other than 429) will not change: the comment stays unanswered. Any 5xx is
    // retried with the same key, as a client would (it is counted, and a 5xx but 503 fails the run).
    if (answer.status < 500 && answer.status !== 429) {
      stats.refusals.push(`${answer.status}: ${answer.body.slice(0, 200)}`);
      return item;
    }
    await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
  }
  return item;
}

export interface Ledger {
  sent: number;
  acknowledged: number;
  stored: number;
  lost: number;
  doubled: number;
  unanswered: number;
  retried: number;
}

/** Checks every sent comment against the database `db` (the primary) by key digest and body marker. */
export async function checkLedger(db: pg.Client | pg.Pool, sent: readonly SentComment[], runId: string): Promise<Ledger> {
  const digestToKey = new Map(sent.map((s) => [idempotencyDigest(s.key), s.key]));
  const { rows } = await db.query<{ idempotency_key: string; receipt: string }>(
    'select idempotency_key, receipt from comments where idempotency_key = any($1)', [[...digestToKey.keys()]]);
  const byKey = new Map<string, string[]>();
  for (const r of rows) {
    const key = digestToKey.get(r.idempotency_key)!;
    byKey.set(key, [...(byKey.get(key) ?? []), r.receipt]);
  }
  const acknowledged = sent.filter((s) => s.receipt);
  const lost = acknowledged.filter((s) => !(byKey.get(s.key) ?? []).includes(s.receipt!)).length;
  const doubledKeys = [...byKey.values()].filter((v) => v.length > 1).length;
  // The same marker under two rows: a comment stored twice whatever its key.
  const { rows: [markers] } = await db.query<{ n: number; d: number }>(
    `select count(*)::int as n, count(distinct substring(body from '〔${runId}-[0-9]+〕'))::int as d from comments where body like $1`, [`%〔${runId}-%`]);
  return {
    sent: sent.length,
    acknowledged: acknowledged.length,
    stored: rows.length,
    lost,
    doubled: doubledKeys + (markers.n - markers.d),
    unanswered: sent.length - acknowledged.length,
    retried: sent.filter((s) => s.attempts > 1).length,
  };
}
