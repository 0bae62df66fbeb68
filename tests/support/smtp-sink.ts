/**
 * A real SMTP server for tests, standing in for the mail provider the portal talks to
 * through SMTP_URL (nodemailer). Nothing is mocked: the product opens a TCP connection to
 * 127.0.0.1, speaks SMTP to `smtp-server`, and every accepted message is parsed back with
 * `mailparser`'s simpleParser so a test can look at what a citizen would actually receive.
 *
 * What the sink can simulate:
 * - `failWith(rcpt)`: refuse a recipient at RCPT TO with the given code (550 "mailbox
 *   unavailable" for a permanent failure, a 4xx for a transient one);
 * - `delayMs`: hold the reply to the end of DATA (a slow provider; lets a test kill the
 *   sender between "message sent" and "250 accepted");
 * - `auth`: require AUTH PLAIN/LOGIN over plain text (the URL then carries user:pass@);
 * - `pause()` / `resume()`: an outage. While paused every new connection is greeted with
 *   421 and an open (pooled) connection gets 421 at MAIL FROM / RCPT TO, so the sender sees
 *   a transient failure; after resume() the sink accepts again.
 *
 * No TLS: STARTTLS is disabled (and not advertised), so nodemailer sends in clear text.
 * `messages` holds only mail the sink acknowledged with 250 on a live connection; a message
 * whose connection was gone when the (delayed) acknowledgement was due is counted in
 * `aborted` instead, the way a sender that died mid-delivery never learns of it.
 */
import type { AddressInfo } from 'node:net';
import { simpleParser } from 'mailparser';
import type { HeaderValue } from 'mailparser';
import { SMTPServer } from 'smtp-server';
import type { SMTPServerError } from 'smtp-server';

export interface ReceivedMail {
  /** Envelope recipients (RCPT TO) that were accepted, lower-cased as sent. */
  to: string[];
  /** Envelope sender (MAIL FROM); '' for a null sender. */
  from: string;
  /** The From header as text, e.g. `开门 <noreply@kaimen.test>`; '' when absent. */
  fromHeader: string;
  /** The To header as text; '' when absent. */
  toHeader: string;
  subject: string;
  text: string | undefined;
  html: string | undefined;
  /** Message-ID header, angle brackets included. */
  messageId: string | undefined;
  /** Parsed headers, keyed by lower-case name (mailparser's Map). */
  headers: Map<string, HeaderValue>;
  /** The message as received (after dot-unstuffing). */
  raw: Buffer;
  /** raw.length in bytes. */
  size: number;
  /** When the sink acknowledged it. */
  receivedAt: Date;
}

export interface SmtpSinkOptions {
  /** Return a reply to refuse `rcpt` at RCPT TO (e.g. { code: 550, message: 'mailbox unavailable' }). */
  failWith?: (rcpt: string) => { code: number; message: string } | undefined;
  /** Wait this long after the end of DATA before answering. */
  delayMs?: number;
  /** Require authentication with these credentials (plain text, no TLS). */
  auth?: { user: string; pass: string };
}

export interface SmtpSink {
  port: number;
  /** smtp://127.0.0.1:PORT, or smtp://user:pass@127.0.0.1:PORT when auth is required. */
  url: string;
  /** Accepted messages, in order of acknowledgement. */
  messages: ReceivedMail[];
  /** Resolves with `messages` once at least `count` are there; rejects after timeoutMs. */
  waitFor(count: number, timeoutMs?: number): Promise<ReceivedMail[]>;
  /** Messages acknowledged with 250. */
  readonly accepted: number;
  /** Recipients refused by failWith (any code). */
  readonly rejected: number;
  /** Connections / commands answered 421 because the sink was paused. */
  readonly refusedWhilePaused: number;
  /** Messages fully received whose connection closed before the acknowledgement. */
  readonly aborted: number;
  /** Authentication attempts refused (wrong user or password). */
  readonly authFailures: number;
  /** Simulate an outage: 421 to new connections and to MAIL FROM / RCPT TO on open ones. */
  pause(): void;
  resume(): void;
  /** Stops the server; open connections get 421 and are closed. */
  close(): Promise<void>;
}

function smtpError(code: number, message: string): SMTPServerError {
  const err: SMTPServerError = new Error(message);
  err.responseCode = code;
  return err;
}

function addressText(v: unknown): string {
  if (!v) return '';
  if (Array.isArray(v)) return v.map(addressText).join(', ');
  return (v as { text?: string }).text ?? '';
}

