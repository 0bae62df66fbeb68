/**
 * The staff workspace journey (issue 7): upload a second-round version as .docx, preview and
 * publish it; comments arrive; find them with a two-character search, tag and decide three;
 * answer a campaign group at once; the citizen's receipt page shows the answer.
 * Runs against its own seeded server (staff-seed.ts) on a fresh PGlite dir.
 */
import type { Page } from '@playwright/test';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Document, Packer, Paragraph, HeadingLevel } from 'docx';
import { test, expect, checkA11y } from './fixtures';

test.describe.configure({ mode: 'serial' });
const PASSWORD = 'Kaimen-e2e-Passw0rd!';
const port = Number(process.env.E2E_PORT ?? 4399) + 17;
const baseURL = `http://localhost:${port}`;
let child: ChildProcess;
let docxPath: string;
let token: string;

test.use({ baseURL });

test.beforeAll(async () => {
  test.setTimeout(120_000);
  const dir = mkdtempSync(join(tmpdir(), 'kaimen-e2e-staff-'));
  const env: NodeJS.ProcessEnv = { ...process.env, PGLITE_DIR: join(dir, 'pglite'), PORT: String(port), HOST: 'localhost', ASTRO_TELEMETRY_DISABLED: '1', EXPORT_DIR: join(dir, 'exports') };
  delete env.DATABASE_URL;
  const seed = spawnSync(process.execPath, ['--import', 'tsx', 'tests/e2e/staff-seed.ts'], { env, encoding: 'utf8' });
  if (seed.status !== 0) throw new Error(`seed failed: ${seed.stderr}`);
  token = JSON.parse(seed.stdout.trim().split('\n').at(-1)!).token;
  child = spawn(process.execPath, ['--import', 'tsx', 'scripts/serve.ts'], { env, stdio: 'ignore' });
  for (let i = 0; ; i++) {
    try { if ((await fetch(`${baseURL}/healthz`)).ok) break; } catch { /* not up yet */ }
    if (i > 160 || child.exitCode !== null) throw new Error('the staff e2e server did not start');
    await new Promise((r) => setTimeout(r, 250));
  }
  // The second-round text as a Word file, built at test time from the sample law text.
  const lines = readFileSync('content/drafts/tingche/round-2.md', 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('---'));
  const doc = new Document({ sections: [{ children: lines.map((l) => l.startsWith('#')
    ? new Paragraph({ text: l.replace(/^#+\s*/, ''), heading: HeadingLevel.HEADING_1 })
    : new Paragraph({ text: l })) }] });
  docxPath = join(dir, '停车条例草案二审稿.docx');
  writeFileSync(docxPath, await Packer.toBuffer(doc));
});
test.afterAll(async () => {
  if (child && child.exitCode === null) {
    await new Promise<void>((resolve) => { child.once('exit', () => resolve()); child.kill('SIGTERM'); });
  }
});

async function signIn(page: Page, account: string) {
  await page.goto('/signin?next=/staff');
  await page.getByLabel(/^邮箱或手机号码/).fill(account);
  await page.getByLabel(/^密码/).fill(PASSWORD);
  await page.getByRole('button', { name: '登录' }).click();
  await page.waitForURL((u) => !u.pathname.startsWith('/signin'));
}

async function submit(body: string, article?: number) {
  const res = await fetch(`${baseURL}/api/v1/drafts/e2e-tingche/comments`, {
    method: 'POST', headers: { 'content-type': 'application/json', origin: baseURL },
    body: JSON.stringify({ body, ...(article ? { article } : {}) }),
  });
  expect(res.status, await res.clone().text()).toBe(201);
  return (await res.json()) as { receipt: string; lookupCode: string };
}

test('upload a .docx second round, search, tag, decide, answer a campaign, and the receipt shows it', async ({ page }) => {
  test.setTimeout(120_000);
  await signIn(page, 'reviewer@example.cn');

  // 1. Upload the second-round version as .docx, preview, publish.
  await page.goto('/staff/drafts/e2e-tingche/upload');
  await checkA11y(page, 'upload');
  await page.getByLabel('审次', { exact: true }).fill('2');
  const pad = (d: Date) => new Date(d.getTime() + 8 * 3600_000).toISOString().slice(0, 16);
  await page.getByLabel('开始征求意见（北京时间）').fill(pad(new Date(Date.now() - 3600_000)));
  await page.getByLabel('截止（北京时间）').fill(pad(new Date(Date.now() + 20 * 86400_000)));
  await page.getByLabel(/或上传文件/).setInputFiles(docxPath);
  await page.getByRole('button', { name: '预览解析结果' }).click();
  await expect(page.getByRole('heading', { name: '解析结果预览' })).toBeVisible();
  await expect(page.getByText(/共 \d+ 章、\d+ 节、\d+ 条/)).toBeVisible();
  await checkA11y(page, 'preview');
  await page.getByRole('button', { name: '发布' }).click();
  await expect(page.getByRole('status')).toContainText('已发布');
  await checkA11y(page, 'draft admin');

  // 2. Comments arrive on the second round: three about leaks, a campaign of five, one other.
  const leak = [
    await submit('地下车库漏雨严重，车辆被泡，建议明确管理责任', 3),
    await submit('车棚漏雨没人修，物业推给业委会', 5),
    await submit('立体车库顶棚漏雨，请规定维修时限'),
  ];
  const campaign = [];
  for (let i = 0; i < 5; i++) campaign.push(await submit('强烈建议老旧小区夜间允许路边免费停车，解决停车难问题！'));
  await submit('建议增加新能源汽车充电桩的配建要求');

  // 3. Find them with a two-character search, tag and decide three.
  await page.goto('/staff/comments?draft=e2e-tingche&round=2');
  await page.getByLabel('搜索意见内容').fill('漏雨');
  await page.getByRole('button', { name: '筛选', exact: true }).click();
  const rows = page.locator('tbody tr');
  await expect(rows).toHaveCount(3);
  await checkA11y(page, 'inbox search');
  for (const r of leak) await page.getByRole('checkbox', { name: `选择意见 ${r.receipt}` }).check();
  await page.getByLabel('操作').selectOption('tag');
  await page.getByLabel('标签', { exact: true }).last().fill('房屋质量, 车库');
  await page.getByRole('button', { name: '执行' }).click();
  await expect(page.getByRole('status')).toContainText('已为 3 条意见加标签');
  await expect(page.locator('tbody .tag', { hasText: '房屋质量' })).toHaveCount(3);

  for (const r of leak) await page.getByRole('checkbox', { name: `选择意见 ${r.receipt}` }).check();
  await page.getByLabel('操作').selectOption('decide');
  await page.getByLabel('采纳情况').last().selectOption('not_adopted');
  await page.getByRole('button', { name: '执行' }).click();
  await expect(page.getByRole('alert')).toContainText('必须填写理由');
  for (const r of leak) await page.getByRole('checkbox', { name: `选择意见 ${r.receipt}` }).check();
  await page.getByLabel('操作').selectOption('decide');
  await page.getByLabel('采纳情况').last().selectOption('partially_adopted');
  await page.getByLabel('理由').fill('维修责任已在第二十条作出规定，维修时限将在配套文件中明确。');
  await page.getByRole('textbox', { name: '答复', exact: true }).fill('感谢您的意见，车库漏雨的维修责任已在草案中明确。');
  await page.getByLabel(/公开答复/).check();
  await page.getByRole('button', { name: '执行' }).click();
  await expect(page.getByRole('status')).toContainText('已对 3 条意见作出决定');

  // 4. The campaign was grouped at submission; answer the whole group at once.
  await page.goto('/staff/groups');
  await checkA11y(page, 'groups');
  // A group without a label is named by the first sentence of its text, never 未命名.
  await expect(page.getByRole('link', { name: '强烈建议老旧小区夜间允许路边免费停车，解决停车难问题', exact: true })).toBeVisible();
  await expect(page.getByText(/未命名/)).toHaveCount(0);
  await page.goto(`/staff/comments?draft=e2e-tingche&round=2&q=${encodeURIComponent('路边免费停车')}`);
  await expect(page.locator('tbody tr')).toHaveCount(5);
  await page.locator('.inbox-link').first().click();
  await expect(page.getByText('与 5 条意见同组（完全相同）')).toBeVisible();
  await page.getByRole('link', { name: '查看意见组' }).click();
  await expect(page.getByText('5 条', { exact: false }).first()).toBeVisible();
  await page.getByLabel('名称').fill('夜间路边停车倡议');
  await page.getByRole('button', { name: '确认为同一组' }).click();
  await expect(page.getByRole('status')).toContainText('已确认');
  await page.getByLabel('采纳情况').selectOption('adopted');
  await page.getByRole('textbox', { name: '答复', exact: true }).fill('您的建议已采纳，二审稿第十五条增加了夜间临时停车的规定。');
  await page.getByRole('button', { name: /对全组 5 条意见作出决定/ }).click();
  await expect(page.getByRole('status')).toContainText('已对 5 条意见作出决定');
  await checkA11y(page, 'group');

  // 5. Each member's receipt page shows the answer; so does one of the three.
  for (const r of [campaign[0], campaign[4], leak[1]]) {
    const citizen = await page.context().browser()!.newPage({ baseURL });
    await citizen.goto(`/receipts/${r.receipt}?code=${r.lookupCode}`);
    await expect(citizen.getByText(r === leak[1] ? '车库漏雨的维修责任已在草案中明确' : '二审稿第十五条增加了夜间临时停车的规定')).toBeVisible();
    await citizen.close();
  }

  // 6. The comment page: article as it stood, masked contact, history.
  await page.goto('/staff/comments?q=漏雨&draft=e2e-tingche&round=2');
  await page.locator('.inbox-link').first().click();
  await expect(page.getByRole('heading', { name: '处理记录' })).toBeVisible();
  await expect(page.getByText('作出决定').first()).toBeVisible();
  await checkA11y(page, 'comment view');
});

test('the staff API lists, searches and decides with the same rules', async ({ request }) => {
  const anon = await request.get('/api/v1/staff/comments');
  expect(anon.status()).toBe(401);
  expect((await anon.json()).error.code).toBe('Unauthenticated');
  const auth = { authorization: `Bearer ${token}` };
  const list = await request.get(`/api/v1/staff/comments?draft=e2e-tingche&round=2&q=${encodeURIComponent('停车')}`, { headers: auth });
  expect(list.status()).toBe(200);
  const { items, nextCursor } = await list.json();
  expect(items.length).toBeGreaterThanOrEqual(5);
  expect(nextCursor).toBeNull();
  const id = items.find((i: { adoption: string | null }) => i.adoption === null)?.id ?? items[0].id;
  const bad = await request.post(`/api/v1/staff/comments/${id}/decision`, { headers: auth, data: { adoption: 'not_adopted' } });
  expect(bad.status()).toBe(422);
  expect((await bad.json()).error.code).toBe('ReasonRequired');
  const ok = await request.post(`/api/v1/staff/comments/${id}/decision`, { headers: auth, data: { adoption: 'out_of_scope', reason: '属于其他法规调整', publish: true } });
  expect(ok.status()).toBe(200);
  expect((await ok.json()).decision).toMatchObject({ adoption: 'out_of_scope', reason: '属于其他法规调整' });
  const tagged = await request.post(`/api/v1/staff/comments/${id}/tags`, { headers: auth, data: { tags: ['充电桩'] } });
  expect((await tagged.json()).tags).toContain('充电桩');
  const one = await (await request.get(`/api/v1/staff/comments/${id}`, { headers: auth })).json();
  expect(one.tags).toContain('充电桩');
  expect(one.history.map((h: { action: string }) => h.action)).toEqual(expect.arrayContaining(['comment.decide', 'comment.tag']));
  const missing = await request.get('/api/v1/staff/comments/00000000-0000-0000-0000-000000000000', { headers: auth });
  expect(missing.status()).toBe(404);
  const badFilter = await request.get('/api/v1/staff/comments?status=nope', { headers: auth });
  expect(badFilter.status()).toBe(400);
});

test('acts on every comment matching the filter: a confirmation with the count, a job, and what it changed and skipped', async ({ page, request }) => {
  test.setTimeout(90_000);
  const made = [];
  for (const body of ['电动自行车停放点应当配建充电设施', '小区电动自行车乱停放，建议划定停放区域', '电动自行车进楼充电危险，请明确禁止', '建议对电动自行车停放收取合理费用']) made.push(await submit(body, 4));
  // One of them was decided by hand before: the bulk decision must keep it.
  const auth = { authorization: `Bearer ${token}` };
  const found = await (await request.get(`/api/v1/staff/comments?draft=e2e-tingche&round=2&q=${encodeURIComponent('收取合理')}`, { headers: auth })).json();
  expect(found.items).toHaveLength(1);
  await request.post(`/api/v1/staff/comments/${found.items[0].id}/decision`, { headers: auth, data: { adoption: 'partially_adopted', reason: '收费标准由价格主管部门另行制定' } });

  await signIn(page, 'second@example.cn');
  await page.goto(`/staff/comments?draft=e2e-tingche&round=2&q=${encodeURIComponent('电动')}`);
  await expect(page.locator('tbody tr')).toHaveCount(4);
  await page.getByLabel('操作').selectOption('decide');
  await page.getByLabel('采纳情况').last().selectOption('not_adopted');
  await page.getByLabel('理由').fill('电动自行车管理由专门的地方性法规调整');
  await page.getByLabel('符合当前筛选条件的全部 4 条意见').check();
  await page.getByRole('button', { name: '执行' }).click();

  // The confirmation: how many, a sample, what it will skip; nothing changed yet.
  const confirm = page.getByRole('region', { name: '确认批量操作' });
  await expect(confirm).toContainText('将对符合当前筛选条件的 4 条意见执行：决定采纳情况（未采纳）');
  await expect(confirm).toContainText('已有决定 1 条');
  await expect(confirm.locator('.bulk-sample li')).toHaveCount(4);
  await checkA11y(page, 'bulk confirmation');
  const before = await (await request.get(`/api/v1/staff/comments?draft=e2e-tingche&round=2&q=${encodeURIComponent('电动')}&adoption=not_adopted`, { headers: auth })).json();
  expect(before.items).toHaveLength(0);
  await confirm.getByRole('button', { name: '确认，对 4 条执行' }).click();

  // The job's page follows it to the end.
  await expect(page).toHaveURL(/\/staff\/jobs\//);
  await expect(page.getByRole('heading', { name: '批量操作：决定采纳情况' })).toBeVisible();
  await expect(page.getByText('已改动 3 条。')).toBeVisible({ timeout: 20_000 });
  await expect(page.getByText(/已有决定 1 条/)).toBeVisible();
  await checkA11y(page, 'bulk job');
  const job = page.url().split('/').at(-1)!;
  const status = await (await request.get(`/api/v1/staff/jobs/${job}`, { headers: auth })).json();
  expect(status).toMatchObject({ state: 'done', total: 4, changed: 3, skipped: 1, skippedBy: { decided: 1 } });
  await page.getByRole('link', { name: '回到这些意见' }).click();
  await expect(page.locator('tbody tr')).toHaveCount(4);
  const after = await (await request.get(`/api/v1/staff/comments?draft=e2e-tingche&round=2&q=${encodeURIComponent('电动')}`, { headers: auth })).json();
  expect(after.items.map((i: { adoption: string }) => i.adoption).sort()).toEqual(['not_adopted', 'not_adopted', 'not_adopted', 'partially_adopted']);
});
