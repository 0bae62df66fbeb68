/**
 * The kiosk journeys (issue 6): enroll, submit as a resident, the idle reset; offline
 * submissions that survive a reload and are stored exactly once; what a kiosk credential
 * cannot do; revocation. Runs against its own seeded server (stations-support.ts).
 */
import type { Browser, BrowserContext, Page, Route } from '@playwright/test';
import { test, expect, checkA11y } from './fixtures';
import { E2E_PASSWORD, startStationServer, type StationServer } from './stations-support';

test.describe.configure({ mode: 'serial' });

const portrait = { width: 1080, height: 1920 };
const landscape = { width: 1920, height: 1080 };
let server: StationServer;
let kioskCookies: Awaited<ReturnType<BrowserContext['cookies']>>;

test.beforeAll(async () => {
  test.setTimeout(120_000);
  server = await startStationServer(Number(process.env.E2E_PORT ?? 4399) + 11);
});
test.afterAll(async () => {
  await server?.stop();
});

async function kioskContext(browser: Browser, viewport = portrait): Promise<BrowserContext> {
  const context = await browser.newContext({ baseURL: server.baseURL, viewport, locale: 'zh-CN', timezoneId: 'Asia/Shanghai' });
  if (kioskCookies) await context.addCookies(kioskCookies);
  return context;
}

/** Goes through the three steps for one comment and submits it. */
async function submitComment(page: Page, body: string, article: RegExp = /^第三条/) {
  await page.getByRole('radio', { name: /北京市接诉即办工作条例/ }).check();
  await page.getByRole('radio', { name: article }).check();
  await page.getByRole('button', { name: '下一步' }).click();
  await expect(page.getByRole('heading', { level: 2, name: /第二步/ })).toBeVisible();
  await page.getByLabel('您的意见和建议').fill(body);
  await page.getByRole('button', { name: '下一步' }).click();
  await expect(page.getByRole('heading', { level: 2, name: /第三步/ })).toBeVisible();
  await page.getByRole('button', { name: '提交意见' }).click();
}

/**
 * Every visible text on the kiosk screen is at least 18 px: each element with text of its own (or a
 * ::before/::after text), each form control, measured as the browser computes it.
 */
async function expectLargeText(page: Page, label: string, min = 18) {
  const small = await page.evaluate((minimum) => {
    const found: string[] = [];
    const measure = (el: Element, size: string, what: string) => {
      if (parseFloat(size) < minimum) found.push(`${what} ${size} <${el.tagName.toLowerCase()} class="${el.getAttribute('class') ?? ''}">`);
    };
    for (const el of document.body.querySelectorAll('*')) {
      if (el.closest('template, script, style') || !el.checkVisibility({ visibilityProperty: true, opacityProperty: true })) continue;
      if (el.getClientRects().length === 0) continue;
      const ownText = [...el.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? '').trim() !== '');
      const control = el.matches('input:not([type="radio"]):not([type="checkbox"]), select, textarea, button');
      if (ownText || control) measure(el, getComputedStyle(el).fontSize, (el.textContent ?? '').trim().slice(0, 20));
      for (const pseudo of ['::before', '::after']) {
        const style = getComputedStyle(el, pseudo);
        if (style.content !== 'none' && style.content !== 'normal' && style.content !== '""') measure(el, style.fontSize, `${pseudo} ${style.content}`);
      }
    }
    return found;
  }, min);
  expect(small, `text under ${min}px on ${label}`).toEqual([]);
}

