/**
 * Staff and admin screens in plain Chinese (issue 18): the audit page and a comment's history
 * say who, what and what changed in words, never JSON; the tag tree nests without inline styles
 * (the CSP refuses them); a deputy lands on /deputy after signing in, staff on /staff.
 * Runs against its own server (a private copy of the build) seeded by plain-seed.ts.
 */
import type { Page } from '@playwright/test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test, expect, checkA11y } from './fixtures';

test.describe.configure({ mode: 'serial' });
const PASSWORD = 'Kaimen-e2e-Passw0rd!';
const port = Number(process.env.E2E_PORT ?? 4399) + 37;
const baseURL = `http://localhost:${port}`;
const SHOTS = '/tmp/shots';
let child: ChildProcess;
let commentId: string;

test.use({ baseURL });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'kaimen-e2e-plain-'));
  const env: NodeJS.ProcessEnv = { ...process.env, PGLITE_DIR: join(dir, 'pglite'), PORT: String(port), HOST: 'localhost', ASTRO_TELEMETRY_DISABLED: '1', EXPORT_DIR: join(dir, 'exports') };
  delete env.DATABASE_URL;
  const seed = spawnSync(process.execPath, ['--import', 'tsx', 'tests/e2e/plain-seed.ts'], { env, encoding: 'utf8' });
  if (seed.status !== 0) throw new Error(`seed failed: ${seed.stderr}`);
  commentId = JSON.parse(seed.stdout.trim().split('\n').at(-1)!).commentId;
  // A private copy of the build Playwright's web server just made: others share this work tree.
  if (!existsSync('dist/server/app.mjs')) throw new Error('dist/ is missing: run npm run build first');
  const run = join(dir, 'run');
  cpSync('dist', join(run, 'dist'), { recursive: true });
  for (const name of ['node_modules', 'drizzle', 'content']) symlinkSync(resolve(name), join(run, name));
  child = spawn(process.execPath, ['--import', 'tsx', resolve('scripts/serve.ts')], { env, stdio: 'ignore', cwd: run });
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${baseURL}/healthz`)).ok) break; } catch { /* not up yet */ }
    if (i > 160 || child.exitCode !== null) throw new Error('the plain e2e server did not start');
    await new Promise((r) => setTimeout(r, 250));
  }
  mkdirSync(SHOTS, { recursive: true });
});
test.afterAll(async () => {
  if (child && child.exitCode === null) {
    await new Promise<void>((done) => { child.once('exit', () => done()); child.kill('SIGTERM'); });
  }
});

async function signIn(page: Page, account: string, next?: string) {
  await page.goto(next ? `/signin?next=${encodeURIComponent(next)}` : '/signin');
  await page.getByLabel(/^邮箱或手机号码/).fill(account);
  await page.getByLabel(/^密码/).fill(PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/signin'));
}

/** Text that would betray raw data: JSON, action codes, field names. */
async function expectNoRawData(page: Page, selector: string) {
  const text = await page.locator(selector).innerText();
  expect(text).not.toMatch(/[{}]|":|comment\.decide|round\.update|adoption|partially_adopted|closesAt/);
}

/** Desktop: the whole page; phone: the screen around `focus` (the whole page would be very long). */
async function shoot(page: Page, name: string, focus: ReturnType<Page['locator']>) {
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.screenshot({ path: `${SHOTS}/plain-${name}-desktop.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await focus.scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${SHOTS}/plain-${name}-phone.png` });
  await page.setViewportSize({ width: 1280, height: 900 });
}

test('the admin audit page says who, what and what changed in words', async ({ page }) => {
  await signIn(page, 'admin@example.cn');
  await expect(page).toHaveURL(/\/staff$/);
  await page.goto('/admin/audit');
  const table = page.locator('table.audit');
  const decision = table.locator('tr', { hasText: '作出决定' });
  await expect(decision).toContainText('审核员（工作人员）');
  await expect(decision).toContainText('采纳情况：未决定 → 部分采纳');
  await expect(decision).toContainText('理由：（无） → 部分内容已在第十条规定');
  await expect(decision.getByRole('link', { name: /^意见：/ })).toHaveAttribute('href', `/staff/comments/${commentId}`);
  const round = table.locator('tr', { hasText: '修改审次' });
  await expect(round).toContainText(/截止时间：\d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2} → \d{4}年\d{1,2}月\d{1,2}日 \d{2}:\d{2}/);
  await expect(table.locator('tr', { hasText: '创建账户' }).first()).toContainText('角色：');
  await expectNoRawData(page, 'table.audit tbody');

  // The filter lists actions by their labels; choosing one shows only that action.
  await page.getByLabel('操作').selectOption({ label: '作出决定' });
  await page.getByRole('button', { name: '筛选' }).click();
  await expect(page).toHaveURL(/action=comment\.decide/);
  await expect(table.locator('tbody tr')).toHaveCount(1);
  await page.goto('/admin/audit');
  await checkA11y(page, 'audit page');
  await shoot(page, 'audit', page.locator('table.audit tr', { hasText: '作出决定' }));
});

test('a comment history on the staff page reads in words', async ({ page }) => {
  await signIn(page, 'reviewer@example.cn');
  await expect(page).toHaveURL(/\/staff$/);
  await page.goto(`/staff/comments/${commentId}`);
  const history = page.locator('section', { has: page.getByRole('heading', { name: '处理记录' }) });
  await expect(history.locator('ol.history > li').first()).toContainText('作出决定');
  await expect(history).toContainText('审核员（工作人员）');
  await expect(history).toContainText('采纳情况：未决定 → 部分采纳');
  await expect(history).toContainText('答复：（无） → 感谢您的意见。');
  await expectNoRawData(page, 'ol.history');
  await expect(page.locator('.facts').first()).toContainText('渠道网站');
  await checkA11y(page, 'comment page');
  await shoot(page, 'comment', history.locator('ol.history'));
});

test('the tag tree nests as lists, with no inline style for the CSP to refuse', async ({ page, consoleErrors }) => {
  await signIn(page, 'reviewer@example.cn');
  await page.goto('/staff/tags');
  const parent = page.locator('.tag-tree > li', { has: page.locator(':scope > .tag', { hasText: '停车收费' }) });
  const child = parent.locator(':scope > .tag-tree > li', { has: page.locator(':scope > .tag', { hasText: '夜间收费' }) });
  await expect(child).toBeVisible();
  await expect(child.locator(':scope > .tag-tree > li > .tag')).toHaveText('地下车库');
  await expect(page.locator('[style]')).toHaveCount(0);
  const box = async (name: string) => (await page.locator('.tag', { hasText: name }).first().boundingBox())!.x;
  expect(await box('夜间收费')).toBeGreaterThan(await box('停车收费'));
  expect(await box('地下车库')).toBeGreaterThan(await box('夜间收费'));
  expect(consoleErrors.filter((e) => /Content Security Policy|inline style/i.test(e))).toEqual([]);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${SHOTS}/plain-tags-phone.png`, fullPage: true });
});

test('a deputy lands on /deputy after signing in; an explicit next still wins', async ({ page }) => {
  await signIn(page, 'deputy@example.cn');
  await expect(page).toHaveURL(/\/deputy$/);
  await expect(page.getByRole('heading', { level: 1, name: '代表工作台' })).toBeVisible();
  await page.context().clearCookies();
  await signIn(page, 'deputy@example.cn', '/account');
  await expect(page).toHaveURL(/\/account$/);
});
