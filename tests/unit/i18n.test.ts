import { describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { zhCN } from '../../src/i18n/zh-CN';
import { en } from '../../src/i18n/en';
import { localeFromCookie, locales, t } from '../../src/i18n';
import { errorCatalogue } from '../../src/server/errors';

const dictionaries: Record<(typeof locales)[number], Record<string, string>> = { 'zh-CN': zhCN, en };

/**
 * Keys the code builds from a value (`t(locale, `review.status.${s}`)`, or a prefix handed to a
 * helper such as reports/columns.ts `known(locale, 'report.adoption', a)`): every key under these
 * prefixes counts as used. Each prefix must still be built somewhere in src/ (checked below).
 */
const DYNAMIC_PREFIXES = [
  'audit.action.', 'audit.mode.', 'audit.object.', 'audit.signinReason.', 'audit.source.', 'channel.', 'diff.change.', 'exports.status.',
  'deputy.told.', 'kiosks.state.', 'message.', 'outbox.delivery.', 'outbox.kind.', 'receipt.adoption.', 'receipt.change.', 'receipt.rate.',
  'receipt.status.', 'report.adoption.', 'report.change.', 'report.satisfaction.', 'report.status.',
  'bulk.action.', 'bulk.skip.', 'review.adoption.', 'review.hideReason.', 'review.status.', 'role.', 'round.status.', 'station.type.',
];

/** Every source file of src/ but the dictionaries themselves. */
function sourceText(): string {
  const root = resolve(import.meta.dirname, '../../src');
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, e.name);
      if (e.isDirectory()) walk(path);
      else if (/\.(ts|astro|mjs|js)$/.test(e.name) && !/[\\/]i18n[\\/](zh-CN|en)\.ts$/.test(path)) files.push(path);
    }
  };
  walk(root);
  return files.map((f) => readFileSync(f, 'utf8')).join('\n');
}

describe('i18n', () => {
  it('every locale has exactly the keys of zh-CN: none missing, none extra', () => {
    const source = Object.keys(zhCN);
    for (const locale of locales) {
      const keys = Object.keys(dictionaries[locale]);
      expect(source.filter((k) => !keys.includes(k)), `missing in ${locale}`).toEqual([]);
      expect(keys.filter((k) => !Object.hasOwn(zhCN, k)), `extra in ${locale}`).toEqual([]);
    }
  });
  it('no string is empty and placeholders match between locales', () => {
    const placeholders = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
    for (const key of Object.keys(zhCN) as Array<keyof typeof zhCN>) {
      for (const locale of locales) {
        expect(dictionaries[locale][key].trim(), `${locale} ${key}`).not.toBe('');
        expect(placeholders(dictionaries[locale][key]), `${locale} ${key}`).toEqual(placeholders(zhCN[key]));
      }
    }
  });
  it('every key is used in src/, literally or under a prefix the code builds', () => {
    const text = sourceText();
    const literal = (key: string) => text.includes(`'${key}'`) || text.includes(`"${key}"`) || text.includes(`\`${key}\``);
    const unused = Object.keys(zhCN).filter((key) => !literal(key) && !DYNAMIC_PREFIXES.some((p) => key.startsWith(p)));
    expect(unused, 'keys no code uses: remove them from zh-CN.ts and en.ts').toEqual([]);
  });
  it('every dynamic prefix is still built in src/ and still has keys', () => {
    const text = sourceText();
    for (const prefix of DYNAMIC_PREFIXES) {
      const built = text.includes(`\`${prefix}\${`) || text.includes(`'${prefix.slice(0, -1)}'`);
      expect(built, `${prefix} is not built anywhere: drop it from DYNAMIC_PREFIXES`).toBe(true);
      expect(Object.keys(zhCN).some((k) => k.startsWith(prefix)), `no key under ${prefix}`).toBe(true);
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
      for (const locale of locales) expect(dictionaries[locale][e.key], `${locale} ${code}`).toBeTruthy();
      expect(e.status, code).toBeGreaterThanOrEqual(400);
    }
  });
});
