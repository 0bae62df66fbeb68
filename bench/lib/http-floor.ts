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
import { insertRaw, type RawTarget } from './raw-insert';

const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: Number(process.env.POOL ?? 20) });
const target = JSON.parse(process.env.FLOOR_TARGET ?? '{}') as RawTarget;

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
      await insertRaw(pool, target, { receipt, key: idempotencyKey, body });
      const out = JSON.stringify({ receipt });
      res.writeHead(201, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(out) }).end(out);
    } catch (err) {
      res.writeHead(500).end(String(err));
    }
  });
});
server.listen(Number(process.env.PORT ?? 4482), '127.0.0.1');
process.on('SIGTERM', () => server.close(() => void pool.end().then(() => process.exit(0))));
