/**
 * The delivery test servers themselves (tests/support/smtp-sink.ts, tests/support/sms-gateway.ts):
 * real SMTP and HTTP servers on 127.0.0.1 used in place of the mail and SMS providers, driven
 * here with a real nodemailer transport and real fetch requests (no mocks).
 */
import nodemailer from 'nodemailer';
import { afterEach, describe, expect, it } from 'vitest';
import { signSmsRequest, startSmsGateway } from '../support/sms-gateway';
import type { SmsGateway } from '../support/sms-gateway';
import { startSmtpSink } from '../support/smtp-sink';
import type { SmtpSink } from '../support/smtp-sink';

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

async function sink(opts?: Parameters<typeof startSmtpSink>[0]): Promise<SmtpSink> {
  const s = await startSmtpSink(opts);
  cleanups.push(() => s.close());
  return s;
}

function transport(url: string) {
  const t = nodemailer.createTransport(url);
  cleanups.push(() => t.close());
  return t;
}

const mail = (to: string) => ({
  from: '开门 Kaimen <noreply@kaimen.test>',
  to,
  subject: '您的意见已收到：《城市绿化条例（草案）》',
  text: '感谢您参与立法征求意见。回执号：K-2024-0001',
  html: '<p>感谢您参与立法征求意见。回执号：<b>K-2024-0001</b></p>',
});

describe('smtp sink', () => {
  it('receives and parses a message sent with nodemailer', async () => {
    const s = await sink();
    expect(s.url).toBe(`smtp://127.0.0.1:${s.port}`);
    const info = await transport(s.url).sendMail(mail('citizen@example.cn'));
    expect(info.accepted).toEqual(['citizen@example.cn']);
    const [m] = await s.waitFor(1);
    expect(m.to).toEqual(['citizen@example.cn']);
    expect(m.from).toBe('noreply@kaimen.test');
    expect(m.fromHeader).toContain('开门 Kaimen');
    expect(m.subject).toBe('您的意见已收到：《城市绿化条例（草案）》');
    expect(m.text?.trim()).toBe('感谢您参与立法征求意见。回执号：K-2024-0001');
    expect(m.html).toContain('<b>K-2024-0001</b>');
    expect(m.messageId).toBe(info.messageId);
    expect(m.headers.get('subject')).toBe(m.subject);
    expect(m.size).toBe(m.raw.length);
    expect(m.size).toBeGreaterThan(0);
    expect(s.accepted).toBe(1);
  });

  it('refuses a failWith recipient with a permanent 550', async () => {
    const s = await sink({
      failWith: (rcpt) => (rcpt === 'gone@example.cn' ? { code: 550, message: 'mailbox unavailable' } : undefined),
    });
    const err = await transport(s.url)
      .sendMail(mail('gone@example.cn'))
      .then(
        () => undefined,
        (e: unknown) => e as { responseCode?: number; response?: string },
      );
    expect(err?.responseCode).toBe(550);
    expect(err?.response).toContain('mailbox unavailable');
    expect(s.rejected).toBe(1);
    expect(s.messages).toHaveLength(0);
  });

  it('fails transiently while paused and delivers after resume', async () => {
    const s = await sink();
    const t = transport(s.url);
    s.pause();
    const err = await t.sendMail(mail('citizen@example.cn')).then(
      () => undefined,
      (e: unknown) => e as { responseCode?: number; code?: string },
    );
    expect(err).toBeDefined();
    // nodemailer reports the 421 greeting as EPROTOCOL with responseCode 421: a transient failure.
    expect(err!.responseCode).toBe(421);
    expect(s.refusedWhilePaused).toBeGreaterThan(0);
    expect(s.messages).toHaveLength(0);

    s.resume();
    await t.sendMail(mail('citizen@example.cn'));
    await s.waitFor(1);
    expect(s.accepted).toBe(1);
  });

  it('requires the credentials in the URL when auth is on', async () => {
    const s = await sink({ auth: { user: 'kaimen', pass: 's3cret/:@' } });
    expect(s.url).toBe(`smtp://kaimen:${encodeURIComponent('s3cret/:@')}@127.0.0.1:${s.port}`);
    await transport(s.url).sendMail(mail('citizen@example.cn'));
    await s.waitFor(1);
    const bad = await transport(`smtp://kaimen:wrong@127.0.0.1:${s.port}`)
      .sendMail(mail('citizen@example.cn'))
      .then(
        () => undefined,
        (e: unknown) => e as { responseCode?: number },
      );
    expect(bad?.responseCode).toBe(535);
    expect(s.authFailures).toBe(1);
  });

  it('delayMs holds the acknowledgement; a sender gone by then is counted as aborted', async () => {
    const s = await sink({ delayMs: 400 });
    const impatient = nodemailer.createTransport({ url: s.url, socketTimeout: 150 } as Parameters<typeof nodemailer.createTransport>[0]);
    cleanups.push(() => impatient.close());
    await expect(impatient.sendMail(mail('citizen@example.cn'))).rejects.toMatchObject({ code: 'ETIMEDOUT' });
    await new Promise((r) => setTimeout(r, 500));
    expect(s.aborted).toBe(1);
    expect(s.messages).toHaveLength(0);
    const started = Date.now();
    await transport(s.url).sendMail(mail('citizen@example.cn'));
    expect(Date.now() - started).toBeGreaterThanOrEqual(400);
    expect(s.accepted).toBe(1);
  });

  it('waitFor times out with a clear message', async () => {
    const s = await sink();
    await expect(s.waitFor(1, 50)).rejects.toThrow(/expected 1 message/);
  });
});

