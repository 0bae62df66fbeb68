/**
 * The reports journey (issue 8): staff open the report of 停车条例's closed 二审稿, download it as
 * DOCX, XLSX and CSV (read back with independent readers), run a background export and download
 * it when ready, publish the feedback page; a visitor reads it and downloads the public data.
 * Runs against its own seeded server (reports-seed.ts) on a fresh PGlite dir.
 */
import type { Page } from '@playwright/test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ExcelJS from 'exceljs';
import JSZip from 'jszip';
import { parse } from 'csv-parse/sync';
import { test, expect, checkA11y } from './fixtures';

test.describe.configure({ mode: 'serial' });
const port = Number(process.env.E2E_PORT ?? 4399) + 23;
const baseURL = `http://localhost:${port}`;
const report = '/staff/drafts/tingche/rounds/2';
let child: ChildProcess;
let token: string;

test.use({ baseURL });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'kaimen-e2e-reports-'));
  const env: NodeJS.ProcessEnv = { ...process.env, PGLITE_DIR: join(dir, 'pglite'), PORT: String(port), HOST: 'localhost', ASTRO_TELEMETRY_DISABLED: '1', EXPORT_DIR: join(dir, 'exports') };
  delete env.DATABASE_URL;
  const seed = spawnSync(process.execPath, ['--import', 'tsx', 'tests/e2e/reports-seed.ts'], { env, encoding: 'utf8' });
  if (seed.status !== 0) throw new Error(`seed failed: ${seed.stderr}`);
  token = JSON.parse(seed.stdout.trim().split('\n').at(-1)!).token;
  child = spawn(process.execPath, ['--import', 'tsx', 'scripts/serve.ts'], { env, stdio: 'ignore' });
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${baseURL}/healthz`)).ok) break; } catch { /* not up yet */ }
    if (i > 160 || child.exitCode !== null) throw new Error('the reports e2e server did not start');
    await new Promise((r) => setTimeout(r, 250));
  }
});
test.afterAll(async () => {
  if (child && child.exitCode === null) {
    await new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); });
  }
});

async function signIn(page: Page, account = 'reports@example.cn') {
  await page.goto(`/signin?next=${encodeURIComponent(report)}`);
  await page.getByLabel(/^邮箱或手机号码/).fill(account);
  await page.getByLabel(/^密码/).fill('Kaimen-e2e-Passw0rd!');
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL((u) => u.pathname === report);
}

test('staff export the three formats, run a background export and publish the feedback; a visitor reads it', async ({ page, browser }) => {
  test.setTimeout(120_000);
  await signIn(page);
  await expect(page.getByRole('heading', { level: 1 })).toContainText('意见采纳情况报告');
  await expect(page.getByRole('img', { name: /各条文意见数量/ })).toBeVisible();
  await expect(page.getByRole('img', { name: /按渠道/ })).toBeVisible();
  await checkA11y(page);

  // DOCX: clicked as staff do; unzipped and its XML checked.
  const [docx] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: 'Word 报告（DOCX）' }).click()]);
  expect(docx.suggestedFilename()).toBe('北京市机动车停车条例（修正草案）-二审稿-意见采纳情况报告.docx');
  const zip = await JSZip.loadAsync(readFileSync((await docx.path())!));
  const xml = await zip.file('word/document.xml')!.async('string');
  expect(xml).toContain('关于《北京市机动车停车条例（修正草案）》二审稿公开征求意见采纳情况的报告');
  expect(xml).toContain('【批量意见3条】');
  expect(xml).not.toContain('13800000001');

  // XLSX and CSV, with the session cookie.
  const xlsx = await page.request.get(`${report}/report.xlsx`);
  expect(xlsx.status()).toBe(200);
  const wb = new ExcelJS.Workbook();
  await wb.xlsx.load((await xlsx.body()) as unknown as ArrayBuffer);
  expect(wb.getWorksheet('意见明细')!.rowCount - 1).toBe(12);
  const csv = await page.request.get(`${report}/report.csv`);
  const body = await csv.body();
  expect([...body.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
  const rows = parse(body, { bom: true, columns: true }) as Array<Record<string, string>>;
  expect(rows).toHaveLength(12);
  expect(rows.map((r) => r['意见内容'])).toContain(`'=HYPERLINK("http://evil.example","点我")`);

  // A background export: the job page shows progress, then the download.
  await page.getByLabel('后台生成').selectOption('xlsx');
  await page.getByRole('button', { name: '后台生成' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('导出任务');
  await expect(page.getByRole('heading', { level: 1 })).toHaveText(/^导出任务：《[^》]+》[^·]*审稿 · XLSX$/);
  await expect(page.getByRole('link', { name: '下载' })).toBeVisible({ timeout: 30_000 });
  await checkA11y(page);
  const [job] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: '下载' }).click()]);
  expect(job.suggestedFilename()).toMatch(/意见采纳情况报告\.xlsx$/);

  // Publish the feedback page: the 主要意见 of every item with comments confirmed first, and
  // "仍然公布" as the seed leaves comments unanswered (feedback.spec.ts tests those steps).
  await page.goto(`${report}/points`);
  for (const [article, label] of [[0, '总体意见'], [1, '第一条'], [2, '第二条'], [3, '第三条'], [4, '第四条']] as const) {
    const section = page.locator(`#points-${article}`);
    await section.getByLabel(`${label}的主要意见`).fill(`${label}：一是……（1人次）。`);
    await section.getByRole('button', { name: '保存并确认' }).click();
    await expect(page.getByRole('status')).toContainText(`${label}的主要意见已确认。`);
  }
  await page.goto(report);
  await page.getByRole('checkbox', { name: /仍然公布/ }).check();
  await page.getByRole('button', { name: '公布意见采纳情况' }).click();
  await expect(page.getByRole('status')).toContainText('已公布意见采纳情况');

  // A visitor, without an account.
  const context = await browser.newContext({ baseURL, locale: 'zh-CN' });
  const visitor = await context.newPage();
  await visitor.goto('/drafts/tingche/feedback?round=2');
  await expect(visitor.getByRole('heading', { level: 1 })).toContainText('意见采纳情况');
  await expect(visitor.getByText('适用范围应包括相关服务活动。')).toBeVisible();
  await expect(visitor.getByText('第二条：一是……（1人次）。')).toBeVisible();
  await expect(visitor.getByText('这是一条被屏蔽的广告。')).toHaveCount(0);
  await expect(visitor.getByText('13800000001')).toHaveCount(0);
  await expect(visitor.getByText('李四')).toHaveCount(0);
  await checkA11y(visitor);
  const data = await visitor.request.get('/drafts/tingche/data.csv?round=2');
  expect(data.status()).toBe(200);
  const publicRows = parse(await data.body(), { bom: true, columns: true }) as Array<Record<string, string>>;
  expect(publicRows).toHaveLength(11);
  expect(Object.keys(publicRows[0])).not.toContain('联系方式');
  await context.close();
});

