import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { estimateSimilarity, jaccard, lshBandsOf, LSH_BANDS, minhashOf, MINHASH_SIZE, shinglesOf } from '../../src/server/grouping/minhash';
import { maskContact } from '../../src/server/mask-contact';
import { normaliseText } from '../../src/server/grouping/text-features';
import { escapeLike, searchTerms } from '../../src/server/review/search';
import { flattenTree } from '../../src/server/review/tags';
import { summariseBefore } from '../../src/server/review/decide';

const sig = (s: string) => minhashOf(normaliseText(s))!;

describe('MinHash over character 3-grams', () => {
  it('shingles by code point, and a short text is one shingle', () => {
    expect([...shinglesOf('停车位不足')]).toEqual(['停车位', '车位不', '位不足']);
    expect([...shinglesOf('停车')]).toEqual(['停车']);
    expect(shinglesOf('').size).toBe(0);
    expect(minhashOf('')).toBeNull();
  });
  it('is deterministic, of fixed size, with one band key per band', () => {
    const a = sig('建议老旧小区优先建设停车设施');
    expect(a).toHaveLength(MINHASH_SIZE);
    expect(sig('建议老旧小区优先建设停车设施')).toEqual(a);
    expect(lshBandsOf(a)).toHaveLength(LSH_BANDS);
    expect(a.every((x) => Number.isInteger(x) && x >= -(2 ** 31) && x < 2 ** 31)).toBe(true);
  });
  it('estimates identical texts as 1 and unrelated texts near 0', () => {
    const a = sig('坚决支持第十条，建议老旧小区优先建设停车设施！');
    expect(estimateSimilarity(a, sig('坚决支持第十条 建议老旧小区优先建设停车设施'))).toBe(1);
    expect(estimateSimilarity(a, sig('物业费收费标准应当向全体业主公开'))).toBeLessThan(0.15);
  });
  it('tracks the exact Jaccard similarity of near-identical texts', () => {
    const x = normaliseText('电梯维修基金的使用应当经过业主大会表决同意并且向全体业主公示');
    const y = normaliseText('电梯维修基金的使用应当经过业主大会表决同意并向全体业主公示');
    const est = estimateSimilarity(minhashOf(x)!, minhashOf(y)!);
    expect(Math.abs(est - jaccard(x, y))).toBeLessThan(0.2);
    expect(est).toBeGreaterThanOrEqual(0.7);
  });
  it('near-identical texts share at least one LSH band', () => {
    const a = lshBandsOf(sig('强烈建议老旧小区夜间允许路边免费停车，解决停车难问题！'));
    const b = lshBandsOf(sig('强烈建议老旧小区夜间允许路边免费停车，解决停车难的问题！'));
    expect(a.some((k, i) => k === b[i])).toBe(true);
  });
  it('estimates within 0.25 of the exact Jaccard for any pair (property)', () => {
    fc.assert(fc.property(fc.string({ minLength: 5, maxLength: 60, unit: fc.constantFrom(...'停车位物业费漏雨电梯维修基金业主大会') }), fc.string({ minLength: 5, maxLength: 60, unit: fc.constantFrom(...'停车位物业费漏雨电梯维修基金业主大会') }), (a, b) => {
      const est = estimateSimilarity(minhashOf(a)!, minhashOf(b)!);
      return Math.abs(est - jaccard(a, b)) <= 0.25;
    }), { numRuns: 200 });
  });
});

describe('contact masking', () => {
  it.each([
    ['13812345678', '138****5678'],
    ['+86 138 1234 5678', '861****5678'],
    ['zhang.san@example.com', 'z***@example.com'],
    ['微信号abc', '微***c'],
    ['ab', '**'],
  ])('%s → %s', (input, out) => expect(maskContact(input)).toBe(out));
  it('gives null for nothing', () => expect(maskContact(null)).toBeNull());
});

describe('search terms', () => {
  it('splits on spaces (ASCII and ideographic), deduplicates, keeps at most five', () => {
    expect(searchTerms(' 漏雨\u3000物业  漏雨 ')).toEqual(['漏雨', '物业']);
    expect(searchTerms('a b c d e f g')).toHaveLength(5);
    expect(searchTerms(undefined)).toEqual([]);
  });
  it('escapes LIKE wildcards', () => expect(escapeLike('100%_\\')).toBe('100\\%\\_\\\\'));
});

describe('tag tree', () => {
  it('orders depth-first, frame tags before free tags, with paths', () => {
    const now = new Date();
    const rows = [
      { id: 'c', draftId: 'd', parentId: 'p', name: '漏雨', createdAt: now },
      { id: 'f', draftId: null, parentId: null, name: '紧急', createdAt: now },
      { id: 'p', draftId: 'd', parentId: null, name: '维修', createdAt: now },
    ];
    expect(flattenTree(rows).map((t) => [t.path, t.depth])).toEqual([['维修', 0], ['维修 / 漏雨', 1], ['紧急', 0]]);
  });
});

describe('bulk audit summary', () => {
  it('groups members by prior state, keeping every id', () => {
    const base = { status: 'received', adoption: null, reason: null, response: null, responded_at: null, pending_approval: false };
    const out = summariseBefore([{ ...base, id: 'a' }, { ...base, id: 'b' }, { ...base, id: 'c', adoption: 'pending', status: 'under_review' }]);
    expect(out).toHaveLength(2);
    expect(out[0].ids).toEqual(['a', 'b']);
  });
});
