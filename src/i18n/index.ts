/** t(): the one way to get a UI string. zh-CN is the source of truth; en follows it. */
import { zhCN, type MessageKey } from './zh-CN';
import { en } from './en';

export type { MessageKey };
export const locales = ['zh-CN', 'en'] as const;
export type Locale = (typeof locales)[number];
export const defaultLocale: Locale = 'zh-CN';

const dictionaries: Record<Locale, Record<MessageKey, string>> = { 'zh-CN': zhCN, en };

/** Looks up `key` in `locale` and fills `{name}` placeholders from `params`. */
export function t(locale: Locale, key: MessageKey, params: Record<string, string | number> = {}): string {
  // Own keys only: a key from a request (?done=toString) must not find Object.prototype's members.
  const own = (dict: Record<string, string> | undefined) => (dict && Object.hasOwn(dict, key) ? dict[key] : undefined);
  const template = own(dictionaries[locale]) ?? own(zhCN) ?? String(key);
  return template.replace(/\{(\w+)\}/g, (m, name: string) => (name in params ? String(params[name]) : m));
}

export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (locales as readonly string[]).includes(value);
}

/** The locale chosen by the `lang` cookie; Chinese unless English was chosen. */
export function localeFromCookie(value: string | undefined): Locale {
  return isLocale(value) ? value : defaultLocale;
}
