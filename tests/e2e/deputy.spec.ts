/**
 * The deputy's journeys (issue 6): a deputy batch-enters a paper sheet of five comments, sees
 * them on the dashboard and prints the feedback slip; the station poster and its QR landing.
 */
import type { Page } from '@playwright/test';
import { test, expect, checkA11y } from './fixtures';
import { E2E_PASSWORD, startStationServer, type StationServer } from './stations-support';

test.describe.configure({ mode: 'serial' });
let server: StationServer;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  server = await startStationServer(Number(process.env.E2E_PORT ?? 4399) + 12);
});
test.afterAll(async () => {
  await server?.stop();
});

async function signInDeputy(page: Page) {
  await page.goto(`${server.baseURL}/signin?next=/deputy`);
  await page.getByLabel(/^邮箱或手机号码/).fill('deputy@example.cn');
  await page.getByLabel(/^密码/).fill(E2E_PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await expect(page).toHaveURL(/\/deputy$/);
}

test('a deputy batch-enters a sheet of five and prints the feedback slip', async ({ page }) => {
  await signInDeputy(page);
  await expect(page.getByRole('heading', { level: 1, name: '代表工作台' })).toBeVisible();
  await checkA11y(page, 'deputy dashboard');
  await page.getByRole('link', { name: '录入座谈记录单' }).click();
  await page.getByRole('link', { name: /北京市接诉即办工作条例/ }).click();
  await expect(page.getByRole('heading', { level: 1, name: '录入座谈记录单' })).toBeVisible();
  await checkA11y(page, 'deputy sheet');

  const rows = [
    { article: '3', body: '建议延长热线人工服务时间。', name: '王阿姨', voices: '3' },
    { article: '', body: '总体赞成，建议条例尽快出台。', name: '', voices: '12' },
    { article: '10', body: '承办单位答复要有明确时限。', name: '', voices: '1' },
    { article: '5', body: '回访时要问清楚是否满意。', name: '刘师傅', voices: '2' },
    { article: '', body: '希望多开这样的座谈会。', name: '', voices: '20' },
  ];
  // First a mistake on row 3: the whole sheet is refused, the row is named, nothing is stored.
  for (const [i, r] of rows.entries()) {
    const row = page.getByRole('group', { name: `第 ${i + 1} 条意见` });
    if (r.article) await row.getByLabel('针对哪一条').selectOption(r.article);
    await row.getByLabel('居民的意见').fill(i === 2 ? '短' : r.body);
    if (r.name) await row.getByLabel(/^居民姓名/).fill(r.name);
    await row.getByLabel('提出这条意见的居民人数').fill(r.voices);
  }
  await page.getByRole('button', { name: '保存全部意见' }).click();
  await expect(page.getByRole('alert')).toBeVisible();
  await expect(page.getByRole('group', { name: '第 3 条意见' }).locator('.field-error')).toContainText('至少需要 5 个字');
  await expect(page.getByRole('group', { name: '第 1 条意见' }).getByLabel('居民的意见')).toHaveValue(rows[0].body);
  await checkA11y(page, 'deputy sheet with errors');

  await page.getByRole('group', { name: '第 3 条意见' }).getByLabel('居民的意见').fill(rows[2].body);
  await page.getByRole('button', { name: '保存全部意见' }).click();
  await expect(page.getByRole('heading', { name: '已保存 5 条意见。' })).toBeVisible();
  await expect(page.locator('tbody tr')).toHaveCount(5);
  await checkA11y(page, 'deputy sheet saved');

  await page.goto(`${server.baseURL}/deputy`);
  const cards = page.locator('.deputy-comments .card').filter({ hasText: '代表录入' });
  await expect(cards).toHaveCount(5);
  await expect(cards.filter({ hasText: '王阿姨' })).toContainText('3 位居民提出');
  await expect(cards.filter({ hasText: '希望多开这样的座谈会' })).toContainText('20 位居民提出');

  await page.getByRole('button', { name: '打印这一天的反馈单' }).click();
  await expect(page.getByRole('heading', { level: 1, name: /座谈意见反馈单/ })).toBeVisible();
  await expect(page.locator('.slip-item')).toHaveCount(5);
  await checkA11y(page, 'feedback slip');
});

test("a deputy comments in their own name, kept apart from residents' comments", async ({ page }) => {
  await signInDeputy(page);
  await page.getByRole('link', { name: '以代表身份提意见' }).click();
  await page.getByRole('link', { name: /物业管理条例|北京市接诉即办工作条例/ }).first().click();
  await page.getByLabel('我的意见和建议').fill('作为代表，建议在条例中明确代表联络站的反馈机制。');
  await page.getByRole('button', { name: '提交我的意见' }).click();
  await expect(page.getByRole('heading', { name: '已保存 1 条意见。' })).toBeVisible();
  await page.goto(`${server.baseURL}/deputy`);
  await expect(page.locator('.deputy-comments .card').filter({ hasText: '代表本人意见' })).toHaveCount(1);
});

test("the station's poster leads residents to a comment form attributed to the station", async ({ page }) => {
  await page.goto(`${server.baseURL}/stations/DC-JDK/poster`);
  await expect(page.getByRole('heading', { level: 1, name: '交道口街道代表之家' })).toBeVisible();
  await expect(page.getByRole('img', { name: /二维码/ })).toBeVisible();
  await checkA11y(page, 'station poster');

  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${server.baseURL}/stations/DC-JDK`);
  await checkA11y(page, 'station QR landing (phone)');
  await page.getByRole('link', { name: /我要提意见.*北京市接诉即办工作条例/ }).click();
  await page.getByLabel('针对哪一条').selectOption({ index: 3 });
  await page.getByLabel('您的意见和建议').fill('扫码提交：建议在社区张贴热线号码。');
  await checkA11y(page, 'station QR form (phone)');
  await page.getByRole('button', { name: '提交意见' }).click();
  await expect(page).toHaveURL(/\/receipts\/JS3-/);
});
