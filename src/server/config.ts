/**
 * Runtime configuration, read from process.env at start (never import.meta.env, which Astro
 * inlines at build time) and validated with clear messages.
 */
import { isIP } from 'node:net';
import { dirname, join } from 'node:path';
import { z } from 'zod';

const secret = (name: string) => z.string().min(32, `${name} 至少 32 个字符（例如 openssl rand -base64 32 的输出）`);
const secretList = (name: string) =>
  z.string().transform((v) => v.split(',').map((x) => x.trim()).filter(Boolean))
    .refine((list) => list.every((x) => x.length >= 32), `${name} 中的每个密钥至少 32 个字符`);

const schema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(4321),
  HOST: z.string().min(1).default('localhost'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL 必须以 postgres:// 或 postgresql:// 开头')
    .optional(),
  /**
   * Optional streaming replica for anonymous reading pages (drafts, articles, comparisons, stats,
   * feedback, data.csv and their read-only API; src/db/replica.ts). Needs DATABASE_URL.
   */
  DATABASE_READ_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_READ_URL 必须以 postgres:// 或 postgresql:// 开头')
    .optional(),
  /** The most the replica may lag (ms) and still serve reads; beyond it, or when it is down, reads go to the primary. */
  READ_MAX_LAG_MS: z.coerce.number().int().min(0).max(3_600_000).default(5000),
  /**
   * Named prepared statements on the hot paths (src/db/client.ts executePrepared). Set "false"
   * behind pgbouncer in transaction mode older than 1.21 (decision 025).
   */
  DATABASE_NAMED_STATEMENTS: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  PGLITE_DIR: z.string().min(1).default('./data/pglite'),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(20),
  /** HTTP worker processes (node:cluster); more than 1 needs PostgreSQL. */
  WEB_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  /** Load the sample drafts from content/drafts on start when the database has none. */
  SEED_SAMPLES: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
  /** Where the sample content lives (its drafts/ folder is loaded by SEED_SAMPLES). */
  CONTENT_DIR: z.string().min(1).default('./content'),
  /** Set to "true" behind TLS: cookies become Secure and take the __Host- prefix. */
  SECURE_COOKIES: z.enum(['true', 'false']).optional().transform((v) => v === 'true'),
  /** Where finished export files are kept (shared storage when several instances run). */
  EXPORT_DIR: z.string().min(1).default('./data/exports'),
  /** Days a finished export file is kept before housekeeping deletes it (it can be exported again). */
  EXPORT_RETENTION_DAYS: z.coerce.number().int().min(1).max(3650).default(14),
  /** How long a background job stays with an instance that stopped answering before another takes it over. */
  JOB_LEASE_SECONDS: z.coerce.number().int().min(1).max(3600).default(60),
  /** Trust X-Forwarded-For from a reverse proxy for the client IP. */
  TRUST_PROXY: z.enum(['true', 'false']).default('false').transform((v) => v === 'true'),
  NODE_ENV: z.string().default('production'),
  /** Log level of the JSON log on stderr (src/server/log.ts); silent turns it off. */
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  /** Addresses (IPs or CIDRs, comma-separated) that may read /metrics; others get 404. */
  METRICS_ALLOW: z.string().default('127.0.0.1,::1').transform((v) => v.split(',').map((x) => x.trim()).filter(Boolean))
    .refine((list) => list.every((x) => /^([^/]+)(\/\d{1,3})?$/.test(x) && isIP(x.split('/')[0]) !== 0), 'METRICS_ALLOW 必须是以逗号分隔的 IP 地址或网段（如 127.0.0.1,10.0.0.0/8）'),
  /**
   * The site's public origin (https://yijian.example.gov.cn): every absolute URL the portal makes
   * (posters, QR codes, messages, the OpenAPI servers list) is built from it, never from the
   * request's Host header. Unset: http://HOST:PORT.
   */
  PUBLIC_URL: z
    .string()
    .refine((v) => { try { const u = new URL(v); return (u.protocol === 'https:' || u.protocol === 'http:') && u.pathname === '/' && !u.search && !u.hash && !u.username && !u.password; } catch { return false; } },
      'PUBLIC_URL 必须是网站的根地址，例如 https://yijian.example.gov.cn（不带路径、查询或账号）')
    .transform((v) => new URL(v).origin)
    .optional(),
  /**
   * Messages (codes, notices) are appended to this file as JSON lines instead of being printed to
   * the console, while no SMTP or SMS gateway is configured (development, end-to-end tests).
   */
  MESSAGES_FILE: z.string().min(1).optional(),
  /**
   * E-mail delivery (messages/transports.ts): smtp://user:pass@host:587 (STARTTLS when the server
   * offers it) or smtps://user:pass@host:465 (TLS from the start). Unset: e-mail goes to the console.
   */
  SMTP_URL: z.string().regex(/^smtps?:\/\/[^/\s]+\/?$/, 'SMTP_URL 必须形如 smtp://用户:密码@主机:587 或 smtps://用户:密码@主机:465').optional(),
  /** The sender of e-mail, e.g. "开门立法 <noreply@yijian.example.gov.cn>"; unset: noreply@ the PUBLIC_URL host. */
  MAIL_FROM: z.string().min(3).max(200).optional(),
  /**
   * The SMS gateway adapter: a JSON POST of { id, to, template, params } signed with SMS_SECRET
   * (docs/deploy.md shows the shape). Unset: SMS goes to the console.
   */
  SMS_URL: z.string().regex(/^https?:\/\/\S+$/, 'SMS_URL 必须是 http:// 或 https:// 开头的网址').optional(),
  /** The shared secret the SMS gateway checks X-Kaimen-Signature with (≥ 32 characters). */
  SMS_SECRET: secret('SMS_SECRET').optional(),
  /** Where keys generated on first start are kept when not given below (src/server/keys.ts). */
  SECRETS_DIR: z.string().min(1).default('./data/secrets'),
  /** The audit trail's HMAC key (≥ 32 characters); never stored in the database. */
  AUDIT_KEY: secret('AUDIT_KEY').optional(),
  /** Earlier audit keys, comma-separated, kept after a rotation so older events still verify. */
  AUDIT_PREVIOUS_KEYS: secretList('AUDIT_PREVIOUS_KEYS').optional(),
  /**
   * Append-only file of audit anchors (count and head HMAC); best on other storage than the
   * database. Unset: one file per database (auditAnchorFile), so a test's or a trial's fresh
   * database never mixes its anchors with another's.
   */
  AUDIT_ANCHOR_FILE: z.string().min(1).optional(),
  /** The secret lookup codes are derived with (≥ 32 characters). */
  LOOKUP_CODE_SECRET: secret('LOOKUP_CODE_SECRET').optional(),
  /** Earlier lookup-code secrets, comma-separated (a retried submission still gets its first code). */
  LOOKUP_CODE_PREVIOUS_SECRETS: secretList('LOOKUP_CODE_PREVIOUS_SECRETS').optional(),
}).refine((c) => !c.DATABASE_READ_URL || c.DATABASE_URL, { path: ['DATABASE_READ_URL'], message: '设置了 DATABASE_READ_URL 时必须设置 DATABASE_URL（副本只分担主库的读取）' })
  .refine((c) => !c.SMS_URL || c.SMS_SECRET, { path: ['SMS_SECRET'], message: '设置了 SMS_URL 时必须设置 SMS_SECRET（短信网关用它核对请求签名）' });

