import pg from 'pg';
import { randomUUID } from 'node:crypto';
import { spawn } from 'node:child_process';
// @ts-expect-error no types
import autocannon from 'autocannon';
import { freshDatabase } from './lib/server';
const url = await freshDatabase('kaimen_bench_prof');
const child = spawn(process.execPath, [...(process.env.PROF ? ['--cpu-prof', '--cpu-prof-dir=/tmp/prof'] : []), ...(process.env.BUNDLED ? ['dist/serve.mjs'] : ['--import', 'tsx', 'scripts/serve.ts'])], {
  env: { ...process.env, PORT: '4491', HOST: '127.0.0.1', DATABASE_URL: url, TRUST_PROXY: 'true', SEED_SAMPLES: 'true' }, stdio: 'inherit' });
const base = 'http://127.0.0.1:4491';
for (;;) { try { if ((await fetch(base + '/healthz')).ok) break; } catch {} await new Promise((r) => setTimeout(r, 200)); }
let i = 0;
const run = async (secs: number) => autocannon({ url: base, connections: 50, duration: secs, requests: [{ method: 'POST', path: '/api/v1/drafts/jiesu-jiban/comments',
  setupRequest(req: any) { const n = i++; req.headers = { 'content-type': 'application/json', 'x-forwarded-for': `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}` };
  req.body = JSON.stringify({ article: 10, body: `建议第十条增加规定，关于第${n}号问题的处理，应当在${n % 97}日内答复，内容${randomUUID()}`, idempotencyKey: randomUUID() }); return req; } }] });
await run(3);
const db = new pg.Client({ connectionString: url }); await db.connect(); await db.query('analyze'); await db.end();
import { readFileSync } from 'node:fs';
const st = () => { const f = readFileSync(`/proc/${child.pid}/stat`, 'utf8').split(') ')[1].split(' '); return [Number(f[11]) * 10, Number(f[12]) * 10]; };
const [u0, s0] = st();
const r = await run(Number(process.env.SECS ?? 10));
const [u1, s1] = st();
console.log({ userMsPer: (u1 - u0) / r['2xx'], sysMsPer: (s1 - s0) / r['2xx'] });
console.log({ rate: r['2xx'] / r.duration, p99: r.latency.p99, non2xx: r.non2xx });
child.kill('SIGTERM');
await new Promise((res) => child.once('exit', res));
