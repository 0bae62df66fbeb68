/**
 * Fault script (issue 9): drives comment submission at a steady rate through the public API,
 * SIGKILLs the server mid-load several times (and restarts it), restarts PostgreSQL under load,
 * and checks that every receipt a client received is in the database exactly once.
 *
 *   npm run build && npx tsx bench/faults.ts [--kills 5] [--rate 100] [--pg-restart]
 *
 * Clients behave as the kiosk and the web form do: each comment has an idempotency key; on a
 * network error or a 503 the same request is sent again until it is answered.
 */
import { parseArgs } from 'node:util';
import { appendFileSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { exec, execSync } from 'node:child_process';
import { promisify } from 'node:util';
import pg from 'pg';
import { ensureBuilt, freshDatabase, startServer, stopServer, type ServerHandle } from './lib/server';
import { idempotencyDigest } from '../src/server/comments/receipts';

const { values } = parseArgs({
  options: {
    kills: { type: 'string', default: '5' },
    rate: { type: 'string', default: '40' },
    'max-inflight': { type: 'string', default: '100' },
    'pg-restart': { type: 'boolean', default: false },
    port: { type: 'string', default: '4521' },
  },
});
const kills = Number(values.kills);
const rate = Number(values.rate);
const port = Number(values.port);
// A client population of bounded size: while the server is down, new submissions wait instead of
// piling up without limit (each waiting one retries with its own key until answered).
const maxInflight = Number(values['max-inflight']);

ensureBuilt();
const url = await freshDatabase('kaimen_faults');
// Many citizens, as in production behind a proxy: each client its own address (the write limit
// per IP would otherwise throttle the whole population as one client).
const env = { DATABASE_URL: url, SEED_SAMPLES: 'true', TRUST_PROXY: 'true' };
let server: ServerHandle = await startServer(port, env);
const base = server.url;
const drafts = (await (await fetch(`${base}/api/v1/drafts`)).json()) as Array<{ slug: string; rounds: Array<{ status: string }> }>;
const open = drafts.find((d) => d.rounds.some((r) => r.status === 'open'));
if (!open) throw new Error('no open sample draft');

interface Sent { key: string; receipt?: string; attempts: number; statuses: number[] }
const sent: Sent[] = [];
let stopping = false;
let networkErrors = 0;
let unavailable = 0;
let limited = 0;
const errorKinds = new Map<string, number>();

async function submitOne(): Promise<void> {
  const item: Sent = { key: randomUUID(), attempts: 0, statuses: [] };
  sent.push(item);
  const n = sent.length;
  const ip = `10.9.${(n >> 8) & 255}.${n & 255}`;
  const body = JSON.stringify({ article: 1 + (sent.length % 30), body: `故障测试意见 ${item.key.slice(0, 8)}：建议明确办理时限。`, idempotencyKey: item.key });
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    item.attempts++;
    try {
      const res = await fetch(`${base}/api/v1/drafts/${open!.slug}/comments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': ip },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      item.statuses.push(res.status);
      if (res.status === 201 || res.status === 200) {
        item.receipt = ((await res.json()) as { receipt: string }).receipt;
        return;
      }
      if (res.status === 503) unavailable++;
      else if (res.status === 429) limited++;
      else throw new Error(`unexpected ${res.status}: ${await res.text()}`);
    } catch (err) {
      if ((err as Error).message.startsWith('unexpected')) throw err;
      networkErrors++;
      const reason = String((err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name);
      errorKinds.set(reason, (errorKinds.get(reason) ?? 0) + 1);
    }
    await new Promise((r) => setTimeout(r, 100 + Math.random() * 200));
  }
}

const inflight = new Set<Promise<void>>();
const driver = (async () => {
  const interval = 1000 / rate;
  let next = Date.now();
  while (!stopping) {
    if (inflight.size >= maxInflight) {
      await new Promise((r) => setTimeout(r, 20));
      next = Date.now();
      continue;
    }
    const p = submitOne().finally(() => inflight.delete(p));
    inflight.add(p);
    next += interval;
    await new Promise((r) => setTimeout(r, Math.max(0, next - Date.now())));
  }
})();

const events: string[] = [];
const cluster = execSync('ls /etc/postgresql').toString().trim().split('\n').pop();
const answered = () => sent.filter((s) => s.receipt).length;
for (let i = 0; i < kills; i++) {
  // Let traffic flow (and commits be in flight) before each kill.
  await new Promise((r) => setTimeout(r, 4000 + Math.random() * 2000));
  if (process.env.FAULTS_DEBUG) console.error(`--- server ${i + 1} output:\n${server.output.join('')}`);
  await stopServer(server, 'SIGKILL');
  events.push(`SIGKILL ${i + 1}: ${sent.length} sent, ${answered()} answered`);
  await new Promise((r) => setTimeout(r, 300));
  server = await startServer(port, env);
  if (values['pg-restart'] && i === Math.floor(kills / 2)) {
    await new Promise((r) => setTimeout(r, 3000));
    // Asynchronously, so clients keep submitting while PostgreSQL is down.
    await promisify(exec)(`pg_ctlcluster --skip-systemctl-redirect ${cluster} main restart -m fast`);
    events.push(`PostgreSQL restarted: ${sent.length} sent, ${answered()} answered`);
  }
}
await new Promise((r) => setTimeout(r, 4000));
stopping = true;
await driver;
await Promise.all(inflight);

const client = new pg.Client({ connectionString: url });
await client.connect();
// The server stores a digest of the idempotency key, never the key itself.
const digestToKey = new Map(sent.map((s) => [idempotencyDigest(s.key), s.key]));
const keys = [...digestToKey.keys()];
const rows = (await client.query('select idempotency_key, receipt from comments where idempotency_key = any($1)', [keys])).rows as Array<{ idempotency_key: string; receipt: string }>;
const byKey = new Map<string, string[]>();
for (const r of rows) {
  const key = digestToKey.get(r.idempotency_key)!;
  byKey.set(key, [...(byKey.get(key) ?? []), r.receipt]);
}
const received = sent.filter((s) => s.receipt);
const lost = received.filter((s) => !(byKey.get(s.key) ?? []).includes(s.receipt!));
const doubled = [...byKey.values()].filter((v) => v.length > 1).length;
const bodies = (await client.query(`select count(*)::int as n, count(distinct body)::int as d from comments where idempotency_key = any($1)`, [keys])).rows[0];
const unanswered = sent.filter((s) => !s.receipt).length;
await client.end();
await stopServer(server);

const report = {
  kills,
  pgRestart: values['pg-restart'],
  rate,
  sent: sent.length,
  receiptsReceived: received.length,
  stored: rows.length,
  lost: lost.length,
  doubled: doubled + (bodies.n - bodies.d),
  unanswered,
  retriedRequests: sent.filter((s) => s.attempts > 1).length,
  networkErrors,
  networkErrorKinds: Object.fromEntries(errorKinds),
  serviceUnavailable503: unavailable,
  rateLimited429: limited,
  events,
};
console.log(JSON.stringify(report, null, 2));
const ok = report.lost === 0 && report.doubled === 0 && report.unanswered === 0;
appendFileSync(new URL('./RESULTS.md', import.meta.url), `
## ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC — faults (bench/faults.ts --kills ${kills}${values['pg-restart'] ? ' --pg-restart' : ''})

The built server on PostgreSQL, ${rate} new comments/s from up to ${maxInflight} clients (each its own address), every
comment with its own idempotency key, retried with the same key on a network error or a 503 until answered.
${kills} × SIGKILL of the server mid-load (restarted each time)${values['pg-restart'] ? ', and PostgreSQL restarted (fast mode) under load' : ''}.

| sent | receipts received | stored | lost | doubled | unanswered | retried | 503 answers | connection errors |
| ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |
| ${report.sent} | ${report.receiptsReceived} | ${report.stored} | ${report.lost} | ${report.doubled} | ${report.unanswered} | ${report.retriedRequests} | ${report.serviceUnavailable503} | ${report.networkErrors} |

Events: ${report.events.join('; ')}. Result: ${ok ? '0 lost, 0 doubled' : 'FAILED'}.
`);
process.exit(report.lost === 0 && report.doubled === 0 && report.unanswered === 0 ? 0 : 1);
