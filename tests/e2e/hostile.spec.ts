/**
 * Hostile input (issue 9): the corpus of hostile-corpus.ts against the built server on a database
 * of its own (stations-seed.ts plus a citizen, a second citizen whose comment is the target, an
 * admin and a staff API token). No 5xx, every refusal a clear 4xx (JSON error with a code and a
 * Chinese message under /api, a page with a Chinese message elsewhere), text stored as typed shown
 * escaped, the staff CSV neutralising formulas; then, with the server stopped, the database holds
 * exactly what the accepted requests stored and nothing of the refused ones.
 */
import { test, expect } from './fixtures';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parse } from 'csv-parse/sync';
import { zhCN } from '../../src/i18n/zh-CN';
import { fakeIp, signInOverHttp } from '../support/built-server';
import { E2E_PASSWORD } from './stations-support';
import { formulaBodies, hostileCorpus, xssPayloads, type Check, type HostileCase, type HostileContext, type Principal } from './hostile-corpus';

test.describe.configure({ mode: 'serial' });
const port = Number(process.env.E2E_PORT ?? 4399) + 31;
const base = `http://localhost:${port}`;
const SLUG = 'jiesu-jiban';
let dir: string;
let env: NodeJS.ProcessEnv;
let child: ChildProcess | undefined;

interface Answer { status: number; type: string; location: string; setCookies: string[]; text: string }

