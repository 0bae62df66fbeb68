import { describe, expect, it } from 'vitest';
import { zhCN } from '../../src/i18n/zh-CN';
import { en } from '../../src/i18n/en';
import { localeFromCookie, t } from '../../src/i18n';
import { errorCatalogue } from '../../src/server/errors';

describe('i18n', () => {
  it('every locale has exactly the keys of zh-CN', () => {
    expect(Object.keys(en).sort()).toEqual(Object.keys(zhCN).sort());
  });
  it('no string is empty and placeholders match between locales', () => {
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(zhCN) as Array<keyof typeof zhCN>) {
      expect(zhCN[key].trim(), key).not.toBe('');
      expect(en[key].trim(), key).not.toBe('');
      expect(placeholders(en[key]), key).toEqual(placeholders(zhCN[key]));
    }
  });
  it('fills placeholders and leaves unknown ones visible', () => {
    expect(t('zh-CN', 'error.rateLimited', { seconds: 30 })).toBe('操作过于频繁，请 30 秒后再试。');
    expect(t('en', 'error.articleNotFound', {})).toContain('{number}');
  });
  it('defaults to Chinese', () => {
    expect(localeFromCookie(undefined)).toBe('zh-CN');
    expect(localeFromCookie('fr')).toBe('zh-CN');
    expect(localeFromCookie('en')).toBe('en');
  });
  it('every error of the catalogue has a message in both locales', () => {
    for (const [code, e] of Object.entries(errorCatalogue)) {
      expect(zhCN[e.key], code).toBeTruthy();
      expect(e.status, code).toBeGreaterThanOrEqual(400);
    }
  });
});
