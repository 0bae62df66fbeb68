/**
 * Delivery for real: "your comment was answered" and codes reach a real SMTP server and a signed
 * SMS gateway (both in this process); an outage delays and then delivers; a refusal fails with its
 * reason; a stop mid-delivery and an instance that dies mid-send send nothing twice.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { eq, sql } from 'drizzle-orm';
import { createTestDatabase, type TestDatabase } from '../support/test-db';
import { startSmtpSink, type SmtpSink } from '../support/smtp-sink';
import { startSmsGateway, type SmsGateway } from '../support/sms-gateway';
import { deliverQueued } from '../support/deliver';
import { jobs, outbox, users } from '../../src/db/schema';
import { rowsOf } from '../../src/db/rows';
import { resetConfigCache } from '../../src/server/config';
import { closeTransports } from '../../src/server/messages/transports';
import { queueMessage } from '../../src/server/messages/outbox';
import { registerMessageDelivery } from '../../src/server/messages/deliver';
import { claimJob, startJobRunner, stopJobRunner } from '../../src/server/jobs/runner';
import { decideAdoption } from '../../src/server/review/decide';
import { publishResponses } from '../../src/server/review/respond';
import { approveResponses } from '../../src/server/review/approve';
import { setDatabase } from '../../src/db/client';
import { comment, createStaff, publishSample, requireApproval } from './review-support';

let database: TestDatabase;
let smtp: SmtpSink;
let sms: SmsGateway;
let staff: Awaited<ReturnType<typeof createStaff>>;
let approver: Awaited<ReturnType<typeof createStaff>>;
const SMS_SECRET = 'delivery-test-sms-secret-0123456789abcdef';
const refused = new Set<string>();
const gatewayRefuses = new Set<string>();

beforeAll(async () => {
  database = await createTestDatabase();
  smtp = await startSmtpSink({ failWith: (rcpt) => (refused.has(rcpt) ? { code: 550, message: 'mailbox unavailable' } : undefined) });
  sms = await startSmsGateway({ secret: SMS_SECRET, fail: (b) => (gatewayRefuses.has(b.to) ? { status: 400, body: 'invalid mobile number' } : undefined) });
  Object.assign(process.env, { SMTP_URL: smtp.url, SMS_URL: sms.url, SMS_SECRET, PUBLIC_URL: 'https://yijian.example.gov.cn' });
  resetConfigCache();
  await publishSample(database.db);
  staff = await createStaff(database.db, '张工');
  approver = await createStaff(database.db, '李工');
});
afterAll(async () => {
  for (const k of ['SMTP_URL', 'SMS_URL', 'SMS_SECRET', 'PUBLIC_URL']) delete process.env[k];
  resetConfigCache();
  closeTransports();
  await Promise.all([database.close(), smtp.close(), sms.close()]);
});
beforeEach(() => {
  smtp.resume();
  sms.resume();
});

const outboxOf = async (recipient: string) => database.db.select().from(outbox).where(eq(outbox.recipient, recipient));
const mailsTo = (address: string) => smtp.messages.filter((m) => m.to.includes(address));
/** Makes every waiting retry due now (the backoff is minutes; the test does not wait for it). */
const dueNow = () => database.db.execute(sql`update jobs set run_after = now() where status = 'queued'`);

