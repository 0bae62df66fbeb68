/**
 * Undoing a bulk action (issue 19, decision 026): a staff member decides every comment matching a
 * filter, a colleague changes one of them afterwards, then 撤销 on the job's page with a
 * confirmation runs the undo as a job: the others are undecided again, the colleague's decision
 * and the decision made before the job stay. Runs against its own seeded server
 * (bulk-undo-seed.ts) on a fresh PGlite dir.
 */
import type { Page } from '@playwright/test';
import { mkdirSync } from 'node:fs';
import { startSeededServer, type SeededServer } from './seeded-server';
import { test, expect, checkA11y } from './fixtures';

test.describe.configure({ mode: 'serial' });
const port = Number(process.env.E2E_PORT ?? 4399) + 49;
const baseURL = `http://localhost:${port}`;
const shots = '/tmp/shots';
let server: SeededServer;
let seeded: { ids: string[]; token: string };

test.use({ baseURL });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  mkdirSync(shots, { recursive: true });
  server = await startSeededServer('bulk-undo', 'tests/e2e/bulk-undo-seed.ts', port);
  seeded = JSON.parse(server.seedLine);
});
test.afterAll(async () => { await server?.stop(); });

async function signIn(page: Page) {
  await page.goto('/signin?next=/staff');
  await page.getByLabel(/^邮箱或手机号码/).fill('undo@example.cn');
  await page.getByLabel(/^密码/).fill('Kaimen-e2e-Passw0rd!');
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/signin'));
}

test('undoes a bulk decision, leaving the comment a colleague changed since', async ({ page, request }) => {
  test.setTimeout(90_000);
  const auth = { authorization: `Bearer ${seeded.token}` };
  const adoptions = async () => {
    const out: Array<string | null> = [];
    for (const id of seeded.ids) out.push((await (await request.get(`/api/v1/staff/comments/${id}`, { headers: auth })).json()).decision?.adoption ?? null);
    return out;
  };
  await signIn(page);
  await page.goto('/staff/comments?draft=e2e-undo&article=3');
  await expect(page.locator('tbody tr')).toHaveCount(6);
  await page.getByLabel('操作').selectOption('decide');
  await page.getByLabel('采纳情况').last().selectOption('not_adopted');
  await page.getByLabel('理由').fill('属于业主大会议事规则调整的内容');
  await page.getByLabel('符合当前筛选条件的全部 6 条意见').check();
  await page.getByRole('button', { name: '执行' }).click();
  await page.getByRole('region', { name: '确认批量操作' }).getByRole('button', { name: '确认，对 6 条执行' }).click();
  await expect(page).toHaveURL(/\/staff\/jobs\//);
  await expect(page.getByText('已改动 5 条。')).toBeVisible({ timeout: 20_000 });
  const job = page.url().split('/').at(-1)!.split('?')[0];
  expect(await adoptions()).toEqual(['partially_adopted', 'not_adopted', 'not_adopted', 'not_adopted', 'not_adopted', 'not_adopted']);

  // A colleague decides one of them again after the job.
  const later = await request.post(`/api/v1/staff/comments/${seeded.ids[3]}/decision`, { headers: auth, data: { adoption: 'adopted' } });
  expect(later.status()).toBe(200);

  // 撤销, with a confirmation that says what it will and will not do.
  await page.reload();
  await page.getByRole('link', { name: '撤销这次批量操作' }).click();
  const confirm = page.getByRole('region', { name: '确认撤销' });
  await expect(confirm).toContainText('将把这次批量操作改动的 5 条意见恢复到操作之前的状态。');
  await expect(confirm).toContainText('不会被覆盖');
  await checkA11y(page, 'undo confirmation');
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: `${shots}/bulk-undo-confirm-phone.png`, fullPage: true });
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.screenshot({ path: `${shots}/bulk-undo-confirm-desktop.png`, fullPage: true });
  await confirm.getByRole('button', { name: '确认撤销 5 条' }).click();

  // The undo's own job page: what it put back and what it left.
  await expect(page).toHaveURL(/\/staff\/jobs\//);
  expect(page.url()).not.toContain(job);
  await expect(page.getByRole('heading', { name: '批量操作：撤销' })).toBeVisible();
  await expect(page.getByText('已改动 4 条。')).toBeVisible({ timeout: 20_000 });
  await expect(page.getByText('此后已被他人改动 1 条（保持现状，未覆盖）')).toBeVisible();
  await checkA11y(page, 'undo job');
  await page.screenshot({ path: `${shots}/bulk-undo-result-desktop.png`, fullPage: true });
  const undo = page.url().split('/').at(-1)!;
  const status = await (await request.get(`/api/v1/staff/jobs/${undo}`, { headers: auth })).json();
  expect(status).toMatchObject({ state: 'done', kind: 'bulk-undo', total: 5, changed: 4, skipped: 1, skippedBy: { changedSince: 1 } });
  expect(await adoptions()).toEqual(['partially_adopted', null, null, 'adopted', null, null]);

  // The job it undid says so, and offers no second undo; the API refuses one.
  await page.getByRole('link', { name: '撤销的批量操作' }).click();
  await expect(page.getByText('这次批量操作已撤销。')).toBeVisible();
  await expect(page.getByRole('link', { name: '撤销这次批量操作' })).toHaveCount(0);
  const again = await request.post(`/api/v1/staff/jobs/${job}/undo`, { headers: auth });
  expect(again.status()).toBe(403);
});
