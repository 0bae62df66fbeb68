/**
 * The submission bench's raw baseline statement (bench/submit-comments.ts): one plain INSERT of a
 * comment with its bigram keys and fingerprint, and nothing else — no grouping, band index, limit
 * or batching. The same statement serves the raw runs and the Node floor (http-floor.ts), so the
 * two measure the same work.
 */
import { bigramKeysOf, fingerprintOf } from '../../src/server/grouping/text-features';
import { hashLookupCode, idempotencyDigest } from '../../src/server/comments/receipts';

export interface RawTarget { draftId: string; roundId: string; articleId: string }

/** Inserts one comment through `client` (a pg Pool or Client). */
export function insertRaw(client: { query: (text: string, values: unknown[]) => Promise<unknown> }, target: RawTarget, row: { receipt: string; key: string; body: string }): Promise<unknown> {
  return client.query(
    `insert into comments (receipt, lookup_hash, idempotency_key, draft_id, round_id, article_id, article_number, body, channel, bigrams, fingerprint)
     values ($1, $2, $3, $4, $5, $6, 10, $7, 'api', $8, $9)`,
    [row.receipt, hashLookupCode(row.receipt, 'AAAA-AAAA'), idempotencyDigest(row.key), target.draftId, target.roundId, target.articleId, row.body,
      bigramKeysOf(row.body), fingerprintOf(row.body)],
  );
}
