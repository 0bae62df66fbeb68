/**
 * Malformed input never gets a 5xx. Every route file under src/pages is found by globbing (so a
 * new route is fuzzed without being listed here) and driven over real HTTP against the built
 * server, as the principal who may use it (anonymous, citizen, deputy, staff token, admin,
 * kiosk): arbitrary strings (any UTF-16 code unit, lone surrogates sent as WTF-8 bytes, controls,
 * NUL, '..', '%zz', very long strings, all-dashes "UUIDs", impossible dates, junk cursors) in
 * each [param], in the query names the route reads, in form and JSON bodies (with a same-site
 * Origin, so writes reach the handler) and in the method (TRACE, PROPFIND, …). The property:
 * the status is below 500. A fixed seed and a fixed number of runs keep it repeatable and
 * bounded; FUZZ_RUNS and FUZZ_SEED change them, FUZZ_BUILD_DIR reuses a build (for instance an
 * older commit's, to see the regression cases fail there).
 *
 * Then the known offenders of the issue, one case each, with the answer they must get.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { request as httpRequest } from 'node:http';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { systemActor } from '../../src/server/audit';
import { createUser } from '../../src/server/auth/users';
import { createApiToken } from '../../src/server/auth/tokens';
import { loadSampleDrafts } from '../../src/server/drafts/sample-drafts';
import { addStationDeputy, createStation } from '../../src/server/stations/stations';
import { createEnrollment, enrollKiosk } from '../../src/server/stations/kiosks';
import { submitComment } from '../../src/server/comments/submit-comment';
import { adoptions, inboxFilterSchema } from '../../src/server/review/schemas';
import type { TestDatabase } from '../support/test-db';
import { buildApp, serverDatabase, fakeIp, removeBuild, signInOverHttp, startServer, type RunningServer } from '../support/built-server';

const root = resolve(import.meta.dirname, '../..');
const PASSWORD = 'Fuzz-test-password-1';
const RUNS = Number(process.env.FUZZ_RUNS ?? 100);
const SEED = Number(process.env.FUZZ_SEED ?? 20260801);
const DASHES = '-'.repeat(36);

// ── The routes ──────────────────────────────────────────────────────────────
interface Route {
  file: string;
  /** Path segments; a dynamic one is { param }. */
  segments: Array<string | { param: string }>;
  methods: string[];
  api: boolean;
  /** Query names the route reads. */
  query: string[];
  /** Form or JSON field names the route reads. */
  fields: string[];
  /** Values its forms offer (buttons, options), to get past the first check now and then. */
  words: string[];
}

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

const inboxNames = Object.keys(inboxFilterSchema.shape);
/** JSON fields of the API routes (their schemas live in src/server, not in the route file). */
const apiFields = ['adoption', 'reason', 'response', 'publish', 'tags', 'replace', 'body', 'round', 'article', 'name', 'district',
  'occupation', 'contact', 'publishName', 'idempotencyKey', 'draft', 'comments', 'channel', 'receivedAt', 'voices', 'code'];

