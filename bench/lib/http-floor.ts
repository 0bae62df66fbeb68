/**
 * The submission bench's Node floor (bench/submit-comments.ts): the least a Node HTTP server can do
 * per comment — node:http, JSON.parse, the raw baseline's one INSERT through a pg pool, 201 with
 * the receipt — with no framework, validation, rate limit, grouping or batching. Run as its own
 * process, as the real server is, so its CPU is counted the same way.
 *
 *   DATABASE_URL=… PORT=4482 POOL=20 node --import tsx bench/lib/http-floor.ts
 */
import { createServer } from 'node:http';
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { bigramKeysOf, fingerprintOf } from '../../src/server/grouping/text-features';
import { hashLookupCode, idempotencyDigest } from '../../src/server/comments/receipts';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.POOL ?? 20) });
const { draftId, roundId, articleId } = JSON.parse(process.env.FLOOR_TARGET ?? '{}') as Record<string, string>;

const server = createServer((req, res) => {
  if (req.method === 'GET') {
    res.writeHead(200, { 'content-type': 'text/plain' }).end('ok');
    return;
  }
  const chunks: Buffer[] = [];
  req.on('data', (c: Buffer) => chunks.push(c));
  req.on('end', async () => {
    try {
      const { body, idempotencyKey } = JSON.parse(Buffer.concat(chunks).toString('utf8')) as { body: string; idempotencyKey: string };
      const receipt = `F${randomBytes(8).toString('hex')}`;
      await pool.query(
        `insert into comments (receipt, lookup_hash, idempotency_key, draft_id, round_id, article_id, article_number, body, channel, bigrams, fingerprint)
         values ($1, $2, $3, $4, $5, $6, 10, $7, 'api', $8, $9)`,
        [receipt, hashLookupCode(receipt, 'AAAA-AAAA'), idempotencyDigest(idempotencyKey), draftId, roundId, articleId, body,
          bigramKeysOf(body), fingerprintOf(body)],
      );
      const out = JSON.stringify({ receipt });
      res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) }).end(out);
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
});
server.listen(Number(process.env.PORT ?? 4482), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => void pool.end().then(() => process.exit(0))));
