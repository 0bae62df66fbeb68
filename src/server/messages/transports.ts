/**
 * How a rendered message leaves the portal (docs/decisions/020-message-delivery.md):
 * - e-mail through SMTP with nodemailer (SMTP_URL, MAIL_FROM), one pooled transport per process;
 * - SMS through the HTTP gateway adapter (SMS_URL): a JSON POST of { id, to, template, params }
 *   signed with SMS_SECRET, for a small bridge in front of a provider (docs/deploy.md);
 * - with neither configured: the server console, or MESSAGES_FILE (JSON lines) when set — never a page.
 *
 * A transport resolves with the provider's id when the message was accepted, throws
 * DeliveryRefused when the server refused it for good (a 5xx SMTP reply, a 4xx from the gateway),
 * and RetryLater for what may pass (a connection refused, a timeout, a 4xx SMTP reply, a 5xx or 429).
 */
import { createHmac } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { Transporter } from 'nodemailer';
import { currentConfig, publicOrigin, type Config } from '../config';
import { RetryLater } from '../jobs/runner';
import { t, type Locale } from '../../i18n';
import type { RenderedMessage } from './templates';

export interface OutgoingMessage {
  /** The outbox row's id: the idempotency key every transport passes on. */
  id: string;
  channel: 'sms' | 'email';
  recipient: string;
  kind: string;
  locale: Locale;
  rendered: RenderedMessage;
  /** The SMS template's parameters (the gateway renders the provider's approved template). */
  params: Record<string, string>;
  /** A one-click unsubscribe link (RFC 8058), for messages to followers. */
  unsubscribe?: string;
}

export interface Transport {
  /** Recorded as the delivery's way out: smtp, sms, console, file. */
  name: string;
  send(message: OutgoingMessage): Promise<{ providerId?: string }>;
}

/** The server refused the message for good: the delivery fails with this reason. */
export class DeliveryRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'DeliveryRefused';
  }
}

const SEND_TIMEOUT_MS = 20_000;

// ── E-mail ─────────────────────────────────────────────────────────────────
const SMTP = Symbol.for('kaimen.smtpTransport');
type SmtpHolder = { [SMTP]?: { url: string; transporter: Transporter } };

async function smtpTransporter(url: string): Promise<Transporter> {
  const holder = globalThis as SmtpHolder;
  if (holder[SMTP]?.url !== url) {
    // Loaded with the first e-mail, not at start-up (docs/decisions/030-start-up-loading.md).
    const { default: nodemailer } = await import('nodemailer');
    // Another message may have created it while the import was pending.
    if (holder[SMTP]?.url === url) return holder[SMTP].transporter;
    holder[SMTP]?.transporter.close();
    holder[SMTP] = {
      url,
      // The options object with `url` in it: createTransport(url, x) would take x as message
      // defaults and ignore the pool (a new connection per message: 33 instead of 185+ a second).
      transporter: nodemailer.createTransport({
        url, pool: true, maxConnections: 4, maxMessages: 1000,
        connectionTimeout: 10_000, greetingTimeout: 10_000, socketTimeout: SEND_TIMEOUT_MS,
      } as never),
    };
  }
  return holder[SMTP]!.transporter;
}

/** Closes the pooled SMTP connections (the server's shutdown, tests). */
export function closeTransports(): void {
  const holder = globalThis as SmtpHolder;
  holder[SMTP]?.transporter.close();
  holder[SMTP] = undefined;
}

function fromAddress(config: Config, locale: Locale): string {
  if (config.MAIL_FROM) return config.MAIL_FROM;
  const host = new URL(publicOrigin(config)).hostname;
  return `"${t(locale, 'site.fullName')}" <noreply@${host.includes('.') ? host : `${host}.localdomain`}>`;
}

