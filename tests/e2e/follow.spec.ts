import { test, expect } from './fixtures';
import { sentMessages } from './messages';

/** The confirmation link of the newest follow-confirm message to `address` (delivery is a job: poll). */
async function confirmLinkTo(address: string): Promise<string> {
  for (let i = 0; i < 100; i++) {
    const m = sentMessages().filter((x) => x.recipient === address && x.kind === 'follow-confirm').at(-1);
    const url = m && /https?:\/\/\S+\/follow\/\S+/.exec(m.body)?.[0];
    if (url) return new URL(url).pathname;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`no follow confirmation reached ${address}`);
}

test('a reader follows a draft by e-mail: a confirmation mail, a page that asks for the click, then followed', async ({ page, a11y }) => {
  const address = `reader-${Date.now()}@example.cn`;
  await page.goto('/drafts/jiesu-jiban');
  const box = page.locator('#follow');
  await box.getByLabel('电子邮箱').fill('not-an-address');
  await box.getByRole('button', { name: '关注', exact: true }).click();
  await expect(page.getByText('请填写有效的电子邮箱地址，例如 name@example.com。').first()).toBeVisible();
  await a11y();
  await page.getByLabel('电子邮箱').fill(address);
  await page.getByRole('button', { name: '关注', exact: true }).click();
  await expect(page.getByText('请打开邮件中的链接完成关注', { exact: false })).toBeVisible();
  await a11y();

  const link = await confirmLinkTo(address);
  await page.goto(link);
  await expect(page.getByRole('heading', { level: 1, name: '确认关注' })).toBeVisible();
  await a11y();
  await page.getByRole('button', { name: '确认关注' }).click();
  await expect(page.getByRole('heading', { level: 1, name: '已关注' })).toBeVisible();
  await expect(page.getByText('已关注《北京市接诉即办工作条例（草案）》', { exact: false })).toBeVisible();
});
