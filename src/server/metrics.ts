/**
 * Prometheus metrics (prom-client): requests by method, route pattern and status, their latency,
 * background jobs by status and outbox messages by state and channel (counted at scrape), the
 * PostgreSQL pool and the process. Served at /metrics to METRICS_ALLOW only (src/pages/metrics.ts,
 * decision 018).
 */
import { BlockList, isIP } from 'node:net';
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';
import { sql } from 'drizzle-orm';
import { getDatabase } from '../db/client';
import { rowsOf } from '../db/rows';
import { currentConfig } from './config';

interface Metrics {
  registry: Registry;
  requests: Counter<'method' | 'route' | 'status'>;
  duration: Histogram<'method' | 'route'>;
}

// One set per process, even when the module is evaluated twice (server bundle and tests).
const KEY = Symbol.for('kaimen.metrics');
type Holder = { [KEY]?: Metrics };

function metrics(): Metrics {
  const holder = globalThis as Holder;
  if (holder[KEY]) return holder[KEY];
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'kaimen_' });
  const requests = new Counter({ name: 'kaimen_http_requests_total', help: 'HTTP requests answered, by method, route pattern and status.', labelNames: ['method', 'route', 'status'] as const, registers: [registry] });
  const duration = new Histogram({
    name: 'kaimen_http_request_duration_seconds',
    help: 'Time until the response headers, by method and route pattern.',
    labelNames: ['method', 'route'] as const,
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [registry],
  });
  new Gauge({
    name: 'kaimen_jobs',
    help: 'Background jobs by status (jobs table).',
    labelNames: ['status'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      for (const r of await countBy(sql`select status as key, count(*)::int as n from jobs group by 1`)) this.set({ status: r.key }, r.n);
    },
  });
  new Gauge({
    name: 'kaimen_outbox_messages',
    help: 'Messages in the outbox by state (queued, delivered, failed) and channel (sms, email).',
    labelNames: ['state', 'channel'] as const,
    registers: [registry],
    async collect() {
      this.reset();
      const rows = await countBy(sql`select state || '|' || channel as key, count(*)::int as n from outbox group by state, channel`);
      for (const r of rows) {
        const [state, channel] = r.key.split('|');
        this.set({ state, channel }, r.n);
      }
    },
  });
  new Gauge({
    name: 'kaimen_db_pool_connections',
    help: 'PostgreSQL pool connections: total, idle, and callers waiting for one (none with PGlite).',
    labelNames: ['state'] as const,
    registers: [registry],
    collect() {
      this.reset();
      const pool = (getDatabase()?.db as { $client?: { totalCount?: number; idleCount: number; waitingCount: number } } | undefined)?.$client;
      if (typeof pool?.totalCount !== 'number') return;
      this.set({ state: 'total' }, pool.totalCount);
      this.set({ state: 'idle' }, pool.idleCount);
      this.set({ state: 'waiting' }, pool.waitingCount);
    },
  });
  return (holder[KEY] = { registry, requests, duration });
}

async function countBy(query: ReturnType<typeof sql>): Promise<Array<{ key: string; n: number }>> {
  const database = getDatabase();
  if (!database) return [];
  return rowsOf<{ key: string; n: number }>(await database.db.execute(query)).map((r) => ({ key: String(r.key), n: Number(r.n) }));
}

/** Counts one answered request under its route pattern (never the raw path: ids would explode the series). */
export function observeRequest(method: string, route: string, status: number, seconds: number): void {
  const m = metrics();
  m.requests.inc({ method, route, status: String(status) });
  m.duration.observe({ method, route }, seconds);
}

/** The exposition text and its content type. */
export async function renderMetrics(): Promise<{ body: string; contentType: string }> {
  const { registry } = metrics();
  return { body: await registry.metrics(), contentType: registry.contentType };
}

/** True when `ip` is in METRICS_ALLOW (IPv4-mapped IPv6 addresses count as their IPv4 form). */
export function metricsAllowed(ip: string, allow: readonly string[] = currentConfig().METRICS_ALLOW): boolean {
  const address = ip.startsWith('::ffff:') && isIP(ip.slice(7)) === 4 ? ip.slice(7) : ip;
  const family = isIP(address);
  if (!family) return false;
  const list = new BlockList();
  for (const entry of allow) {
    const [net, prefix] = entry.split('/');
    const type = isIP(net) === 6 ? 'ipv6' : 'ipv4';
    if (prefix === undefined) list.addAddress(net, type);
    else list.addSubnet(net, Number(prefix), type);
  }
  return list.check(address, family === 6 ? 'ipv6' : 'ipv4');
}