// ── The database, read and written by short tsx processes while no server holds it ──
const src = (p: string) => pathToFileURL(resolve('src', p)).href;
function withDb(body: string): Record<string, unknown> {
  const code = `
    import { createDatabase, migrateDatabase, setDatabase } from '${src('db/client.ts')}';
    import { sql } from 'drizzle-orm';
    const database = await createDatabase({ pgliteDir: process.env.PGLITE_DIR });
    await migrateDatabase(database);
    setDatabase(database);
    const db = database.db;
    const one = async (q) => Number(Object.values((await db.execute(q)).rows[0])[0]);
    const out = {};
    try { ${body} } finally { setDatabase(undefined); await database.close(); }
    console.log(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', code], { env, encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`database script failed: ${r.stderr}`);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!);
}

const COUNTS = `
  for (const role of ['citizen', 'deputy', 'staff', 'admin']) out['users.' + role] = await one(sql\`select count(*) from users where role = \${role}\`);
  out.comments = await one(sql\`select count(*) from comments\`);
  out.refusedStored = await one(sql\`select count(*) from comments where body like '%拒收%'\`);
  out.tokens = await one(sql\`select count(*) from api_tokens\`);
  out.kiosks = await one(sql\`select count(*) from kiosks\`);
  out.stations = await one(sql\`select count(*) from stations\`);
  out.stationDeputies = await one(sql\`select count(*) from station_deputies\`);
  out.tags = await one(sql\`select count(*) from tags\`);
  out.templates = await one(sql\`select count(*) from response_templates\`);
  out.inactiveUsers = await one(sql\`select count(*) from users where not active\`);
  out.wrongChannel = await one(sql\`select count(*) from comments where channel = 'letter'\`);
  out.adminsComments = await one(sql\`select count(*) from comments c join users u on u.id = c.user_id where u.role <> 'citizen'\`);
  out.kioskElsewhere = await one(sql\`select count(*) from comments c join stations s on s.id = c.station_id where c.kiosk_id is not null and s.code <> 'DC-JDK'\`);
  out.escalatedCitizen = await one(sql\`select count(*) from users where email = 'escalate@hostile.example' and role = 'citizen'\`);
  out.fakeReceipts = await one(sql\`select count(*) from comments where receipt like '%FAKE%'\`);
  out.deputyOwnStation = await one(sql\`select count(*) from comments c join stations s on s.id = c.station_id where c.channel = 'deputy' and s.code <> 'DC-JDK'\`);`;

// ── Sending ────────────────────────────────────────────────────────────────
const auth: Record<Principal, Record<string, string>> = {
  anonymous: {}, citizen: {}, victim: {}, deputy: {}, staff: {}, admin: {}, staffToken: {}, kiosk: {},
};

async function send(c: HostileCase): Promise<Answer> {
  const headers: Record<string, string> = { 'x-forwarded-for': fakeIp(), ...auth[c.as ?? 'anonymous'] };
  // Same-site requests carry our Origin, as a browser's would; the cross-origin cases replace it.
  if (c.method !== 'GET') headers.origin = base;
  Object.assign(headers, c.headers ?? {});
  // An empty value removes the header (a request without Origin).
  for (const [k, v] of Object.entries(headers)) if (v === '') delete headers[k];
  if (c.raw) return sendRaw(c, headers);
  const body = typeof c.body === 'string' || c.body === undefined ? c.body : new Uint8Array(c.body);
  const res = await fetch(`${base}${c.path}`, { method: c.method, headers, body, redirect: 'manual' });
  return { status: res.status, type: res.headers.get('content-type') ?? '', location: res.headers.get('location') ?? '', setCookies: res.headers.getSetCookie(), text: await res.text() };
}

/** HTTP/1.1 by hand, for a Content-Length that does not match the body. */
function sendRaw(c: HostileCase, headers: Record<string, string>): Promise<Answer> {
  const body = typeof c.body === 'string' ? Buffer.from(c.body) : c.body ?? Buffer.alloc(0);
  const head = [`${c.method} ${c.path} HTTP/1.1`, `Host: localhost:${port}`, 'Connection: close', `Content-Length: ${c.raw!.contentLength}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`)].join('\r\n');
  return new Promise((ok, fail) => {
    const socket = connect(port, 'localhost');
    const chunks: Buffer[] = [];
    socket.setTimeout(15_000, () => socket.destroy(new Error(`no answer to ${c.name}`)));
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', fail);
    socket.on('close', () => {
      const all = Buffer.concat(chunks).toString('utf8');
      // The first response only (a short Content-Length leaves bytes the server reads as a second request).
      const split = all.indexOf('\r\n\r\n');
      const headText = all.slice(0, split);
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(headText)?.[1] ?? 0);
      const header = (name: string) => new RegExp(`^${name}: (.*)$`, 'im').exec(headText)?.[1]?.trim() ?? '';
      let rest = all.slice(split + 4);
      if (/chunked/i.test(header('transfer-encoding'))) {
        let text = '';
        for (;;) {
          const eol = rest.indexOf('\r\n');
          const size = parseInt(rest.slice(0, eol), 16);
          if (!size) break;
          text += Buffer.from(rest.slice(eol + 2)).subarray(0, size).toString('utf8');
          rest = Buffer.from(rest.slice(eol + 2)).subarray(size + 2).toString('utf8');
        }
        rest = text;
      } else if (header('content-length')) {
        rest = Buffer.from(rest).subarray(0, Number(header('content-length'))).toString('utf8');
      }
      ok({ status, type: header('content-type'), location: header('location'), setCookies: [], text: rest });
    });
    socket.write(`${head}\r\n\r\n`);
    socket.write(body);
    if (c.raw!.halfClose) socket.end();
  });
}

const fill = (s: string, ctx: HostileContext) => s.replace(/\{\{(\w+)\}\}/g, (_, k: keyof HostileContext) => encodeURIComponent(ctx[k]));
function resolveCase(c: HostileCase, ctx: HostileContext): HostileCase {
  return { ...c, path: fill(c.path, ctx), body: typeof c.body === 'string' ? fill(c.body, ctx) : c.body };
}

// ── What a clear answer is ─────────────────────────────────────────────────
const CJK = /[\u4e00-\u9fff]/;
const errorMessages = Object.entries(zhCN).filter(([k]) => k.startsWith('error.')).map(([, v]) => String(v).split('{')[0]).filter((v) => v.length >= 4);

