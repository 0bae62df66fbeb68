/**
 * Tag suggestions (issue 20): a staff member sees a comment's suggested tag with its confidence,
 * accepts it (the tag is added and the history says so), rejects another, and accepts every
 * suggestion of confidence ≥ 0.9 of the round after seeing how many. Runs against its own seeded
 * server (suggestions-seed.ts) on a fresh PGlite dir.
 */
import type { Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { startSeededServer, type SeededServer } from './seeded-server';
import { test, expect } from './fixtures';

test.describe.configure({ mode: 'serial' });
const port = Number(process.env.E2E_PORT ?? 4399) + 57;
const baseURL = `http://localhost:${port}`;
const shots = '/tmp/shots';
let server: SeededServer;
let seeded: { accept: string; acceptTag: string; reject: string; rejectTag: string };

test.use({ baseURL });

test.beforeAll(async () => {
  test.setTimeout(180_000);
  mkdirSync(shots, { recursive: true });
  server = await startSeededServer('suggestions', 'tests/e2e/suggestions-seed.ts', port);
  seeded = JSON.parse(server.seedLine);
});
test.afterAll(async () => { await server?.stop(); });

async function signIn(page: Page, next: string) {
  await page.goto(`/signin?next=${encodeURIComponent(next)}`);
  await page.getByLabel(/^邮箱或手机号码/).fill('biaoqian@example.cn');
  await page.getByLabel(/^密码/).fill('Kaimen-e2e-Passw0rd!');
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL((u) => u.pathname === next);
}

test('staff see a suggestion with its confidence and accept it', async ({ page, a11y }) => {
  await signIn(page, `/staff/comments/${seeded.accept}`);
  const list = page.locator('.suggestion-list');
  const item = list.locator('li', { hasText: seeded.acceptTag });
  await expect(item).toContainText(/置信度 (0\.9\d|1\.00)/);
  await a11y();
  await page.screenshot({ path: `${shots}/suggest-comment-desktop.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${shots}/suggest-comment-phone.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByRole('button', { name: `接受建议的标签“${seeded.acceptTag}”` }).click();
  await expect(page.getByRole('status')).toContainText('已保存');
  await expect(page.locator('.tag-list .tag', { hasText: seeded.acceptTag })).toBeVisible();
  await expect(page.getByRole('button', { name: `接受建议的标签“${seeded.acceptTag}”` })).toHaveCount(0);
  await expect(page.locator('.history')).toContainText('加标签');
  await a11y();
});

test('staff reject a suggestion and it is gone', async ({ page, a11y }) => {
  await signIn(page, `/staff/comments/${seeded.reject}`);
  await page.getByRole('button', { name: `拒绝建议的标签“${seeded.rejectTag}”` }).click();
  await expect(page.getByRole('status')).toContainText('已保存');
  await expect(page.getByRole('button', { name: `拒绝建议的标签“${seeded.rejectTag}”` })).toHaveCount(0);
  await expect(page.locator('.history')).toContainText('拒绝标签建议');
  await a11y();
});

test('staff accept every suggestion of confidence ≥ 0.9 after seeing the count', async ({ page, a11y }) => {
  const path = '/staff/drafts/e2e-biaoqian/rounds/1/suggestions';
  await signIn(page, path);
  await expect(page.getByText(/依据本轮已加标签的 \d+ 条意见学习/)).toBeVisible();
  const countText = await page.locator('#bulk-count').innerText();
  const count = Number(/共 (\d+) 条/.exec(countText)?.[1]);
  expect(count).toBeGreaterThan(50);
  await a11y();
  await page.screenshot({ path: `${shots}/suggest-round-desktop.png`, fullPage: true });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${shots}/suggest-round-phone.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByRole('button', { name: `接受全部置信度 ≥ 0.9 的建议（${count} 条）` }).click();
  await expect(page.getByRole('status')).toContainText(`已接受 ${count} 条建议`);
  await expect(page.getByText('没有置信度 ≥ 0.9 的建议。')).toBeVisible();
  await a11y();
});