describe('sms gateway', () => {
  const secret = 'gateway-secret';
  let g: SmsGateway;

  async function post(body: unknown, opts: { sign?: string; key?: string; timestamp?: number } = {}) {
    const raw = JSON.stringify(body);
    const ts = opts.timestamp ?? Math.floor(Date.now() / 1000);
    return fetch(g.url, {
      method: 'POST',
      headers: {
        'content-type': 'application/json',
        'x-kaimen-timestamp': String(ts),
        'x-kaimen-signature': signSmsRequest(opts.sign ?? secret, ts, raw),
        'idempotency-key': opts.key ?? (body as { id: string }).id,
      },
      body: raw,
    });
  }

  async function start(opts: Partial<Parameters<typeof startSmsGateway>[0]> = {}) {
    g = await startSmsGateway({ secret, ...opts });
    cleanups.push(() => g.close());
  }

  const sms = { id: 'sms-1', to: '+8613800138000', template: 'receipt', params: { code: 'K-2024-0001', title: '城市绿化条例' } };

  it('accepts a signed request and records it', async () => {
    await start();
    expect(g.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/send$/);
    const res = await post(sms);
    expect(res.status).toBe(200);
    const { id } = (await res.json()) as { id: string };
    expect(id).toMatch(/^gw-/);
    const [m] = await g.waitFor(1);
    expect(m).toMatchObject({ ...sms, idempotencyKey: 'sms-1', gatewayId: id });

    // A repeat with the same key is answered with the same id and not delivered again.
    const again = await post(sms);
    expect(((await again.json()) as { id: string }).id).toBe(id);
    expect(g.messages).toHaveLength(1);
    expect(g.duplicates).toBe(1);
  });

  it('refuses a wrongly signed request with 401', async () => {
    await start();
    expect((await post(sms, { sign: 'not-the-secret' })).status).toBe(401);
    expect((await post(sms, { timestamp: Math.floor(Date.now() / 1000) - 3600 })).status).toBe(401);
    expect((await post(sms, { key: 'other' })).status).toBe(400);
    expect(g.rejected).toBe(3);
    expect(g.messages).toHaveLength(0);
  });

  it('answers 503 while paused, and fail() picks other answers', async () => {
    await start({ fail: (b) => (b.to === '+860' ? { status: 429, body: 'slow down' } : undefined) });
    g.pause();
    expect((await post(sms)).status).toBe(503);
    g.resume();
    expect((await post(sms)).status).toBe(200);
    const res = await post({ ...sms, id: 'sms-2', to: '+860' });
    expect(res.status).toBe(429);
    expect(await res.text()).toBe('slow down');
    expect(g.failed).toBe(1);
    expect(g.refusedWhilePaused).toBe(1);
    expect(g.messages.map((m) => m.id)).toEqual(['sms-1']);
  });

  it('signSmsRequest follows the documented formula', () => {
    // echo -n '1700000000.{}' | openssl dgst -sha256 -hmac k
    expect(signSmsRequest('k', 1700000000, '{}')).toBe('sha256=c6ef4734033cee2367414a0939385eca0397754aa7a59716da7463a9298b5146');
    expect(signSmsRequest('k', '1700000000', Buffer.from('{}'))).toBe(signSmsRequest('k', 1700000000, '{}'));
  });
});
