/** What campaign grouping compares (issue 19): the body without its frame, and containment of bigram keys. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { bigramKeysOf, campaignCore, campaignTextOf, normaliseText, textFeaturesOf } from '../../src/server/grouping/text-features';
import { CANDIDATE_AGREEMENT, CONTAINMENT_THRESHOLD, estimateSimilarity, minhashOf, overlapOf, SIZE_RATIO } from '../../src/server/grouping/minhash';

const LETTER = '建议第九条规定热线接通率不得低于百分之九十五，为六十岁以上老年人开通一键转人工服务，并保留电话、信件和当面反映等传统渠道。';

describe('campaignCore()', () => {
  it.each([
    ['我是东城区居民，', ''],
    ['尊敬的市人大常委会：', ''],
    ['作为一名老党员，', ''],
    ['您好！本人系昌平区回龙观居民，', ''],
    ['', '望采纳！'],
    ['', '恳请采纳，谢谢。'],
    ['我们是西城区某小区的全体业主，', '此致敬礼！'],
    ['各位领导好，', '以上建议，请予考虑。'],
  ])('removes the opening %j and the sign-off %j', (opening, signOff) => {
    expect(campaignTextOf(opening + LETTER + signOff)).toBe(normaliseText(LETTER));
  });
  it('finds the frame with ASCII punctuation or spaces too', () => {
    expect(campaignTextOf(`我是丰台区的一名社区工作者, ${LETTER.replace(/，/g, ', ')} 谢谢!`)).toBe(normaliseText(LETTER));
    expect(campaignTextOf(`我是东城区居民 ${LETTER} 望采纳`)).toBe(normaliseText(LETTER));
  });
  it('keeps what argues: a first clause that is a proposal, words at the end inside a clause', () => {
    expect(campaignCore('我们建议第二十四条增加停车资源共享的规定，单位停车场夜间开放。')).toContain('我们建议第二十四条');
    expect(campaignTextOf('建议为六十岁以上')).toBe('建议为六十岁以上'); // 以上 ends a clause but does not start one
    expect(campaignTextOf('我们不需要回访，谢谢')).toBe('我们不需要回访');
  });
  it('leaves a body that is nothing but a frame as it is', () => {
    expect(campaignCore('谢谢！')).toBe('谢谢！');
    expect(campaignCore('我是东城区居民，')).toBe('我是东城区居民，');
  });
  it('never grows the text, and is empty only for an empty text (property)', () => {
    fc.assert(fc.property(fc.string({ unit: fc.constantFrom(...'我是东城区居民，望采纳谢谢！建议停车, 。作为尊敬的以上'), maxLength: 60 }), (s) => {
      const core = campaignTextOf(s);
      expect(core.length).toBeLessThanOrEqual(normaliseText(s).length);
      if (normaliseText(s)) expect(core).not.toBe('');
    }), { numRuns: 300 });
  });
  it('makes the MinHash of a framed copy that of the letter', () => {
    const a = textFeaturesOf(LETTER);
    const b = textFeaturesOf(`我是朝阳区望京街道的一名业主。${LETTER}请领导重视！`);
    expect(b.minhash).toEqual(a.minhash);
    expect(b.lshBands).toEqual(a.lshBands);
    expect(b.fingerprint).not.toBe(a.fingerprint); // not an exact duplicate: its own text is kept whole
  });
});

describe('overlapOf()', () => {
  const letter = bigramKeysOf(LETTER);
  it('is 1 for a copy that only adds (an opening) and high for one that drops a clause', () => {
    expect(overlapOf(letter, bigramKeysOf(`我在通州区住了二十年，${LETTER}`))).toBe(1);
    const dropped = bigramKeysOf(LETTER.replace('为六十岁以上老年人开通一键转人工服务，', ''));
    expect(overlapOf(letter, dropped)).toBeGreaterThanOrEqual(CONTAINMENT_THRESHOLD);
    expect(overlapOf(dropped, letter)).toBe(overlapOf(letter, dropped));
  });
  it('is 0 for a fragment much shorter than the letter, however contained', () => {
    const fragment = bigramKeysOf('热线接通率不得低于百分之九十五');
    expect(fragment.length).toBeLessThan(SIZE_RATIO * letter.length);
    expect(overlapOf(letter, fragment)).toBe(0);
  });
  it('is low for a comment on the same article that argues otherwise', () => {
    const other = bigramKeysOf('热线接通率不得低于百分之九十五这个指标定得太死，高峰时段再多坐席也不够，应当引导大家用网络平台。');
    expect(overlapOf(letter, other)).toBeLessThan(CONTAINMENT_THRESHOLD);
  });
  it('counts distinct keys, is symmetric and between 0 and 1 (property)', () => {
    const keys = fc.array(fc.integer({ min: 0, max: 40 }), { maxLength: 40 });
    fc.assert(fc.property(keys, keys, (a, b) => {
      const o = overlapOf(a, b);
      expect(o).toBe(overlapOf(b, a));
      expect(o).toBeGreaterThanOrEqual(0);
      expect(o).toBeLessThanOrEqual(1);
      expect(overlapOf(a, [...a, ...a])).toBe(a.length ? 1 : 0);
    }), { numRuns: 300 });
  });
  it('accepts a rewrite that the MinHash estimate alone (0.7, the rule before) refused', () => {
    const copy = `作为一名普通市民，${LETTER.replace('建议', '提议').replace('，为六十岁以上老年人开通一键转人工服务', '')}望采纳！`;
    // Over the whole text, as before, and even without the frame: well under 0.7.
    expect(estimateSimilarity(minhashOf(normaliseText(LETTER))!, minhashOf(normaliseText(copy))!)).toBeLessThan(0.7);
    expect(estimateSimilarity(textFeaturesOf(LETTER).minhash!, textFeaturesOf(copy).minhash!)).toBeLessThan(0.7);
    expect(estimateSimilarity(textFeaturesOf(LETTER).minhash!, textFeaturesOf(copy).minhash!)).toBeGreaterThanOrEqual(CANDIDATE_AGREEMENT);
    expect(overlapOf(letter, bigramKeysOf(copy))).toBeGreaterThanOrEqual(CONTAINMENT_THRESHOLD);
  });
});
