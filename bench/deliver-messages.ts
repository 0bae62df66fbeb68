/**
 * Bench: "answered" messages from one bulk decision, delivered to a local SMTP sink — the
 * product's own path: decideAdoption queues N outbox rows and N jobs in its transaction, then the
 * job runner's messages lane (the lane settings of src/server/boot.ts: 8 loops) claims each job,
 * loads the row, renders the message, sends it through the pooled nodemailer transport
 * (transports.ts, 4 connections) and records the delivery. Beside it, in the same run and to the
 * same sink, the raw baseline: nodemailer alone sending N pre-rendered messages of the same size
 * with as many senders as pooled connections (4, and 8). Real PostgreSQL, a fresh database;
 * appends the figures and the conditions to bench/RESULTS.md.
 *
 * Two deliveries of N: the decision, then a second decision with another response (a new message
 * to each contact), both through the product's path, so one run gives two measurements.
 *
 *   npx tsx bench/deliver-messages.ts            # N=10000
 *   N=1000 npx tsx bench/deliver-messages.ts     # a quick run
 *   BENCH_NO_WRITE=1 …                           # print only
 *
 * The sink (tests/support/smtp-sink.ts: smtp-server, every mail parsed back with mailparser) runs
 * in a child process of its own — this same file with --sink — so its CPU is not the sender's,
 * as a mail provider's is not the portal's. The delivery rate is N over the time from the
 * runner's start to the sink's acceptance of the last message.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { appendFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { fileURLToPath } from 'node:url';

const N = Number(process.env.N ?? 10_000);
const CONCURRENCY = 8; // src/server/boot.ts: the messages lane, concurrency 8 (over 4 pooled SMTP connections)
const POLL_MS = 1000; // src/server/boot.ts: Math.min(pollMs ?? 1000, 1000)
const DB_NAME = 'kaimen_bench_messages';

// ── The sink, in its own process ─────────────────────────────────────────────
type ToSink = { type: 'wait'; count: number; timeoutMs: number } | { type: 'summary'; from: number; to: number } | { type: 'close' };
type FromSink =
  | { type: 'ready'; url: string }
  | { type: 'reached'; count: number; lastAt: number; cpuMs: number }
  | { type: 'timeout'; count: number }
  | { type: 'summary'; total: number; ids: (string | null)[]; to: string[]; sizes: number[]; cpuMs: number; aborted: number; rejected: number };

async function sinkMain(): Promise<void> {
  const { startSmtpSink } = await import('../tests/support/smtp-sink');
  const sink = await startSmtpSink();
  const send = (m: FromSink) => process.send!(m);
  const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };
  process.on('message', (m: ToSink) => {
    if (m.type === 'wait') {
      sink.waitFor(m.count, m.timeoutMs).then(
        (all) => send({ type: 'reached', count: m.count, lastAt: all[m.count - 1].receivedAt.getTime(), cpuMs: cpuMs() }),
        () => send({ type: 'timeout', count: sink.messages.length }),
      );
    } else if (m.type === 'summary') {
      const slice = sink.messages.slice(m.from, m.to);
      send({ type: 'summary', total: sink.messages.length, ids: slice.map((x) => x.messageId ?? null), to: slice.map((x) => x.to.join(',')),
        sizes: slice.map((x) => x.size), cpuMs: cpuMs(), aborted: sink.aborted, rejected: sink.rejected });
    } else {
      void sink.close().then(() => process.exit(0));
    }
  });
  send({ type: 'ready', url: sink.url });
}

class SinkProcess {
  private waiting: Array<(m: FromSink) => boolean> = [];
  constructor(readonly child: ChildProcess, readonly url: string) {
    child.on('message', (m: FromSink) => { this.waiting = this.waiting.filter((w) => !w(m)); });
  }

  static async start(): Promise<SinkProcess> {
    const child = fork(fileURLToPath(import.meta.url), ['--sink'], { execArgv: ['--import', 'tsx'], stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
    const url = await new Promise<string>((resolve, reject) => {
      child.once('message', (m: FromSink) => (m.type === 'ready' ? resolve(m.url) : reject(new Error('sink did not start'))));
      child.once('exit', (code) => reject(new Error(`sink exited (${code})`)));
    });
    return new SinkProcess(child, url);
  }

  private ask<T extends FromSink>(msg: ToSink, accept: (m: FromSink) => m is T): Promise<T> {
    return new Promise((resolve) => {
      this.waiting.push((m) => (accept(m) ? (resolve(m), true) : false));
      this.child.send(msg);
    });
  }

  /** When the sink holds `count` messages: the time of the count-th acceptance and the sink's CPU so far. */
  async waitFor(count: number, timeoutMs: number): Promise<{ lastAt: number; cpuMs: number }> {
    const m = await this.ask({ type: 'wait', count, timeoutMs }, (x): x is Extract<FromSink, { type: 'reached' | 'timeout' }> => x.type === 'reached' || x.type === 'timeout');
    if (m.type === 'timeout') throw new Error(`the sink has ${m.count} messages, ${count} expected, after ${timeoutMs} ms`);
    return { lastAt: m.lastAt, cpuMs: m.cpuMs };
  }

  summary(from: number, to: number) {
    return this.ask({ type: 'summary', from, to }, (x): x is Extract<FromSink, { type: 'summary' }> => x.type === 'summary');
  }

  async close(): Promise<void> {
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.send({ type: 'close' });
    await exited;
  }
}

