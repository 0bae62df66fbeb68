/** The bulk import's fast text features and receipts agree exactly with what a web submission stores. */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fastReceipt, randomLookupCode } from '../../src/server/comments/import-features';
import { bigramKeysOf, campaignTextOf, fingerprintOf, normaliseText, textFeaturesOf } from '../../src/server/grouping/text-features';
import { lshBandsOf, minhashOf, shinglesOf, MINHASH_SIZE } from '../../src/server/grouping/minhash';
import { normaliseLookupCode, parseReceipt } from '../../src/server/comments/receipts';
import { columnOf, importRowSchema } from '../../src/server/comments/import-schemas';

const chinese = fc.string({ unit: fc.constantFrom(...'建议明确诉求工单记录的时限避免遗漏，。！ 停车位不足😀ＡＢＣabc123\n'), maxLength: 200 });
const anyText = fc.oneof(chinese, fc.string({ unit: 'grapheme', maxLength: 60 }), fc.string({ unit: 'binary', maxLength: 60 }));

describe('textFeaturesOf()', () => {
  it('gives the same bigrams, fingerprint, MinHash and LSH keys as the one-at-a-time functions', () => {
    fc.assert(fc.property(anyText, (text) => {
      const f = textFeaturesOf(text);
      const minhash = minhashOf(campaignTextOf(text));
      expect(f.bigrams).toEqual(bigramKeysOf(text));
      expect(f.fingerprint).toBe(fingerprintOf(text));
      expect(f.minhash).toEqual(minhash);
      expect(f.lshBands).toEqual(minhash ? lshBandsOf(minhash) : null);
    }), { numRuns: 500 });
  });
  it('minhashOf equals the textbook definition over the set of 3-grams, also for short texts and astral characters', () => {
    const fnv = (s: string) => { let h = 0x811c9dc5; for (let i = 0; i < s.length; i++) { h ^= s.charCodeAt(i); h = Math.imul(h, 0x01000193); } return h | 0; };
    const mix = (x: number) => { x ^= x >>> 16; x = Math.imul(x, 0x85ebca6b); x ^= x >>> 13; x = Math.imul(x, 0xc2b2ae35); x ^= x >>> 16; return x | 0; };
    const seeds = Array.from({ length: MINHASH_SIZE }, (_, i) => mix(0x9e3779b9 ^ Math.imul(i + 1, 0x85ebca6b)));
    const reference = (t: string) => {
      const shingles = shinglesOf(t);
      if (!shingles.size) return null;
      return seeds.map((seed) => Math.min(...[...shingles].map((s) => mix(fnv(s) ^ seed))));
    };
    for (const t of ['', 'a', 'ab', '😀', '😀😀', 'a😀b😀', '建议建议建议明确时限']) expect(minhashOf(t)).toEqual(reference(t));
    fc.assert(fc.property(anyText, (text) => { expect(minhashOf(normaliseText(text))).toEqual(reference(normaliseText(text))); }), { numRuns: 300 });
  });
});

describe('fastReceipt() and randomLookupCode()', () => {
  it('makes receipts whose check character holds, and well-formed lookup codes', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const r = fastReceipt(i % 2 ? 'JS' : 'ABCD', 1 + (i % 9));
      expect(parseReceipt(r)).toMatchObject({ ok: true, receipt: r });
      seen.add(r);
      const code = randomLookupCode();
      expect(normaliseLookupCode(code)).toBe(code);
    }
    expect(seen.size).toBeGreaterThan(1990);
  });
});

describe('importRowSchema', () => {
  const row = { external_id: 'L-1', draft: 'jiesu-jiban', body: '建议明确办理时限。' };
  it('defaults publish_name to false, channel to letter and voices to 1; reads 是/否', () => {
    expect(importRowSchema.parse(row)).toMatchObject({ publish_name: false, channel: 'letter', voices: 1 });
    expect(importRowSchema.parse({ ...row, publish_name: '是', channel: 'API', voices: '12', article: '7', round: 3 })).toMatchObject({ publish_name: true, channel: 'api', voices: 12, article: 7, round: 3 });
    expect(importRowSchema.parse({ ...row, publish_name: '否' }).publish_name).toBe(false);
  });
  it('refuses what the web form refuses', () => {
    for (const bad of [{ body: '短' }, { body: 'a\u0007bcdef' }, { contact: '12345' }, { name: '<b>x</b>' }, { external_id: '' }, { voices: '0' }, { received_at: '昨天' }]) {
      expect(importRowSchema.safeParse({ ...row, ...bad }).success).toBe(false);
    }
  });
  it('knows the English and Chinese column names', () => {
    expect(columnOf(' External_ID ')).toBe('external_id');
    expect(columnOf('意见')).toBe('body');
    expect(columnOf('text')).toBeNull();
  });
});
