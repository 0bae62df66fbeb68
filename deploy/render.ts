/**
 * Fills in the deployment templates of deploy/ ({{NAME}} placeholders) — for a server, and for
 * bench/cluster.ts, which renders the same files with its own ports and directories and runs them.
 *
 *   npx tsx deploy/render.ts --out ./rendered [NAME=value …]
 *
 * writes rendered/{nginx/kaimen.conf, systemd/kaimen@.service, kaimen.env, pgbouncer/pgbouncer.ini,
 * postgresql/kaimen.conf} from the production defaults below, each overridable as NAME=value
 * (e.g. SERVER_NAME=yijian.example.gov.cn UPSTREAM_PORTS=4321,4322,4323 PG_HOST=10.0.0.21).
 * A placeholder left without a value is an error, so nothing half-filled is written.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';

export const DEPLOY_DIR = resolve(import.meta.dirname);

/** The templates, relative to deploy/. */
export const TEMPLATES = ['nginx/kaimen.conf', 'systemd/kaimen@.service', 'kaimen.env', 'pgbouncer/pgbouncer.ini', 'postgresql/kaimen.conf'] as const;
export type Template = (typeof TEMPLATES)[number];

/** Nginx upstream lines for instances on 127.0.0.1 (or `host`) at `ports`. */
export function upstreamServers(ports: readonly number[], host = '127.0.0.1'): string {
  return ports.map((p) => `  server ${host}:${p} max_fails=1 fail_timeout=2s;`).join('\n');
}

/** Replaces every {{NAME}} of template `name` with values[NAME]; throws on one without a value. */
export function renderTemplate(name: Template, values: Record<string, string | number>): string {
  const text = readFileSync(join(DEPLOY_DIR, name), 'utf8');
  const missing = new Set<string>();
  const out = text.replace(/\{\{([A-Z_]+)\}\}/g, (_, key: string) => {
    if (!(key in values)) {
      missing.add(key);
      return '';
    }
    return String(values[key]);
  });
  if (missing.size) throw new Error(`deploy/${name}: no value for ${[...missing].join(', ')}`);
  return out;
}

const gb = (fraction: number) => `${Math.max(1, Math.round((totalmem() * fraction) / 2 ** 30))}GB`;

/** Production defaults (one server running nginx, pgbouncer and the instances; PostgreSQL on its own). */
export function productionValues(): Record<string, string> {
  return {
    SERVER_NAME: 'yijian.example.gov.cn',
    HTTP_PORT: '80',
    HTTPS_PORT: '443',
    HTTPS_PORT_SUFFIX: '',
    TLS_CERT: '/etc/ssl/kaimen/fullchain.pem',
    TLS_KEY: '/etc/ssl/kaimen/privkey.pem',
    CLIENT_DIR: '/srv/kaimen/dist/client',
    CACHE_DIR: '/var/cache/nginx/kaimen',
    UPSTREAM_PORTS: '4321,4322,4323',
    USER: 'kaimen',
    APP_DIR: '/srv/kaimen',
    NODE: '/usr/bin/node',
    ENV_FILE: '/etc/kaimen/kaimen.env',
    DATA_DIR: '/var/lib/kaimen',
    DATABASE_URL: 'postgres://kaimen:CHANGE-ME@127.0.0.1:6432/kaimen',
    DATABASE_READ_URL: 'postgres://kaimen:CHANGE-ME@10.0.0.22:5432/kaimen',
    DATABASE_POOL_MAX: '10',
    PUBLIC_URL: 'https://yijian.example.gov.cn',
    SEED_SAMPLES: 'false',
    AUDIT_KEY: 'CHANGE-ME-openssl-rand-base64-32',
    LOOKUP_CODE_SECRET: 'CHANGE-ME-openssl-rand-base64-32',
    LOG_LEVEL: 'info',
    DB_NAME: 'kaimen',
    PG_HOST: '10.0.0.21',
    PG_PORT: '5432',
    LISTEN_ADDR: '127.0.0.1',
    PGBOUNCER_PORT: '6432',
    SOCKET_DIR: '/var/run/postgresql',
    RUN_DIR: '/var/run/postgresql',
    LOG_FILE: '/var/log/postgresql/pgbouncer.log',
    AUTH_FILE: '/etc/pgbouncer/userlist.txt',
    DEFAULT_POOL_SIZE: '20',
    SHARED_BUFFERS: gb(0.25),
    EFFECTIVE_CACHE_SIZE: gb(0.6),
    MAX_CONNECTIONS: '200',
    ARCHIVE_DIR: '/var/lib/postgresql/wal-archive',
    LISTEN_ADDRESSES: '*',
  };
}

/** Renders every template with `values` (UPSTREAM_PORTS becomes UPSTREAM_SERVERS) into `outDir`. */
export function renderAll(outDir: string, values: Record<string, string>): string[] {
  const all = { UPSTREAM_SERVERS: upstreamServers(values.UPSTREAM_PORTS.split(',').map(Number)), ...values };
  return TEMPLATES.map((name) => {
    const file = join(outDir, name);
    mkdirSync(dirname(file), { recursive: true });
    writeFileSync(file, renderTemplate(name, all), { mode: name === 'kaimen.env' ? 0o600 : 0o644 });
    return file;
  });
}

if (process.argv[1] && resolve(process.argv[1]) === resolve(import.meta.filename)) {
  const { values, positionals } = parseArgs({ options: { out: { type: 'string', default: './rendered' } }, allowPositionals: true });
  const overrides = Object.fromEntries(positionals.map((p) => {
    const at = p.indexOf('=');
    if (at < 1) throw new Error(`expected NAME=value, got ${p}`);
    return [p.slice(0, at), p.slice(at + 1)];
  }));
  for (const file of renderAll(values.out!, { ...productionValues(), ...overrides })) console.log(file);
}
