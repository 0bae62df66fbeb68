/**
 * Following a draft (messages/follows.ts): a follow by e-mail queues one confirmation (a double
 * click sends one) and no notice until its link is opened; publishing the feedback page queues
 * exactly one notice per confirmed follower — by e-mail, or to an account's verified phone — and
 * none to unconfirmed or unsubscribed ones; a round published tells them too; the unsubscribe
 * link works, once and again, and a forged one is refused; a malformed address is refused with
 * the field's message and stores nothing. The message jobs run with MESSAGES_FILE.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq, isNotNull, sql } from 'drizzle-orm';
import { follows, outbox, users } from '../../src/db/schema';
import { systemActor } from '../../src/server/audit';
import { createUser } from '../../src/server/auth/users';
import type { SessionUser } from '../../src/server/auth/session-user';
import { resetConfigCache } from '../../src/server/config';
import { resetKeyRings } from '../../src/server/keys';
import { publishVersion } from '../../src/server/drafts/publish-version';
import { runNextJob } from '../../src/server/jobs/runner';
import { registerMessageDelivery } from '../../src/server/messages/deliver';
import {
  confirmFollow, followByEmail, followWithAccount, isFollowing, readUnsubscribeLink, unfollowWithAccount, unsubscribe,
} from '../../src/server/messages/follows';
import { linkToken, unsubscribeUrl } from '../../src/server/messages/links';
import { MESSAGE_LANE } from '../../src/server/messages/outbox';
import { setFeedbackPublished } from '../../src/server/reports/feedback';
import { isCrossOriginWrite } from '../../src/server/web/security-headers';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { buildApp, fakeIp, postForm, removeBuild, serverDatabase, signInOverHttp, startServer, type RunningServer } from '../support/built-server';

const SLUG = 'follow-test';
const TITLE = '关注测试条例';
const TEXT = (extra: string) => `# ${TITLE}\n\n第一条 为了测试关注，制定本条例。\n\n第二条 本条例自公布之日起施行。${extra}\n`;
const DAY = 86400_000;
const ip = '203.0.113.7';
const LOOKUP_CODE_SECRET = 'follows-test-lookup-secret-0123456789abcdef';
const PASSWORD = 'Follows-test-password-1';

let database: TestDatabase;
let dir: string;
let file: string;
let staff: SessionUser;
const saved: Record<string, string | undefined> = {};

type Line = { id: string; channel: string; kind: string; recipient: string; subject: string; body: string };
const lines = (): Line[] => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as Line) : []);

async function deliverAll(): Promise<void> {
  registerMessageDelivery();
  while (await runNextJob({ workerId: 'test', exportDir: '/tmp', lane: MESSAGE_LANE, db: database.db }));
}

const outboxOf = (kind: string) => database.db.select().from(outbox).where(eq(outbox.kind, kind));

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'kaimen-follows-'));
  file = join(dir, 'messages.jsonl');
  for (const k of ['MESSAGES_FILE', 'SMTP_URL', 'SMS_GATEWAY_URL', 'PUBLIC_URL', 'LOOKUP_CODE_SECRET']) saved[k] = process.env[k];
  // The links the test makes are checked by the built server below: one secret for both.
  process.env.LOOKUP_CODE_SECRET = LOOKUP_CODE_SECRET;
  resetKeyRings();
  delete process.env.SMTP_URL;
  delete process.env.SMS_GATEWAY_URL;
  process.env.MESSAGES_FILE = file;
  process.env.PUBLIC_URL = 'https://yijian.example.test';
  resetConfigCache();
  database = await createTestDatabase({ global: true });
  const now = Date.now();
  await publishVersion({ slug: SLUG, roundNumber: 1, text: TEXT(''), opensAt: new Date(now - 40 * DAY), closesAt: new Date(now - 10 * DAY) }, systemActor, database.db);
  const user = await createUser({ role: 'staff', account: { kind: 'email', value: 'staff@follows.test' }, password: 'Follows-test-password-1', name: 'staff' }, systemActor, database.db);
  staff = { id: user.id, role: 'staff', name: null, email: null, phone: null, district: null, occupation: null, via: 'session' };
});

afterAll(async () => {
  await database?.close();
  for (const [k, v] of Object.entries(saved)) if (v === undefined) delete process.env[k]; else process.env[k] = v;
  resetConfigCache();
  resetKeyRings();
  rmSync(dir, { recursive: true, force: true });
});

/** The token of the link in a message's params.url. */
const tokenOf = (url: string) => url.split('/').pop()!;

