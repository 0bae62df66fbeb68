import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffChars, mergeShortEqualities, sameIgnoringWhitespace, type DiffPart } from '../../src/server/drafts/diff-text';

const side = (parts: DiffPart[], keep: 'insert' | 'delete'): string =>
  parts.filter((p) => p.op === 'equal' || p.op === keep).map((p) => p.text).join('');

describe('diffChars', () => {
  it('finds a one-character insertion in an article (停车条例 第二十三条)', () => {
    expect(diffChars('处五千以上一万元以下罚款。', '处五千元以上一万元以下罚款。')).toEqual([
      { op: 'equal', text: '处五千' },
      { op: 'insert', text: '元' },
      { op: 'equal', text: '以上一万元以下罚款。' },
    ]);
  });

  it('reports a replacement as delete then insert', () => {
    expect(diffChars('由法律委员会审议', '由宪法和法律委员会审议')).toEqual([
      { op: 'equal', text: '由' },
      { op: 'insert', text: '宪法和' },
      { op: 'equal', text: '法律委员会审议' },
    ]);
    expect(diffChars('甲乙丙', '甲丁丙')).toEqual([
      { op: 'equal', text: '甲' },
      { op: 'delete', text: '乙' },
      { op: 'insert', text: '丁' },
      { op: 'equal', text: '丙' },
    ]);
  });

  it('handles empty strings and astral characters', () => {
    expect(diffChars('', '')).toEqual([]);
    expect(diffChars('', '甲')).toEqual([{ op: 'insert', text: '甲' }]);
    expect(diffChars('𠀀甲', '𠀁甲')).toEqual([
      { op: 'delete', text: '𠀀' },
      { op: 'insert', text: '𠀁' },
      { op: 'equal', text: '甲' },
    ]);
  });

  it('ignores whitespace when asked', () => {
    expect(diffChars('第一条 甲乙', '第一条\u3000甲乙').map((p) => p.op)).toEqual(['equal', 'delete', 'insert', 'equal']);
    expect(diffChars('第一条 甲乙', '第一条\u3000甲乙', { ignoreWhitespace: true })).toEqual([
      { op: 'equal', text: '第一条\u3000甲乙' },
    ]);
    expect(diffChars(' 甲 乙', '甲乙丙 ', { ignoreWhitespace: true })).toEqual([
      { op: 'equal', text: '甲乙' },
      { op: 'insert', text: '丙 ' },
    ]);
    expect(sameIgnoringWhitespace('甲 乙\n', '甲乙')).toBe(true);
  });

  it('falls back to one delete and one insert beyond maxEdits', () => {
    expect(diffChars('甲abcd乙', '甲wxyz乙', { maxEdits: 2 })).toEqual([
      { op: 'equal', text: '甲' },
      { op: 'delete', text: 'abcd' },
      { op: 'insert', text: 'wxyz' },
      { op: 'equal', text: '乙' },
    ]);
  });

  it('always reconstructs both strings with a minimal-looking script', () => {
    const text = fc.string({ unit: fc.constantFrom('甲', '乙', '丙', '，', ' ', '。'), maxLength: 40 });
    fc.assert(
      fc.property(text, text, (a, b) => {
        const parts = diffChars(a, b);
        expect(side(parts, 'delete')).toBe(a);
        expect(side(parts, 'insert')).toBe(b);
        const equal = parts.filter((p) => p.op === 'equal').reduce((n, p) => n + [...p.text].length, 0);
        expect(equal).toBe(lcsLength(a, b));
        const loose = diffChars(a, b, { ignoreWhitespace: true });
        expect(side(loose, 'insert')).toBe(b);
        expect(side(loose, 'delete').replace(/\s/g, '')).toBe(a.replace(/\s/g, ''));
      }),
    );
  });
});

describe('mergeShortEqualities', () => {
  it('folds a one-character match between two changes', () => {
    const parts = diffChars('经专有部分占建筑物总面积', '由业主依法共同决定');
    const merged = mergeShortEqualities(parts);
    expect(merged.length).toBeLessThanOrEqual(parts.length);
    expect(side(merged, 'delete')).toBe('经专有部分占建筑物总面积');
    expect(side(merged, 'insert')).toBe('由业主依法共同决定');
    expect(
      mergeShortEqualities([
        { op: 'delete', text: '甲' },
        { op: 'equal', text: '的' },
        { op: 'insert', text: '乙' },
        { op: 'equal', text: '规定' },
      ]),
    ).toEqual([
      { op: 'delete', text: '甲的' },
      { op: 'insert', text: '的乙' },
      { op: 'equal', text: '规定' },
    ]);
  });

  it('keeps equal runs at the ends and long ones', () => {
    const parts: DiffPart[] = [
      { op: 'equal', text: '甲' },
      { op: 'delete', text: '乙' },
      { op: 'equal', text: '丙丁' },
      { op: 'insert', text: '戊' },
      { op: 'equal', text: '己' },
    ];
    expect(mergeShortEqualities(parts)).toEqual(parts);
  });
});

function lcsLength(a: string, b: string): number {
  const x = [...a];
  const y = [...b];
  let prev = new Array<number>(y.length + 1).fill(0);
  for (const cx of x) {
    const row = [0];
    y.forEach((cy, j) => row.push(cx === cy ? prev[j] + 1 : Math.max(prev[j + 1], row[j])));
    prev = row;
  }
  return prev[y.length];
}
