/**
 * Chinese numerals as used in the numbering of legal texts (第一百零五条, 第十二章, （三）).
 * Covers 0 to 9999, which is more than any law needs.
 */

const DIGITS = ['零', '一', '二', '三', '四', '五', '六', '七', '八', '九'] as const;
const UNITS = [
  [1000, '千'],
  [100, '百'],
  [10, '十'],
] as const;

/** Characters that can appear in a Chinese numeral, for building regular expressions. */
export const CHINESE_NUMERAL_CHARS = '零〇一二两三四五六七八九十百千';

/** The largest number `formatChineseNumeral` and `parseChineseNumeral` handle. */
export const MAX_CHINESE_NUMERAL = 9999;

/**
 * Formats a whole number 0..9999 the way legal texts write it: 十 (10), 十二 (12), 二十 (20),
 * 一百一十 (110), 一百零五 (105), 一千零一十 (1010). Throws a RangeError for anything else.
 */
export function formatChineseNumeral(n: number): string {
  if (!Number.isInteger(n) || n < 0 || n > MAX_CHINESE_NUMERAL) {
    throw new RangeError(`formatChineseNumeral: ${n} is not an integer in 0..${MAX_CHINESE_NUMERAL}`);
  }
  if (n === 0) return DIGITS[0];
  if (n >= 10 && n < 20) return '十' + (n === 10 ? '' : DIGITS[n - 10]);
  let out = '';
  let rest = n;
  let pendingZero = false;
  for (const [value, unit] of UNITS) {
    const digit = Math.floor(rest / value);
    rest %= value;
    if (digit > 0) {
      if (pendingZero) out += DIGITS[0];
      out += DIGITS[digit] + unit;
      pendingZero = false;
    } else if (out !== '') {
      pendingZero = true;
    }
  }
  if (rest > 0) {
    if (pendingZero) out += DIGITS[0];
    out += DIGITS[rest];
  }
  return out;
}

/**
 * Parses a Chinese numeral written in the canonical form produced by `formatChineseNumeral`.
 * Also accepts the common variants 〇 for 零, 两 for 二 and a leading 一十 for 十 (一十二 = 12).
 * Returns null when the string is not a well-formed numeral (e.g. 十十, 一一, 百, 二十零).
 */
export function parseChineseNumeral(input: string): number | null {
  if (input === '') return null;
  let s = input.replace(/〇/g, '零').replace(/两/g, '二');
  if (s.startsWith('一十')) s = s.slice(1);
  let total = 0;
  let digit: number | null = null;
  let lastUnit = Infinity;
  for (const ch of s) {
    const d = DIGITS.indexOf(ch as (typeof DIGITS)[number]);
    if (d >= 0) {
      if (digit !== null && digit !== 0) return null;
      digit = d;
      continue;
    }
    const unit = UNITS.find(([, u]) => u === ch);
    if (!unit) return null;
    const value = unit[0];
    if (value >= lastUnit) return null;
    const multiplier = digit ?? (value === 10 && total === 0 ? 1 : null);
    if (multiplier === null || multiplier === 0) return null;
    total += multiplier * value;
    lastUnit = value;
    digit = null;
  }
  total += digit ?? 0;
  // Only the canonical spelling of the number is accepted (no stray or missing 零).
  return formatChineseNumeral(total) === s ? total : null;
}

/** Formats an article label: 5 → 第五条. */
export function formatArticleLabel(n: number): string {
  return `第${formatChineseNumeral(n)}条`;
}

/** Formats a chapter label: 2 → 第二章. */
export function formatChapterLabel(n: number): string {
  return `第${formatChineseNumeral(n)}章`;
}

/** Formats a section label: 3 → 第三节. */
export function formatSectionLabel(n: number): string {
  return `第${formatChineseNumeral(n)}节`;
}

/** Formats an item marker: 1 → （一）. */
export function formatItemMarker(n: number): string {
  return `（${formatChineseNumeral(n)}）`;
}
