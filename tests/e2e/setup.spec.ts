/**
 * The first run as a newcomer meets it (issue 18, decision 021): `npm start` on an empty
 * database prints a one-time setup link (plain text on stdout, never in the JSON log); the link
 * opens a form that creates the first admin and signs them in; a wrong or spent link gets one
 * Chinese page, 404; a restart prints a fresh link only while there is no admin; an admin command
 * run while the server holds the embedded database says how to go on.
 *
 * The shared e2e server is not used: the other specs make accounts on it in any order. This spec
 * runs the bundle `npm start` runs (dist/serve.mjs, from a private copy of the dist/ Playwright's
 * web server has just built) on a fresh PGlite directory of its own, and reads its output.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test, expect } from './fixtures';
import type { Page } from '@playwright/test';

const port = Number(process.env.E2E_PORT ?? 4399) + 41;
const origin = `http://localhost:${port}`;
const PASSWORD = 'First-admin-2026';
const shots = '/tmp/shots';

interface FirstRunServer {
  stdout: () => string;
  stderr: () => string;
  stop(): Promise<void>;
}

let buildDir: string;
let dataDir: string;

/** A private copy of the build (others may rebuild dist/ while this runs). */
function privateBuild(): string {
  const dir = mkdtempSync(join(tmpdir(), 'kaimen-e2e-setup-run-'));
  if (!existsSync('dist/server/app.mjs') || !existsSync('dist/serve.mjs')) throw new Error('dist/ is missing: run npm run build first');
  cpSync('dist', join(dir, 'dist'), { recursive: true });
  for (const name of ['node_modules', 'drizzle', 'content']) symlinkSync(resolve(name), join(dir, name));
  return dir;
}