export type Config = z.infer<typeof schema>;

/** The names of every variable the configuration reads (each is documented in .env.example). */
export const configVariables: readonly string[] = Object.keys(schema.shape);

/** Parses the environment; throws an Error listing every invalid variable in Chinese. */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const cleaned = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ''));
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new Error(`配置有误（环境变量）：\n${lines.join('\n')}\n请参见 .env.example。`);
  }
  return parsed.data;
}

/**
 * Where audit anchors go: AUDIT_ANCHOR_FILE, else beside the embedded database
 * (./data/audit-anchors.jsonl for the default PGLITE_DIR), else ./data/audit-anchors-<database>.jsonl.
 */
export function auditAnchorFile(config: Config = currentConfig()): string {
  if (config.AUDIT_ANCHOR_FILE) return config.AUDIT_ANCHOR_FILE;
  if (!config.DATABASE_URL) return join(dirname(config.PGLITE_DIR), 'audit-anchors.jsonl');
  const url = new URL(config.DATABASE_URL);
  const name = `${url.hostname}-${url.port || '5432'}-${decodeURIComponent(url.pathname.slice(1)) || 'postgres'}`.replace(/[^A-Za-z0-9_.-]/g, '_');
  return join('data', `audit-anchors-${name}.jsonl`);
}

let cached: Config | undefined;

/**
 * The configuration of this process, parsed from process.env once (start() has already refused
 * an invalid environment with its message). For code that runs per request or deep in a use case.
 */
export function currentConfig(): Config {
  cached ??= loadConfig();
  return cached;
}

/** Forgets the parsed configuration (tests that change process.env). */
export function resetConfigCache(): void {
  cached = undefined;
}

/** The site's public origin: PUBLIC_URL, or http://HOST:PORT when unset. */
export function publicOrigin(config: Config = currentConfig()): string {
  return config.PUBLIC_URL ?? `http://${config.HOST}:${config.PORT}`;
}

/** Whether cookies are Secure with the __Host- prefix (SECURE_COOKIES=true). */
export function secureCookies(config: Config = currentConfig()): boolean {
  return config.SECURE_COOKIES;
}
