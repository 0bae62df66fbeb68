/**
 * Themes (issue 20): a staff member computes the themes of a round, sees the fixture's arguments as
 * themes with counts and quotes, renames one (the name stays), opens a theme's comments in the inbox,
 * and fills an article's 主要意见 from the themes (unsaved, unconfirmed). Own seeded server
 * (themes-seed.ts) on a fresh PGlite dir.
 */
import type { Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { startSeededServer, type SeededServer } from './seeded-server';
import { test, expect } from './fixtures';

test.describe.configure({ mode: 'serial' });
const port = Number(process.env.E2E_PORT ?? 4399) + 53;
const baseURL = `http://localhost:${port}`;
const shots = '/tmp/shots';
const themesPath = '/staff/drafts/e2e-zhuti/rounds/1/themes';
const pointsPath = '/staff/drafts/e2e-zhuti/rounds/1/points';
let server: SeededServer;

test.use({ baseURL });

test.beforeAll(async () => {
  test.setTimeout(180_000);
  mkdirSync(shots, { recursive: true });
  server = await startSeededServer('themes', 'tests/e2e/themes-seed.ts', port);
});
test.afterAll(async () => { await server?.stop(); });

async function signIn(page: Page, next: string) {
  await page.goto(`/signin?next=${encodeURIComponent(next)}`);
  await page.getByLabel(/^邮箱或手机号码/).fill('zhuti@example.cn');
  await page.getByLabel(/^密码/).fill('Kaimen-e2e-Passw0rd!');
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL((u) => u.pathname === next);
}

test('staff compute the themes, see them, rename one and open its comments', async ({ page, a11y }) => {
  test.setTimeout(120_000);
  await signIn(page, themesPath);
  await expect(page.getByText('本审次尚未归纳。')).toBeVisible();
  await a11y();
  await page.getByRole('button', { name: '开始归纳' }).click();
  await expect(page.getByRole('status')).toContainText('已开始归纳');
  // The job runs in the background (its own lane): reload until its themes are there.
  await expect(async () => {
    await page.goto(themesPath);
    await expect(page.locator('.theme-card').first()).toBeVisible({ timeout: 1000 });
  }).toPass({ timeout: 60_000 });
  await expect(page.getByText(/上次归纳：.*全部重算/)).toBeVisible();
  const cards = page.locator('.theme-card:not(.theme-other)');
  await expect(cards).toHaveCount(4);
  await expect(page.locator('.theme-other h3')).toHaveText('其他独立意见');
  const helmet = cards.filter({ hasText: '头盔' }).first();
  await expect(helmet.locator('.meta').first()).toContainText(/\d+ 条意见 · \d+ 人/);
  await expect(helmet.locator('blockquote')).not.toHaveCount(0);
  await a11y();
  await page.screenshot({ path: `${shots}/themes-desktop.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${shots}/themes-phone.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });

  await helmet.getByLabel('主题名称').fill('儿童头盔与头盔标准');
  await helmet.getByRole('button', { name: /保存名称/ }).click();
  await expect(page.getByRole('status')).toContainText('已保存主题名称');
  const renamed = page.locator('.theme-card', { hasText: '儿童头盔与头盔标准' });
  await expect(renamed.locator('h3')).toContainText('已由工作人员命名');
  await a11y();

  const count = Number((await renamed.locator('.meta').first().textContent())!.match(/(\d+) 条意见/)![1]);
  await renamed.getByRole('link', { name: /查看本主题全部/ }).click();
  await expect(page).toHaveURL(/\/staff\/comments\?.*theme=/);
  await expect(page.locator('.inbox-row')).toHaveCount(count);
  await expect(page.getByText('仅显示一个主题的意见')).toBeVisible();
  await a11y();
});

test('staff fill an article’s 主要意见 from the themes, unsaved and unconfirmed', async ({ page, a11y }) => {
  await signIn(page, pointsPath);
  const article = page.locator('#points-2');
  await expect(article.locator('textarea')).toHaveValue('');
  await article.getByRole('link', { name: /用归纳草稿填入/ }).click();
  await expect(page).toHaveURL(/fill=2/);
  const text = await page.locator('#points-2 textarea').inputValue();
  expect(text).toMatch(/^\d+ 人次(建议|认为|提出)/);
  expect(text).toContain('儿童头盔与头盔标准');
  expect(text).toMatch(/另有 \d+ 人次提出其他意见。$/);
  await expect(page.locator('#points-2').getByRole('status')).toContainText('尚未保存');
  await expect(page.locator('#points-2 .points-state')).toContainText('未填写');
  await a11y();
  await page.screenshot({ path: `${shots}/themes-points-desktop.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${shots}/themes-points-phone.png`, fullPage: true });
});