export async function signIn(context: BrowserContext, account: string) {
  const page = await context.newPage();
  await page.goto('/signin');
  await page.getByLabel(/^邮箱或手机号码/).fill(account);
  await page.getByLabel(/^密码/).fill(E2E_PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/signin'));
  return page;
}

test('enroll a kiosk, submit as a resident, and the idle reset leaves a clean screen', async ({ browser }) => {
  const context = await kioskContext(browser);
  const page = await context.newPage();
  await page.clock.install();
  await page.goto('/kiosk');
  await expect(page).toHaveURL(/\/kiosk\/enroll$/);
  await expect(page.getByRole('heading', { level: 1, name: '登记意见征集终端' })).toBeVisible();
  await checkA11y(page, 'enroll 1080x1920');
  await expectLargeText(page, 'enroll');

  await page.getByLabel('登记码').fill('WRNG-CODE');
  await page.getByRole('button', { name: '登记这台终端' }).click();
  await expect(page.getByRole('alert')).toContainText('登记码不正确');
  await expectLargeText(page, 'enroll, refused code');
  await page.getByLabel('登记码').fill(server.enrollmentCode.toLowerCase());
  await page.getByRole('button', { name: '登记这台终端' }).click();
  await expect(page).toHaveURL(/\/kiosk$/);
  await expect(page.getByRole('heading', { level: 1, name: '我要对法规草案提意见' })).toBeVisible();
  await expect(page.getByText('交道口街道代表之家')).toBeVisible();
  await checkA11y(page, 'kiosk step 1, 1080x1920');
  await expectLargeText(page, 'kiosk step 1');
  kioskCookies = await context.cookies();
  expect(kioskCookies.find((c) => c.name === 'kaimen_kiosk')?.httpOnly).toBe(true);

  // Step errors are spoken and shown.
  await page.getByRole('button', { name: '下一步' }).click();
  await expect(page.getByRole('alert')).toHaveText('请先选择一部法规草案。');
  await expectLargeText(page, 'kiosk step 1, error');

  const words = '建议热线夜间也有人工接听，老人不会用手机。';
  await page.getByRole('radio', { name: /北京市接诉即办工作条例/ }).check();
  await page.getByRole('radio', { name: /^第三条/ }).check();
  await page.getByRole('button', { name: '下一步' }).click();
  await page.getByLabel('您的意见和建议').fill(words);
  await checkA11y(page, 'kiosk step 2, 1080x1920');
  await expectLargeText(page, 'kiosk step 2');
  await page.getByRole('button', { name: '下一步' }).click();
  await page.getByLabel('称呼（可不填）').fill('李大爷');
  await page.getByLabel('所在区（可不填）').selectOption('东城区');
  await checkA11y(page, 'kiosk step 3, 1080x1920');
  await expectLargeText(page, 'kiosk step 3');
  await page.getByRole('button', { name: '提交意见' }).click();

  await expect(page.getByRole('heading', { name: '提交成功，谢谢您！' })).toBeVisible();
  await expect(page.locator('#k-receipt-no')).toHaveText(/^JS3-[0-9A-Z]{4}-[0-9A-Z]{2}$/);
  await expect(page.locator('#k-lookup-code')).toHaveText(/^[0-9A-Z]{4}-[0-9A-Z]{4}$/);
  await expect(page.getByRole('img', { name: /回执二维码/ })).toBeVisible();
  await checkA11y(page, 'kiosk receipt, 1080x1920');
  await expectLargeText(page, 'kiosk receipt');

  // 75 s later: the countdown shows; at 90 s everything is cleared.
  await page.clock.runFor(80_000);
  const countdown = page.getByRole('alertdialog');
  await expect(countdown).toBeVisible();
  await expect(countdown).toContainText(/\d+ 秒后清空/);
  await checkA11y(page, 'kiosk countdown');
  await expectLargeText(page, 'kiosk countdown');
  await page.clock.runFor(12_000);
  await expect(countdown).toBeHidden();
  await expect(page.getByRole('heading', { level: 2, name: /第一步/ })).toBeVisible();
  await expect(page.locator('#k-receipt')).toBeHidden();
  await expect(page.locator('#k-receipt-no')).toHaveText('');
  await expect(page.locator('#k-qr')).not.toHaveAttribute('src', /./);
  expect(await page.locator('#k-body').inputValue()).toBe('');
  expect(await page.locator('#k-name').inputValue()).toBe('');
  expect(await page.locator('#k-district').inputValue()).toBe('');
  await expect(page.locator('input[name="article"]:checked')).toHaveCount(0);
  await expect(page.locator('body')).not.toContainText(words);
  await expect(page.locator('body')).not.toContainText('李大爷');

  // The same screen in landscape.
  await page.setViewportSize(landscape);
  await checkA11y(page, 'kiosk step 1, 1920x1080');
  await expectLargeText(page, 'kiosk step 1, 1920x1080');
  await context.close();
});

test('offline: three comments survive a reload and are stored exactly once when back online', async ({ browser }) => {
  const context = await kioskContext(browser, landscape);
  const page = await context.newPage();
  await page.goto('/kiosk');
  await expect(page.locator('#k-status')).toHaveText('已联网');
  // The service worker controls the page and has the page in its cache.
  await page.waitForFunction(async () => {
    const cache = await caches.open('kaimen-kiosk-v1');
    return Boolean(navigator.serviceWorker.controller) && Boolean(await cache.match('/kiosk'));
  }, undefined, { timeout: 20_000 });

  // Offline twice over: the browser's flag, and every API request failing as a dropped network
  // would. Chromium applies the emulated offline state to a reloaded document a moment late, so
  // on its own a reload could let the first status check reach the server (CI saw the queue sent
  // while the test believed the kiosk offline); a real outage fails those requests too.
  const dropApi = (route: Route) => route.abort('internetdisconnected');
  await context.route('**/api/**', dropApi);
  await context.setOffline(true);
  const provisional: string[] = [];
  for (const [i, body] of ['离线意见一：建议增加社区代办点。', '离线意见二：建议简化回访流程。', '离线意见三：建议公开办理时限。'].entries()) {
    await submitComment(page, body);
    await expect(page.getByRole('heading', { name: '您的意见已保存，谢谢您！' })).toBeVisible();
    await expect(page.locator('#k-receipt-label')).toHaveText('临时回执号：');
    provisional.push((await page.locator('#k-receipt-no').textContent())!);
    await expect(page.locator('#k-status')).toHaveText(`未联网：${i + 1} 条意见保存在本机，联网后自动发送`);
    if (i === 0) await checkA11y(page, 'kiosk provisional receipt, 1920x1080');
    if (i === 0) await expectLargeText(page, 'kiosk provisional receipt');
    await page.getByRole('button', { name: '完成，回到开始' }).click();
  }

  await page.reload();
  await expect(page.getByRole('heading', { level: 1, name: '我要对法规草案提意见' })).toBeVisible();
  await expect(page.locator('#k-status')).toHaveText('未联网：3 条意见保存在本机，联网后自动发送');

  await context.unroute('**/api/**', dropApi);
  await context.setOffline(false);
  await expect(page.locator('#k-status')).toHaveText('已联网', { timeout: 20_000 });

  // Each provisional receipt now leads, on a resident's phone, to its stored comment: by the QR
  // code's key, or by the number as printed (with its dashes) or typed in lower case.
  const phone = await browser.newContext({ baseURL: server.baseURL });
  const receipts = new Set<string>();
  const typed = [provisional[0].replace(/-/g, ''), provisional[1], provisional[2].toLowerCase()];
  for (const key of typed) {
    expect(key).toMatch(/^[0-9A-Za-z-]{20,24}$/);
    const res = await phone.request.get(`/kiosk/receipt/${key}`, { maxRedirects: 0 });
    expect(res.status(), key).toBe(303);
    receipts.add(res.headers().location);
  }
  expect(receipts.size).toBe(3);
  const typedPage = await phone.newPage();
  await typedPage.goto(`/kiosk/receipt/${provisional[1].toLowerCase()}`);
  await expect(typedPage).toHaveURL(/\/receipts\/[A-Z]{2,4}\d-/);
  await expect(typedPage.getByRole('heading', { level: 1 })).not.toHaveText('意见正在送达');
  await phone.close();

  // The deputy of the station sees exactly four kiosk comments: one from the first test, three from here.
  const deputy = await browser.newContext({ baseURL: server.baseURL });
  const dash = await signIn(deputy, 'deputy@example.cn');
  await dash.goto('/deputy');
  const kioskCards = dash.locator('.deputy-comments .card').filter({ hasText: '意见征集终端' });
  await expect(kioskCards).toHaveCount(4);
  for (const text of ['离线意见一', '离线意见二', '离线意见三']) await expect(dash.locator('.deputy-comments .card').filter({ hasText: text })).toHaveCount(1);
  await deputy.close();
  await context.close();
});

test('a kiosk credential can submit, and read nothing', async ({ browser }) => {
  const context = await kioskContext(browser);
  const api = context.request;
  expect((await api.get('/api/v1/kiosk/status')).status()).toBe(200);
  for (const path of ['/api/v1/staff/comments', '/api/v1/staff/comments?channel=kiosk']) {
    const res = await api.get(path);
    expect([401, 403], path).toContain(res.status());
  }
  for (const path of ['/deputy', '/admin/stations', '/admin/kiosks', '/staff', '/account']) {
    const res = await api.get(path, { maxRedirects: 0 });
    expect([302, 303, 401, 403], path).toContain(res.status());
    if (res.status() === 303 || res.status() === 302) expect(res.headers().location).toMatch(/^\/signin/);
  }
  // The submit endpoint answers with the receipt of this submission only.
  const res = await api.post('/api/v1/kiosk/comments', { data: { draft: 'jiesu-jiban', body: '接口提交的居民意见内容。', idempotencyKey: 'APIKEY0000000000TEST' } });
  expect(res.status()).toBe(201);
  expect(Object.keys(await res.json()).sort()).toEqual(['lookupCode', 'receipt', 'receiptUrl']);
  // Without a credential, nothing.
  const anon = await browser.newContext({ baseURL: server.baseURL });
  const refused = await anon.request.post('/api/v1/kiosk/comments', { data: { draft: 'jiesu-jiban', body: '没有凭据的意见内容。', idempotencyKey: 'APIKEY0000000000NONE' } });
  expect(refused.status()).toBe(401);
  expect((await refused.json()).error.code).toBe('KioskUnauthorized');
  await anon.close();
  await context.close();
});

test('staff revoke the kiosk and it is refused at once', async ({ browser }) => {
  const kiosk = await kioskContext(browser);
  const page = await kiosk.newPage();
  await page.goto('/kiosk');
  await expect(page.locator('#k-status')).toHaveText('已联网');

  const staff = await browser.newContext({ baseURL: server.baseURL });
  const admin = await signIn(staff, 'staff@example.cn');
  await admin.goto('/admin/kiosks');
  await checkA11y(admin, 'admin kiosks');
  await admin.getByRole('button', { name: /停用终端“一楼大厅”/ }).click();
  await expect(admin.getByRole('status')).toContainText('终端已停用');
  await staff.close();

  expect((await kiosk.request.get('/api/v1/kiosk/status')).status()).toBe(401);
  const res = await kiosk.request.post('/api/v1/kiosk/comments', { data: { draft: 'jiesu-jiban', body: '停用后提交的意见内容。', idempotencyKey: 'APIKEY0000000REVOKED' } });
  expect(res.status()).toBe(401);
  await page.goto('/kiosk');
  await expect(page).toHaveURL(/\/kiosk\/enroll$/);
  await kiosk.close();
});
