/**
 * Issue 15 over real HTTP against the built server, as an attacker and as the people they target
 * would meet it: codes only reach their recipient, redirects stay on the site, signed-in pages
 * are not cached, HSTS, absolute URLs from PUBLIC_URL whatever the Host header says, sign-up
 * answers alike for new and existing accounts, flood limits after sign-in, invisible text.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { request as httpRequest } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { systemActor } from '../../src/server/audit';
import { createUser } from '../../src/server/auth/users';
import { createStation } from '../../src/server/stations/stations';
import { submitComment } from '../../src/server/comments/submit-comment';
import type { TestDatabase } from '../support/test-db';
import { buildApp, serverDatabase, fakeIp, postForm, removeBuild, signInOverHttp, startServer, type RunningServer } from '../support/built-server';
import { OPEN, seedDrafts, validComment } from './comments-fixtures';

const PASSWORD = 'Security-test-password-1';
const PUBLIC_URL = 'https://yijian.example.test';
let buildDir: string;
let server: RunningServer;
let testDb: TestDatabase | undefined;
let messagesFile: string;
let commentId: string;
const cookies: Record<string, string> = {};

beforeAll(async () => {
  buildDir = await buildApp();
  const { database, env, testDb: made } = await serverDatabase('security');
  testDb = made;
  await seedDrafts(database.db);
  for (const role of ['citizen', 'staff', 'admin'] as const) {
    await createUser({ role, account: { kind: 'email', value: `${role}@security.test` }, password: PASSWORD, name: role }, systemActor, database.db);
  }
  await createUser({ role: 'citizen', account: { kind: 'email', value: 'second@security.test' }, password: PASSWORD, name: 'second' }, systemActor, database.db);
  await createStation({ code: 'SEC-01', name: '安全测试联络站', type: 'liaison_station', district: '东城区' }, systemActor, database.db);
  commentId = (await submitComment(OPEN, validComment, {}, database.db)).commentId;
  if (!testDb) await database.close(); // PGlite: the server must be the only process on the dir
  messagesFile = join(mkdtempSync(join(tmpdir(), 'kaimen-messages-')), 'messages.jsonl');
  server = await startServer(buildDir, { ...env, TRUST_PROXY: 'true', SECURE_COOKIES: 'true', PUBLIC_URL, MESSAGES_FILE: messagesFile });
  for (const who of ['citizen', 'staff', 'admin', 'second']) cookies[who] = await signInOverHttp(server.url, `${who}@security.test`, PASSWORD);
}, 240_000);

afterAll(async () => {
  await server?.stop();
  await testDb?.close();
  if (buildDir) removeBuild(buildDir);
});

interface Message { kind: string; recipient: string; body: string }
const messages = (): Message[] => (existsSync(messagesFile) ? readFileSync(messagesFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
/** The messages once `count` of them match (delivery is a background job: usually within a second). */
async function messagesWhen(match: (m: Message) => boolean, count = 1): Promise<Message[]> {
  const deadline = Date.now() + 15_000;
  for (;;) {
    const found = messages().filter(match);
    if (found.length >= count || Date.now() > deadline) return found;
    await new Promise((r) => setTimeout(r, 50));
  }
}
const get = (path: string, headers: Record<string, string> = {}) =>
  fetch(`${server.url}${path}`, { redirect: 'manual', headers: { 'x-forwarded-for': fakeIp(), ...headers } });

describe('1. a reset code reaches only its recipient', () => {
  it('staff asking for an admin\'s reset see no code anywhere they can read', async () => {
    const res = await postForm(server.url, '/account/reset', { account: 'admin@security.test' });
    expect(res.status).toBe(303);
    const sent = await messagesWhen((m) => m.recipient === 'admin@security.test' && m.kind === 'reset');
    expect(sent).toHaveLength(1);
    const code = /(\d{6})/.exec(sent[0].body)![1];
    const outbox = await get('/staff/outbox', { cookie: cookies.staff });
    expect(outbox.status).toBe(200);
    const html = await outbox.text();
    expect(html).toContain('a***@security.test');
    expect(html).not.toContain(code);
    expect(html).not.toContain('admin@security.test');
    const audit = await (await get('/admin/audit', { cookie: cookies.admin })).text();
    expect(audit).not.toContain(code);
  });
});

