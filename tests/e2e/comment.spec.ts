import { test, expect } from './fixtures';
import type { Page } from '@playwright/test';

const FORM = '/drafts/jiesu-jiban/comment?article=10';
const BODY = '建议第十条明确诉求工单应当在受理后一小时内形成，并告知诉求人工单编号。';

async function fillAndSubmit(page: Page, body: string, extra: { contact?: string; name?: string } = {}) {
  await page.getByLabel('您的意见').fill(body);
  if (extra.contact || extra.name) {
    await page.getByText('留下姓名和联系方式（可以不填）').click();
    if (extra.name) await page.getByLabel('姓名或称呼').fill(extra.name);
    if (extra.contact) await page.getByLabel('联系方式（手机号或电子邮箱）').fill(extra.contact);
  }
  await page.getByRole('button', { name: '提交意见' }).click();
}

test('a citizen comments on 第十条 without an account, submits again, and looks the receipt up', async ({ page, browser, a11y }) => {
  await page.goto(FORM);
  await expect(page.getByRole('heading', { level: 1, name: '对第十条提出意见' })).toBeVisible();
  await expect(page.getByText('市民热线服务工作机构应当通过语音')).toBeVisible();
  await a11y();
  const firstKey = await page.locator('input[name="idempotencyKey"]').inputValue();
  // Being told of the answer is asked for, never assumed.
  await page.getByText('留下姓名和联系方式（可以不填）').click();
  const notify = page.getByRole('checkbox', { name: '意见答复后，通过短信或邮件通知我' });
  await expect(notify).not.toBeChecked();
  await expect(notify).toHaveAccessibleDescription(/只发往上面填写的联系方式/);
  await page.getByText('留下姓名和联系方式（可以不填）').click();

  await fillAndSubmit(page, BODY, { name: '王大妈', contact: '13912345678' });
  await expect(page).toHaveURL(/\/receipts\/JS3-[0-9A-Z]{4}-[0-9A-Z]{2}$/);
  await expect(page.getByRole('heading', { level: 1, name: '意见回执' })).toBeVisible();
  await expect(page.getByText('您的意见已经收到并登记。')).toBeVisible();
  const receipt = (await page.getByTestId('receipt-number').textContent())!.trim();
  const code = (await page.getByTestId('lookup-code').textContent())!.trim();
  expect(page.url()).not.toContain(code);
  await expect(page.getByRole('img', { name: `二维码：打开回执 ${receipt} 的查询页面` })).toBeVisible();
  await expect(page.getByTestId('comment-status')).toHaveText('已收到');
  await expect(page.getByText(BODY)).toBeVisible();
  // Contact details never appear on the page.
  expect(await page.content()).not.toContain('13912345678');
  await a11y();

  // Reload the form and submit the same comment again: still one comment, the same receipt.
  await page.goto(FORM);
  expect(await page.locator('input[name="idempotencyKey"]').inputValue()).not.toBe(firstKey);
  await fillAndSubmit(page, BODY, { name: '王大妈', contact: '13912345678' });
  await expect(page).toHaveURL(new RegExp(`/receipts/${receipt}$`));
  await expect(page.getByTestId('lookup-code')).toHaveText(code);

  // A browser retry of the very first POST (same key), from anywhere, gets the same receipt too.
  const retry = await page.request.post('/drafts/jiesu-jiban/comment', {
    form: { round: '3', article: '10', idempotencyKey: firstKey, body: BODY, name: '王大妈', contact: '13912345678' },
    headers: { origin: new URL(page.url()).origin },
    maxRedirects: 0,
  });
  expect(retry.status()).toBe(303);
  expect(retry.headers()['location']).toBe(`/receipts/${receipt}`);

  // Someone else, on another device, looks it up with the receipt and the code.
  const other = await browser.newContext({ locale: 'zh-CN' });
  const lookup = await other.newPage();
  await lookup.goto('/receipts');
  await expect(lookup.getByRole('heading', { level: 1, name: '查询意见办理情况' })).toBeVisible();
  await lookup.getByLabel('回执号').fill(receipt.toLowerCase());
  await lookup.getByLabel('查询码').fill(code);
  await lookup.getByRole('button', { name: '查询' }).click();
  await expect(lookup).toHaveURL(new RegExp(`/receipts/${receipt}$`));
  await expect(lookup.getByTestId('comment-status')).toHaveText('已收到');
  await expect(lookup.getByText(BODY)).toBeVisible();
  await expect(lookup.getByText('这条意见正在办理，答复后会在这里显示。')).toBeVisible();

  // The API agrees: one comment, received.
  const api = await page.request.get(`/api/v1/receipts/${receipt}?code=${code}`);
  expect(await api.json()).toMatchObject({ receipt, draft: 'jiesu-jiban', round: 3, article: 10, status: 'received' });
  await other.close();
});