describe('"your comment was answered"', () => {
  it('tells the commenter who asked, once, with the decision, the reason, the response and the receipt link', async () => {
    const asked = await comment(database.db, 'tingche', '建议夜间允许路边临时停车，方便晚归居民。', { contact: 'ask@example.cn', notify: true });
    const silent = await comment(database.db, 'tingche', '建议夜间允许路边临时停车，方便晚归的居民。', { contact: 'quiet@example.cn' });
    await decideAdoption({ ids: [asked, silent] }, {
      adoption: 'partially_adopted', reason: '夜间停车已在第十二条作出规定', response: '感谢您的意见。<b>我们</b>将研究夜间时段 & 范围。', publish: true,
    }, staff, database.db);
    await deliverQueued(database.db);
    const mails = mailsTo('ask@example.cn');
    expect(mails).toHaveLength(1);
    expect(mailsTo('quiet@example.cn')).toHaveLength(0);
    const [m] = mails;
    expect(m.subject).toContain('已答复');
    expect(m.text).toContain('处理情况：部分采纳');
    expect(m.text).toContain('理由：夜间停车已在第十二条作出规定');
    expect(m.text).toContain('<b>我们</b>'); // plain text as written …
    expect(m.html).toContain('&lt;b&gt;我们&lt;/b&gt;'); // … and escaped in the HTML
    expect(m.html).not.toContain('<b>我们');
    const receipt = rowsOf<{ receipt: string }>(await database.db.execute(sql`select receipt from comments where id = ${asked}::uuid`))[0].receipt;
    expect(m.text).toContain(`https://yijian.example.gov.cn/receipts?receipt=${receipt}`);
    expect(m.messageId).toMatch(/@yijian\.example\.gov\.cn>$/);
    // Published again unchanged: nothing more; changed: the new answer goes.
    await decideAdoption({ ids: [asked] }, { adoption: 'partially_adopted', reason: '夜间停车已在第十二条作出规定', response: '感谢您的意见。<b>我们</b>将研究夜间时段 & 范围。', publish: true }, staff, database.db);
    await deliverQueued(database.db);
    expect(mailsTo('ask@example.cn')).toHaveLength(1);
    await decideAdoption({ ids: [asked] }, { adoption: 'adopted', response: '已采纳，见二审稿第十二条。', publish: true }, staff, database.db);
    await deliverQueued(database.db);
    expect(mailsTo('ask@example.cn')).toHaveLength(2);
    expect(mailsTo('ask@example.cn')[1].text).toContain('处理情况：采纳');
  });

  it('tells an account holder at their verified contact unless they turned it off, and only once the answer is public', async () => {
    const [u] = await database.db.insert(users).values({ phone: '13800000001', passwordHash: 'x', role: 'citizen', verifiedAt: new Date() }).returning();
    const [off] = await database.db.insert(users).values({ phone: '13800000002', passwordHash: 'x', role: 'citizen', verifiedAt: new Date(), notifyAnswers: false }).returning();
    const [unverified] = await database.db.insert(users).values({ phone: '13800000003', passwordHash: 'x', role: 'citizen' }).returning();
    const ids = [
      await comment(database.db, 'tingche', '建议住宅小区周边设置错时共享停车位。', {}, { userId: u.id }),
      await comment(database.db, 'tingche', '建议医院周边停车实行限时收费。', {}, { userId: off.id }),
      await comment(database.db, 'tingche', '建议学校门口设置临时接送车位。', {}, { userId: unverified.id }),
    ];
    // Decided but not published: nobody hears yet.
    await decideAdoption({ ids }, { adoption: 'not_adopted', reason: '不属于本条例规定的事项' }, staff, database.db);
    await deliverQueued(database.db);
    expect(sms.messages.filter((m) => m.to.startsWith('138000000'))).toHaveLength(0);
    await publishResponses({ ids }, staff, database.db);
    await deliverQueued(database.db);
    const texts = sms.messages.filter((m) => m.to.startsWith('138000000'));
    expect(texts.map((m) => m.to)).toEqual(['13800000001']);
    expect(texts[0]).toMatchObject({ template: 'answered', params: { decision: '未采纳' } });
    expect(texts[0].params.url).toMatch(/^https:\/\/yijian\.example\.gov\.cn\/receipts\/[A-Z0-9-]+$/);
    expect(texts[0].idempotencyKey).toBe(texts[0].id);
  });

  it('waits for the second person when the draft requires approval', async () => {
    await requireApproval(database.db, 'tingche');
    try {
      const id = await comment(database.db, 'tingche', '建议公布全市公共停车场的实时空位信息。', { contact: '13800000010', notify: true });
      await decideAdoption({ ids: [id] }, { adoption: 'adopted', publish: true }, staff, database.db);
      await deliverQueued(database.db);
      expect(sms.messages.filter((m) => m.to === '13800000010')).toHaveLength(0);
      await approveResponses({ ids: [id] }, approver, database.db);
      await deliverQueued(database.db);
      expect(sms.messages.filter((m) => m.to === '13800000010')).toHaveLength(1);
    } finally {
      await requireApproval(database.db, 'tingche', false);
    }
  });
});

