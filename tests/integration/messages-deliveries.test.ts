/**
 * What staff see of deliveries and what admins may do about them (messages/deliveries.ts,
 * /staff/outbox): the listing (filters, keyset pages, counts) never carries a message's
 * parameters or sealed code; a failed notice is retried by an admin (a new job, queued again, an
 * audit event); a failed code message is never retried; staff without outbox:retry are refused —
 * by the function and, over HTTP, by the page (403). The page shows no code and no full contact.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { and, eq } from 'drizzle-orm';
import { auditEvents, jobs, outbox } from '../../src/db/schema';
import { systemActor, type Actor } from '../../src/server/audit';
import { createUser } from '../../src/server/auth/users';
import { resetConfigCache } from '../../src/server/config';
import { resetKeyRings } from '../../src/server/keys';
import { countDeliveries, listDeliveries, retryDelivery, shownError } from '../../src/server/messages/deliveries';
import { MESSAGE_JOB, MESSAGE_LANE, queueMessage } from '../../src/server/messages/outbox';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { buildApp, fakeIp, postForm, removeBuild, serverDatabase, signInOverHttp, startServer, type RunningServer } from '../support/built-server';

const PASSWORD = 'Deliveries-test-password-1';
const ANSWERED = { draft: '示例条例', round: '第一轮', article: '第三条', receipt: 'R-TEST-0001', decision: '采纳', url: 'https://example.test/receipts/R-TEST-0001' };
const admin = { role: 'admin' } as const;
const staff = { role: 'staff' } as const;

type Db = TestDatabase['db'];

async function failedMessage(db: Db, kind: string, recipient: string, lastError = '550 5.1.1 mailbox unavailable'): Promise<string> {
  const [row] = await db.insert(outbox).values({
    channel: recipient.includes('@') ? 'email' : 'sms', recipient, kind, params: kind === 'answered' ? ANSWERED : {},
    state: 'failed', attempts: 8, lastError, delivery: 'smtp',
  }).returning({ id: outbox.id });
  return row.id;
}

// The test seals codes with the same secret the server opens them with.
const LOOKUP_CODE_SECRET = 'deliveries-test-lookup-secret-0123456789abcdef';
beforeAll(() => {
  process.env.LOOKUP_CODE_SECRET = LOOKUP_CODE_SECRET;
  resetConfigCache();
  resetKeyRings();
});
afterAll(() => {
  delete process.env.LOOKUP_CODE_SECRET;
  resetConfigCache();
  resetKeyRings();
});

describe('listDeliveries, countDeliveries and retryDelivery', () => {
  let database: TestDatabase;
  let actor: Actor;

  beforeAll(async () => {
    database = await createTestDatabase();
    const user = await createUser({ role: 'admin', account: { kind: 'email', value: 'admin@deliveries.test' }, password: PASSWORD, name: 'admin' }, systemActor, database.db);
    actor = { id: user.id, kind: 'user', ip: '127.0.0.1' };
  });
  afterAll(() => database?.close());

  it('retries a failed answered notice for an admin: queued again, a new message job, an audit event', async () => {
    const db = database.db;
    const id = await failedMessage(db, 'answered', 'reader@example.cn');
    await retryDelivery(id, admin, actor, db);
    const [row] = await db.select().from(outbox).where(eq(outbox.id, id));
    expect(row).toMatchObject({ state: 'queued', attempts: 0, lastError: null });
    const queued = await db.select().from(jobs).where(and(eq(jobs.kind, MESSAGE_JOB), eq(jobs.status, 'queued')));
    const mine = queued.filter((j) => (j.payload as { message?: string }).message === id);
    expect(mine).toHaveLength(1);
    expect(mine[0]).toMatchObject({ lane: MESSAGE_LANE, attempts: 0, createdBy: actor.id });
    const events = await db.select().from(auditEvents).where(and(eq(auditEvents.action, 'outbox.retry'), eq(auditEvents.objectId, id)));
    expect(events).toHaveLength(1);
    expect(events[0]).toMatchObject({ actorId: actor.id, objectType: 'outbox' });
    expect(JSON.stringify(events[0].before)).not.toContain('reader@example.cn');
    // Queued now, so a second retry is refused and queues nothing more.
    await expect(retryDelivery(id, admin, actor, db)).rejects.toMatchObject({ code: 'Conflict', fields: [{ key: 'outbox.retry.notFailed' }] });
    const after = (await db.select().from(jobs).where(eq(jobs.kind, MESSAGE_JOB))).filter((j) => (j.payload as { message?: string }).message === id);
    expect(after).toHaveLength(1);
  });

  it('never retries a code message (its code was erased): Conflict, nothing changes', async () => {
    const db = database.db;
    for (const kind of ['reset', 'verify']) {
      const id = await failedMessage(db, kind, '13900001111', '短信网关拒绝：400 invalid');
      await expect(retryDelivery(id, admin, actor, db)).rejects.toMatchObject({ code: 'Conflict', status: 409, fields: [{ key: 'outbox.retry.codeKind' }] });
      const [row] = await db.select().from(outbox).where(eq(outbox.id, id));
      expect(row).toMatchObject({ state: 'failed', attempts: 8 });
      const queued = (await db.select().from(jobs).where(eq(jobs.kind, MESSAGE_JOB))).filter((j) => (j.payload as { message?: string }).message === id);
      expect(queued).toHaveLength(0);
      expect(await db.select().from(auditEvents).where(eq(auditEvents.objectId, id))).toHaveLength(0);
    }
  });

  it('refuses staff without outbox:retry, a delivered message and an unknown id', async () => {
    const db = database.db;
    const id = await failedMessage(db, 'round-opened', 'follower@example.cn');
    await expect(retryDelivery(id, staff, actor, db)).rejects.toMatchObject({ code: 'Forbidden', status: 403 });
    await expect(retryDelivery(id, null, actor, db)).rejects.toMatchObject({ code: 'Unauthenticated' });
    expect((await db.select().from(outbox).where(eq(outbox.id, id)))[0].state).toBe('failed');
    const [sent] = await db.insert(outbox).values({ channel: 'email', recipient: 'done@example.cn', kind: 'answered', state: 'delivered', delivery: 'smtp', sentAt: new Date() }).returning();
    await expect(retryDelivery(sent.id, admin, actor, db)).rejects.toMatchObject({ code: 'Conflict', fields: [{ key: 'outbox.retry.notFailed' }] });
    await expect(retryDelivery('00000000-0000-4000-8000-000000000000', admin, actor, db)).rejects.toMatchObject({ code: 'NotFound' });
    await expect(retryDelivery('not-a-uuid', admin, actor, db)).rejects.toMatchObject({ code: 'NotFound' });
  });

  it('lists without parameters or sealed codes, filters by state, kind and channel, and counts by state', async () => {
    const fresh = await createTestDatabase();
    try {
      const fdb = fresh.db;
      await queueMessage(fdb, { recipient: 'coder@example.cn', kind: 'verify', secret: { code: '482913' }, params: { name: 'secret-param-value' } });
      await queueMessage(fdb, { recipient: '13800002222', kind: 'answered', params: ANSWERED });
      await failedMessage(fdb, 'answered', 'gone@example.cn', '550 5.1.1 <gone@example.cn>: Recipient address rejected');
      const rows = await listDeliveries({}, fdb);
      expect(rows).toHaveLength(3);
      for (const r of rows) {
        expect(Object.keys(r)).not.toContain('params');
        expect(Object.keys(r)).not.toContain('sealed');
        const text = JSON.stringify(r);
        expect(text).not.toContain('482913');
        expect(text).not.toContain('secret-param-value');
        expect(text).not.toContain('R-TEST-0001');
      }
      expect((await listDeliveries({ state: 'failed' }, fdb)).map((r) => r.recipient)).toEqual(['gone@example.cn']);
      expect((await listDeliveries({ kind: 'verify' }, fdb)).map((r) => r.recipient)).toEqual(['coder@example.cn']);
      expect((await listDeliveries({ channel: 'sms' }, fdb)).map((r) => r.recipient)).toEqual(['13800002222']);
      expect(await listDeliveries({ channel: 'sms', state: 'failed' }, fdb)).toEqual([]);
      expect(await countDeliveries({}, fdb)).toEqual({ queued: 2, delivered: 0, failed: 1 });
      expect(await countDeliveries({ kind: 'answered' }, fdb)).toEqual({ queued: 1, delivered: 0, failed: 1 });
      // The error as shown masks the address the server quoted.
      const failed = (await listDeliveries({ state: 'failed' }, fdb))[0];
      expect(shownError(failed)).toBe('550 5.1.1 <g***@example.cn>: Recipient address rejected');
    } finally {
      await fresh.close();
    }
  });

  it('pages by (created_at, id): every row once, also among rows of the same instant', async () => {
    const fresh = await createTestDatabase();
    try {
      const at = new Date('2026-10-01T08:00:00.123Z');
      await fresh.db.insert(outbox).values(Array.from({ length: 7 }, (_, i) => ({
        channel: 'email', recipient: `p${i}@example.cn`, kind: 'answered', state: 'delivered', createdAt: i < 5 ? at : new Date(at.getTime() - i * 1000),
      })));
      const seen: string[] = [];
      let page = await listDeliveries({ limit: 3 }, fresh.db);
      while (page.length) {
        seen.push(...page.map((r) => r.id));
        const last = page[page.length - 1];
        page = await listDeliveries({ limit: 3, beforeCreatedAt: last.createdAt, beforeId: last.id }, fresh.db);
      }
      expect(seen).toHaveLength(7);
      expect(new Set(seen).size).toBe(7);
    } finally {
      await fresh.close();
    }
  });
});

describe('/staff/outbox over HTTP', () => {
  let buildDir: string;
  let server: RunningServer;
  let testDb: TestDatabase | undefined;
  let messagesFile: string;
  let failedId: string;
  let resetId: string;
  const cookies: Record<string, string> = {};
  const CODE = '739154';

  beforeAll(async () => {
    buildDir = await buildApp();
    const { database, env, testDb: made } = await serverDatabase('deliveries');
    testDb = made;
    for (const role of ['staff', 'admin'] as const) {
      await createUser({ role, account: { kind: 'email', value: `${role}@deliveries.test` }, password: PASSWORD, name: role }, systemActor, database.db);
    }
    await queueMessage(database.db, { recipient: 'coder@example.cn', kind: 'verify', secret: { code: CODE }, expiresAt: new Date(Date.now() + 3600_000) });
    failedId = await failedMessage(database.db, 'answered', 'reader@example.cn', '550 5.1.1 <reader@example.cn>: Recipient address rejected');
    resetId = await failedMessage(database.db, 'reset', '13900003333', '短信网关拒绝：400 bad number');
    if (!testDb) await database.close(); // PGlite: the server must be the only process on the dir
    messagesFile = join(mkdtempSync(join(tmpdir(), 'kaimen-deliveries-')), 'messages.jsonl');
    server = await startServer(buildDir, { ...env, TRUST_PROXY: 'true', MESSAGES_FILE: messagesFile, LOOKUP_CODE_SECRET });
    for (const who of ['staff', 'admin']) cookies[who] = await signInOverHttp(server.url, `${who}@deliveries.test`, PASSWORD);
  }, 240_000);

  afterAll(async () => {
    await server?.stop();
    await testDb?.close();
    if (buildDir) removeBuild(buildDir);
  });

  const messages = (): Array<{ id: string; kind: string; recipient: string; body: string }> =>
    (existsSync(messagesFile) ? readFileSync(messagesFile, 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l)) : []);
  async function waitFor<T>(what: () => T | undefined, label: string): Promise<T> {
    for (let i = 0; i < 100; i++) {
      const found = what();
      if (found) return found;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error(`timed out waiting for ${label}`);
  }
  const get = (path: string, who: string) =>
    fetch(`${server.url}${path}`, { redirect: 'manual', headers: { 'x-forwarded-for': fakeIp(), cookie: cookies[who] } });

  it('shows an admin the delivered code message without its code, and no full contact', async () => {
    const sent = await waitFor(() => messages().find((m) => m.kind === 'verify'), 'the verify message');
    expect(sent.body).toContain(CODE);
    const res = await get('/staff/outbox', 'admin');
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toContain('消息发送记录');
    expect(html).toContain('c***@example.cn');
    expect(html).toContain('已送达');
    expect(html).not.toContain(CODE);
    expect(html).not.toContain('coder@example.cn');
    expect(html).not.toContain('reader@example.cn'); // not even in the quoted SMTP error
    expect(html).toContain('r***@example.cn');
    expect(html).not.toContain('R-TEST-0001'); // no parameter of any message
    // The retry button on the failed notice only, not on the failed reset.
    expect(html).toContain(`value="${failedId}"`);
    expect(html).not.toContain(`value="${resetId}"`);
    const filtered = await (await get('/staff/outbox?state=failed&kind=reset&channel=sms', 'admin')).text();
    expect(filtered).toContain('139****3333');
    expect(filtered).not.toContain('r***@example.cn');
    expect((await get('/staff/outbox?state=sent', 'admin')).status).toBe(400);
  });

  it('shows staff no retry button and answers their retry with 403', async () => {
    const html = await (await get('/staff/outbox', 'staff')).text();
    expect(html).not.toContain(`value="${failedId}"`);
    const res = await postForm(server.url, '/staff/outbox', { id: failedId }, { cookie: cookies.staff });
    expect(res.status).toBe(403);
    await res.body?.cancel();
  });

  it('refuses an admin\'s retry of a failed reset with its reason (409)', async () => {
    const res = await postForm(server.url, '/staff/outbox', { id: resetId }, { cookie: cookies.admin });
    expect(res.status).toBe(409);
    expect(await res.text()).toContain('验证码消息不能重发');
  });

  it('sends a failed notice again when an admin retries it', async () => {
    const res = await postForm(server.url, '/staff/outbox', { id: failedId }, { cookie: cookies.admin });
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/staff/outbox?done=retried');
    const sent = await waitFor(() => messages().find((m) => m.id === failedId), 'the retried notice');
    expect(sent).toMatchObject({ kind: 'answered', recipient: 'reader@example.cn' });
    const html = await (await get('/staff/outbox?done=retried', 'admin')).text();
    expect(html).toContain('已重新加入发送队列');
    expect(html).not.toContain(`value="${failedId}"`);
  });
});