test('the QR code link opens the status page and drops the code from the address', async ({ page, browser, a11y }) => {
  await page.goto(FORM);
  await fillAndSubmit(page, '二维码测试：建议工单编号短一些，方便老人记。');
  const receipt = (await page.getByTestId('receipt-number').textContent())!.trim();
  const code = (await page.getByTestId('lookup-code').textContent())!.trim();
  const phone = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: 'zh-CN' });
  const p = await phone.newPage();
  await p.goto(`/receipts/${receipt}?code=${code.toLowerCase()}`);
  await expect(p).toHaveURL(new RegExp(`/receipts/${receipt}$`));
  await expect(p.getByTestId('comment-status')).toHaveText('已收到');
  await phone.close();
  // Without the code or a cookie: the look-up form, with the receipt filled in.
  const stranger = await browser.newContext();
  const s = await stranger.newPage();
  await s.goto(`/receipts/${receipt}`);
  await expect(s).toHaveURL(/\/receipts\?receipt=/);
  await expect(s.getByLabel('回执号')).toHaveValue(receipt);
  await s.goto(`/receipts/${receipt}?code=AAAA-AAAA`);
  await expect(s.getByText('回执号或查询码不正确，请核对后重试。')).toBeVisible();
  await stranger.close();
  await a11y();
});

