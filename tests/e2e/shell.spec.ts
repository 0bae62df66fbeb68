import { test, expect } from './fixtures';

test('home page lists the sample drafts in Chinese, with an English switch and large type', async ({ page, a11y }) => {
  await page.goto('/');
  await expect(page.locator('html')).toHaveAttribute('lang', 'zh-CN');
  await expect(page.getByRole('heading', { level: 1, name: '正在征求意见的法规草案' })).toBeVisible();
  await expect(page.getByRole('link', { name: '北京市接诉即办工作条例（草案）' })).toBeVisible();
  await a11y();

  await page.getByRole('link', { name: '大字', exact: true }).click();
  await expect(page.locator('html')).toHaveClass(/large-text/);
  await page.getByRole('link', { name: 'English' }).click();
  await expect(page.locator('html')).toHaveAttribute('lang', 'en');
  await expect(page.getByRole('heading', { level: 1, name: 'Drafts open for comment' })).toBeVisible();
  await a11y();
});

test('skip link moves focus to the main content', async ({ page, a11y }) => {
  await page.goto('/');
  await page.keyboard.press('Tab');
  const skip = page.getByRole('link', { name: '跳到主要内容' });
  await expect(skip).toBeFocused();
  await page.keyboard.press('Enter');
  await expect(page.locator('#main')).toBeFocused();
  await a11y();
});

test('unknown pages get the Chinese 404 page; unknown API paths get JSON', async ({ page, request, a11y }) => {
  const res = await page.goto('/no-such-page');
  expect(res?.status()).toBe(404);
  await expect(page.getByRole('heading', { level: 1, name: '没有找到这个页面' })).toBeVisible();
  await a11y();
  const api = await request.get('/api/v1/nope');
  expect(api.status()).toBe(404);
  expect(await api.json()).toEqual({ error: { code: 'NotFound', message: expect.any(String) } });
});

test('a POST from another origin is refused with 403', async ({ request }) => {
  const res = await request.post('/api/v1/drafts/jiesu-jiban/comments', {
    headers: { origin: 'http://evil.example', 'content-type': 'application/json' },
    data: { body: '跨站提交的意见内容' },
  });
  expect(res.status()).toBe(403);
  expect((await res.json()).error.code).toBe('CrossOriginRefused');
});

test('health endpoint reports the database', async ({ request }) => {
  const res = await request.get('/healthz');
  expect(res.status()).toBe(200);
  expect((await res.json()).database.reachable).toBe(true);
});