function smtpTransport(config: Config, url: string): Transport {
  return {
    name: 'smtp',
    async send(m) {
      const host = new URL(publicOrigin(config)).hostname || 'kaimen';
      try {
        const info = await (await smtpTransporter(url)).sendMail({
          from: fromAddress(config, m.locale),
          to: m.recipient,
          subject: m.rendered.subject,
          text: m.rendered.text,
          html: m.rendered.html,
          // The same Message-ID on every try: a relay or mailbox that saw it already keeps one copy.
          messageId: `<${m.id}@${host}>`,
          headers: {
            'X-Kaimen-Message': m.kind,
            ...(m.unsubscribe ? { 'List-Unsubscribe': `<${m.unsubscribe}>`, 'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click' } : {}),
          },
        });
        if (info.rejected?.length) throw new DeliveryRefused(`收件地址被拒绝：${String(info.response ?? '').slice(0, 300)}`);
        return { providerId: info.messageId };
      } catch (err) {
        if (err instanceof DeliveryRefused) throw err;
        const e = err as { responseCode?: number; response?: string; code?: string; message?: string };
        const reason = (e.response ?? e.message ?? String(err)).slice(0, 300);
        // 5xx: the server will not take it (no such mailbox, refused); everything else may pass.
        if (e.responseCode && e.responseCode >= 500 && e.responseCode < 600) throw new DeliveryRefused(`${e.responseCode} ${reason}`);
        throw new RetryLater(`${e.code ?? 'SMTP'} ${reason}`);
      }
    },
  };
}

// ── SMS ────────────────────────────────────────────────────────────────────
/** The X-Kaimen-Signature value: `sha256=` and the hex HMAC-SHA256 of `<timestamp>.<body>` under SMS_SECRET. */
export function smsSignature(secret: string, timestamp: string, body: string): string {
  return `sha256=${createHmac('sha256', secret).update(`${timestamp}.${body}`).digest('hex')}`;
}

function smsTransport(url: string, secret: string): Transport {
  return {
    name: 'sms',
    async send(m) {
      const body = JSON.stringify({ id: m.id, to: m.recipient, template: m.kind, params: m.params });
      const timestamp = String(Math.floor(Date.now() / 1000));
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: {
            'content-type': 'application/json; charset=utf-8',
            'idempotency-key': m.id,
            'x-kaimen-timestamp': timestamp,
            'x-kaimen-signature': smsSignature(secret, timestamp, body),
          },
          body,
          signal: AbortSignal.timeout(SEND_TIMEOUT_MS),
        });
      } catch (err) {
        throw new RetryLater(`短信网关无法连接：${err instanceof Error ? err.message : String(err)}`.slice(0, 300));
      }
      const answer = (await res.text().catch(() => '')).slice(0, 300);
      if (res.ok) {
        let providerId: string | undefined;
        try { providerId = (JSON.parse(answer) as { id?: unknown }).id?.toString(); } catch { /* a gateway may answer without a body */ }
        return { providerId };
      }
      if (res.status >= 400 && res.status < 500 && res.status !== 408 && res.status !== 429) {
        throw new DeliveryRefused(`短信网关拒绝：${res.status} ${answer}`);
      }
      throw new RetryLater(`短信网关暂时不可用：${res.status} ${answer}`);
    },
  };
}

// ── No gateway: the console or MESSAGES_FILE ────────────────────────────────
function localTransport(config: Config): Transport {
  const file = config.MESSAGES_FILE;
  return {
    name: file ? 'file' : 'console',
    async send(m) {
      const body = m.channel === 'sms' ? m.rendered.sms : m.rendered.text;
      if (file) {
        mkdirSync(dirname(file), { recursive: true });
        appendFileSync(file, `${JSON.stringify({ at: new Date().toISOString(), id: m.id, channel: m.channel, kind: m.kind, recipient: m.recipient, subject: m.rendered.subject, body })}\n`, { mode: 0o600 });
      } else {
        // The console is this delivery's channel (no gateway is configured): it is where the message goes.
        console.log(`[kaimen] ${m.channel === 'sms' ? '短信' : '邮件'}（未配置${m.channel === 'sms' ? '短信网关 SMS_URL' : '邮件服务器 SMTP_URL'}）→ ${m.recipient}\n  ${m.rendered.subject}\n  ${body.replace(/\n/g, '\n  ')}`);
      }
      return {};
    },
  };
}

/** The transport for a channel under the current configuration. */
export function transportFor(channel: 'sms' | 'email', config: Config = currentConfig()): Transport {
  if (channel === 'email' && config.SMTP_URL) return smtpTransport(config, config.SMTP_URL);
  if (channel === 'sms' && config.SMS_URL && config.SMS_SECRET) return smsTransport(config.SMS_URL, config.SMS_SECRET);
  return localTransport(config);
}