/** The keys of `export const <name> = z.object({ … })` in a src/server/<domain>/schemas.ts. */
function namedSchemaKeys(name: string): string[] {
  for (const file of walk(join(root, 'src/server')).filter((f) => f.endsWith('schemas.ts'))) {
    const m = new RegExp(`export const ${name} = z\\.object\\(\\{([\\s\\S]*?)\\}\\);`).exec(readFileSync(file, 'utf8'));
    if (m) return [...m[1].matchAll(/(?:^|[{,\s])([A-Za-z_]+):/g)].map((k) => k[1]);
  }
  return [];
}

function discoverRoutes(): Route[] {
  return walk(join(root, 'src/pages'))
    .filter((f) => /\.(astro|ts)$/.test(f) && !/\.d\.ts$/.test(f) && !/(^|[\\/])_/.test(relative(join(root, 'src/pages'), f)))
    // The 500 page answers 500 by design (it is what the others show when they fail).
    .filter((f) => relative(join(root, 'src/pages'), f) !== '500.astro')
    .map((file) => {
      const source = readFileSync(file, 'utf8');
      const rel = relative(join(root, 'src/pages'), file).replace(/\\/g, '/');
      const segments = rel.replace(/\.(astro|ts)$/, '').replace(/(^|\/)index$/, '').split('/').filter(Boolean)
        .map((seg) => {
          const m = /^\[(\.\.\.)?([^\]]+)\]$/.exec(seg);
          return m ? { param: m[2] } : seg;
        });
      const methods = rel.endsWith('.astro')
        ? ['GET', ...(/method\s*===?\s*'POST'/.test(source) ? ['POST'] : [])]
        : [...source.matchAll(/export\s+(?:const|async\s+function|function)\s+(GET|POST|PUT|PATCH|DELETE|ALL)\b/g)].map((m) => (m[1] === 'ALL' ? 'GET' : m[1]));
      const query = [...new Set([
        ...[...source.matchAll(/\.get\('([A-Za-z_]+)'\)/g)].map((m) => m[1]),
        ...[...source.matchAll(/queryHint\([^,]+,\s*'([A-Za-z_]+)'/g)].map((m) => m[1]),
        // parseQuery(url, z.object({ name: …, … })): the object's keys.
        ...[...source.matchAll(/parseQuery\([^,]+,\s*z\.object\(\{([\s\S]*?)\}\)\)/g)].flatMap((m) => [...m[1].matchAll(/(?:^|[{,\s])([A-Za-z_]+):/g)].map((k) => k[1])),
        // parseQuery(url, someQuery): the keys of that schema in src/server/<domain>/schemas.ts.
        ...[...source.matchAll(/parseQuery\([^,]+,\s*([A-Za-z_]+)\)/g)].flatMap((m) => namedSchemaKeys(m[1])),
        ...(/parseInboxFilters|inboxFilterSchema|withParams/.test(source) ? inboxNames : []),
        ...(/roundQuery|diffQuery|searchParams/.test(source) ? ['round', 'from', 'to', 'article', 'draft', 'deputy'] : []),
      ])];
      const fields = [...new Set([...source.matchAll(/name="([A-Za-z_.\[\]0-9]+)"/g)].map((m) => m[1]))];
      const words = [...new Set([...source.matchAll(/value="([^"{}]{1,40})"/g)].map((m) => m[1]))];
      return { file: rel, segments, methods: [...new Set(methods)], api: rel.startsWith('api/'), query, fields: rel.startsWith('api/') ? apiFields : fields, words };
    });
}

// ── Who asks ────────────────────────────────────────────────────────────────
type Principal = 'anonymous' | 'citizen' | 'deputy' | 'admin' | 'staffToken' | 'kiosk';

function principalsOf(rel: string): Principal[] {
  if (rel.startsWith('api/v1/staff/')) return ['staffToken', 'admin'];
  if (/^(staff|admin)\//.test(rel)) return ['admin'];
  if (rel.startsWith('deputy/')) return ['deputy'];
  if (rel.startsWith('account/')) return ['citizen'];
  if (/^(kiosk|api\/v1\/kiosk)\//.test(rel)) return ['kiosk', 'anonymous'];
  // Signing out would end the session the other routes use.
  if (rel === 'signout.ts') return ['anonymous'];
  return ['anonymous', 'citizen'];
}

// ── Sending raw requests (fetch would resolve '..' and re-encode the path) ────
interface Reply { status: number; headers: Record<string, string | string[] | undefined>; body: string }

/** The server's limit on a form or JSON body: a bigger one is refused (413) before it is read. */
const BODY_LIMIT = 64 * 1024;

function send(method: string, path: string, headers: Record<string, string> = {}, body?: string): Promise<Reply> {
  const url = new URL(server.url);
  return new Promise((ok, fail) => {
    let answered = false;
    const req = httpRequest({
      host: url.hostname, port: url.port, method, path,
      headers: { 'x-forwarded-for': fakeIp(), ...headers, ...(body !== undefined ? { 'content-length': String(Buffer.byteLength(body)) } : {}) },
    }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      answered = true;
      res.on('end', () => ok({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', fail);
    });
    req.on('error', (err: NodeJS.ErrnoException) => {
      if (answered) return;
      // A body over the limit is refused before it is read; the server may close while we still write it.
      if (body !== undefined && Buffer.byteLength(body) > BODY_LIMIT && (err.code === 'EPIPE' || err.code === 'ECONNRESET')) {
        ok({ status: 413, headers: {}, body: '' });
      } else fail(err);
    });
    req.setTimeout(30_000, () => req.destroy(new Error(`timeout: ${method} ${path}`)));
    req.end(body);
  });
}

/** Percent-encodes like encodeURIComponent, but sends a lone surrogate as its WTF-8 bytes. */
function enc(s: string): string {
  let out = '';
  for (const ch of s) {
    const u = ch.codePointAt(0)!;
    if (u >= 0xd800 && u <= 0xdfff) {
      out += [0xe0 | (u >> 12), 0x80 | ((u >> 6) & 0x3f), 0x80 | (u & 0x3f)].map((b) => `%${b.toString(16).toUpperCase()}`).join('');
    } else out += encodeURIComponent(ch);
  }
  return out;
}

function authHeaders(who: Principal, pick = 0): Record<string, string> {
  if (who === 'anonymous') return {};
  if (who === 'staffToken') return { authorization: `Bearer ${fixture.token}` };
  if (who === 'kiosk') return { 'x-kiosk-credential': fixture.kioskCredential };
  if (who === 'admin') return { cookie: cookies.admin[pick % cookies.admin.length] };
  return { cookie: cookies[who][0] };
}

// ── Fixtures ────────────────────────────────────────────────────────────────
const routes = discoverRoutes();
let buildDir: string | undefined;
let server: RunningServer;
let testDb: TestDatabase | undefined;
const cookies: Record<'citizen' | 'deputy' | 'admin', string[]> = { citizen: [], deputy: [], admin: [] };
const fixture = {
  token: '', kioskCredential: '', stationCode: 'FZ-01', commentId: '', otherCommentId: '', groupId: '', citizenId: '',
  receipt: '', lookupCode: '',
};

/** Well-formed values that name real rows, so fuzzed queries and bodies reach past the look-up. */
function realValues(param: string): string[] {
  switch (param) {
    case 'slug': return ['jiesu-jiban', 'tingche', 'wuye-guanli'];
    case 'n': return ['1', '2', '3'];
    case 'id': return [fixture.commentId, fixture.groupId, fixture.citizenId];
    case 'code': return [fixture.stationCode];
    case 'receipt': return [fixture.receipt];
    case 'format': return ['csv', 'xlsx', 'docx'];
    default: return ['x'];
  }
}

beforeAll(async () => {
  buildDir = process.env.FUZZ_BUILD_DIR ? undefined : await buildApp();
  const { database, env, testDb: made } = await serverDatabase('fuzz');
  testDb = made;
  const db = database.db;
  await loadSampleDrafts(db);
  const make = (role: 'citizen' | 'deputy' | 'staff' | 'admin', n: string) =>
    createUser({ role, account: { kind: 'email', value: `${role}${n}@fuzz.test` }, password: PASSWORD, name: role }, systemActor, db);
  const citizen = await make('citizen', '');
  await make('deputy', '');
  const admins = [await make('admin', '1'), await make('admin', '2'), await make('admin', '3')];
  fixture.citizenId = citizen.id;
  fixture.token = (await createApiToken({ userId: admins[0].id, label: 'fuzz' }, systemActor, db)).token;
  const station = await createStation({ code: fixture.stationCode, name: '模糊测试联络站', type: 'liaison_station', district: '东城区' }, systemActor, db);
  await addStationDeputy(station.id, 'deputy@fuzz.test', systemActor, db);
  const enrollment = await createEnrollment({ stationId: station.id }, systemActor, db);
  fixture.kioskCredential = (await enrollKiosk(enrollment.code, {}, db)).credential;
  // Two identical comments make a group.
  const first = await submitComment('jiesu-jiban', { body: '建议延长热线的人工服务时间。' }, {}, db);
  const second = await submitComment('jiesu-jiban', { body: '建议延长热线的人工服务时间。' }, {}, db);
  await submitComment('wuye-guanli', { body: '物业费收支应当每季度公示。', article: 2 }, {}, db);
  fixture.commentId = first.commentId;
  fixture.otherCommentId = second.commentId;
  fixture.receipt = first.receipt;
  fixture.lookupCode = first.lookupCode;
  const grouped = await db.query.comments.findFirst({ where: (c, { eq }) => eq(c.id, first.commentId) });
  fixture.groupId = grouped?.groupId ?? '00000000-0000-4000-8000-000000000000';
  if (!testDb) await database.close(); // PGlite: the server must be the only process on the dir
  server = await startServer(process.env.FUZZ_BUILD_DIR ?? buildDir!, { ...env, TRUST_PROXY: 'true' });
  cookies.citizen.push(await signInOverHttp(server.url, 'citizen@fuzz.test', PASSWORD));
  cookies.deputy.push(await signInOverHttp(server.url, 'deputy@fuzz.test', PASSWORD));
  for (const n of ['1', '2', '3']) cookies.admin.push(await signInOverHttp(server.url, `admin${n}@fuzz.test`, PASSWORD));
}, 240_000);

afterAll(async () => {
  await server?.stop();
  await testDb?.close();
  if (buildDir) removeBuild(buildDir);
});

// ── Arbitraries ─────────────────────────────────────────────────────────────
/** One character: any code point, controls, and the characters that mean something in an address. */
const wellFormedUnit = fc.oneof(
  fc.string({ unit: 'binary', minLength: 1, maxLength: 1 }),
  fc.integer({ min: 0, max: 0x1f }).map((c) => String.fromCharCode(c)),
  fc.constantFrom('\u0000', '\u202e', '\ufeff', '\u0085', '中', '/', '\\', '.', '-', '%', '|', '&', '=', '?', '#', ' ', '\r\n', '😀', 'a', '0'),
);
/** …or any UTF-16 code unit, lone surrogates included (sent in an address as WTF-8 bytes, which are no UTF-8). */
const anyUnit = fc.oneof(
  { weight: 4, arbitrary: wellFormedUnit },
  { weight: 1, arbitrary: fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)) },
  { weight: 1, arbitrary: fc.constantFrom('\ud800', '\udfff') },
);
/** Short strings mostly, long ones now and then (`long` code units at most; an address must stay under the header limit). */
const textUpTo = (long: number) => fc.oneof(
  { weight: 4, arbitrary: fc.string({ unit: wellFormedUnit, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: anyUnit, maxLength: 40 }) },
  { weight: 1, arbitrary: fc.string({ unit: anyUnit, minLength: long / 2, maxLength: long }) },
);
const urlText = textUpTo(400);
const anyText = textUpTo(4000);
const b64 = (s: string) => Buffer.from(s).toString('base64url');
/** Strings that have broken routes before: ids, dates, numbers, cursors. */
const nastyText = fc.constantFrom(
  DASHES, '00000000-0000-0000-0000-00000000000g', '0'.repeat(36), 'ffffffff-ffff-ffff-ffff-ffffffffffff', '\u0000', 'NaN', '-1', '0', '1.5',
  '1e400', '99999999999999999999', '9'.repeat(400), '0000-01-01', '0000-00-00', '2024-13-45', '2024-02-30', '9999-12-31', '10000-01-01',
  '+275760-09-13T00:00:00Z', '-271821-04-20T00:00:00Z', '1', 'Infinity', 'general', 'me', 'none', 'waiting', 'only',
  b64(`2024-01-01T00:00:00Z|${DASHES}`), b64('1|00000000-0000-4000-8000-000000000000'), b64('junk'), b64('||'), '!!!!', '%', 'true', 'on',
  '/\r\nSet-Cookie: x=1', '//evil.example', '/中文', '/\u0085', 'javascript:alert(1)', 'toString', '__proto__', 'constructor', 'hasOwnProperty',
);
/** Pieces sent into a path or query as they are (not encoded again). */
const rawPiece = fc.constantFrom('%00', '..', '.', '%2e%2e', '%2F', '%zz', '%', '%ff', '%ED%A0%80', '%C0%AE', '%E4%B8', '%0D%0A', '%7F', '%20');

function valueFor(words: string[], real: string[] = [], text = urlText): fc.Arbitrary<string> {
  const known = [...words, ...real, ...adoptions].filter(Boolean);
  return fc.oneof(
    { weight: 3, arbitrary: text.map(enc) },
    { weight: 2, arbitrary: nastyText.map(enc) },
    { weight: 1, arbitrary: rawPiece },
    { weight: 1, arbitrary: fc.tuple(rawPiece, text).map(([p, t]) => p + enc(t)) },
    { weight: 1, arbitrary: known.length ? fc.constantFrom(...known).map(enc) : fc.constant('') },
  );
}

/** A JSON value for a body field: strings of every kind, numbers, arrays, objects. */
const jsonValue: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 4, arbitrary: anyText },
  { weight: 2, arbitrary: nastyText },
  { weight: 1, arbitrary: fc.constantFrom(...adoptions, 'general', 'web', 'letter') },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double(), fc.boolean(), fc.constant(null)) },
  { weight: 1, arbitrary: fc.array(anyText, { maxLength: 4 }) },
  { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 2 }) },
);