describe('2. redirects stay on the site', () => {
  const hostile = [
    '//evil.test/x', '/\t/evil.test', '/\n/evil.test', '/\\evil.test', '\\\\evil.test', '/\\/evil.test', 'https://evil.test/',
    'http:evil.test', ' //evil.test', '/%09/evil.test', 'javascript:alert(1)', '/\u0000/x', '/é\u0001', '\u3000//evil.test',
  ];
  const sameSite = (location: string | null) => {
    expect(location).not.toBeNull();
    const resolved = new URL(location!, server.url);
    expect(resolved.origin, location!).toBe(server.url);
    // A valid header value, and no way for a browser to read it as another host.
    expect(location!).toMatch(/^\/(?![/\\])[\x21-\x7e]*$/);
  };
  it.each(hostile)('/prefs?back=%j', async (target) => {
    const res = await get(`/prefs?lang=en&back=${encodeURIComponent(target)}`);
    expect(res.status).toBe(303);
    sameSite(res.headers.get('location'));
  });
  it.each(hostile)('/signin?next=%j', async (target) => {
    const res = await postForm(server.url, `/signin?next=${encodeURIComponent(target)}`, { account: 'second@security.test', password: PASSWORD });
    expect(res.status).toBe(303);
    sameSite(res.headers.get('location'));
  });
  it('keeps a same-site path with its query', async () => {
    const res = await get(`/prefs?lang=en&back=${encodeURIComponent('/drafts/x?round=2#art-3')}`);
    expect(res.headers.get('location')).toBe('/drafts/x?round=2#art-3');
  });
});

describe('9 and 10. caching and HSTS', () => {
  it('sends no-store on every page of a signed-in person, and HSTS behind TLS', async () => {
    for (const [path, who] of [['/account', 'citizen'], ['/staff', 'staff'], ['/admin', 'admin'], ['/', 'citizen'], [`/api/v1/staff/comments/${commentId}`, 'staff']] as const) {
      const res = await get(path, { cookie: cookies[who] });
      expect(res.status, path).toBe(200);
      expect(res.headers.get('cache-control'), path).toContain('no-store');
      expect(res.headers.get('strict-transport-security'), path).toMatch(/max-age=\d{7,}/);
    }
    const anonymous = await get('/');
    expect(anonymous.headers.get('strict-transport-security')).toMatch(/max-age=\d{7,}/);
  });
});

describe('11. absolute URLs come from PUBLIC_URL, never from the Host header', () => {
  const withHost = (path: string, host: string) => new Promise<{ status: number; body: string }>((ok, fail) => {
    const u = new URL(path, server.url);
    const req = httpRequest({ host: u.hostname, port: u.port, path: u.pathname + u.search, headers: { host, 'x-forwarded-for': fakeIp() } }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d) => { body += d; });
      res.on('end', () => ok({ status: res.statusCode!, body }));
    });
    req.on('error', fail);
    req.end();
  });
  it('a poster asked for with Host: evil.test points at the real site', async () => {
    const poster = await withHost('/stations/SEC-01/poster', 'evil.test');
    expect(poster.status).toBe(200);
    expect(poster.body).toContain(`${PUBLIC_URL}/stations/SEC-01`);
    expect(poster.body).not.toContain('evil.test');
  });
  it('the OpenAPI servers list names the real site', async () => {
    const doc = JSON.parse((await withHost('/api/v1/openapi.json', 'evil.test')).body);
    expect(doc.servers).toEqual([{ url: PUBLIC_URL }]);
  });
});

describe('12. sign-up never tells who has an account', () => {
  const form = (account: string) => ({ account, password: 'Brand-new-pass-2026', passwordConfirm: 'Brand-new-pass-2026', name: '测试者', district: '东城区' });
  it('answers an existing and a new account alike; the owner gets a notice, the newcomer a code', async () => {
    const existing = await postForm(server.url, '/signup', form('citizen@security.test'));
    const fresh = await postForm(server.url, '/signup', form('newcomer@security.test'));
    for (const res of [existing, fresh]) {
      expect(res.status).toBe(303);
      expect(res.headers.get('location')).toBe('/signup/confirm');
    }
    const shape = (res: Response) => res.headers.getSetCookie().map((c) => c.replace(/=[^;]*/, '=…')).sort();
    expect(shape(existing)).toEqual(shape(fresh));
    expect((await messagesWhen((m) => m.recipient === 'citizen@security.test')).map((m) => m.kind)).toEqual(['signup-exists']);
    const [verify] = await messagesWhen((m) => m.recipient === 'newcomer@security.test' && m.kind === 'verify');
    const code = /(?<!\d)(\d{6})(?!\d)/.exec(verify.body)![1];
    // The newcomer cannot sign in before the code, with the same answer as a wrong password.
    const early = await postForm(server.url, '/signin', { account: 'newcomer@security.test', password: 'Brand-new-pass-2026' });
    expect(early.status).toBe(401);
    const pending = fresh.headers.getSetCookie().find((c) => c.startsWith('signup_account='))!.split(';')[0];
    const page = await get('/signup/confirm', { cookie: pending });
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('n***@security.test');
    const done = await postForm(server.url, '/signup/confirm', { intent: 'confirm', account: 'newcomer@security.test', code }, { cookie: pending });
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe('/account?done=welcome');
    expect(done.headers.getSetCookie().some((c) => /kaimen_session=/.test(c))).toBe(true);
  });
});

