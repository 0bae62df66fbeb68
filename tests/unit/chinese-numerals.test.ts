import { describe, expect, it } from 'vitest';
import {
  formatArticleLabel,
  formatChineseNumeral,
  formatItemMarker,
  parseChineseNumeral,
} from '../../src/server/drafts/chinese-numerals';

const table: Array<[number, string]> = [
  [0, '零'],
  [1, '一'],
  [9, '九'],
  [10, '十'],
  [11, '十一'],
  [19, '十九'],
  [20, '二十'],
  [21, '二十一'],
  [99, '九十九'],
  [100, '一百'],
  [101, '一百零一'],
  [105, '一百零五'],
  [110, '一百一十'],
  [115, '一百一十五'],
  [120, '一百二十'],
  [200, '二百'],
  [999, '九百九十九'],
  [1000, '一千'],
  [1001, '一千零一'],
  [1010, '一千零一十'],
  [1100, '一千一百'],
  [1260, '一千二百六十'],
  [9999, '九千九百九十九'],
];

describe('formatChineseNumeral', () => {
  it.each(table)('%i → %s', (n, s) => expect(formatChineseNumeral(n)).toBe(s));

  it('refuses numbers it cannot write', () => {
    for (const n of [-1, 1.5, 10000, Number.NaN]) expect(() => formatChineseNumeral(n)).toThrow(RangeError);
  });

  it('formats labels', () => {
    expect(formatArticleLabel(120)).toBe('第一百二十条');
    expect(formatItemMarker(3)).toBe('（三）');
  });
});

describe('parseChineseNumeral', () => {
  it.each(table)('%i ← %s', (n, s) => expect(parseChineseNumeral(s)).toBe(n));

  it('round-trips every number 0..9999', () => {
    for (let n = 0; n <= 9999; n++) expect(parseChineseNumeral(formatChineseNumeral(n))).toBe(n);
  });

  it('accepts the usual variants', () => {
    expect(parseChineseNumeral('一十二')).toBe(12);
    expect(parseChineseNumeral('两百')).toBe(200);
    expect(parseChineseNumeral('一百〇五')).toBe(105);
  });

  it.each(['', '百', '十十', '一一', '二十零', '零五', '五零', '一百五', '一百零', '千百', '百十', '三x', '一百零零五', '一万'])(
    'refuses %j',
    (s) => expect(parseChineseNumeral(s)).toBeNull(),
  );
});
