/**
 * A real HTTP SMS gateway for tests, standing in for the SMS provider the portal calls
 * through SMS_URL. Nothing is mocked: the product makes a real HTTP request to a node:http
 * server on 127.0.0.1, and this file is the gateway's side of the contract:
 *
 *   POST /send
 *   Content-Type: application/json
 *   X-Kaimen-Timestamp: <unix seconds>
 *   X-Kaimen-Signature: sha256=<hex HMAC-SHA256(secret, timestamp + "." + rawBody)>
 *   Idempotency-Key: <id>            (must equal body.id)
 *   { "id": string, "to": string, "template": string, "params": Record<string, string> }
 *
 *   200 { "id": "<gateway id>" }      accepted (a repeated Idempotency-Key gets the same
 *                                     gateway id again and is not delivered twice)
 *   400 malformed body / key ≠ id     401 bad or missing signature, stale timestamp
 *   503 while paused (an outage)      fail(body) may answer anything else (e.g. 429, 500)
 *
 * The product implements its own signer from the formula above; `signSmsRequest` here is
 * the gateway's copy, used to check requests and to build them in tests.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface SmsRequestBody {
  id: string;
  to: string;
  template: string;
  params: Record<string, string>;
}

export interface ReceivedSms extends SmsRequestBody {
  /** The Idempotency-Key header (equal to id, else the request was refused). */
  idempotencyKey: string;
  /** The id the gateway answered with. */
  gatewayId: string;
  receivedAt: Date;
}

export interface SmsGatewayOptions {
  secret: string;
  /** Called for each authentic, well-formed request; return a status to answer it with instead of 200. */
  fail?: (body: SmsRequestBody) => { status: number; body?: string } | undefined;
  /** Largest accepted |now - X-Kaimen-Timestamp|, in seconds (default 300). */
  maxSkewSeconds?: number;
}

export interface SmsGateway {
  /** http://127.0.0.1:PORT/send */
  url: string;
  port: number;
  /** Delivered messages, one per distinct Idempotency-Key, in order. */
  messages: ReceivedSms[];
  /** Resolves with `messages` once at least `count` are there; rejects after timeoutMs. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedSms[]>;
  /** Requests refused with a 4xx by the gateway's checks (401 signature, 400 body or key). */
  readonly rejected: number;
  /** Requests answered by `fail` (any status). */
  readonly failed: number;
  /** Authentic repeats of an already delivered Idempotency-Key (answered 200, not delivered again). */
  readonly duplicates: number;
  /** Requests answered 503 because the gateway was paused. */
  readonly refusedWhilePaused: number;
  /** Answer 503 to every request until resume(). */
  pause(): void;
  resume(): void;
  close(): Promise<void>;
}

/** The X-Kaimen-Signature value: `sha256=` + hex HMAC-SHA256(secret, `${timestamp}.${rawBody}`). */
export function signSmsRequest(secret: string, timestamp: number | string, rawBody: string | Buffer): string {
  const mac = createHmac('sha256', secret);
  mac.update(`${timestamp}.`);
  mac.update(rawBody);
  return `sha256=${mac.digest('hex')}`;
}

function isBody(v: unknown): v is SmsRequestBody {
  if (!v || typeof v !== 'object') return false;
  const b = v as Record<string, unknown>;
  if (typeof b.id !== 'string' || !b.id || typeof b.to !== 'string' || typeof b.template !== 'string') return false;
  if (!b.params || typeof b.params !== 'object' || Array.isArray(b.params)) return false;
  return Object.values(b.params).every((p) => typeof p === 'string');
}

export async function startSmsGateway(opts: SmsGatewayOptions): Promise<SmsGateway> {
  const maxSkew = opts.maxSkewSeconds ?? 300;
  const messages: ReceivedSms[] = [];
  const byKey = new Map<string, ReceivedSms>();
  const waiters = new Set<() => void>();
  let paused = false;
  let rejected = 0;
  let failed = 0;
  let duplicates = 0;
  let refusedWhilePaused = 0;
  let seq = 0;

  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
    const text = typeof body === 'string' ? body : JSON.stringify(body);
    res.writeHead(status, { 'content-type': typeof body === 'string' ? 'text/plain; charset=utf-8' : 'application/json', ...headers });
    res.end(text);
  };
  const refuse = (res: ServerResponse, status: number, error: string) => {
    rejected++;
    send(res, status, { error });
  };

  const handle = (req: IncomingMessage, res: ServerResponse, raw: Buffer) => {
    if (paused) {
      refusedWhilePaused++;
      return send(res, 503, { error: 'gateway unavailable' }, { 'retry-after': '1' });
    }
    const path = new URL(req.url ?? '/', 'http://gateway').pathname;
    if (path !== '/send') return send(res, 404, { error: 'not found' });
    if (req.method !== 'POST') return send(res, 405, { error: 'method not allowed' }, { allow: 'POST' });

    const ts = req.headers['x-kaimen-timestamp'];
    const sig = req.headers['x-kaimen-signature'];
    if (typeof ts !== 'string' || !/^\d+$/.test(ts) || typeof sig !== 'string') return refuse(res, 401, 'missing signature');
    if (Math.abs(Date.now() / 1000 - Number(ts)) > maxSkew) return refuse(res, 401, 'stale timestamp');
    const expected = Buffer.from(signSmsRequest(opts.secret, ts, raw));
    const given = Buffer.from(sig);
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) return refuse(res, 401, 'bad signature');

    let body: unknown;
    try {
      body = JSON.parse(raw.toString('utf8'));
    } catch {
      return refuse(res, 400, 'body is not JSON');
    }
    if (!isBody(body)) return refuse(res, 400, 'body must be { id, to, template, params }');
    const key = req.headers['idempotency-key'];
    if (key !== body.id) return refuse(res, 400, 'Idempotency-Key must equal id');

    const previous = byKey.get(key);
    if (previous) {
      duplicates++;
      return send(res, 200, { id: previous.gatewayId });
    }
    const failure = opts.fail?.(body);
    if (failure) {
      failed++;
      return send(res, failure.status, failure.body ?? { error: 'failed' });
    }
    const msg: ReceivedSms = {
      id: body.id,
      to: body.to,
      template: body.template,
      params: body.params,
      idempotencyKey: key,
      gatewayId: `gw-${++seq}`,
      receivedAt: new Date(),
    };
    byKey.set(key, msg);
    messages.push(msg);
    for (const w of waiters) w();
    send(res, 200, { id: msg.gatewayId });
  };

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handle(req, res, Buffer.concat(chunks)));
    req.on('error', () => res.destroy());
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}/send`,
    port,
    messages,
    waitFor(count: number, timeoutMs = 10_000) {
      if (messages.length >= count) return Promise.resolve(messages);
      return new Promise<ReceivedSms[]>((resolve, reject) => {
        const check = () => {
          if (messages.length >= count) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(messages);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`sms-gateway: expected ${count} message(s) within ${timeoutMs} ms, got ${messages.length}`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    get rejected() {
      return rejected;
    },
    get failed() {
      return failed;
    },
    get duplicates() {
      return duplicates;
    },
    get refusedWhilePaused() {
      return refusedWhilePaused;
    },
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
    },
    close() {
      return new Promise<void>((resolve, reject) => {
        server.close((err) => (err ? reject(err) : resolve()));
        server.closeAllConnections();
      });
    },
  };
}
