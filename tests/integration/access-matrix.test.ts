/**
 * Every role against every staff and admin route. The routes are found by globbing
 * src/pages/staff, src/pages/admin and src/pages/api/v1/staff, so a new route without a
 * permission check fails here. The expected grant of a route is the permission in its first
 * `requirePermission(…, 'x:y')` call (else: staff area → comment:read, admin area → user:manage),
 * and `can()` decides which roles pass; the built server decides what really happens.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { systemActor } from '../../src/server/audit';
import { createUser } from '../../src/server/auth/users';
import { createApiToken } from '../../src/server/auth/tokens';
import { can, permissions, type Permission } from '../../src/server/auth/permissions';
import type { Role } from '../../src/server/auth/session-user';
import type { TestDatabase } from '../support/test-db';
import { buildApp, serverDatabase, fakeIp, removeBuild, signInOverHttp, startServer, type RunningServer } from '../support/built-server';

const root = resolve(import.meta.dirname, '../..');
const areas = ['src/pages/staff', 'src/pages/admin', 'src/pages/api/v1/staff'];
const PASSWORD = 'Matrix-test-password-1';

interface Route {
  file: string;
  path: string;
  methods: string[];
  permission: Permission;
  api: boolean;
}

function walk(dir: string): string[] {
  let entries: string[];
  try { entries = readdirSync(dir); } catch { return []; }
  return entries.flatMap((name) => {
    const full = join(dir, name);
    return statSync(full).isDirectory() ? walk(full) : [full];
  });
}

/** A value for a dynamic segment that is well-formed but names nothing. */
function sample(param: string): string {
  if (param.startsWith('...')) return 'x';
  if (/id$/i.test(param)) return '00000000-0000-4000-8000-000000000000';
  if (/^(n|number|round|article)$/i.test(param)) return '1';
  return 'no-such-thing';
}

function discoverRoutes(): Route[] {
  return areas.flatMap((area) => walk(join(root, area)))
    // Astro does not route files or folders whose name starts with an underscore (partials).
    .filter((f) => /\.(astro|ts|js)$/.test(f) && !/\.d\.ts$/.test(f) && !/(^|[\\/])_/.test(relative(root, f)))
    .map((file) => {
      const source = readFileSync(file, 'utf8');
      const rel = relative(join(root, 'src/pages'), file).replace(/\\/g, '/');
      const path = '/' + rel.replace(/\.(astro|ts|js)$/, '').replace(/(^|\/)index$/, '')
        .split('/').map((seg) => seg.replace(/\[([^\]]+)\]/g, (_, p: string) => sample(p))).join('/');
      const methods = file.endsWith('.astro')
        ? ['GET', ...(/method\s*===?\s*'POST'/.test(source) ? ['POST'] : [])]
        : [...source.matchAll(/export\s+(?:const|async\s+function|function)\s+(GET|POST|PUT|PATCH|DELETE|ALL)\b/g)].map((m) => (m[1] === 'ALL' ? 'GET' : m[1]));
      const declared = /requirePermission\([^,]+,\s*'([a-z]+:[a-z]+)'\s*\)/.exec(source)?.[1] as Permission | undefined;
      const fallback: Permission = rel.startsWith('admin/') ? 'user:manage' : 'comment:read';
      return { file: rel, path: path.replace(/\/$/, '') || '/', methods: [...new Set(methods)], permission: declared ?? fallback, api: rel.startsWith('api/') };
    });
}

type Principal = 'anonymous' | Role | 'staffToken';
const principals: Principal[] = ['anonymous', 'citizen', 'deputy', 'staff', 'admin', 'staffToken'];
const roleOf = (p: Principal): Role | null => (p === 'anonymous' ? null : p === 'staffToken' ? 'staff' : p);

const routes = discoverRoutes();
let buildDir: string;
let server: RunningServer;
let testDb: TestDatabase | undefined;
const auth: Partial<Record<Principal, Record<string, string>>> = { anonymous: {} };

beforeAll(async () => {
  buildDir = await buildApp();
  const { database, env, testDb: made } = await serverDatabase('matrix');
  testDb = made;
  const accounts: Record<string, string> = {};
  for (const role of ['citizen', 'deputy', 'staff', 'admin'] as const) {
    const email = `${role}@matrix.test`;
    await createUser({ role, account: { kind: 'email', value: email }, password: PASSWORD, name: role }, systemActor, database.db);
    accounts[role] = email;
  }
  const staff = await database.db.query.users.findFirst({ where: (u, { eq }) => eq(u.email, 'staff@matrix.test') });
  const { token } = await createApiToken({ userId: staff!.id, label: 'matrix' }, systemActor, database.db);
  if (!testDb) await database.close(); // PGlite: the server must be the only process on the dir
  server = await startServer(buildDir, { ...env, TRUST_PROXY: 'true' });
  for (const role of ['citizen', 'deputy', 'staff', 'admin'] as const) {
    auth[role] = { cookie: await signInOverHttp(server.url, accounts[role], PASSWORD) };
  }
  auth.staffToken = { authorization: `Bearer ${token}` };
}, 240_000);

afterAll(async () => {
  await server?.stop();
  await testDb?.close();
  if (buildDir) removeBuild(buildDir);
});

async function request(route: Route, method: string, who: Principal): Promise<Response> {
  const headers: Record<string, string> = { 'x-forwarded-for': fakeIp(), ...auth[who] };
  if (method !== 'GET') {
    headers.origin = server.url;
    headers['content-type'] = route.api ? 'application/json' : 'application/x-www-form-urlencoded';
  }
  return fetch(`${server.url}${route.path}`, { method, headers, redirect: 'manual', body: method === 'GET' ? undefined : route.api ? '{}' : '' });
}

describe('the route list', () => {
  it('finds the staff and admin routes of this issue', () => {
    const paths = routes.map((r) => r.path);
    for (const p of ['/staff', '/staff/outbox', '/admin', '/admin/users', '/admin/users/new', '/admin/tokens', '/admin/audit']) {
      expect(paths).toContain(p);
    }
    for (const r of routes) expect(r.methods.length, `${r.file} exports no HTTP method`).toBeGreaterThan(0);
    expect(permissions).toContain(routes[0].permission);
  });
});

describe.each(routes)('$file', (route) => {
  it.each(principals)('as %s', async (who) => {
    const role = roleOf(who);
    const allowed = can(role ? { role } : null, route.permission);
    for (const method of route.methods) {
      // Allowed principals only GET: a POST without a valid form might still change something.
      if (allowed && method !== 'GET') continue;
      const res = await request(route, method, who);
      const what = `${method} ${route.path} as ${who} (needs ${route.permission})`;
      await res.body?.cancel();
      if (allowed) {
        expect([401, 403], what).not.toContain(res.status);
        expect(res.status, what).toBeLessThan(500);
        expect(res.headers.get('location') ?? '', what).not.toMatch(/^\/signin/);
      } else if (!role) {
        if (route.api) expect(res.status, what).toBe(401);
        else {
          expect(res.status, what).toBe(303);
          expect(res.headers.get('location'), what).toMatch(/^\/signin\?next=/);
        }
      } else {
        expect(res.status, what).toBe(403);
      }
    }
  });
});