interface Plan { method: string; path: string; headers: Record<string, string>; body?: string }

function planFor(route: Route): fc.Arbitrary<Plan> {
  const principals = principalsOf(route.file);
  const segment = (s: string | { param: string }): fc.Arbitrary<string> => {
    if (typeof s === 'string') {
      // report.[format]: the parameter inside a segment.
      const m = /^(.*)\[([^\]]+)\](.*)$/.exec(s);
      if (!m) return fc.constant(s);
      return valueFor([], realValues(m[2])).map((v) => `${m[1]}${v}${m[3]}`);
    }
    return fc.oneof({ weight: 2, arbitrary: valueFor([], realValues(s.param)) }, { weight: 1, arbitrary: fc.constantFrom(...realValues(s.param)) });
  };
  const path = fc.tuple(...route.segments.map(segment)).map((parts) => `/${parts.join('/')}`);
  const names = [...route.query, 'x'];
  const query = fc.array(fc.tuple(fc.constantFrom(...names), valueFor(route.words)), { maxLength: 5 })
    .map((pairs) => (pairs.length ? `?${pairs.map(([k, v]) => `${k}=${v}`).join('&')}` : ''));
  const fields = route.fields.length ? route.fields : ['x'];
  const formBody = fc.array(fc.tuple(fc.constantFrom(...fields, 'op', 'action', 'ids'), valueFor(route.words, [], anyText)), { maxLength: 8 })
    .map((pairs) => pairs.map(([k, v]) => `${encodeURIComponent(k)}=${v}`).join('&'));
  const jsonBody = fc.oneof(
    { weight: 3, arbitrary: fc.dictionary(fc.constantFrom(...fields), jsonValue, { maxKeys: 6 }).map((o) => JSON.stringify(o)) },
    { weight: 1, arbitrary: fc.jsonValue({ maxDepth: 3 }).map((v) => JSON.stringify(v)) },
    { weight: 1, arbitrary: fc.constantFrom('', '{', '{"adoption":', 'null', '[]', '"\\ud800"', '{"reason":"\\udc00"}', `${'['.repeat(20000)}"\\ud800"${']'.repeat(20000)}`, '{"__proto__":{"adoption":"adopted"}}') },
  );
  const declared = route.methods;
  const method = fc.oneof(
    { weight: 6, arbitrary: fc.constantFrom(...declared) },
    { weight: 1, arbitrary: fc.constantFrom('TRACE', 'PROPFIND', 'PUT', 'DELETE', 'PATCH', 'OPTIONS', 'HEAD', 'POST', 'MKCOL') },
  );
  return fc.record({
    method, path, query,
    who: fc.constantFrom(...principals),
    pick: fc.nat(2),
    form: formBody,
    json: jsonBody,
    type: fc.constantFrom('form', 'json', 'multipart', 'none'),
    // Now and then a header of the request is junk too (a stale cookie, a forged token, an odd type).
    header: fc.option(fc.tuple(fc.constantFrom('cookie', 'authorization', 'x-kiosk-credential', 'x-forwarded-for', 'accept', 'accept-language', 'content-type'),
      fc.oneof(urlText.map(enc), nastyText.map(enc), fc.constantFrom('kaimen_session=x', 'lang=toString; text=large', 'Bearer ', 'Bearer x.y', 'multipart/form-data', 'application/json; charset=latin1'))), { freq: 6 }),
  }).map(({ method, path, query, who, pick, form, json, type, header }) => {
    const headers: Record<string, string> = { ...authHeaders(who, pick) };
    let body: string | undefined;
    if (!['GET', 'HEAD', 'OPTIONS', 'TRACE'].includes(method)) {
      headers.origin = server.url;
      if (type === 'json' || (route.api && type !== 'form' && type !== 'multipart')) {
        headers['content-type'] = 'application/json';
        body = json;
      } else if (type === 'multipart') {
        headers['content-type'] = 'multipart/form-data; boundary=fuzz';
        body = `--fuzz\r\ncontent-disposition: form-data; name="body"\r\n\r\n${form}\r\n--fuzz--\r\n`;
      } else {
        headers['content-type'] = 'application/x-www-form-urlencoded';
        body = form;
      }
    }
    if (header) headers[header[0]] = header[1].slice(0, 2000);
    // Node refuses (431) an address over 16 KB of headers; keep most of them under it, cut where it may.
    const address = (path + query).length > 12_000 ? (path + query).slice(0, 12_000) : path + query;
    return { method, path: address, headers, body };
  });
}

