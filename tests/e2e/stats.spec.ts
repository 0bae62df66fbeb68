/**
 * The statistics pages (issue 18): a visitor opens 停车条例's statistics from the draft page (一审稿,
 * feedback published: the 三率 line chart; 二审稿, not published: no decision), opens the table
 * views, hovers a heat-map cell; staff open a round's statistics from the staff draft page. Axe and
 * the console check (CSP) run on every page; screenshots at phone and desktop size go to /tmp/shots.
 * Runs against its own seeded server (stats-seed.ts) on a fresh PGlite dir.
 */
import type { Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { startSeededServer, type SeededServer } from './seeded-server';
import { test, expect, checkA11y } from './fixtures';

test.describe.configure({ mode: 'serial' });
const port = Number(process.env.E2E_PORT ?? 4399) + 29;
const baseURL = `http://localhost:${port}`;
const shots = '/tmp/shots';
const sizes = [['phone', { width: 390, height: 844 }], ['desktop', { width: 1280, height: 900 }]] as const;
let server: SeededServer;

test.use({ baseURL });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  mkdirSync(shots, { recursive: true });
    await new Promise((r) => setTimeout(r, 250));
  server = await startSeededServer('stats', 'tests/e2e/stats-seed.ts', port);
});
test.afterAll(async () => { await server?.stop(); });

/** The drawing of a chart that the current viewport shows (the other one is display: none). */
const shown = (page: Page, chart: 'heat-map' | 'line-chart') => page.locator(`svg.${chart}:visible`);

test('a visitor reads the statistics of a round with published feedback: rates over time, heat map, sources, tables', async ({ page }) => {
  await page.goto('/drafts/tingche?round=1');
  await page.getByRole('link', { name: '意见统计' }).click();
  await expect(page).toHaveURL(/\/drafts\/tingche\/stats\?round=1$/);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('《北京市机动车停车条例（修正草案）》一审稿意见统计');

  const rates = page.getByRole('img', { name: /答复率、采纳率、满意率的变化/ });
  await expect(rates).toHaveCount(1);
  await expect(rates).toBeVisible();
  await expect(page.locator('.chart-legend li')).toHaveText(['答复率', '采纳率', '满意率']);
  const heat = page.getByRole('img', { name: /各条文意见数量/ });
  await expect(heat).toBeVisible();
  // Every cell of the heat map shown carries its article's label and count, and a hover title.
  const cells = shown(page, 'heat-map').locator('g.heat-cell');
  expect(await cells.count()).toBeGreaterThan(40);
  for (const cell of await cells.all()) {
    const label = (await cell.locator('text.cell-label').textContent())!;
    expect(label).toMatch(/^第[一二三四五六七八九十百零]+条$/);
    await expect(cell.locator('title')).toHaveText(new RegExp(`^${label}(（[^）]+）)?：\\d+条意见$`));
    await expect(cell.locator('text.cell-count')).toHaveText(/^\d+条$/);
  }
  await expect(page.getByRole('img', { name: /按渠道/ })).toBeVisible();
  await expect(page.getByRole('img', { name: /按区/ })).toBeVisible();
  await expect(page.getByRole('img', { name: /按采纳情况/ })).toBeVisible();

  // The table views open, with the same figures.
  const lineTable = page.locator('figure.line details.chart-table');
  await lineTable.getByText('以表格查看数据').click();
  const rows = lineTable.locator('tbody tr');
  await expect(rows.first()).toBeVisible();
  expect(await rows.count()).toBeGreaterThan(20);
  await expect(rows.last().locator('td').first()).toHaveText(/^\d+\.\d%（\d+\/160）$/);
  const heatTable = page.locator('figure.heat-map-figure details.chart-table');
  await heatTable.getByText('以表格查看数据').click();
  await expect(heatTable.getByRole('link', { name: '第三条' })).toBeVisible();
  await checkA11y(page);

  for (const [name, size] of sizes) {
    await page.setViewportSize(size);
    await page.goto('/drafts/tingche/stats?round=1');
    await expect(shown(page, 'line-chart')).toHaveCount(1);
    await expect(shown(page, 'line-chart')).toHaveClass(new RegExp(name === 'phone' ? 'narrow' : 'wide'));
    // The drawing fits the viewport: nothing scrolls sideways.
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(size.width);
    await page.screenshot({ path: `${shots}/stats-public-${name}.png`, fullPage: true });
    await shown(page, 'line-chart').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${shots}/stats-rates-${name}.png` });
    await shown(page, 'heat-map').scrollIntoViewIfNeeded();
    await page.screenshot({ path: `${shots}/stats-heat-${name}.png` });
  }

  // In English the cells read "Article N".
  await page.goto(`/prefs?lang=en&back=${encodeURIComponent('/drafts/tingche/stats?round=1')}`);
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('Statistics: 北京市机动车停车条例（修正草案）, 一审稿');
  await expect(shown(page, 'heat-map').locator('g.heat-cell text.cell-label').first()).toHaveText('Article 1');
  await expect(page.locator('.chart-legend li')).toHaveText(['Response rate', 'Adoption rate', 'Satisfaction rate']);
  await page.screenshot({ path: `${shots}/stats-public-en-desktop.png`, fullPage: true });
});

test('before the feedback is published the public page shows counts but no decision', async ({ page }) => {
  await page.goto('/drafts/tingche/stats?round=1');
  await page.getByRole('navigation', { name: '审次' }).getByRole('link', { name: /二审稿/ }).click();
  await expect(page).toHaveURL(/\/drafts\/tingche\/stats\?round=2$/);
  await expect(page.getByText('答复率、采纳率、满意率和采纳情况将在本审次的意见采纳情况公布后公开。')).toBeVisible();
  await expect(page.locator('svg.line-chart')).toHaveCount(0);
  await expect(page.getByRole('img', { name: /按采纳情况/ })).toHaveCount(0);
  await expect(page.locator('.rates')).not.toContainText('%');
  await expect(page.getByRole('img', { name: /各条文意见数量/ })).toBeVisible();
  await expect(page.locator('main')).not.toContainText('张三');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${shots}/stats-unpublished-phone.png`, fullPage: true });
});