/** `node dist/serve.mjs` as `npm start` runs it, on this spec's own PGlite directory. */
async function startServer(): Promise<FirstRunServer> {
  const env: NodeJS.ProcessEnv = {
    ...process.env, PGLITE_DIR: join(dataDir, 'pglite'), PORT: String(port), HOST: 'localhost', SEED_SAMPLES: 'false',
    EXPORT_DIR: join(dataDir, 'exports'), SECRETS_DIR: join(dataDir, 'secrets'), MESSAGES_FILE: join(dataDir, 'messages.jsonl'),
    ASTRO_TELEMETRY_DISABLED: '1',
  };
  delete env.DATABASE_URL;
  delete env.PUBLIC_URL;
  const child: ChildProcess = spawn(process.execPath, ['dist/serve.mjs'], { env, cwd: buildDir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout!.setEncoding('utf8').on('data', (s: string) => (out += s));
  child.stderr!.setEncoding('utf8').on('data', (s: string) => (err += s));
  for (let i = 0; ; i++) {
    try {
      if ((await fetch(`${origin}/healthz`)).ok) break;
    } catch { /* not up yet */ }
    if (i > 240 || child.exitCode !== null) throw new Error(`the first-run server did not start:\n${out}\n${err}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  // The link is written right after the address line; give the stream a moment.
  await new Promise((r) => setTimeout(r, 200));
  return {
    stdout: () => out,
    stderr: () => err,
    stop: () => new Promise<void>((done) => {
      if (child.exitCode !== null) return done();
      child.once('exit', () => done());
      child.kill('SIGTERM');
    }),
  };
}

const LINK = new RegExp(`${origin.replace(/[.]/g, '\\.')}/setup\\?token=([a-z2-7]{32})`, 'g');
const linksIn = (text: string) => [...text.matchAll(LINK)].map((m) => m[0]);

async function shoot(page: Page, name: string) {
  mkdirSync(shots, { recursive: true });
  for (const [size, viewport] of [['phone', { width: 390, height: 844 }], ['desktop', { width: 1280, height: 900 }]] as const) {
    await page.setViewportSize(viewport);
    await page.screenshot({ path: `${shots}/setup-${name}-${size}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
}

test.describe.configure({ mode: 'serial' });

test.beforeAll(() => {
  buildDir = privateBuild();
  dataDir = mkdtempSync(join(tmpdir(), 'kaimen-e2e-setup-'));
});
test.afterAll(() => {
  rmSync(buildDir, { recursive: true, force: true });
  rmSync(dataDir, { recursive: true, force: true });
});

test('a fresh start prints a one-time link that creates the first admin in the browser', async ({ page, a11y }) => {
  test.setTimeout(180_000);
  // First start: one link on stdout, and the JSON log says a link was printed without holding it.
  const first = await startServer();
  const [firstLink, ...more] = linksIn(first.stdout());
  expect(firstLink, first.stdout()).toBeTruthy();
  expect(more).toEqual([]);
  expect(first.stdout()).toContain('还没有管理员账户。请在 24 小时内用浏览器打开下面的一次性链接');
  expect(first.stderr()).toContain('一次性设置链接已打印在控制台');
  const token = new URL(firstLink).searchParams.get('token')!;
  expect(first.stderr()).not.toContain(token);
  for (const line of first.stdout().split('\n').filter((l) => l.startsWith('{'))) expect(line).not.toContain(token);
  await first.stop();

  // A restart while there is still no admin prints a fresh link; the first one still works.
  const server = await startServer();
  try {
    const [secondLink] = linksIn(server.stdout());
    expect(secondLink).toBeTruthy();
    expect(secondLink).not.toBe(firstLink);

    // A wrong token: the one Chinese page, 404, no form.
    const wrong = await page.goto(`${origin}/setup?token=${'a'.repeat(32)}`);
    expect(wrong?.status()).toBe(404);
    await expect(page.getByRole('heading', { level: 1, name: '链接无效或已失效' })).toBeVisible();
    await expect(page.getByRole('button', { name: '创建管理员并登录' })).toHaveCount(0);
    await a11y();
    await shoot(page, 'invalid');
    expect((await page.goto(`${origin}/setup`))?.status()).toBe(404);

    // The printed link: the form, with the link's expiry.
    const opened = await page.goto(firstLink);
    expect(opened?.status()).toBe(200);
    expect(opened?.headers()['cache-control']).toBe('no-store');
    await expect(page.getByRole('heading', { level: 1, name: '创建第一个管理员' })).toBeVisible();
    await expect(page.getByText(/这个一次性链接有效至 .+（北京时间）/)).toBeVisible();
    await a11y();
    await shoot(page, 'form');

    // Mistakes are named per field; what was typed stays (not the passwords); nothing is created.
    await page.getByLabel(/^姓名/).fill('王管理');
    await page.getByLabel(/^邮箱或手机号码/).fill('not-an-account');
    await page.getByLabel(/^新密码/).fill(PASSWORD);
    await page.getByLabel(/^再次输入新密码/).fill(`${PASSWORD}!`);
    await page.getByRole('button', { name: '创建管理员并登录' }).click();
    await expect(page.getByRole('alert')).toContainText('填写的内容有误');
    await expect(page.getByText('请输入正确的邮箱地址或 11 位手机号码。').first()).toBeVisible();
    await expect(page.getByLabel(/^姓名/)).toHaveValue('王管理');
    await a11y();
    await shoot(page, 'form-errors');
    await page.getByLabel(/^邮箱或手机号码/).fill('admin@first-run.example.cn');
    await page.getByLabel(/^新密码/).fill(PASSWORD);
    await page.getByLabel(/^再次输入新密码/).fill(PASSWORD);
    await page.getByRole('button', { name: '创建管理员并登录' }).click();
    const body = await page.locator('body').innerText();
    expect(body).not.toContain('两次输入的密码不一致');

    // Signed in as the admin, on /admin.
    await expect(page).toHaveURL(`${origin}/admin`);
    await expect(page.getByRole('heading', { level: 1, name: '系统管理' })).toBeVisible();
    await a11y();
    await page.goto(`${origin}/admin/users`);
    await expect(page.getByText('王管理')).toBeVisible();

    // Both links are spent now: the used one and the one from the other start.
    for (const link of [firstLink, secondLink]) {
      const again = await page.goto(link);
      expect(again?.status()).toBe(404);
      await expect(page.getByRole('heading', { level: 1, name: '链接无效或已失效' })).toBeVisible();
    }

    // An admin command while the server holds the embedded database: how to go on, exit 1.
    const cli = await new Promise<{ code: number | null; out: string; err: string }>((done) => {
      const env: NodeJS.ProcessEnv = { ...process.env, PGLITE_DIR: join(dataDir, 'pglite'), SECRETS_DIR: join(dataDir, 'secrets') };
      delete env.DATABASE_URL;
      const c = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'src/cli/users-create.ts', '--role', 'staff', '--email', 'held@first-run.example.cn', '--password', PASSWORD], { env });
      let out = '';
      let err = '';
      c.stdout.setEncoding('utf8').on('data', (s: string) => (out += s));
      c.stderr.setEncoding('utf8').on('data', (s: string) => (err += s));
      c.on('close', (code) => done({ code, out, err }));
    });
    expect(cli.code).toBe(1);
    expect(cli.err).toContain('内嵌数据库正被运行中的服务器使用');
    expect(cli.err).toContain('请先停止服务器（在运行 npm start 的终端按 Ctrl+C）再运行此命令');
    expect(cli.err).not.toMatch(/\n\s+at /);
  } finally {
    await server.stop();
  }

  // With an admin, a start prints no link.
  const after = await startServer();
  try {
    expect(linksIn(after.stdout())).toEqual([]);
    expect(after.stderr()).not.toContain('一次性设置链接');
  } finally {
    await after.stop();
  }
});