const show = (p: Plan) => `${p.method} ${p.path}${p.body !== undefined ? ` <${p.headers['content-type']}> ${p.body.slice(0, 300)}` : ''}`;

// ── The route list ──────────────────────────────────────────────────────────
describe('the route list', () => {
  it('finds every kind of route, with its parameters and query names', () => {
    const files = routes.map((r) => r.file);
    for (const f of ['drafts/[slug]/index.astro', 'api/v1/staff/comments/[id]/decision.ts', 'stations/[code]/poster.astro', 'staff/outbox.astro', 'prefs.ts']) {
      expect(files).toContain(f);
    }
    expect(routes.find((r) => r.file === 'stations/[code]/poster.astro')!.query).toContain('deputy');
    expect(routes.find((r) => r.file === 'staff/comments/index.astro')!.query).toContain('cursor');
    expect(routes.find((r) => r.file === 'prefs.ts')!.query).toContain('back');
    expect(routes.find((r) => r.file === 'staff/outbox.astro')!.query).toContain('before');
  });
});

// ── The known offenders, one by one ─────────────────────────────────────────
const as = (who: Principal) => authHeaders(who);
const post = (who: Principal, path: string, body: string, type = 'application/json') =>
  send('POST', path, { ...as(who), origin: server.url, 'content-type': type }, body);