test('staff open a round’s statistics from the staff draft page', async ({ page }) => {
  await page.goto(`/signin?next=${encodeURIComponent('/staff/drafts/tingche')}`);
  await page.getByLabel(/^邮箱或手机号码/).fill('stats@example.cn');
  await page.getByLabel(/^密码/).fill('Kaimen-e2e-Passw0rd!');
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL((u) => u.pathname === '/staff/drafts/tingche');
  await page.locator('section', { has: page.getByRole('heading', { name: /二审稿/ }) }).getByRole('link', { name: '意见统计' }).click();
  await expect(page).toHaveURL(/\/staff\/drafts\/tingche\/rounds\/2\/stats$/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('意见统计');
  await expect(page.getByText('本审次的意见采纳情况尚未公布')).toBeVisible();
  await expect(page.getByRole('img', { name: /答复率、采纳率、满意率的变化/ })).toBeVisible();
  await expect(page.getByRole('img', { name: /按处理状态/ })).toBeVisible();
  await checkA11y(page);
  // The round's report page links here too.
  await page.getByRole('link', { name: /意见采纳情况报告/ }).click();
  await expect(page).toHaveURL(/\/staff\/drafts\/tingche\/rounds\/2$/);
  await page.getByRole('link', { name: '意见统计' }).click();
  await expect(page).toHaveURL(/\/rounds\/2\/stats$/);
  for (const [name, size] of sizes) {
    await page.setViewportSize(size);
    await page.reload();
    expect(await page.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(size.width);
    await page.screenshot({ path: `${shots}/stats-staff-${name}.png`, fullPage: true });
  }
});