/** A page with a Chinese message: a role="alert" box with Chinese text, or the error page's heading. */
function clearPage(html: string): boolean {
  for (const m of html.matchAll(/(?:role="alert"|class="field-error")[^>]*>([\s\S]{0,600})/g)) if (CJK.test(m[1].replace(/<[^>]+>/g, ''))) return true;
  const h1 = /<h1[^>]*>([\s\S]*?)<\/h1>/.exec(html)?.[1]?.replace(/<[^>]+>/g, '').trim() ?? '';
  return errorMessages.some((msg) => h1.startsWith(msg) || msg.startsWith(h1.slice(0, 8)) && h1.length >= 4);
}

function statusMatches(status: number, want: HostileCase['expect']): boolean {
  if (typeof want === 'number') return status === want;
  return String(status)[0] === want[0];
}

/**
 * True when `payload` is live markup in `html`: present outside double-quoted attribute values
 * (inside one, Astro escapes the quote, so `<` there cannot open an element).
 */
function unescaped(html: string, payload: string): boolean {
  return payload.includes('<') && html.replace(/="[^"]*"/g, '=""').includes(payload);
}

/** Problems with one answer (empty when it is right). */
function judge(c: HostileCase, a: Answer): string[] {
  const problems: string[] = [];
  if (a.status >= 500 || a.status === 0) problems.push(`server error ${a.status}: ${a.text.slice(0, 200)}`);
  if (!statusMatches(a.status, c.expect)) problems.push(`status ${a.status}, expected ${c.expect} (${a.location || a.text.slice(0, 160).replace(/\s+/g, ' ')})`);
  if (/\bat [\w.<>]+ \(|node_modules|\.ts:\d+/.test(a.text)) problems.push('stack trace or source path in the answer');
  if (a.type.includes('html')) for (const p of xssPayloads) if (unescaped(a.text, p)) problems.push(`unescaped payload in the page: ${p}`);
  const check: Check = c.check;
  if (check.kind === 'json') {
    let body: { error?: { code?: string; message?: string } } = {};
    try { body = JSON.parse(a.text); } catch { problems.push(`not JSON (${a.type}): ${a.text.slice(0, 120)}`); }
    if (!/json/.test(a.type)) problems.push(`content-type ${a.type}`);
    if (!body.error?.code) problems.push('JSON without error.code');
    if (check.code && body.error?.code !== check.code) problems.push(`error code ${body.error?.code}, expected ${check.code}`);
    if (!CJK.test(body.error?.message ?? '')) problems.push(`message not Chinese: ${body.error?.message}`);
  } else if (check.kind === 'page') {
    if (!/html/.test(a.type)) problems.push(`not a page (${a.type}): ${a.text.slice(0, 120)}`);
    else if (!clearPage(a.text)) problems.push('page without a Chinese message (no alert, no error heading)');
  } else if (check.kind === 'signin') {
    if (!/^\/signin\b/.test(a.location.replace(base, ''))) problems.push(`redirect to ${a.location}, expected /signin`);
  } else if (check.kind === 'lookup') {
    if (!/^\/receipts\?/.test(a.location.replace(base, ''))) problems.push(`redirect to ${a.location}, expected the lookup form`);
  }
  return problems;
}

/** The receipt a stored comment got, and a cookie that opens its status page. */
async function receiptCookieOf(a: Answer): Promise<{ receipt: string; cookie: string } | null> {
  if (/json/.test(a.type)) {
    const { receipt, lookupCode } = JSON.parse(a.text) as { receipt?: string; lookupCode?: string };
    if (!receipt || !lookupCode) return null;
    const res = await fetch(`${base}/receipts/${receipt}?code=${encodeURIComponent(lookupCode)}`, { redirect: 'manual', headers: { 'x-forwarded-for': fakeIp() } });
    await res.body?.cancel();
    const cookie = res.headers.getSetCookie().find((s) => s.startsWith('kaimen_rc='));
    return cookie ? { receipt, cookie: cookie.split(';')[0] } : null;
  }
  const receipt = /\/receipts\/([^/?]+)/.exec(a.location)?.[1];
  const cookie = a.setCookies.find((s) => s.startsWith('kaimen_rc='));
  return receipt && cookie ? { receipt: decodeURIComponent(receipt), cookie: cookie.split(';')[0] } : null;
}

async function page(path: string, headers: Record<string, string>): Promise<Answer> {
  const res = await fetch(`${base}${path}`, { headers: { 'x-forwarded-for': fakeIp(), ...headers }, redirect: 'manual' });
  return { status: res.status, type: res.headers.get('content-type') ?? '', location: res.headers.get('location') ?? '', setCookies: [], text: await res.text() };
}

// ── The run ────────────────────────────────────────────────────────────────
test.beforeAll(async () => {
  test.setTimeout(120_000);
  dir = mkdtempSync(join(tmpdir(), 'kaimen-e2e-hostile-'));
  env = { ...process.env, PGLITE_DIR: join(dir, 'pglite'), EXPORT_DIR: join(dir, 'exports'), PORT: String(port), HOST: 'localhost', TRUST_PROXY: 'true', ASTRO_TELEMETRY_DISABLED: '1' };
  delete env.DATABASE_URL;
});

test.afterAll(async () => {
  if (child && child.exitCode === null) {
    await new Promise<void>((ok) => { child!.once('exit', () => ok()); child!.kill('SIGTERM'); });
  }
});

async function startServer(): Promise<void> {
  child = spawn(process.execPath, ['--import', 'tsx', 'scripts/serve.ts'], { env, stdio: 'ignore' });
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${base}/healthz`)).ok) return; } catch { /* not up yet */ }
    if (i > 160 || child.exitCode !== null) throw new Error('the hostile e2e server did not start');
    await new Promise((r) => setTimeout(r, 250));
  }
}

async function stopServer(): Promise<void> {
  const c = child!;
  if (c.exitCode !== null) return;
  await new Promise<void>((ok) => { c.once('exit', () => ok()); c.kill('SIGTERM'); });
}

test('hostile requests get clear 4xx answers, never 5xx, and store nothing they should not', async () => {
  test.setTimeout(120_000);
  // Seed: the stations spec's seed (sample drafts, stations, a deputy, a staff member, a kiosk
  // enrollment code), then the accounts this corpus needs and the counts before.
  const seed = spawnSync(process.execPath, ['--import', 'tsx', 'tests/e2e/stations-seed.ts'], { env, encoding: 'utf8' });
  if (seed.status !== 0) throw new Error(`seed failed: ${seed.stderr}`);
  const { enrollmentCode } = JSON.parse(seed.stdout.trim().split('\n').at(-1)!);
  const seeded = withDb(`
    const { createUser } = await import('${src('server/auth/users.ts')}');
    const { createUserSchema } = await import('${src('server/auth/schemas.ts')}');
    const { createApiToken } = await import('${src('server/auth/tokens.ts')}');
    const { findUserByAccount } = await import('${src('server/auth/users.ts')}');
    const { systemActor } = await import('${src('server/audit.ts')}');
    const make = (role, account, name) => createUser(createUserSchema.parse({ role, account, password: '${E2E_PASSWORD}', name }), systemActor, db);
    out.citizenUserId = (await make('citizen', 'citizen@hostile.example', '普通市民')).id;
    out.victimUserId = (await make('citizen', 'victim@hostile.example', '另一位市民')).id;
    out.adminUserId = (await make('admin', 'admin@hostile.example', '管理员')).id;
    const staff = await findUserByAccount({ kind: 'email', value: 'staff@example.cn' }, db);
    out.staffUserId = staff.id;
    out.token = (await createApiToken({ userId: staff.id, label: 'hostile' }, systemActor, db)).token;
    ${COUNTS}`);
  const before = seeded;
  await startServer();

  // Who sends what.
  auth.citizen = { cookie: await signInOverHttp(base, 'citizen@hostile.example', E2E_PASSWORD) };
  auth.victim = { cookie: await signInOverHttp(base, 'victim@hostile.example', E2E_PASSWORD) };
  auth.deputy = { cookie: await signInOverHttp(base, 'deputy@example.cn', E2E_PASSWORD) };
  auth.staff = { cookie: await signInOverHttp(base, 'staff@example.cn', E2E_PASSWORD) };
  auth.admin = { cookie: await signInOverHttp(base, 'admin@hostile.example', E2E_PASSWORD) };
  auth.staffToken = { authorization: `Bearer ${seeded.token}` };
  const enroll = await fetch(`${base}/kiosk/enroll`, { method: 'POST', redirect: 'manual', headers: { origin: base, 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': fakeIp() }, body: `code=${enrollmentCode}` });
  await enroll.body?.cancel();
  const kioskCookie = enroll.headers.getSetCookie().find((s) => s.startsWith('kaimen_kiosk='));
  expect(enroll.status, 'kiosk enrollment').toBe(303);
  auth.kiosk = { cookie: kioskCookie!.split(';')[0] };

  // The targets: the victim's own comment (signed in) and an anonymous one.
  const submit = async (headers: Record<string, string>, body: object) => {
    const res = await fetch(`${base}/api/v1/drafts/${SLUG}/comments`, { method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': fakeIp(), ...headers }, body: JSON.stringify(body) });
    expect(res.status).toBe(201);
    return (await res.json()) as { receipt: string; lookupCode: string };
  };
  const victim = await submit(auth.victim, { body: '受害人提交的意见，用来测试越权访问。', contact: '13800138000', idempotencyKey: 'hostile-victim-key-0001' });
  const other = await submit({}, { body: '另一条匿名意见，用来测试错误的查询码。' });
  const list = await (await fetch(`${base}/api/v1/staff/comments?draft=${SLUG}`, { headers: auth.staffToken })).json() as { items: Array<{ id: string; receipt: string }> };
  const ctx: HostileContext = {
    victimReceipt: victim.receipt, victimCode: victim.lookupCode, otherReceipt: other.receipt, otherCode: other.lookupCode,
    victimCommentId: list.items.find((i) => i.receipt === victim.receipt)!.id,
    victimUserId: String(seeded.victimUserId), citizenUserId: String(seeded.citizenUserId), staffUserId: String(seeded.staffUserId), adminUserId: String(seeded.adminUserId),
  };
  const receipts = new Set([victim.receipt, other.receipt]);

  // The corpus.
  expect(hostileCorpus.length).toBeGreaterThanOrEqual(200);
  const failures: string[] = [];
  const classes: Record<string, number> = {};
  const stored: Array<{ c: HostileCase; a: Answer }> = [];
  let signups = 0;
  for (const raw of hostileCorpus) {
    const c = resolveCase(raw, ctx);
    let a: Answer;
    try {
      a = await send(c);
    } catch (err) {
      failures.push(`${c.name}: no answer (${err instanceof Error ? err.message : err})`);
      continue;
    }
    classes[`${String(a.status)[0]}xx`] = (classes[`${String(a.status)[0]}xx`] ?? 0) + 1;
    for (const p of judge(c, a)) failures.push(`${c.name} [${c.method} ${c.path.slice(0, 80)}]: ${p}`);
    if (a.status < 400) {
      const r = /\/comments$/.test(c.path) || c.path.startsWith(`/drafts/${SLUG}/comment`) ? await receiptCookieOf(a) : null;
      if (r) receipts.add(r.receipt);
      // A sign-up for an existing account is answered alike but creates nothing.
      if (c.path === '/signup' && c.name !== 'sign-up with an existing account') signups++;
      if (c.check.kind === 'stored') stored.push({ c, a });
    }
  }

  // Stored as typed: every page that shows it shows it escaped.
  for (const { c, a } of stored) {
    const check = c.check as Extract<Check, { kind: 'stored' }>;
    let view: Answer;
    if (check.view === 'receipt') {
      const r = await receiptCookieOf(a);
      if (!r) { failures.push(`${c.name}: no receipt to look at`); continue; }
      view = await page(`/receipts/${r.receipt}`, { cookie: r.cookie });
    } else {
      view = await page(fill(check.view.path, ctx), auth[check.view.as]);
    }
    if (view.status !== 200) failures.push(`${c.name}: the page that shows it answered ${view.status}`);
    else if (!view.text.includes(check.marker)) failures.push(`${c.name}: ${check.marker} not shown`);
    if (unescaped(view.text, check.payload)) failures.push(`${c.name}: shown unescaped`);
  }

  // Formula-looking comments: the staff CSV neutralises every such cell.
  const csvRes = await fetch(`${base}/staff/drafts/${SLUG}/rounds/3/report.csv`, { headers: auth.staffToken });
  expect(csvRes.status, 'staff CSV').toBe(200);
  const rows = parse((await csvRes.text()).replace(/^\uFEFF/, ''), { relax_column_count: true }) as string[][];
  const cells = rows.flat();
  for (const body of formulaBodies) {
    const cell = cells.find((v) => v.includes(body.trim().slice(1, 12)));
    if (!cell) failures.push(`CSV: comment "${body}" missing`);
    else if (/^\s*[=+\-@\t\r]/.test(cell)) failures.push(`CSV: formula cell not neutralised: ${cell.slice(0, 40)}`);
  }
  if (cells.some((v) => /^\s*[=+\-@\t\r]/.test(v))) failures.push('CSV: some cell starts like a formula');

  console.log(`hostile corpus: ${hostileCorpus.length} requests; by class ${JSON.stringify(classes)}`);
  expect(failures, failures.join('\n')).toEqual([]);

  // The database, with the server stopped: only what the accepted requests stored.
  await stopServer();
  const after = withDb(`${COUNTS}
    out.missingReceipts = 0;
    for (const r of ${JSON.stringify([...receipts])}) out.missingReceipts += (await one(sql\`select count(*) from comments where receipt = \${r}\`)) === 1 ? 0 : 1;`);
  expect(after.refusedStored, 'refused comments stored').toBe(0);
  expect(after.missingReceipts, 'receipts given but not stored').toBe(0);
  expect(after.comments, 'comments stored').toBe(Number(before.comments) + receipts.size);
  expect(after['users.citizen'], 'citizens: only the legitimate sign-ups').toBe(Number(before['users.citizen']) + signups);
  for (const role of ['deputy', 'staff', 'admin']) expect(after[`users.${role}`], `${role} accounts`).toBe(before[`users.${role}`]);
  expect(after.escalatedCitizen, 'sign-up with role=admin is a citizen').toBe(1);
  expect(after.inactiveUsers, 'accounts deactivated').toBe(before.inactiveUsers);
  expect(after.tokens, 'API tokens').toBe(before.tokens);
  expect(after.kiosks, 'kiosks (the seed made the one enrolled)').toBe(before.kiosks);
  expect(after.stations, 'stations: the one created as typed').toBe(Number(before.stations) + 1);
  expect(after.stationDeputies, 'station links').toBe(before.stationDeputies);
  expect(after.tags, 'tags: the two created as typed').toBe(Number(before.tags) + 2);
  expect(after.templates, 'templates: the one created as typed').toBe(Number(before.templates) + 1);
  expect(after.wrongChannel, 'channel from the request body').toBe(0);
  expect(after.adminsComments, 'comments attributed to a staff account').toBe(0);
  expect(after.kioskElsewhere, 'kiosk comments at another station').toBe(0);
  expect(after.fakeReceipts, 'receipt from the request body').toBe(0);
  expect(after.deputyOwnStation, "deputy entries at another's station").toBe(0);
});