describe('following a draft by e-mail', () => {
  it('refuses a malformed address with the field message and stores nothing', async () => {
    for (const bad of ['not-an-address', 'a@b', '   ']) {
      await expect(followByEmail(SLUG, bad, 'zh-CN', { ip })).rejects.toMatchObject({
        code: 'ValidationFailed', fields: [{ field: 'email', key: bad.trim() ? 'follow.field.email' : 'follow.field.emailRequired' }],
      });
    }
    expect(await database.db.select().from(follows)).toHaveLength(0);
    expect(await database.db.select().from(outbox)).toHaveLength(0);
  });

  it('queues one confirmation (a double click sends one), without a follow id, and confirms by its link', async () => {
    await followByEmail(SLUG, ' Reader@Example.CN ', 'zh-CN', { ip });
    await followByEmail(SLUG, 'Reader@example.cn', 'zh-CN', { ip });
    const confirms = await outboxOf('follow-confirm');
    expect(confirms).toHaveLength(1);
    expect(confirms[0]).toMatchObject({ recipient: 'Reader@example.cn', channel: 'email', followId: null, state: 'queued' });
    expect(confirms[0].params.draft).toBe(TITLE);
    expect(confirms[0].params.url).toMatch(/^https:\/\/yijian\.example\.test\/follow\//);
    const [row] = await database.db.select().from(follows).where(eq(follows.email, 'Reader@example.cn'));
    expect(row.confirmedAt).toBeNull();

    await deliverAll();
    const sent = lines().filter((l) => l.kind === 'follow-confirm');
    expect(sent).toHaveLength(1);
    expect(sent[0]).toMatchObject({ recipient: 'Reader@example.cn', channel: 'email' });
    expect(sent[0].body).toContain(confirms[0].params.url);
    expect(sent[0].body).not.toContain('/unsubscribe/');

    const token = tokenOf(confirms[0].params.url);
    expect(await confirmFollow(token)).toEqual({ slug: SLUG, title: TITLE });
    const [confirmed] = await database.db.select().from(follows).where(eq(follows.id, row.id));
    expect(confirmed.confirmedAt).toBeInstanceOf(Date);
    // Opening it again changes nothing.
    await confirmFollow(token);
    const [again] = await database.db.select().from(follows).where(eq(follows.id, row.id));
    expect(again.confirmedAt).toEqual(confirmed.confirmedAt);
    // Asking again for a confirmed address answers the same and sends nothing.
    await followByEmail(SLUG, 'Reader@EXAMPLE.cn', 'zh-CN', { ip });
    expect(await outboxOf('follow-confirm')).toHaveLength(1);
  });

  it('refuses a confirmation link that is not one, and an unknown draft', async () => {
    const [row] = await database.db.select().from(follows).where(eq(follows.email, 'Reader@example.cn'));
    await expect(confirmFollow(linkToken('unsubscribe', row.id))).rejects.toMatchObject({ code: 'NotFound' });
    await expect(confirmFollow(`${row.id}.AAAAAAAAAAAAAAAAAAAAAAAA`)).rejects.toMatchObject({ code: 'NotFound' });
    await expect(confirmFollow('garbage')).rejects.toMatchObject({ code: 'NotFound' });
    await expect(followByEmail('no-such-draft', 'x@example.cn', 'zh-CN', { ip })).rejects.toMatchObject({ code: 'DraftNotFound' });
  });
});

describe('following with an account', () => {
  it('follows at once with a verified contact, and refuses an unverified one pointing to /account', async () => {
    const verified = await createUser({ role: 'citizen', account: { kind: 'phone', value: '13900001234' }, password: 'Follows-test-password-1', name: 'v' }, systemActor, database.db);
    await database.db.update(users).set({ verifiedAt: new Date() }).where(eq(users.id, verified.id));
    const unverified = await createUser({ role: 'citizen', account: { kind: 'email', value: 'unverified@follows.test' }, password: 'Follows-test-password-1', name: 'u' }, systemActor, database.db);
    const [{ id: draftId }] = await database.db.execute<{ id: string }>(sql`select id from drafts where slug = ${SLUG}`).then((r) => r.rows);

    await followWithAccount(verified.id, SLUG);
    expect(await isFollowing(verified.id, draftId)).toBe(true);
    await unfollowWithAccount(verified.id, SLUG);
    expect(await isFollowing(verified.id, draftId)).toBe(false);
    await followWithAccount(verified.id, SLUG);
    expect(await isFollowing(verified.id, draftId)).toBe(true);

    await expect(followWithAccount(unverified.id, SLUG)).rejects.toMatchObject({ code: 'Forbidden', fields: [{ field: 'form', key: 'follow.verifyFirst' }] });
    expect(await isFollowing(unverified.id, draftId)).toBe(false);
    // No e-mail round trip for an account: nothing queued.
    expect(await outboxOf('follow-confirm')).toHaveLength(1);
  });
});

describe('notices to followers', () => {
  it('sends exactly one feedback-published notice per confirmed follower, none to unconfirmed or unsubscribed ones', async () => {
    // Unconfirmed.
    await followByEmail(SLUG, 'pending@example.cn', 'zh-CN', { ip });
    // Confirmed, then unsubscribed.
    await followByEmail(SLUG, 'gone@example.cn', 'en', { ip });
    const goneConfirm = (await outboxOf('follow-confirm')).find((m) => m.recipient === 'gone@example.cn')!;
    await confirmFollow(tokenOf(goneConfirm.params.url));
    const [gone] = await database.db.select().from(follows).where(eq(follows.email, 'gone@example.cn'));
    await unsubscribe(tokenOf(unsubscribeUrl(gone.id)));
    await deliverAll();
    const before = lines().length;

    await setFeedbackPublished({ slug: SLUG, round: 1, published: true }, staff, ip, database.db);
    const notices = await outboxOf('feedback-published');
    expect(notices.map((n) => n.recipient).sort()).toEqual(['13900001234', 'Reader@example.cn']);
    expect(notices.every((n) => n.followId !== null && n.params.draft === TITLE && n.params.round === '一审稿')).toBe(true);
    expect(notices[0].params.url).toBe(`https://yijian.example.test/drafts/${SLUG}/feedback?round=1`);

    // Withdrawn and published again: no second notice.
    await setFeedbackPublished({ slug: SLUG, round: 1, published: false }, staff, ip, database.db);
    await setFeedbackPublished({ slug: SLUG, round: 1, published: true }, staff, ip, database.db);
    expect(await outboxOf('feedback-published')).toHaveLength(2);

    await deliverAll();
    const sent = lines().slice(before);
    expect(sent.map((l) => `${l.kind} ${l.channel} ${l.recipient}`).sort()).toEqual([
      'feedback-published email Reader@example.cn', 'feedback-published sms 13900001234',
    ]);
    const mail = sent.find((l) => l.channel === 'email')!;
    const readerFollow = notices.find((n) => n.recipient === 'Reader@example.cn')!.followId!;
    expect(mail.body).toContain(unsubscribeUrl(readerFollow));
  });

  it('tells confirmed followers when a round is published, with its closing time, in their language', async () => {
    // The unsubscribed address follows again: it starts over unconfirmed, with a new confirmation.
    await followByEmail(SLUG, 'gone@example.cn', 'en', { ip }, database.db, new Date(Date.now() + 3600_000));
    const [gone] = await database.db.select().from(follows).where(eq(follows.email, 'gone@example.cn'));
    expect(gone).toMatchObject({ confirmedAt: null, unsubscribedAt: null });
    expect((await outboxOf('follow-confirm')).filter((m) => m.recipient === 'gone@example.cn')).toHaveLength(2);

    const closesAt = new Date('2027-01-31T10:00:00Z'); // 18:00 in Beijing
    await publishVersion({ slug: SLUG, roundNumber: 2, text: TEXT('\n\n第三条 新增一条。'), opensAt: new Date(), closesAt }, systemActor, database.db);
    const notices = await outboxOf('round-opened');
    expect(notices.map((n) => n.recipient).sort()).toEqual(['13900001234', 'Reader@example.cn']);
    expect(notices[0].params).toMatchObject({ draft: TITLE, round: '二审稿', url: `https://yijian.example.test/drafts/${SLUG}?round=2` });
    expect(notices[0].params.closes).toContain('18:00');
    expect(notices[0].params.closes).toContain('2027年1月31日');
    const [{ id: roundId }] = (await database.db.execute<{ id: string }>(sql`select r.id from rounds r join drafts d on d.id = r.draft_id where d.slug = ${SLUG} and r.number = 2`)).rows;
    for (const n of notices) expect(n.dedupeKey).toBe(`round-opened:${roundId}:${n.followId}`);
  });
});

describe('unsubscribing', () => {
  it('works by the link, once and again, and refuses a forged link', async () => {
    const [reader] = await database.db.select().from(follows).where(eq(follows.email, 'Reader@example.cn'));
    const token = tokenOf(unsubscribeUrl(reader.id));
    expect(await readUnsubscribeLink(token)).toEqual({ slug: SLUG, title: TITLE, unsubscribed: false });
    // A forged token: another purpose's, a wrong mac, another id's mac.
    const other = (await database.db.select().from(follows).where(isNotNull(follows.userId)))[0];
    for (const forged of [linkToken('follow-confirm', reader.id), `${reader.id}.${token.split('.')[1].replace(/^./, (c) => (c === 'A' ? 'B' : 'A'))}`,
      `${other.id}.${token.split('.')[1]}`, 'x']) {
      await expect(unsubscribe(forged)).rejects.toMatchObject({ code: 'NotFound' });
    }
    const [still] = await database.db.select().from(follows).where(eq(follows.id, reader.id));
    expect(still.unsubscribedAt).toBeNull();

    expect(await unsubscribe(token)).toEqual({ slug: SLUG, title: TITLE });
    const [done] = await database.db.select().from(follows).where(and(eq(follows.id, reader.id), isNotNull(follows.unsubscribedAt)));
    expect(done).toBeDefined();
    await unsubscribe(token);
    const [again] = await database.db.select().from(follows).where(eq(follows.id, reader.id));
    expect(again.unsubscribedAt).toEqual(done.unsubscribedAt);
    expect((await readUnsubscribeLink(token)).unsubscribed).toBe(true);
    // A confirmation link opened after unsubscribing does not follow again.
    await expect(confirmFollow(linkToken('follow-confirm', reader.id))).rejects.toMatchObject({ code: 'NotFound' });
  });

  it('accepts a cross-site one-click POST to an unsubscribe link, and to nothing else', () => {
    const post = (path: string) => new Request(`https://yijian.example.test${path}`, {
      method: 'POST', headers: { origin: 'https://mail.example.com', 'content-type': 'application/x-www-form-urlencoded' }, body: 'List-Unsubscribe=One-Click',
    });
    const at = (path: string) => new URL(`https://yijian.example.test${path}`);
    expect(isCrossOriginWrite(post('/unsubscribe/abc.def'), at('/unsubscribe/abc.def'))).toBe(false);
    expect(isCrossOriginWrite(post('/drafts/x/follow'), at('/drafts/x/follow'))).toBe(true);
    expect(isCrossOriginWrite(post('/unsubscribe/a/b'), at('/unsubscribe/a/b'))).toBe(true);
  });
});

describe('the follow pages over HTTP', () => {
  let buildDir: string;
  let server: RunningServer;
  let testDb: TestDatabase | undefined;
  let messagesFile: string;
  let citizen: string;

  beforeAll(async () => {
    buildDir = await buildApp();
    const { database: db, env, testDb: made } = await serverDatabase('follows');
    testDb = made;
    const now = Date.now();
    await publishVersion({ slug: SLUG, roundNumber: 1, text: TEXT(''), opensAt: new Date(now - DAY), closesAt: new Date(now + 10 * DAY) }, systemActor, db.db);
    await createUser({ role: 'citizen', account: { kind: 'email', value: 'citizen@follows.test' }, password: PASSWORD, name: 'c' }, systemActor, db.db);
    if (!testDb) await db.close(); // PGlite: the server must be the only process on the dir
    messagesFile = join(dir, 'server-messages.jsonl');
    server = await startServer(buildDir, { ...env, TRUST_PROXY: 'true', MESSAGES_FILE: messagesFile, LOOKUP_CODE_SECRET });
    citizen = await signInOverHttp(server.url, 'citizen@follows.test', PASSWORD);
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
    await testDb?.close();
    if (buildDir) removeBuild(buildDir);
  });

  const get = (path: string, headers: Record<string, string> = {}) =>
    fetch(`${server.url}${path}`, { redirect: 'manual', headers: { 'x-forwarded-for': fakeIp(), ...headers } });
  async function confirmLink(): Promise<string> {
    for (let i = 0; i < 100; i++) {
      const found = existsSync(messagesFile) && readFileSync(messagesFile, 'utf8').match(/https?:\/\/[^\s"\\]+\/follow\/[0-9a-f-]{36}\.[A-Za-z0-9_-]+/);
      if (found) return new URL(found[0]).pathname;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('no confirmation message');
  }

  it('follows by e-mail from the draft page, confirms by the link, and unsubscribes by a cross-site one-click POST', async () => {
    const page = await (await get(`/drafts/${SLUG}`)).text();
    expect(page).toContain('id="follow"');
    expect(page).toContain('name="email"');
    expect(page).toContain('每封通知都附有退订链接');

    const bad = await postForm(server.url, `/drafts/${SLUG}/follow`, { email: 'nope' });
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain('请填写有效的电子邮箱地址');

    const ok = await postForm(server.url, `/drafts/${SLUG}/follow`, { email: 'http-reader@example.cn' });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe(`/drafts/${SLUG}?followed=sent#follow`);
    expect(await (await get(`/drafts/${SLUG}?followed=sent`)).text()).toContain('请打开邮件中的链接完成关注');

    const link = await confirmLink();
    // Opening the link (a person, or a mail scanner) confirms nothing; the button does.
    const opened = await get(link);
    expect(opened.status).toBe(200);
    expect(await opened.text()).toContain('<button type="submit">确认关注</button>');
    const pathOf = link;
    expect((await get(pathOf)).status).toBe(200);
    const click = await postForm(server.url, pathOf, {});
    expect(click.status).toBe(303);
    expect(await (await get(pathOf)).text()).toContain(`已关注《${TITLE}》`);

    const followId = link.split('/').pop()!.split('.')[0];
    const path = `/unsubscribe/${linkToken('unsubscribe', followId)}`;
    const form = await (await get(path)).text();
    expect(form).toContain('<button type="submit">退订</button>');
    // RFC 8058: from the mail provider, another origin, no cookies.
    const oneClick = await fetch(`${server.url}${path}`, {
      method: 'POST', redirect: 'manual',
      headers: { origin: 'https://mail.example.com', 'sec-fetch-site': 'cross-site', 'content-type': 'application/x-www-form-urlencoded', 'x-forwarded-for': fakeIp() },
      body: 'List-Unsubscribe=One-Click',
    });
    expect(oneClick.status).toBe(303);
    expect(await (await get(path)).text()).toContain(`已退订。您将不再收到关于《${TITLE}》的消息。`);
    // A forged link: 404, by GET and by POST.
    const forged = `/unsubscribe/${linkToken('follow-confirm', followId)}`;
    expect((await get(forged)).status).toBe(404);
    expect((await postForm(server.url, forged, { 'List-Unsubscribe': 'One-Click' })).status).toBe(404);
    // Other writes from another site are still refused.
    expect((await postForm(server.url, `/drafts/${SLUG}/follow`, { email: 'x@example.cn' }, { origin: 'https://mail.example.com' })).status).toBe(403);
  });

  it('sends a signed-in person without a verified contact to verify it first', async () => {
    const page = await (await get(`/drafts/${SLUG}`, { cookie: citizen })).text();
    expect(page).toContain('关注本草案</button>');
    const res = await postForm(server.url, `/drafts/${SLUG}/follow`, { op: 'follow' }, { cookie: citizen });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/drafts/${SLUG}?followed=verify#follow`);
    const notice = await (await get(`/drafts/${SLUG}?followed=verify`, { cookie: citizen })).text();
    expect(notice).toContain('请先在“我的账户”页面验证');
    expect(notice).toContain('href="/account/verify"');
  });
});