// ── The bench ───────────────────────────────────────────────────────────────
const ownCpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000; };

interface Raw { connections: number; rate: number; seconds: number; cpuMs: number; sinkCpuMs: number; received: number; distinctIds: number }

async function main(): Promise<void> {
  const { freshDatabase, postgresCpuSince, postgresCpuSnapshot } = await import('./lib/server');
  const loadAtStart = loadavg();
  const url = await freshDatabase(DB_NAME);
  const sink = await SinkProcess.start();
  // Before anything reads the configuration.
  process.env.DATABASE_URL = url;
  process.env.SMTP_URL = sink.url;
  process.env.PUBLIC_URL = 'https://bench.example';
  delete process.env.MESSAGES_FILE;
  delete process.env.MAIL_FROM;
  const { resetConfigCache } = await import('../src/server/config');
  resetConfigCache();
  const { createDatabase, migrateDatabase, setDatabase } = await import('../src/db/client');
  const { sql } = await import('drizzle-orm');
  const { rowsOf } = await import('../src/db/rows');
  const { publishSample, createStaff } = await import('../tests/integration/review-support');
  const { decideAdoption } = await import('../src/server/review/decide');
  const { registerMessageDelivery } = await import('./../src/server/messages/deliver');
  const { startJobRunner, stopJobRunner, kickJobRunner } = await import('../src/server/jobs/runner');
  const { closeTransports } = await import('../src/server/messages/transports');
  const { renderMessage } = await import('../src/server/messages/templates');
  const { t } = await import('../src/i18n');
  const nodemailer = (await import('nodemailer')).default;

  const database = await createDatabase({ databaseUrl: url, poolMax: 20 });
  const db = database.db;
  const one = async <T>(q: ReturnType<typeof sql>) => rowsOf<T>(await db.execute(q))[0];
  try {
    await migrateDatabase(database);
    const { version } = await one<{ version: string }>(sql`select version()`);
    const { draftId, roundId } = await publishSample(db);
    const actor = await createStaff(db, 'bench');

    // ── N comments asking to be told, each with its own e-mail address ──
    let t0 = performance.now();
    await db.execute(sql`
      insert into comments (receipt, lookup_hash, idempotency_key, draft_id, round_id, body, channel, fingerprint, contact, notify)
      select 'BM' || lpad(i::text, 8, '0'), md5('lookup' || i), md5('idem' || i), ${draftId}::uuid, ${roundId}::uuid,
        '第' || (i % 40 + 1) || '条的停车位配比过低，建议结合小区实际情况提高。意见编号 ' || i, 'web', md5('fp' || i),
        'c' || i || '@bench.example', true
      from generate_series(1, ${N}) i`);
    const ids = rowsOf<{ id: string }>(await db.execute(sql`select id from comments where draft_id = ${draftId}::uuid order by receipt`)).map((r) => r.id);
    console.log(`${ids.length} comments inserted in ${Math.round(performance.now() - t0)} ms`);
    await db.execute(sql`analyze`);

    // ── Phase 1: one bulk decision queues N messages ──
    const reason = '本条意见所提停车位配比问题，已由第二十一条的过渡条款统筹考虑，暂不另作修改。';
    const responses = [
      '感谢您的意见。我们研究后认为，现行配比与全市规划标准一致；对老旧小区的实际困难，第二十一条已授权区人民政府制定过渡办法。',
      '感谢您的意见。经再次研究，现行配比与全市规划标准一致；老旧小区的过渡办法由区人民政府依第二十一条制定，并向社会公开征求意见。',
    ];
    /** One bulk decision with publish: N answered messages queued in its transaction. */
    const queueBatch = async (response: string) => {
      const pg0 = postgresCpuSnapshot();
      const t1 = performance.now();
      const decided = await decideAdoption({ ids }, { adoption: 'not_adopted', reason, response, publish: true }, actor, db);
      const ms = performance.now() - t1;
      const pgCpuMs = postgresCpuSince(pg0);
      const q = await one<{ n: number; jobs: number }>(sql`
        select (select count(*)::int from outbox where state = 'queued' and params->>'response' = ${response}) as n,
          (select count(*)::int from jobs where lane = 'messages' and status = 'queued') as jobs`);
      console.log(`phase 1: decideAdoption of ${decided.ids.length} comments (${decided.published} published) in ${Math.round(ms)} ms; outbox queued ${q.n}, jobs queued ${q.jobs}`);
      if (q.n !== N || q.jobs !== N) throw new Error(`expected ${N} queued messages and jobs`);
      await db.execute(sql`analyze`);
      return { ms, pgCpuMs, queued: q.n, jobs: q.jobs };
    };

    // ── Phase 2: the runner's messages lane delivers them ──
    setDatabase(database);
    registerMessageDelivery();
    let sinkCount = 0;
    // Statements sent to PostgreSQL, counted at the driver (every query of this process goes through pg.Client).
    const pgModule = (await import('pg')).default;
    let statementsSent = 0;
    const query = pgModule.Client.prototype.query;
    pgModule.Client.prototype.query = function (this: unknown, ...args: unknown[]) {
      statementsSent++;
      return (query as (...a: unknown[]) => unknown).apply(this, args);
    } as typeof query;
    const deliverBatch = async (label: string, response: string) => {
      const base = sinkCount;
      const statements0 = statementsSent;
      const pg0 = postgresCpuSnapshot();
      const sinkCpu0 = (await sink.summary(0, 0)).cpuMs;
      const cpu0 = ownCpuMs();
      const started = Date.now();
      startJobRunner({ exportDir: '/tmp', lanes: [{ name: 'messages', concurrency: CONCURRENCY, pollMs: POLL_MS }] });
      // In the server the runner is already running when the decision commits, and messagesQueued()
      // kicks the lane at once; here it starts after, so kick it the same way (not at the first poll).
      kickJobRunner('messages');
      const progress = setInterval(() => {
        void one<{ n: number }>(sql`select count(*)::int as n from outbox where state = 'delivered' and params->>'response' = ${response}`)
          .then((r) => console.log(`  … ${r.n} delivered`), () => {});
      }, 10_000);
      const reached = await sink.waitFor(base + N, Math.max(120_000, N * 200)).finally(() => clearInterval(progress));
      const seconds = (reached.lastAt - started) / 1000;
      const cpuMs = ownCpuMs() - cpu0;
      const pgCpuMs = postgresCpuSince(pg0);
      const statements = (statementsSent - statements0) / N;
      await stopJobRunner();
      closeTransports();
      const got = await sink.summary(base, base + N + 1000);
      sinkCount = got.total;
      const outboxStates = rowsOf<{ state: string; n: number }>(await db.execute(sql`
        select state, count(*)::int as n from outbox where params->>'response' = ${response} group by state order by state`));
      const jobStates = rowsOf<{ status: string; n: number }>(await db.execute(sql`
        select j.status, count(*)::int as n from jobs j join outbox o on o.id::text = j.payload->>'message'
        where o.params->>'response' = ${response} group by j.status order by j.status`));
      const delivered = outboxStates.find((s) => s.state === 'delivered')?.n ?? 0;
      const expected = rowsOf<{ id: string }>(await db.execute(sql`select id from outbox where params->>'response' = ${response}`)).map((r) => `<${r.id}@bench.example>`);
      const seen = new Set(got.ids.filter((x): x is string => Boolean(x)));
      const b = {
        label, seconds, rate: N / seconds, cpuMs, pgCpuMs, sinkCpuMs: reached.cpuMs - sinkCpu0,
        received: got.ids.length, distinctIds: seen.size, recipients: new Set(got.to).size,
        duplicates: got.ids.length - seen.size, lost: expected.filter((id) => !seen.has(id)).length,
        delivered, outboxStates, jobStates,
        meanSize: Math.round(got.sizes.reduce((a, x) => a + x, 0) / Math.max(1, got.sizes.length)),
        statements,
      };
      console.log(`phase 2 (${label}): ${N} delivered in ${seconds.toFixed(1)} s = ${Math.round(b.rate)}/s; sink ${b.received} mails, ` +
        `${b.distinctIds} distinct Message-IDs, ${b.recipients} distinct recipients; outbox ${JSON.stringify(outboxStates)}, jobs ${JSON.stringify(jobStates)}; duplicates ${b.duplicates}, lost ${b.lost}`);
      return b;
    };

    // Batch 1: the product as it is.
    const q1 = await queueBatch(responses[0]);
    const d1 = await deliverBatch('product transporter', responses[0]);

    // Batch 2: the same decision published again with another response (a new message to each of
    // the N contacts), delivered the same way: a second measurement in the same run.
    const smtpOptions = { pool: true, maxConnections: 4, maxMessages: 1000, connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: 20_000 };
    const q2 = await queueBatch(responses[1]);
    const d2 = await deliverBatch('second decision', responses[1]);

    // ── Raw baseline: nodemailer alone, pre-rendered messages of the same size ──
    const row = await one<{ params: Record<string, string> }>(sql`select params from outbox limit 1`);
    const rendered = renderMessage('answered', 'zh-CN', row.params);
    const from = `"${t('zh-CN', 'site.fullName')}" <noreply@bench.example>`;
    const raw = async (label: string, connections: number, count: number): Promise<Raw & { label: string; count: number }> => {
      const transporter = nodemailer.createTransport({ url: sink.url, ...smtpOptions, maxConnections: connections } as never);
      const base = sinkCount;
      let next = 0;
      const cpuStart = ownCpuMs();
      const sinkCpuStart = (await sink.summary(0, 0)).cpuMs;
      const t1 = Date.now();
      const sender = async () => {
        for (let i = next++; i < count; i = next++) {
          await transporter.sendMail({
            from, to: `raw-${label}-${i}@bench.example`, subject: rendered.subject, text: rendered.text, html: rendered.html,
            messageId: `<raw-${label}-${i}@bench.example>`, headers: { 'X-Kaimen-Message': 'answered' },
          });
        }
      };
      await Promise.all(Array.from({ length: connections }, sender));
      const r = await sink.waitFor(base + count, 60_000);
      const seconds = (r.lastAt - t1) / 1000;
      const cpuMs = ownCpuMs() - cpuStart;
      transporter.close();
      const s = await sink.summary(base, base + count);
      sinkCount = s.total;
      const result = { label, count, connections, rate: count / seconds, seconds, cpuMs, sinkCpuMs: r.cpuMs - sinkCpuStart, received: s.ids.length, distinctIds: new Set(s.ids).size };
      console.log(`raw nodemailer (${label}), ${connections} senders: ${count} in ${seconds.toFixed(1)} s = ${Math.round(result.rate)}/s`);
      return result;
    };
    const raw4 = await raw('pooled-4', 4, N);
    const raw8 = await raw('pooled-8', 8, N);

    // ── Report ──
    const pct = (x: number) => `${Math.round((100 * x) / raw4.rate)} %`;
    const per = (ms: number, count = N) => (ms / count).toFixed(2);
    const rawRow = (what: string, r: typeof raw4) =>
      `| ${what} | ${r.count} | ${Math.round(r.rate)} | ${r.seconds.toFixed(1)} | ${pct(r.rate)} | ${per(r.cpuMs, r.count)} | ${per(r.sinkCpuMs, r.count)} | – |`;
    const deliverRow = (what: string, d: typeof d1) =>
      `| ${what} | ${N} | ${Math.round(d.rate)} | ${d.seconds.toFixed(1)} | ${pct(d.rate)} | ${per(d.cpuMs)} | ${per(d.sinkCpuMs)} | ${per(d.pgCpuMs)} |`;
    const check = (d: typeof d1) =>
      `the sink received ${d.received} mails with ${d.distinctIds} distinct Message-IDs for ${d.recipients} distinct recipients; ` +
      `outbox ${d.outboxStates.map((s) => `${s.n} ${s.state}`).join(', ')}; jobs ${d.jobStates.map((s) => `${s.n} ${s.status}`).join(', ')}; ` +
      `duplicates ${d.duplicates}, lost ${d.lost}`;
    const section = [
      '',
      `## ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC — answered messages to an SMTP sink (bench/deliver-messages.ts)`,
      '',
      `${cpus().length} × ${cpus()[0]?.model ?? 'CPU'}, ${Math.round(totalmem() / 2 ** 30)} GB, Node ${process.version}, ${String(version).split(' on ')[0]} on the same machine ` +
        `(synchronous_commit on), loopback. N = ${N} comments, each with its own e-mail contact and notify, decided in one decideAdoption ` +
        `(not_adopted, reason and response, publish) that queues the N answered messages in its transaction; then the job runner's messages lane ` +
        `in the bench process as src/server/boot.ts sets it (concurrency ${CONCURRENCY}, poll ${POLL_MS} ms; kicked at its start, as messagesQueued() does), ` +
        `database pool 20. The sink is tests/support/smtp-sink.ts (smtp-server, which looks up the client's name on every connection, ` +
        `and parses every mail with mailparser) in a child process of its own; mean message ${d1.meanSize} bytes. ` +
        `Raw baseline: nodemailer alone, same sink, same run, after the deliveries, pre-rendered copies of one of these messages, as many senders as connections. ` +
        `Machine load average at the start: ${loadAtStart.map((l) => l.toFixed(1)).join(' / ')} (the machine is shared with other engineers' test runs).`,
      '',
      '| what | messages | messages/s | time s | % of raw | bench process CPU ms/message | sink CPU ms/message | PostgreSQL CPU ms/message |',
      '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
      rawRow('raw: nodemailer pooled (createTransport({ url, pool: true }), 4 connections, 4 senders) — the sink\'s acceptance rate', raw4),
      rawRow('raw: the same, 8 connections, 8 senders', raw8),
      deliverRow(`delivery: the runner's messages lane (${CONCURRENCY} loops) through transports.ts (pooled, 4 connections)`, d1),
      deliverRow('delivery: the same again (a second decision to the same N comments)', d2),
      '',
      `Queueing: one decideAdoption of ${N} comments took ${Math.round(q1.ms)} ms (PostgreSQL CPU ${Math.round(q1.pgCpuMs)} ms); the outbox then held ${q1.queued} queued rows ` +
        `and the messages lane ${q1.jobs} jobs (the second decision, another response to the same comments: ${Math.round(q2.ms)} ms, ${q2.queued} queued). ` +
        `Statements sent to PostgreSQL per message delivered (counted at the pg driver, the runner's polls and lease renewals included): ` +
        `${d1.statements.toFixed(2)} and ${d2.statements.toFixed(2)}. ` +
        `Check, first delivery: ${check(d1)}. Second: ${check(d2)}. Raw runs: ${raw4.distinctIds} and ${raw8.distinctIds} distinct Message-IDs received.`,
      '',
    ].join('\n');
    if (process.env.BENCH_NO_WRITE !== '1') appendFileSync(new URL('./RESULTS.md', import.meta.url), section);
    console.log(section);
    if (d1.duplicates || d1.lost || d1.delivered !== N || d2.duplicates || d2.lost || d2.delivered !== N) process.exitCode = 1;
  } finally {
    await stopJobRunner();
    closeTransports();
    setDatabase(undefined);
    await database.close();
    await sink.close();
  }
}

if (process.argv.includes('--sink')) {
  void sinkMain();
} else {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
