/**
 * Comments carried from the previous round (issue 18): on 二审稿's 第四条 (the 一审稿's 第二条,
 * renumbered) a visitor sees "上一审次对本条的 2 条意见及处理情况" and follows it to that article on
 * the 一审稿's feedback page, and to the 一审稿's article; staff go from a round-2 comment to the
 * inbox filtered to the 一审稿's comments on that article, with its chip.
 * Runs against its own seeded server (carried-seed.ts) on a fresh PGlite dir.
 */
import type { Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { startSeededServer, type SeededServer } from './seeded-server';
import { test, expect, checkA11y } from './fixtures';

test.describe.configure({ mode: 'serial' });
const port = Number(process.env.E2E_PORT ?? 4399) + 1000;
const baseURL = `http://localhost:${port}`;
const shots = '/tmp/shots';
let server: SeededServer;

test.use({ baseURL });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  mkdirSync(shots, { recursive: true });
    await new Promise((r) => setTimeout(r, 250));
  server = await startSeededServer('carried', 'tests/e2e/carried-seed.ts', port);
});
test.afterAll(async () => { await server?.stop(); });

async function signIn(page: Page, next: string) {
  await page.goto(`/signin?next=${encodeURIComponent(next)}`);
  await page.getByLabel(/^邮箱或手机号码/).fill('carried@example.cn');
  await page.getByLabel(/^密码/).fill('Kaimen-e2e-Passw0rd!');
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL((u) => u.pathname === next);
}

test('the draft page shows the previous round’s comments on a renumbered article and links to how they were handled', async ({ page }) => {
  await page.goto('/drafts/carried?round=2');
  const article = page.locator('#article-4');
  // 一审稿第二条 had 3 comments, one hidden: the public count is 2.
  const line = article.getByRole('link', { name: /上一审次对本条的 2 条意见及处理情况/ });
  await expect(line).toBeVisible();
  await expect(article.getByRole('link', { name: '查看一审稿第二条' })).toBeVisible();
  // New articles carry nothing; 第一条 kept its number.
  await expect(page.locator('#article-2 .carried-line')).toHaveCount(0);
  await expect(page.locator('#article-1').getByRole('link', { name: /上一审次对本条的 2 条意见/ })).toBeVisible();
  await expect(page.locator('#article-5').getByRole('link', { name: /上一审次对本条的 1 条意见/ })).toBeVisible();
  await checkA11y(page);

  await line.click();
  await expect(page).toHaveURL(/\/drafts\/carried\/feedback\?round=1#article-2$/);
  await expect(page.locator('#article-2')).toBeInViewport();
  await expect(page.locator('#article-2').getByRole('heading', { level: 3 })).toContainText('第二条');
});

test('the article page shows the line and links to the previous round’s article; screenshots', async ({ page }) => {
  for (const [name, size] of [['phone', { width: 390, height: 844 }], ['desktop', { width: 1280, height: 900 }]] as const) {
    await page.setViewportSize(size);
    await page.goto('/drafts/carried/articles/4?round=2');
    await expect(page.getByRole('link', { name: /上一审次对本条的 2 条意见及处理情况/ })).toBeVisible();
    await page.screenshot({ path: `${shots}/carried-article-${name}.png`, fullPage: true });
    await page.goto('/drafts/carried?round=2#article-4');
    await page.screenshot({ path: `${shots}/carried-draft-${name}.png` });
  }
  await page.goto('/drafts/carried/articles/4?round=2');
  await page.getByRole('link', { name: '查看一审稿第二条' }).click();
  await expect(page).toHaveURL(/\/drafts\/carried\/articles\/2\?round=1$/);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('第二条');
});

test('staff filter round 2’s inbox to the comments carried from round 1 on this article', async ({ page }) => {
  await signIn(page, '/staff/comments');
  await page.goto('/staff/comments?draft=carried&round=2');
  await page.locator('.inbox-link').first().click();
  await page.getByRole('link', { name: '查看上一审次对本条的意见' }).click();
  await expect(page).toHaveURL(/carriedTo=4/);
  await expect(page.locator('.carried-chip')).toContainText('上一审次意见：一审稿第二条（现为二审稿第四条）');
  await expect(page.locator('.inbox-row')).toHaveCount(3);
  for (const row of await page.locator('.inbox-row').all()) await expect(row).toContainText('第2条');
  await checkA11y(page);
  for (const [name, size] of [['phone', { width: 390, height: 844 }], ['desktop', { width: 1280, height: 900 }]] as const) {
    await page.setViewportSize(size);
    await page.screenshot({ path: `${shots}/carried-inbox-${name}.png` });
  }
  // Applying the form keeps the filter; the chip's link clears it.
  await page.locator('.filter-actions').getByRole('button', { name: '筛选' }).click();
  await expect(page.locator('.carried-chip')).toBeVisible();
  await page.getByRole('link', { name: '清除“上一审次意见”筛选' }).click();
  await expect(page.locator('.carried-chip')).toHaveCount(0);
  await expect(page.locator('.inbox-row')).toHaveCount(1);
});