describe('when delivery goes wrong', () => {
  it('keeps the message through an SMTP outage and delivers it once the server is back', async () => {
    smtp.pause();
    await database.db.transaction((tx) => queueMessage(tx, { recipient: 'outage@example.cn', kind: 'signup-exists', params: { url: 'https://yijian.example.gov.cn/account/reset' } }));
    await deliverQueued(database.db);
    const [waiting] = await outboxOf('outage@example.cn');
    expect(waiting).toMatchObject({ state: 'queued', attempts: 1, delivery: 'smtp' });
    expect(waiting.lastError).toBeTruthy();
    // Backed off: the retry is not due yet.
    const [job] = rowsOf<{ run_after: string; status: string }>(await database.db.execute(sql`select status, run_after from jobs where payload->>'message' = ${waiting.id}`));
    expect(job.status).toBe('queued');
    expect(new Date(job.run_after).getTime()).toBeGreaterThan(Date.now() + 20_000);
    expect(await deliverQueued(database.db)).toBe(0);
    smtp.resume();
    await dueNow();
    await deliverQueued(database.db);
    expect(mailsTo('outage@example.cn')).toHaveLength(1);
    const [sent] = await outboxOf('outage@example.cn');
    expect(sent).toMatchObject({ state: 'delivered', attempts: 2, lastError: null });
  });

  it('fails a refused address with the server\'s reason, without retrying', async () => {
    refused.add('nobody@example.cn');
    await database.db.transaction((tx) => queueMessage(tx, { recipient: 'nobody@example.cn', kind: 'signup-exists', params: { url: 'https://x.example/' } }));
    await deliverQueued(database.db);
    const [row] = await outboxOf('nobody@example.cn');
    expect(row).toMatchObject({ state: 'failed', attempts: 1 });
    expect(row.lastError).toMatch(/550/);
    await dueNow();
    expect(await deliverQueued(database.db)).toBe(0);
  });

  it('fails an SMS the gateway refuses (4xx) and retries one it cannot take now (5xx)', async () => {
    gatewayRefuses.add('13800000020');
    await database.db.transaction((tx) => queueMessage(tx, { recipient: '13800000020', kind: 'signup-exists', params: { url: 'https://x.example/' } }));
    await deliverQueued(database.db);
    sms.pause();
    await database.db.transaction((tx) => queueMessage(tx, { recipient: '13800000021', kind: 'signup-exists', params: { url: 'https://x.example/' } }));
    await deliverQueued(database.db);
    expect((await outboxOf('13800000020'))[0]).toMatchObject({ state: 'failed' });
    expect((await outboxOf('13800000020'))[0].lastError).toContain('400');
    expect((await outboxOf('13800000021'))[0]).toMatchObject({ state: 'queued', attempts: 1 });
    sms.resume();
    await dueNow();
    await deliverQueued(database.db);
    expect((await outboxOf('13800000021'))[0]).toMatchObject({ state: 'delivered' });
    expect(sms.messages.filter((m) => m.to === '13800000021')).toHaveLength(1);
  });

  it('never sends a code after it expired', async () => {
    await database.db.transaction((tx) => queueMessage(tx, {
      recipient: 'late@example.cn', kind: 'verify', params: { minutes: '15' }, secret: { code: '482913' }, expiresAt: new Date(Date.now() - 1000),
    }));
    await deliverQueued(database.db);
    expect(mailsTo('late@example.cn')).toHaveLength(0);
    const [row] = await outboxOf('late@example.cn');
    expect(row).toMatchObject({ state: 'failed', sealed: null });
  });

  it('sends nothing twice when an instance dies holding a message: the next takes it over after the lease', async () => {
    await database.db.transaction((tx) => queueMessage(tx, { recipient: 'lease@example.cn', kind: 'signup-exists', params: { url: 'https://x.example/' } }));
    // An instance claims it and dies before sending (its lease runs out).
    const claimed = await claimJob('dead-instance', 1000, database.db, 'messages');
    expect(claimed).not.toBeNull();
    expect(await deliverQueued(database.db, { workerId: 'second' })).toBe(0); // held: not taken meanwhile
    await new Promise((r) => setTimeout(r, 1100));
    await deliverQueued(database.db, { workerId: 'second' });
    expect(mailsTo('lease@example.cn')).toHaveLength(1);
    // The dead instance's job cannot complete it again, and a rerun of the job sends nothing.
    await database.db.execute(sql`update jobs set status = 'queued', locked_by = null where payload->>'message' = ${claimed!.payload && (claimed!.payload as { message: string }).message}`);
    await deliverQueued(database.db);
    expect(mailsTo('lease@example.cn')).toHaveLength(1);
  });

  it('sends nothing twice across a stop mid-delivery and a new start', async () => {
    setDatabase(database);
    registerMessageDelivery();
    const slow = await startSmtpSink({ delayMs: 30 });
    process.env.SMTP_URL = slow.url;
    resetConfigCache();
    try {
      const n = 40;
      await database.db.transaction(async (tx) => {
        for (let i = 0; i < n; i++) await queueMessage(tx, { recipient: `restart${i}@example.cn`, kind: 'signup-exists', params: { url: 'https://x.example/' } });
      });
      startJobRunner({ exportDir: '/tmp', lanes: [{ name: 'messages', concurrency: 4, pollMs: 50 }] });
      await slow.waitFor(10, 10_000);
      await stopJobRunner(); // finishes the sends under way, starts no more
      const atStop = slow.messages.length;
      expect(atStop).toBeLessThan(n);
      const delivered = Number(rowsOf<{ n: number }>(await database.db.execute(sql`select count(*)::int as n from outbox where recipient like 'restart%' and state = 'delivered'`))[0].n);
      expect(delivered).toBe(atStop); // every mail the server took is recorded as delivered
      startJobRunner({ exportDir: '/tmp', lanes: [{ name: 'messages', concurrency: 4, pollMs: 50 }] });
      await slow.waitFor(n, 20_000);
      await stopJobRunner();
      expect(slow.messages).toHaveLength(n);
      expect(new Set(slow.messages.map((m) => m.to[0])).size).toBe(n);
      expect(new Set(slow.messages.map((m) => m.messageId)).size).toBe(n);
    } finally {
      await stopJobRunner();
      setDatabase(undefined);
      process.env.SMTP_URL = smtp.url;
      resetConfigCache();
      closeTransports();
      await slow.close();
    }
  });
});

it('leaves no message job behind', async () => {
  await dueNow();
  await deliverQueued(database.db);
  const left = await database.db.select().from(jobs).where(sql`${jobs.lane} = 'messages' and ${jobs.status} in ('queued', 'running')`);
  expect(left).toEqual([]);
});
