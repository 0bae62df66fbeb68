import { chromium } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';
const base = 'http://127.0.0.1:4937';
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
for (const vp of [{ width: 390, height: 844 }, { width: 1366, height: 900 }]) {
  const ctx = await browser.newContext({ viewport: vp, locale: 'zh-CN' });
  const page = await ctx.newPage();
  for (const path of ['/drafts/jiesu-jiban', '/drafts/jiesu-jiban?round=1', '/drafts/lifafa', '/drafts/wuye-guanli', '/drafts/jiesu-jiban/articles/10', '/drafts/tingche/articles/29?round=2', '/drafts/tingche/diff', '/drafts/lifafa/diff?all=1', '/drafts/jiesu-jiban/diff?from=1&to=1', '/']) {
    await page.goto(base + path);
    await page.locator('details').evaluateAll((els) => els.forEach((e) => (e.open = true)));
    const r = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
    const bad = r.violations.map((v) => `${v.impact} ${v.id}: ${v.nodes.length} ${v.nodes.slice(0, 2).map((n) => n.target.join(' ')).join(' | ')}`);
    console.log(vp.width, path, bad.length ? '\n  ' + bad.join('\n  ') : 'ok');
  }
  await ctx.close();
}
await browser.close();
