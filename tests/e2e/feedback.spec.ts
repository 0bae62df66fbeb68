/**
 * The published answer (issue 18): staff write and confirm the 主要意见 of 停车条例's closed 二审稿,
 * publishing is refused until every item is confirmed and asks "仍然公布" while comments are
 * unanswered; a visitor finds the feedback page from the draft page and the home page and reads
 * only the confirmed text. Runs against its own seeded server (reports-seed.ts) on a fresh PGlite dir.
 */
import type { Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSeededServer, type SeededServer } from './seeded-server';
import { test, expect, checkA11y } from './fixtures';

test.describe.configure({ mode: 'serial' });
const port = Number(process.env.E2E_PORT ?? 4399) + 25;
const baseURL = `http://localhost:${port}`;
const report = '/staff/drafts/tingche/rounds/2';
const shots = process.env.SHOTS_DIR ?? join(tmpdir(), 'shots');
let server: SeededServer;

test.use({ baseURL });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  mkdirSync(shots, { recursive: true });
    await new Promise((r) => setTimeout(r, 250));
  server = await startSeededServer('feedback', 'tests/e2e/reports-seed.ts', port);
});
test.afterAll(async () => { await server?.stop(); });

async function signIn(page: Page) {
  await page.goto(`/signin?next=${encodeURIComponent(report)}`);
  await page.getByLabel(/^邮箱或手机号码/).fill('reports@example.cn');
  await page.getByLabel(/^密码/).fill('Kaimen-e2e-Passw0rd!');
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL((u) => u.pathname === report);
}

/** Writes the points of one item on the points page and presses one of its two buttons. */
async function writePoints(page: Page, article: number, label: string, text: string, button: '保存' | '保存并确认') {
  const section = page.locator(`#points-${article}`);
  await section.getByLabel(`${label}的主要意见`).fill(text);
  await section.getByRole('button', { name: button, exact: true }).click();
  await expect(page.getByRole('status')).toContainText(button === '保存' ? `${label}的主要意见已保存，尚未确认。` : `${label}的主要意见已确认。`);
}

test('staff write and confirm the main points, publish, and the public finds and reads only confirmed text', async ({ page, browser }) => {
  test.setTimeout(120_000);
  await signIn(page);
  await expect(page.getByText('有公开意见的5项中，0项的主要意见已确认。')).toBeVisible();
  await expect(page.getByText('尚未公开答复的意见3条，尚未作出采纳决定（含待研究）的意见2条。')).toBeVisible();
  await page.getByRole('link', { name: '填写和确认主要意见' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('主要意见');
  await expect(page.locator('#points-2')).toContainText('公开意见 3 条');
  await expect(page.locator('#points-2')).toContainText('适用范围（2）');
  await checkA11y(page);

  // Saved first, confirmed after; the state says who and when.
  await writePoints(page, 2, '第二条', '一是建议适用范围包括相关服务活动（2人次）；二是建议明确范围（1人次）。', '保存');
  await expect(page.locator('#points-2')).toContainText('未确认：报告员于');
  await writePoints(page, 2, '第二条', '一是建议适用范围包括相关服务活动（2人次）；二是建议明确范围（1人次）。', '保存并确认');
  await expect(page.locator('#points-2')).toContainText('已确认：报告员，');
  // Confirming needs text.
  await page.locator('#points-1').getByRole('button', { name: '保存并确认' }).click();
  await expect(page.locator('#points-1').getByText('请先填写主要意见，再确认。')).toBeVisible();
  await expect(page.getByLabel('第一条的主要意见')).toHaveAttribute('aria-invalid', 'true');
  await checkA11y(page);
  await writePoints(page, 0, '总体意见', '一是建议整体上加强公众参与（1人次）。', '保存并确认');
  await writePoints(page, 1, '第一条', '一是建议立法目的写明保障权益（1人次）。', '保存并确认');
  await writePoints(page, 3, '第三条', '一是建议将政府职责细化到区（2人次）。', '保存并确认');

  // 第四条 is not confirmed: publishing is refused, naming it.
  await page.goto(report);
  await expect(page.getByText('尚未确认：第四条。全部确认后才能公布。')).toBeVisible();
  await page.getByRole('checkbox', { name: /仍然公布/ }).check();
  await page.getByRole('button', { name: '公布意见采纳情况' }).click();
  await expect(page.getByRole('alert')).toContainText('还有1项的主要意见尚未确认（第四条）');

  await page.goto(`${report}/points#points-4`);
  await writePoints(page, 4, '第四条', '一是建议加大处罚力度（3人次，批量意见）；二是认为处罚标准太轻（1人次）。', '保存并确认');
  for (const [name, size] of [['phone', { width: 390, height: 844 }], ['desktop', { width: 1280, height: 900 }]] as const) {
    await page.setViewportSize(size);
    await page.screenshot({ path: join(shots, `feedback-points-${name}.png`), fullPage: true });
  }

  // Unanswered comments: a warning with the counts, then "仍然公布".
  await page.goto(report);
  await page.getByRole('button', { name: '公布意见采纳情况' }).click();
  await expect(page.getByRole('alert')).toContainText('还有3条意见尚未公开答复、2条意见尚未作出采纳决定');
  await expect(page.getByRole('checkbox', { name: /仍然公布/ })).toHaveAttribute('aria-invalid', 'true');
  await checkA11y(page);
  await page.getByRole('checkbox', { name: /仍然公布/ }).check();
  await page.getByRole('button', { name: '公布意见采纳情况' }).click();
  await expect(page.getByRole('status')).toContainText('已公布意见采纳情况');

  // An edit after publication is not published until confirmed again.
  await page.goto(`${report}/points`);
  await writePoints(page, 3, '第三条', '尚未确认的新归纳。', '保存');

  // A visitor, without an account: the draft page links to the feedback page.
  const context = await browser.newContext({ baseURL, locale: 'zh-CN' });
  const visitor = await context.newPage();
  await visitor.goto('/drafts/tingche?round=2');
  await expect(visitor.getByRole('link', { name: '查看本审次意见采纳情况' }).first()).toBeVisible();
  await visitor.getByRole('link', { name: '查看二审稿意见采纳情况' }).click();
  await expect(visitor.getByRole('heading', { level: 1 })).toContainText('二审稿意见采纳情况');
  const second = visitor.locator('#article-2');
  await expect(second).toContainText('主要意见：');
  await expect(second).toContainText('一是建议适用范围包括相关服务活动（2人次）；二是建议明确范围（1人次）。');
  await expect(visitor.getByText('尚未确认的新归纳。')).toHaveCount(0);
  await expect(visitor.locator('#article-3')).not.toContainText('主要意见');
  await expect(visitor.getByText('尚未归纳')).toHaveCount(0);
  await expect(visitor.getByText('报告员')).toHaveCount(0);
  await checkA11y(visitor);
  for (const [name, size] of [['phone', { width: 390, height: 844 }], ['desktop', { width: 1280, height: 900 }]] as const) {
    await visitor.setViewportSize(size);
    await visitor.screenshot({ path: join(shots, `feedback-public-${name}.png`), fullPage: true });
  }

  // The home page's card of the draft links to it too.
  await visitor.goto('/');
  await visitor.getByRole('link', { name: /查看二审稿意见采纳情况.*停车条例/ }).click();
  await expect(visitor.getByRole('heading', { level: 1 })).toContainText('二审稿意见采纳情况');
  await context.close();
});
