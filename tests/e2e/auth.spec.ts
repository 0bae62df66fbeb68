/**
 * Accounts (issue 4): a citizen signs up with the code sent to their phone, signs out and signs
 * in again; bad input gets Chinese messages; a staff user reaches /staff and a citizen is refused.
 */
import { test, expect, checkA11y } from './fixtures';
import type { Page } from '@playwright/test';
import { E2E_PASSWORD, startStationServer, type StationServer } from './stations-support';
import { lastCodeTo } from './messages';

const phone = `139${String(Date.now()).slice(-8)}`;
const password = 'Zhang-san-2026';

async function signInAs(page: Page, account: string, pass: string) {
  await page.getByLabel(/^邮箱或手机号码/).fill(account);
  await page.getByLabel(/^密码/).fill(pass);
  await page.getByRole('button', { name: '登录' }).click();
}

test('a citizen signs up, signs out, signs in, and is refused the staff area', async ({ page, a11y }) => {
  await page.goto('/');
  await page.getByRole('link', { name: '登录' }).click();
  await page.getByRole('link', { name: '注册' }).click();
  await expect(page.getByRole('heading', { level: 1, name: '注册' })).toBeVisible();
  await a11y();

  // Bad input first: a short password and no district. Nothing is created.
  await page.getByLabel(/^邮箱或手机号码/).fill('not-a-phone');
  await page.getByLabel(/^新密码/).fill('12345');
  await page.getByRole('button', { name: '注册' }).click();
  await expect(page.getByRole('alert')).toContainText('填写的内容有误');
  await expect(page.getByText('请输入正确的邮箱地址或 11 位手机号码。').first()).toBeVisible();
  await expect(page.getByText('密码至少需要 10 个字符。').first()).toBeVisible();
  await expect(page.getByLabel(/^邮箱或手机号码/)).toHaveValue('not-a-phone');
  await a11y();

  await page.getByLabel(/^邮箱或手机号码/).fill(phone);
  await page.getByLabel(/^新密码/).fill(password);
  await page.getByLabel(/^再次输入新密码/).fill(password);
  await page.getByLabel(/^姓名/).fill('张三');
  await page.getByLabel(/^所在区/).selectOption('海淀区');
  await page.getByLabel(/^职业/).fill('教师');
  const submitted = new Date();
  await page.getByRole('button', { name: '注册' }).click();
  // The same page for a new and an existing account; the code arrives by SMS (a job, shortly after).
  await expect(page).toHaveURL(/\/signup\/confirm$/);
  await expect(page.getByRole('heading', { level: 1, name: '完成注册' })).toBeVisible();
  await expect(page.getByText(`${phone.slice(0, 3)}****${phone.slice(-4)}`)).toBeVisible();
  await a11y();
  await page.getByLabel(/^验证码/).fill(await lastCodeTo(phone, { after: submitted }));
  await page.getByRole('button', { name: '完成注册' }).click();
  await expect(page).toHaveURL(/\/account\?done=welcome$/);
  await expect(page.getByRole('heading', { level: 1, name: '我的账户' })).toBeVisible();
  await expect(page.getByText(`${phone.slice(0, 3)}****${phone.slice(-4)}`)).toBeVisible();
  await expect(page.getByText(phone)).toHaveCount(0);
  await a11y();

  // A citizen opening /staff is refused with a Chinese message.
  const refused = await page.goto('/staff');
  expect(refused?.status()).toBe(403);
  await expect(page.getByRole('heading', { level: 1, name: '您没有权限进行此操作。' })).toBeVisible();
  await a11y();

  await page.getByRole('button', { name: '退出' }).click();
  await expect(page).toHaveURL(/\/signin\?signedout=1$/);
  await expect(page.getByText('您已退出登录。')).toBeVisible();
  const after = await page.goto('/account');
  expect(after?.url()).toMatch(/\/signin\?next=%2Faccount$/);
  await expect(page.getByText('请先登录，登录后会回到您要去的页面。')).toBeVisible();

  await signInAs(page, phone, 'wrong-password-1');
  await expect(page.getByRole('alert')).toContainText('账号或密码不正确。');
  await a11y();
  await signInAs(page, phone, password);
  await expect(page).toHaveURL(/\/account$/);
  await expect(page.getByRole('heading', { level: 1, name: '我的账户' })).toBeVisible();

  // Answer notices: on for a verified account until the citizen turns them off.
  const notices = page.getByRole('checkbox', { name: '我的意见答复后，向我已验证的手机或邮箱发送通知' });
  await expect(notices).toBeChecked();
  await notices.uncheck();
  await page.getByRole('button', { name: '保存通知设置' }).click();
  await expect(page).toHaveURL(/\/account\?done=notify$/);
  await expect(page.getByText('答复通知设置已保存。')).toBeVisible();
  await expect(notices).not.toBeChecked();
  await a11y();
});

test('a reset link fills the account in, and it stays filled until the new password is set', async ({ page, a11y }) => {
  // The first test made this account.
  await page.goto(`/account/reset?account=${encodeURIComponent(` ${phone} `)}`);
  await expect(page.getByLabel(/^邮箱或手机号码/)).toHaveValue(phone);
  await a11y();
  const asked = new Date();
  await page.getByRole('button', { name: '发送验证码' }).click();
  await expect(page).toHaveURL(/\/account\/reset-confirm\?sent=1&account=/);
  await expect(page.getByLabel(/^邮箱或手机号码/)).toHaveValue(phone);
  await page.getByLabel(/^验证码/).fill(await lastCodeTo(phone, { after: asked }));
  await page.getByLabel(/^新密码/).fill('Zhang-san-2027');
  await page.getByLabel(/^再次输入新密码/).fill('Zhang-san-2027');
  await page.getByRole('button', { name: '重设密码' }).click();
  await expect(page).toHaveURL(/\/signin\?reset=1$/);
  await signInAs(page, phone, 'Zhang-san-2027');
  await expect(page).toHaveURL(/\/account$/);
});

test.describe('staff', () => {
  let server: StationServer;
  test.beforeAll(async () => {
    test.setTimeout(120_000);
    server = await startStationServer(Number(process.env.E2E_PORT ?? 4399) + 21);
  });
  test.afterAll(async () => {
    await server?.stop();
  });

  test('a staff user signs in to /staff and sees the outbox, but not the admin area', async ({ page }) => {
    await page.goto(`${server.baseURL}/staff`);
    await expect(page).toHaveURL(/\/signin\?next=%2Fstaff$/);
    await signInAs(page, 'staff@example.cn', E2E_PASSWORD);
    await expect(page).toHaveURL(`${server.baseURL}/staff`);
    await expect(page.getByRole('heading', { level: 1, name: '工作台' })).toBeVisible();
    await checkA11y(page, 'staff home');
    await page.getByRole('link', { name: '消息发送记录' }).first().click();
    await expect(page.getByRole('heading', { level: 1, name: '消息发送记录' })).toBeVisible();
    await checkA11y(page, 'outbox');
    const admin = await page.goto(`${server.baseURL}/admin/users`);
    expect(admin?.status()).toBe(403);
  });
});
