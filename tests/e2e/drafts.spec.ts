/**
 * Reading a draft: open it from the home page, jump to 第十条 from the table of contents, switch
 * rounds, open the 修改对照表, and the article permalink; on a desktop and on a phone.
 */
import { test, expect } from './fixtures';

test('open a draft, jump to 第十条 from the contents, switch rounds, open the diff', async ({ page, a11y }) => {
  await page.goto('/');
  await page.getByRole('link', { name: '北京市接诉即办工作条例（草案）' }).click();
  await expect(page.getByRole('heading', { level: 1, name: '北京市接诉即办工作条例（草案）' })).toBeVisible();
  const rounds = page.getByRole('navigation', { name: '审次' });
  await expect(rounds.getByRole('link', { name: /三审稿/ })).toHaveAttribute('aria-current', 'page');
  await expect(page.getByText(/还剩 \d+ 天/)).toBeVisible();
  await a11y();

  await page.getByRole('navigation', { name: '目录' }).getByRole('link', { name: '第十条', exact: true }).click();
  await expect(page).toHaveURL(/#article-10$/);
  const article10 = page.locator('#article-10');
  await expect(article10.getByRole('heading', { name: '第十条' })).toBeInViewport();
  await expect(article10).toContainText('市民热线服务工作机构应当通过语音');
  await expect(article10.getByRole('link', { name: /本条链接/ })).toHaveAttribute('href', '/drafts/jiesu-jiban/articles/10?round=3');

  // The comment form folds under each article while the round is open.
  await article10.getByText('对本条提意见').click();
  await expect(article10.getByRole('textbox', { name: '您的意见' })).toBeVisible();
  await a11y();

  await rounds.getByRole('link', { name: /二审稿/ }).click();
  await expect(page).toHaveURL(/round=2/);
  await expect(page.getByRole('navigation', { name: '审次' }).getByRole('link', { name: /二审稿/ })).toHaveAttribute('aria-current', 'page');
  await expect(page.locator('.round-status').getByText(/本审次征求意见已于 .* 截止/)).toBeVisible();
  await expect(page.getByRole('link', { name: '查看最新的三审稿' })).toBeVisible();
  await expect(page.getByText('对本条提意见')).toHaveCount(0);
  await a11y();

  await page.getByRole('link', { name: /修改对照表/ }).first().click();
  await expect(page.getByRole('heading', { level: 1, name: '一审稿与二审稿修改对照表' })).toBeVisible();
  await expect(page.getByText('修改 6 条，新增 1 条，删除 1 条')).toBeVisible();
  await a11y();
});

test('the 停车条例 diff shows exactly the three real changes, highlighted', async ({ page, a11y }) => {
  await page.goto('/drafts/tingche/diff?from=1&to=2');
  await expect(page.getByText('修改 3 条，新增 0 条，删除 0 条，仅序号调整 0 条，未修改 40 条。')).toBeVisible();
  const entries = page.locator('.diff-list > li');
  await expect(entries).toHaveCount(3);
  await expect(entries.getByRole('heading', { level: 2 })).toHaveText([/第二十三条/, /第二十九条/, /第三十九条/]);
  await expect(entries.nth(0).locator('ins')).toHaveText('［增加：元］');
  await expect(entries.nth(1).locator('ins').first()).toContainText('由');
  await expect(entries.nth(2).locator('ins')).toContainText('中华人民共和国治安管理处罚法');
  await a11y();

  // Choosing the same round twice explains itself next to the form.
  await page.getByLabel('修改稿').selectOption({ label: '一审稿' });
  await page.getByRole('button', { name: '对照' }).click();
  await expect(page.getByRole('alert')).toHaveText('请选择两个不同的审次进行对照。');
  await a11y();

  await page.goto('/drafts/tingche/diff?from=1&to=2&all=1');
  await expect(page.locator('.diff-list > li')).toHaveCount(43);
});

test('an article permalink shows the article, its place in each round and the comment form', async ({ page, a11y }) => {
  await page.goto('/drafts/jiesu-jiban/articles/10?round=3');
  await expect(page.getByRole('heading', { level: 1, name: '第十条' })).toBeVisible();
  await expect(page.getByRole('textbox', { name: '您的意见' })).toBeVisible();
  await expect(page.getByRole('link', { name: '一审稿：第十一条' })).toBeVisible();
  await a11y();
  await page.getByRole('link', { name: '一审稿：第十一条' }).click();
  await expect(page).toHaveURL(/\/articles\/11\?round=1$/);
  await expect(page.getByRole('heading', { level: 1, name: '第十一条' })).toBeVisible();
  await a11y();

  const missing = await page.goto('/drafts/jiesu-jiban/articles/99');
  expect(missing?.status()).toBe(404);
  const badRound = await page.goto('/drafts/jiesu-jiban?round=x');
  expect(badRound?.status()).toBe(404);
});

test.describe('on a phone', () => {
  test.use({ viewport: { width: 390, height: 844 } });

  test('the contents and the note fold away; 第十条 is one tap from the contents', async ({ page, a11y }) => {
    await page.goto('/drafts/jiesu-jiban');
    const toc = page.getByRole('navigation', { name: '目录' });
    await expect(toc).toBeHidden();
    await page.getByText('目录（共 5 章 38 条）').click();
    await toc.getByRole('link', { name: '第十条', exact: true }).click();
    await expect(page.locator('#article-10').getByRole('heading', { name: '第十条' })).toBeInViewport();
    await expect(page.getByText('关于《北京市接诉即办工作条例（草案三审稿）》修改情况的说明')).toBeHidden();
    await page.getByText('起草说明', { exact: true }).click();
    await expect(page.getByText('关于《北京市接诉即办工作条例（草案三审稿）》修改情况的说明')).toBeVisible();
    const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    expect(overflow).toBeLessThanOrEqual(0);
    await a11y();
  });
});

test('the reading API answers in the documented shapes', async ({ request }) => {
  const list = await request.get('/api/v1/drafts');
  expect(list.status()).toBe(200);
  expect(list.headers()['cache-control']).toBe('public, max-age=30');
  const draft = await (await request.get('/api/v1/drafts/jiesu-jiban?round=3')).json();
  expect(draft.articles[9]).toMatchObject({ number: 10, label: '第十条', chapter: 2, commentCount: expect.any(Number) });
  const diff = await (await request.get('/api/v1/drafts/tingche/diff?from=1&to=2')).json();
  expect(diff.articles.filter((a: { change: string }) => a.change !== 'unchanged')).toHaveLength(3);
  const missing = await request.get('/api/v1/drafts/nope');
  expect(missing.status()).toBe(404);
  expect((await missing.json()).error.code).toBe('DraftNotFound');
  const openapi = await request.get('/api/v1/openapi.json');
  expect(openapi.status()).toBe(200);
  expect((await openapi.json()).openapi).toMatch(/^3\.1/);
});