/** The status of one request, checked softly: every case of a test is reported, not just the first. */
async function expectStatus(what: string, reply: Promise<Reply>, wanted: number | number[]): Promise<Reply> {
  const res = await reply;
  const list = Array.isArray(wanted) ? wanted : [wanted];
  expect.soft(list, `${what} → ${res.status}`).toContain(res.status);
  return res;
}
const errorOf = (res: Reply) => {
  try {
    return (JSON.parse(res.body) as { error?: { code: string; fields?: Array<{ field: string }> } }).error;
  } catch {
    return undefined;
  }
};

describe('known offenders', () => {
  it('ids that pass /^[0-9a-f-]{36}$/ but are no UUID: 404, nothing changed', async () => {
    await expectStatus('decision on a dashes id', post('staffToken', `/api/v1/staff/comments/${DASHES}/decision`, '{"adoption":"adopted"}'), 404);
    await expectStatus('tags on a dashes id', post('staffToken', `/api/v1/staff/comments/${DASHES}/tags`, '{"tags":["x"]}'), 404);
    await expectStatus('API comment with a dashes id', send('GET', `/api/v1/staff/comments/${DASHES}`, as('staffToken')), 404);
    for (const path of [`/staff/groups/${DASHES}`, `/staff/comments/${DASHES}`, `/admin/users/${DASHES}`, `/staff/exports/${DASHES}`]) {
      await expectStatus(`GET ${path}`, send('GET', path, as('admin')), 404);
    }
    await expectStatus('comment form on a dashes id', post('admin', `/staff/comments/${DASHES}`, 'action=decide&adoption=adopted', 'application/x-www-form-urlencoded'), 404);
    await expectStatus('template delete with a dashes id', post('admin', '/staff/templates', `op=delete&id=${DASHES}`, 'application/x-www-form-urlencoded'), [303, 400, 404]);
    const campaign = await expectStatus('inbox filter campaign=dashes', send('GET', `/api/v1/staff/comments?campaign=${DASHES}`, as('staffToken')), 400);
    expect.soft(errorOf(campaign)?.code).toBe('ValidationFailed');
  });

  it("a bad deputy= on a station's poster and pages is ignored", async () => {
    for (const page of ['poster', 'comment', '']) {
      for (const deputy of [DASHES, '%00', 'x'.repeat(3000), 'toString']) {
        const path = `/stations/${fixture.stationCode}${page ? `/${page}` : ''}?deputy=${deputy}&draft=jiesu-jiban`;
        await expectStatus(`GET ${path.slice(0, 120)}`, send('GET', path), 200);
      }
      // Bytes that are no UTF-8 make the whole address undecodable: refused before any page runs.
      await expectStatus(`GET ${page} deputy=%ED%A0%80`, send('GET', `/stations/${fixture.stationCode}/${page}?deputy=%ED%A0%80`), 400);
    }
  });

  it('out-of-range and impossible dates: 400', async () => {
    for (const before of ['-271821-04-20T00:00:00Z', '0000-01-01', '10000-01-01', '2024-13-45', 'Tuesday', '1']) {
      await expectStatus(`outbox before=${before}`, send('GET', `/staff/outbox?before=${enc(before)}`, as('admin')), 400);
    }
    for (const date of ['2024-13-45', '2024-02-30', '0000-01-01', '0000-00-00']) {
      const api = await expectStatus(`API inbox from=${date}`, send('GET', `/api/v1/staff/comments?from=${date}`, as('staffToken')), 400);
      expect.soft(errorOf(api)?.fields?.[0].field, `API inbox from=${date}`).toBe('from');
      const page = await expectStatus(`inbox page to=${date}`, send('GET', `/staff/comments?to=${date}`, as('admin')), 400);
      expect.soft(page.body, `inbox page to=${date}`).toContain('格式不正确');
      await expectStatus(`deputy feedback day=${date}`, send('GET', `/deputy/feedback?day=${date}`, as('deputy')), 400);
    }
  });

  it('cursors that decode to junk: 400 with the cursor named', async () => {
    for (const junk of [`2024-01-01T00:00:00Z|${DASHES}`, '1|00000000-0000-4000-8000-000000000000', '+275760-09-13T00:00:00Z|00000000-0000-4000-8000-000000000000', 'junk', '\u0000|\u0000']) {
      const res = await expectStatus(`API inbox cursor ${junk}`, send('GET', `/api/v1/staff/comments?cursor=${b64(junk)}`, as('staffToken')), 400);
      expect.soft(errorOf(res)?.fields?.[0].field, `API inbox cursor ${junk}`).toBe('cursor');
      await expectStatus(`inbox page cursor ${junk}`, send('GET', `/staff/comments?cursor=${b64(junk)}`, as('admin')), 400);
    }
  });

  it('a lone surrogate in a decision reason: 400, the comment unchanged', async () => {
    const path = `/api/v1/staff/comments/${fixture.otherCommentId}`;
    const before = JSON.parse((await send('GET', path, as('staffToken'))).body);
    for (const body of ['{"adoption":"not_adopted","reason":"理由\\ud800"}', '{"adoption":"not_adopted","reason":"不采纳","response":"\\udc00答复"}']) {
      const res = await expectStatus(`decision ${body}`, post('staffToken', `${path}/decision`, body), 400);
      expect.soft(errorOf(res)?.code, `decision ${body}`).toBe('ValidationFailed');
    }
    // The form: a lone surrogate can only arrive as WTF-8 bytes, which are not UTF-8.
    await expectStatus('decision form with WTF-8 bytes', post('admin', `/staff/comments/${fixture.otherCommentId}`, 'action=decide&adoption=not_adopted&reason=%ED%A0%80', 'application/x-www-form-urlencoded'), 400);
    expect.soft(JSON.parse((await send('GET', path, as('staffToken'))).body), 'the comment afterwards').toEqual(before);
  });

  it('a NUL (or a broken escape) in a path segment: 404', async () => {
    for (const path of ['/drafts/%00', '/drafts/%00/comment', '/drafts/%00/diff', '/drafts/%00/feedback', '/drafts/%00/data.csv', '/drafts/jiesu-jiban/articles/%00',
      '/stations/%00', '/stations/%00/poster', '/stations/%00/comment', '/kiosk/receipt/%00', '/api/v1/drafts/%00', '/api/v1/drafts/%00/stats']) {
      await expectStatus(`GET ${path}`, send('GET', path, as('citizen')), 404);
    }
    await expectStatus('POST /drafts/%00/comment', post('anonymous', '/drafts/%00/comment', 'body=%E5%BB%BA%E8%AE%AE%E5%BB%B6%E9%95%BF%E6%97%B6%E9%97%B4', 'application/x-www-form-urlencoded'), 404);
    // Bytes that are no UTF-8, or a broken escape: the address cannot be read at all.
    for (const path of ['/drafts/%ff', '/drafts/%zz', '/drafts/%ED%A0%80']) await expectStatus(`GET ${path}`, send('GET', path, as('citizen')), 400);
    // A receipt page sends a malformed receipt back to the look-up form; the API refuses it.
    await expectStatus('GET /receipts/%00', send('GET', '/receipts/%00', as('citizen')), 303);
    await expectStatus('GET /api/v1/receipts/%00', send('GET', '/api/v1/receipts/%00', as('citizen')), [400, 404]);
    for (const path of [`/staff/drafts/%00`, '/admin/stations/%00', '/staff/exports/%00', '/staff/groups/%00', '/admin/users/%00', '/staff/comments/%00']) {
      await expectStatus(`GET ${path}`, send('GET', path, as('admin')), 404);
    }
    await expectStatus('API comment %00', send('GET', '/api/v1/staff/comments/%00', as('staffToken')), 404);
  });

  it('a form posted to a page that then finds nothing: 404, not a 500', async () => {
    const none = '00000000-0000-4000-8000-000000000000';
    const form = 'application/x-www-form-urlencoded';
    await expectStatus('comment page', post('admin', `/staff/comments/${none}`, 'action=tag&tags=x', form), 404);
    await expectStatus('group page', post('admin', `/staff/groups/${none}`, 'action=confirm', form), 404);
    await expectStatus('draft page', post('admin', '/staff/drafts/no-such-draft', 'op=approval', form), 404);
    await expectStatus('draft page, malformed slug', post('admin', `/staff/drafts/${DASHES}`, '', form), 404);
    await expectStatus('upload page', post('admin', '/staff/drafts/no-such-draft/upload', 'x=1', form), 404);
  });

  it('TRACE and other unknown methods: 405', async () => {
    for (const path of ['/', '/drafts/jiesu-jiban', '/api/v1/drafts', '/api/v1/staff/comments', '/signin', '/healthz', '/metrics']) {
      for (const method of ['TRACE', 'PROPFIND', 'MKCOL']) {
        await expectStatus(`${method} ${path}`, send(method, path, as('citizen')), 405);
      }
    }
    for (const method of ['TRACE', 'PROPFIND']) await expectStatus(`${method} /no-such-page`, send(method, '/no-such-page'), [404, 405]);
  });

  it("query values that are Object.prototype's names: the page as usual", async () => {
    for (const name of ['toString', 'constructor', '__proto__']) {
      await expectStatus(`admin user done=${name}`, send('GET', `/admin/users/${fixture.citizenId}?done=${name}`, as('admin')), 200);
      await expectStatus(`admin station done=${name}`, send('GET', `/admin/stations/${fixture.stationCode}?done=${name}`, as('admin')), 200);
      await expectStatus(`inbox done=${name}`, send('GET', `/staff/comments?done=${name}`, as('admin')), 200);
      await expectStatus(`account done=${name}`, send('GET', `/account?done=${name}`, as('citizen')), 200);
      await expectStatus(`error code=${name}`, send('GET', `/error?code=${name}`), 400);
    }
  });

  it('control and non-Latin-1 characters in redirect targets: never a 5xx', async () => {
    for (const back of ['/%E4%B8%AD', '/%0D%0ASet-Cookie:%20x=1', '/%00', '%ED%A0%80', '/%C2%85', '//evil.example', '/\\evil']) {
      for (const path of [`/prefs?lang=en&back=${back}`, `/signin?next=${back}`]) {
        const res = await expectStatus(`GET ${path}`, send('GET', path), [200, 303, 400]);
        expect.soft(String(res.headers.location ?? '/'), path).toMatch(/^\/(?![/\\])[\x21-\x7e]*$/);
      }
    }
  });
});

// ── Every route (after the offenders: the fuzzing spends the sessions' write limits) ──
describe.each(routes)('$file', (route) => {
  it('answers arbitrary params, queries, bodies and methods without a 5xx', async () => {
    await fc.assert(
      fc.asyncProperty(planFor(route), async (plan) => {
        const started = Date.now();
        const res = await send(plan.method, plan.path, plan.headers, plan.body);
        if (process.env.FUZZ_LOG) console.log(res.status, `${Date.now() - started}ms`, show(plan).slice(0, 200));
        if (res.status >= 500) throw new Error(`${res.status} for ${show(plan)}\n${res.body.slice(0, 500)}`);
      }),
      // Shrinking a long string can take thousands of requests: stop after a while with the example found so far.
      { numRuns: RUNS, seed: SEED, interruptAfterTimeLimit: 60_000, markInterruptAsFailure: false },
    );
  }, 120_000);
});
