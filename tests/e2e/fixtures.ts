/**
 * The e2e test fixture: `a11y()` runs axe-core on the current page and fails on any serious or
 * critical violation; it also runs automatically, with the browser-console check, on the last page
 * of every test (auto fixture), whether or not the test asks for it.
 */
import { test as base, expect, type Page } from '@playwright/test';
import AxeBuilder from '@axe-core/playwright';

export async function checkA11y(page: Page, label = page.url()): Promise<void> {
  const results = await new AxeBuilder({ page }).withTags(['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa']).analyze();
  const bad = results.violations.filter((v) => v.impact === 'serious' || v.impact === 'critical');
  const detail = bad.map((v) => `${v.id} (${v.impact}): ${v.help}\n  ${v.nodes.slice(0, 3).map((n) => n.target.join(' ')).join('\n  ')}`).join('\n');
  expect(bad, `accessibility violations on ${label}:\n${detail}`).toEqual([]);
}

export const test = base.extend<{ a11y: () => Promise<void>; consoleErrors: string[] }>({
  consoleErrors: async ({ page }, use) => {
    const errors: string[] = [];
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    page.on('pageerror', (e) => errors.push(String(e)));
    await use(errors);
  },
  // Automatic: every test of every spec importing this file gets both checks on its page.
  a11y: [async ({ page, consoleErrors }, use) => {
    await use(() => checkA11y(page));
    if (page.url().startsWith('http')) await checkA11y(page);
    expect(consoleErrors.filter((e) => !/status of (4\d\d)/.test(e)), 'browser console errors').toEqual([]);
  }, { auto: true }],
});

export { expect };