test('an admin exports masked contacts by default; full ones only when chosen with a purpose, which the job shows', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, 'reports-admin@example.cn');
  await expect(page.getByText('导出文件中的联系方式一律脱敏')).toBeVisible();
  const csv = await page.request.get(`${report}/report.csv`);
  const text = (await csv.body()).toString('utf8');
  expect(text).toContain('138****0001');
  expect(text).not.toContain('13800000001');
  expect(text).not.toContain('lisi@example.com');

  // Ticked without a purpose: refused, with the message at the field; nothing is exported.
  await page.getByLabel('后台生成').selectOption('csv');
  await page.getByRole('checkbox', { name: '导出完整联系方式' }).check();
  await page.getByRole('button', { name: '后台生成' }).click();
  await expect(page.getByRole('alert')).toContainText('请写明导出完整联系方式的用途');
  await expect(page.getByLabel(/^用途/)).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByRole('checkbox', { name: '导出完整联系方式' })).toBeChecked();
  await checkA11y(page);

  await page.getByLabel(/^用途/).fill('电话回访第二条意见的提出人');
  await page.getByRole('button', { name: '后台生成' }).click();
  await expect(page.getByRole('heading', { level: 1 })).toContainText('导出任务');
  await expect(page.getByText('含完整联系方式。用途：电话回访第二条意见的提出人')).toBeVisible();
  await expect(page.getByRole('link', { name: '下载' })).toBeVisible({ timeout: 30_000 });
  const [job] = await Promise.all([page.waitForEvent('download'), page.getByRole('link', { name: '下载' }).click()]);
  expect(job.suggestedFilename()).toMatch(/意见采纳情况报告-含完整联系方式\.csv$/);
  expect(readFileSync((await job.path())!, 'utf8')).toContain('lisi@example.com');
});

test('the report and the statistics over the API', async ({ request }) => {
  const csv = await request.get(`${report}/report.csv`, { headers: { authorization: `Bearer ${token}` } });
  expect(csv.status()).toBe(200);
  expect(csv.headers()['content-type']).toContain('text/csv');
  const anonymous = await request.get(`${report}/report.csv`, { headers: { accept: 'application/json' }, maxRedirects: 0 });
  expect(anonymous.status()).toBe(401);
  expect((await anonymous.json()).error.code).toBe('Unauthenticated');
  const stats = await request.get('/api/v1/drafts/tingche/stats?round=2');
  expect(stats.status()).toBe(200);
  const s = await stats.json();
  expect(s.totals.comments).toBe(11);
  expect(s.articles).toHaveLength(43);
  expect(s.byChannel.find((c: { channel: string }) => c.channel === 'web').count).toBe(6);
  const bad = await request.get('/api/v1/drafts/tingche/stats?round=x');
  expect(bad.status()).toBe(400);
});
