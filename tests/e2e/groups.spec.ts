/**
 * Groups people can work with (issue 19): a staff member names a campaign group, reads what one
 * copy adds against the representative text and lists the identical copies, decides the group
 * while a copy decided by hand keeps its decision, moves a copy out, and merges two groups by
 * ticking them. Runs against its own seeded server (groups-seed.ts) on a fresh PGlite dir.
 */
import type { Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { startSeededServer, type SeededServer } from './seeded-server';
import { test, expect, checkA11y } from './fixtures';

test.describe.configure({ mode: 'serial' });
const port = Number(process.env.E2E_PORT ?? 4399) + 45;
const baseURL = `http://localhost:${port}`;
const shots = '/tmp/shots';
let server: SeededServer;
let seeded: { opening: string; clause: string };

test.use({ baseURL });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  mkdirSync(shots, { recursive: true });
    await new Promise((r) => setTimeout(r, 250));
  server = await startSeededServer('groups', 'tests/e2e/groups-seed.ts', port);
  seeded = JSON.parse(server.seedLine);
});
test.afterAll(async () => { await server?.stop(); });

async function signIn(page: Page) {
  await page.goto('/signin?next=/staff/groups');
  await page.getByLabel(/^邮箱或手机号码/).fill('groups@example.cn');
  await page.getByLabel(/^密码/).fill('Kaimen-e2e-Passw0rd!');
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL((u) => u.pathname === '/staff/groups');
}

const A_NAME = '建议物业费按实际服务面积计价，并每年向全体业主公示收支明细';

test('name a group, read a copy’s differences, decide it keeping a hand decision, move a copy out', async ({ page }) => {
  await signIn(page);
  // Named by its first sentence, never 未命名; no internal id to paste anywhere.
  await expect(page.getByRole('link', { name: A_NAME, exact: true })).toBeVisible();
  await expect(page.getByText(/未命名/)).toHaveCount(0);
  await checkA11y(page, 'groups list');
  await page.getByRole('link', { name: A_NAME, exact: true }).click();

  // The representative text once; three identical copies collapsed into one line that lists them.
  await expect(page.getByRole('heading', { name: '代表文本', exact: true })).toBeVisible();
  await expect(page.locator('.comment-body')).toHaveCount(1);
  await expect(page.locator('.identical-line strong')).toHaveText('3 条与代表文本完全相同');
  await expect(page.getByRole('heading', { name: '与代表文本不同的 2 条' })).toBeVisible();
  // Each copy shows only what it adds or removes, marked in words for screen readers too.
  const opening = page.locator('.member-row', { has: page.getByRole('link', { name: seeded.opening }) });
  await expect(opening.locator('ins')).toHaveText(['［增加：我是东城区居民，］', '［增加：望采纳！］']);
  await expect(opening).toContainText('部分采纳');
  const clause = page.locator('.member-row', { has: page.getByRole('link', { name: seeded.clause }) });
  await expect(clause.locator('del').first()).toContainText('年向全体业主');
  await expect(clause.locator('ins').first()).toContainText('季度在小区公告栏');
  await checkA11y(page, 'group page');
  for (const [name, size] of [['1280', { width: 1280, height: 900 }], ['390', { width: 390, height: 844 }]] as const) {
    await page.setViewportSize(size);
    await page.screenshot({ path: `${shots}/groups-group-${name}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.getByRole('link', { name: '列出这 3 条' }).click();
  await expect(page.getByRole('heading', { name: '与代表文本完全相同的 3 条' })).toBeVisible();
  await expect(page.locator('.member-row')).toHaveCount(3);
  await checkA11y(page, 'identical members');
  await page.getByRole('link', { name: '返回不同之处' }).click();

  // Name it: a step of its own, apart from confirming.
  await page.getByLabel('名称').fill('物业费计价倡议');
  await page.getByRole('button', { name: '保存名称' }).click();
  await expect(page.getByRole('status')).toContainText('名称已保存');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText('意见组：物业费计价倡议');

  // Decide the whole group: the hand decision is kept and the result says so.
  await expect(page.getByText('本组已有 1 条意见作出了决定')).toBeVisible();
  await expect(page.getByLabel(/覆盖已有的决定/)).not.toBeChecked();
  await page.getByLabel('采纳情况').selectOption('adopted');
  await page.getByRole('textbox', { name: '答复', exact: true }).fill('您的建议已采纳。');
  await page.getByRole('button', { name: /对全组 6 条意见作出决定/ }).click();
  await expect(page.getByRole('status')).toContainText('已对 5 条意见作出决定');
  await expect(page.getByRole('status')).toContainText('1 条已有决定，未改动');
  await expect(opening).toContainText('部分采纳');
  await expect(clause).toContainText('采纳');

  // Move the reworded copy out: it stands alone, still reachable by its receipt.
  await expect(page.getByText(/只选 1 条：它移出后单独成条；选 2 条或更多：它们一起移出，另成一个新的意见组/)).toBeVisible();
  await page.getByRole('checkbox', { name: `选择 ${seeded.clause}` }).check();
  await page.getByRole('button', { name: '移出本组' }).click();
  await expect(page.getByRole('status')).toContainText('已将 1 条意见移出本组，现单独成条');
  await expect(page.getByRole('heading', { name: '与代表文本不同的 1 条' })).toBeVisible();
  await expect(page.getByRole('link', { name: seeded.clause })).toHaveCount(0);
  await checkA11y(page, 'group after moving out');
});

test('merge two groups by ticking them; the largest survives', async ({ page }) => {
  await signIn(page);
  // First sentences longer than 30 characters are named by their first 29 and an ellipsis.
  const named = (sentence: string) => `${Array.from(sentence).slice(0, 29).join('')}…`;
  const b = named('电梯维修资金的使用应当经过业主大会表决同意，维修完成后由第三方机构验收');
  const c = named('小区停车位应当优先满足业主需要，出租给业主以外的人员时期限不得超过六个月');
  await page.getByRole('checkbox', { name: `选择意见组：${c}` }).check();
  await page.getByRole('checkbox', { name: `选择意见组：${b}` }).check();
  for (const [name, size] of [['1280', { width: 1280, height: 900 }], ['390', { width: 390, height: 844 }]] as const) {
    await page.setViewportSize(size);
    await page.screenshot({ path: `${shots}/groups-list-${name}.png`, fullPage: true });
  }
  await page.setViewportSize({ width: 1280, height: 900 });
  await page.getByRole('button', { name: '合并所选意见组' }).click();
  await expect(page.getByRole('status')).toContainText('已合并 2 条意见');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(`意见组：${b}`);
  await expect(page.getByText(/^5 条/)).toBeVisible();
  // Ticking one group is refused with a message, and nothing changes.
  await page.goto('/staff/groups');
  await page.getByRole('checkbox', { name: `选择意见组：${b}` }).check();
  await page.getByRole('button', { name: '合并所选意见组' }).click();
  await expect(page.getByRole('alert')).toContainText('请至少勾选两个意见组');
  await checkA11y(page, 'merge refused');
});