export async function startSmtpSink(opts: SmtpSinkOptions = {}): Promise<SmtpSink> {
  const messages: ReceivedMail[] = [];
  const waiters = new Set<() => void>();
  const closedSessions = new Set<string>();
  let paused = false;
  let accepted = 0;
  let rejected = 0;
  let refusedWhilePaused = 0;
  let aborted = 0;
  let authFailures = 0;

  const outage = () => {
    refusedWhilePaused++;
    return smtpError(421, 'Service not available, closing transmission channel (sink paused)');
  };

  const server = new SMTPServer({
    logger: false,
    secure: false,
    hideSTARTTLS: true,
    disabledCommands: opts.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !opts.auth,
    allowInsecureAuth: Boolean(opts.auth),
    authMethods: ['PLAIN', 'LOGIN'],
    closeTimeout: 100,
    size: 25 * 1024 * 1024,
    onConnect(_session, callback) {
      if (paused) return callback(outage());
      callback();
    },
    onAuth(auth, _session, callback) {
      if (opts.auth && auth.username === opts.auth.user && auth.password === opts.auth.pass) {
        return callback(null, { user: auth.username });
      }
      authFailures++;
      callback(smtpError(535, 'Authentication credentials invalid'));
    },
    onMailFrom(_address, _session, callback) {
      if (paused) return callback(outage());
      callback();
    },
    onRcptTo(address, _session, callback) {
      if (paused) return callback(outage());
      const failure = opts.failWith?.(address.address);
      if (failure) {
        rejected++;
        return callback(smtpError(failure.code, failure.message));
      }
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('error', (err: Error) => callback(err));
      stream.on('end', () => {
        void (async () => {
          const raw = Buffer.concat(chunks);
          if (stream.sizeExceeded) return callback(smtpError(552, 'Message exceeds fixed maximum message size'));
          const parsed = await simpleParser(raw);
          if (opts.delayMs) await new Promise((r) => setTimeout(r, opts.delayMs));
          if (closedSessions.has(session.id)) {
            aborted++;
            return callback(smtpError(451, 'Connection gone before acknowledgement'));
          }
          const mailFrom = session.envelope.mailFrom;
          messages.push({
            to: session.envelope.rcptTo.map((r) => r.address),
            from: mailFrom ? mailFrom.address : '',
            fromHeader: addressText(parsed.from),
            toHeader: addressText(parsed.to),
            subject: parsed.subject ?? '',
            text: parsed.text,
            html: typeof parsed.html === 'string' ? parsed.html : undefined,
            messageId: parsed.messageId,
            headers: parsed.headers,
            raw,
            size: raw.length,
            receivedAt: new Date(),
          });
          accepted++;
          for (const w of waiters) w();
          callback(null, `Message queued as ${accepted}`);
        })().catch((err: unknown) => callback(smtpError(451, `Sink could not parse the message: ${String(err)}`)));
      });
    },
    onClose(session) {
      closedSessions.add(session.id);
    },
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
  // A client that goes away mid-session is normal for these tests (outages, restarts).
  server.on('error', () => {});
  const port = (server.server.address() as AddressInfo).port;
  const creds = opts.auth ? `${encodeURIComponent(opts.auth.user)}:${encodeURIComponent(opts.auth.pass)}@` : '';

  return {
    port,
    url: `smtp://${creds}127.0.0.1:${port}`,
    messages,
    waitFor(count: number, timeoutMs = 10_000) {
      if (messages.length >= count) return Promise.resolve(messages);
      return new Promise<ReceivedMail[]>((resolve, reject) => {
        const check = () => {
          if (messages.length >= count) {
            clearTimeout(timer);
            waiters.delete(check);
            resolve(messages);
          }
        };
        const timer = setTimeout(() => {
          waiters.delete(check);
          reject(new Error(`smtp-sink: expected ${count} message(s) within ${timeoutMs} ms, got ${messages.length}`));
        }, timeoutMs);
        waiters.add(check);
      });
    },
    get accepted() {
      return accepted;
    },
    get rejected() {
      return rejected;
    },
    get refusedWhilePaused() {
      return refusedWhilePaused;
    },
    get aborted() {
      return aborted;
    },
    get authFailures() {
      return authFailures;
    },
    pause() {
      paused = true;
    },
    resume() {
      paused = false;
    },
    close() {
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}
