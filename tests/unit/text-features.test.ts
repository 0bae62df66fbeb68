import { describe, expect, it } from 'vitest';
import { createHash } from 'node:crypto';
import { bigramKey, bigramKeysOf, bigramsOf, fingerprintOf, normaliseText } from '../../src/server/grouping/text-features';

describe('normaliseText', () => {
  it('drops whitespace and punctuation (Chinese and ASCII) and lower-cases', () => {
    expect(normaliseText('建议：增加 停车位！\n（第十条）')).toBe('建议增加停车位第十条');
    expect(normaliseText('Hello, World!')).toBe('helloworld');
  });
  it('folds full-width forms (NFKC) and drops symbols and emoji', () => {
    expect(normaliseText('ＡＢＣ１２３　物业')).toBe('abc123物业');
    expect(normaliseText('好👍+＄')).toBe('好');
  });
});

describe('bigramsOf', () => {
  it('gives the distinct overlapping two-character sequences, in order', () => {
    expect(bigramsOf('停车位不足')).toEqual(['停车', '车位', '位不', '不足']);
    expect(bigramsOf('物业物业')).toEqual(['物业', '业物']);
  });
  it('ignores spacing and punctuation between characters', () => {
    expect(bigramsOf('漏，雨')).toEqual(['漏雨']);
    expect(bigramsOf('Ab C')).toEqual(['ab', 'bc']);
  });
  it('has none for fewer than two characters', () => {
    expect(bigramsOf('好')).toEqual([]);
    expect(bigramsOf('  。')).toEqual([]);
  });
  it('keeps astral characters whole', () => {
    expect(bigramsOf('𠀀𠀁')).toEqual(['𠀀𠀁']);
  });
});

describe('fingerprintOf', () => {
  it('is the SHA-256 hex of the normalised text', () => {
    expect(fingerprintOf('停车，难！')).toBe(createHash('sha256').update('停车难').digest('hex'));
  });
  it('is the same for texts that differ only in spacing, punctuation or case', () => {
    expect(fingerprintOf('建议增加停车位。')).toBe(fingerprintOf(' 建议 增加停车位 '));
    expect(fingerprintOf('ABC')).toBe(fingerprintOf('abc'));
    expect(fingerprintOf('建议增加停车位')).not.toBe(fingerprintOf('建议减少停车位'));
  });
});

describe('bigramKey', () => {
  it('packs two characters of the Basic Multilingual Plane exactly, as a signed 32-bit integer', () => {
    expect(bigramKey('ab')).toBe(0x61 * 65536 + 0x62);
    expect(bigramKey('停车')).toBe((0x505c * 65536 + 0x8f66) | 0);
    expect(bigramKey('鿿鿿')).toBeLessThan(0); // U+9FFF sets the sign bit
    expect(Number.isInteger(bigramKey('𠀀𠀁'))).toBe(true);
  });
  it('gives distinct keys to distinct BMP pairs', () => {
    const keys = new Set<number>();
    const chars = Array.from('的一是不了人我在有他这中大来上国个到说们为子和你地出道也时年停车物业漏雨噪音');
    for (const a of chars) for (const b of chars) keys.add(bigramKey(a + b));
    expect(keys.size).toBe(chars.length * chars.length);
  });
  it('keys the distinct bigrams of a text in order', () => {
    expect(bigramKeysOf('物业物业')).toEqual([bigramKey('物业'), bigramKey('业物')]);
    expect(bigramKeysOf('好')).toEqual([]);
  });
});