describe('7. flooding after sign-in', () => {
  it('limits one account\'s comments, whatever its address', async () => {
    let limited = 0;
    for (let i = 0; i < 12; i++) {
      const res = await fetch(`${server.url}/api/v1/drafts/${OPEN}/comments`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-forwarded-for': fakeIp(), cookie: cookies.second, origin: server.url },
        body: JSON.stringify({ body: `第 ${i} 条：建议把受理时限写得更明确一些。` }),
      });
      if (res.status === 429) limited++;
      else expect(res.status).toBe(201);
    }
    expect(limited).toBe(2);
  });
  it('keeps the address limit on writes for signed-in people', async () => {
    const ip = '198.51.100.200';
    const statuses: number[] = [];
    for (let i = 0; i < 124; i++) {
      const who = i % 2 ? cookies.citizen : cookies.staff;
      const res = await postForm(server.url, '/receipts', { receipt: 'JS3-XXXX-XX', code: '' }, { cookie: who, 'x-forwarded-for': ip });
      statuses.push(res.status);
    }
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(4);
    expect(statuses.every((s) => s < 500)).toBe(true);
  });
});

describe('13. invisible and direction-changing text', () => {
  const post = (body: unknown) => fetch(`${server.url}/api/v1/drafts/${OPEN}/comments`, {
    method: 'POST', headers: { 'content-type': 'application/json', 'x-forwarded-for': fakeIp() }, body: JSON.stringify(body),
  });
  it('refuses a comment of zero-width characters only', async () => {
    const res = await post({ body: '\u200B\u200B\u200B\u200B\u200B\u200B\u200C\u200D\u2060\uFEFF' });
    expect(res.status).toBe(400);
    expect((await res.json()).error.fields[0]).toMatchObject({ field: 'body' });
  });
  it('refuses a name with a right-to-left override', async () => {
    const res = await post({ body: '建议明确办理时限和答复方式。', name: '张\u202E三' });
    expect(res.status).toBe(400);
    expect((await res.json()).error.fields[0]).toMatchObject({ field: 'name' });
  });
  it('strips zero-width characters at the edges of a name', async () => {
    const res = await post({ body: '建议明确办理时限和答复方式。', name: '\u200B李四\uFEFF', publishName: true });
    expect(res.status).toBe(201);
  });
  it('refuses a tag of zero-width spaces', async () => {
    const res = await fetch(`${server.url}/api/v1/staff/comments/${commentId}/tags`, {
      method: 'POST', headers: { 'content-type': 'application/json', cookie: cookies.staff, origin: server.url, 'x-forwarded-for': fakeIp() },
      body: JSON.stringify({ tags: ['\u200B\u200B'] }),
    });
    expect(res.status).toBe(400);
  });
});

describe('issue 16: the station-QR comment form refuses bytes that are not UTF-8', () => {
  const path = `/stations/SEC-01/comment?draft=${OPEN}`;
  const send = (body: string) => fetch(`${server.url}${path}`, {
    method: 'POST', redirect: 'manual', body,
    headers: { origin: server.url, 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': fakeIp() },
  });
  const inboxText = async () => JSON.stringify(await (await get('/api/v1/staff/comments?limit=100', { cookie: cookies.staff })).json());
  const marker = '二维码编码测试';
  const fields = (body: string) => `idempotencyKey=${crypto.randomUUID()}&article=general&district=${encodeURIComponent('东城区')}&body=${encodeURIComponent(marker)}${body}`;

  it('answers %E4%B8 or %FF with a Chinese message on the field and stores nothing; the same form with valid text is stored', async () => {
    for (const bad of ['%E4%B8', '%FF', '%ED%A0%80']) {
      const res = await send(fields(`${encodeURIComponent('建议明确办理时限。')}${bad}`));
      expect(res.status, bad).toBe(400);
      expect(res.headers.get('location')).toBeNull();
      const html = await res.text();
      expect(html).toContain('id="f-body-error"');
      expect(html).toContain('提交的内容含有无法识别的字符编码，请重新输入后提交。');
    }
    expect(await inboxText()).not.toContain(marker);
    const ok = await send(fields(encodeURIComponent('建议明确办理时限。')));
    expect(ok.status).toBe(303);
    expect(await inboxText()).toContain(marker);
  });
});
