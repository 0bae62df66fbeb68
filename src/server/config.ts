/**
 * Runtime configuration, read from process.env at start (never import.meta.env, which Astro
 * inlines at build time) and validated with clear messages.
 */
import { z } from 'zod';

const schema = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(4321),
  HOST: z.string().min(1).default('localhost'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'DATABASE_URL 必须以 postgres:// 或 postgresql:// 开头')
    .optional(),
  PGLITE_DIR: z.string().min(1).default('./data/pglite'),
  DATABASE_POOL_MAX: z.coerce.number().int().min(1).max(200).default(20),
  /** HTTP worker processes (node:cluster); more than 1 needs PostgreSQL. */
  WEB_CONCURRENCY: z.coerce.number().int().min(1).max(64).default(1),
  /** Load the sample drafts from content/drafts on start when the database has none. */
  SEED_SAMPLES: z.enum(['true', 'false']).default('true').transform((v) => v === 'true'),
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
});

export type Config = z.infer<typeof schema>;

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
 * Whether cookies are Secure with the __Host- prefix (SECURE_COOKIES=true, validated at start).
 * Read on every request, so it reads the variable directly instead of re-parsing the environment.
 */
export function secureCookies(): boolean {
  return process.env.SECURE_COOKIES === 'true';
}