test('bad input gets a Chinese message and keeps what was typed', async ({ page, a11y }) => {
  await page.goto(FORM);
  await fillAndSubmit(page, '同意。', { name: '李四', contact: '12345' });
  await expect(page.getByRole('alert')).toContainText('意见没有提交，请按提示修改');
  await expect(page.getByText('至少需要 5 个字。').first()).toBeVisible();
  await expect(page.getByText('请填写 11 位手机号（如 13912345678）或电子邮箱（如 name@example.com）。').first()).toBeVisible();
  await expect(page.getByLabel('您的意见')).toHaveValue('同意。');
  await expect(page.getByLabel('姓名或称呼')).toHaveValue('李四');
  await expect(page.getByLabel('联系方式（手机号或电子邮箱）')).toHaveValue('12345');
  await expect(page.getByLabel('您的意见')).toHaveAttribute('aria-invalid', 'true');
  await a11y();

  await page.getByLabel('联系方式（手机号或电子邮箱）').fill('');
  await page.getByLabel('姓名或称呼').fill('<script>alert(1)</script>');
  await page.getByLabel('您的意见').fill('同意这一条。');
  await page.getByRole('button', { name: '提交意见' }).click();
  await expect(page.getByText('不能包含 < 或 > 符号。').first()).toBeVisible();
  await expect(page.getByLabel('您的意见')).toHaveValue('同意这一条。');

  // A script in the comment is stored as typed and shown as text.
  let dialog = false;
  page.on('dialog', (d) => { dialog = true; void d.dismiss(); });
  await page.getByLabel('姓名或称呼').fill('');
  await page.getByLabel('您的意见').fill('<script>alert("x")</script><b>加粗</b> https://example.com\n第二行');
  await page.getByRole('button', { name: '提交意见' }).click();
  await expect(page).toHaveURL(/\/receipts\//);
  await expect(page.locator('.comment-body')).toHaveText('<script>alert("x")</script><b>加粗</b> https://example.com\n第二行');
  await expect(page.locator('.comment-body a, .comment-body b')).toHaveCount(0);
  expect(dialog).toBe(false);
  await a11y();
});

test('an article that does not exist, and posts the browser cannot make', async ({ page, request, a11y }) => {
  await page.goto('/drafts/jiesu-jiban/comment?article=999');
  await expect(page.getByText('本审次草案中没有第 999 条。')).toBeVisible();
  await expect(page.getByRole('heading', { level: 1, name: '对草案提出总体意见' })).toBeVisible();
  await a11y();

  const origin = new URL(page.url()).origin;
  const tampered = await page.request.post('/drafts/jiesu-jiban/comment', {
    form: { round: '3', article: '999', body: '对不存在条文的意见。' }, headers: { origin },
  });
  expect(tampered.status()).toBe(404);
  expect(await tampered.text()).toContain('本审次草案中没有第 999 条。');
  expect(await tampered.text()).toContain('对不存在条文的意见。');

  const badBytes = await request.post('/drafts/jiesu-jiban/comment', {
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
    data: Buffer.from('round=3&article=10&body=%E5%BB%BA%E8%AE%AE%FF%FE%E4%BF%AE%E6%94%B9%E7%AC%AC%E5%8D%81%E6%9D%A1'),
  });
  expect(badBytes.status()).toBe(400);
  expect(await badBytes.text()).toContain('提交的内容含有无法识别的字符编码');

  const huge = await request.post('/drafts/jiesu-jiban/comment', {
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin },
    data: `body=${'a'.repeat(70 * 1024)}`,
  });
  expect(huge.status()).toBe(413);
  expect(await huge.text()).toContain('提交的内容过大（上限 64 KB）');

  const missing = await request.post('/drafts/no-such-draft/comment', { form: { body: '没有这部草案。' }, headers: { origin } });
  expect(missing.status()).toBe(404);
});

test('outside the comment period the form is replaced by a notice, and a POST is refused', async ({ page, request, a11y }) => {
  await page.goto('/drafts/tingche/comment');
  await expect(page.getByText(/本审次征求意见已于 .* 截止，不再接收意见/)).toBeVisible();
  await expect(page.getByRole('button', { name: '提交意见' })).toHaveCount(0);
  await a11y();
  await page.goto('/drafts/lifafa/comment');
  await expect(page.getByText(/本审次征求意见将于 .* 开始/)).toBeVisible();
  await a11y();
  const origin = new URL(page.url()).origin;
  const res = await request.post('/drafts/tingche/comment', { form: { round: '2', body: '截止后提交的意见。' }, headers: { origin } });
  expect(res.status()).toBe(409);
  const html = await res.text();
  expect(html).toContain('征求意见已于');
  expect(html).toContain('截止后提交的意见。');
  const api = await request.post('/api/v1/drafts/tingche/comments', { data: { body: '截止后提交的意见。' } });
  expect(api.status()).toBe(409);
  expect((await api.json()).error.code).toBe('ConsultationClosed');
});

test('works without JavaScript, on a phone', async ({ browser }) => {
  const ctx = await browser.newContext({ javaScriptEnabled: false, viewport: { width: 360, height: 740 }, locale: 'zh-CN' });
  const page = await ctx.newPage();
  await page.goto('/drafts/jiesu-jiban/comment');
  await expect(page.getByRole('heading', { level: 1, name: '对草案提出总体意见' })).toBeVisible();
  await fillAndSubmit(page, '总体意见：希望条例早日出台，并加强对热线工作人员的培训。');
  await expect(page.getByTestId('comment-status')).toHaveText('已收到');
  const width = await page.evaluate(() => document.documentElement.scrollWidth);
  expect(width).toBeLessThanOrEqual(360);
  await ctx.close();
});
