import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import {
  ALPHABET, checkInterim, checkValueFor, deriveLookupCode, generateReceipt, hashLookupCode, idempotencyDigest,
  normaliseLookupCode, parseProvisionalNumber, parseReceipt, verifyLookupCode,
} from '../../src/server/comments/receipts';

const RECEIPT = /^[A-Z]{2,4}[1-9]-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{2}$/;

/** Every character position a typist could get wrong: the prefix letters, the round and the six code characters. */
function positions(receipt: string): number[] {
  return [...receipt].map((c, i) => (c === '-' ? -1 : i)).filter((i) => i >= 0);
}

function alternatives(receipt: string, i: number): string[] {
  const c = receipt[i];
  const prefixLength = /^[A-Z]+/.exec(receipt)![0].length;
  if (i < prefixLength) return [...'ABCDEFGHIJKLMNOPQRSTUVWXYZ'].filter((x) => x !== c);
  if (i === prefixLength) return [...'123456789'].filter((x) => x !== c);
  return [...ALPHABET].filter((x) => x !== c);
}

describe('receipt numbers', () => {
  it('look like JS2-4F7K-9Q and parse back to themselves', () => {
    for (let i = 0; i < 200; i++) {
      const r = generateReceipt('JS', 2);
      expect(r).toMatch(RECEIPT);
      expect(r.startsWith('JS2-')).toBe(true);
      expect(parseReceipt(r)).toEqual({ ok: true, receipt: r, draftCode: 'JS', round: 2 });
    }
  });

  // (I, L, O and U are not in the code alphabet: I/L/O typed there read as 1 and 0, the same receipt.)
  it('catch every single-character substitution in every position', () => {
    for (const prefix of ['JS', 'LF', 'WYGL']) {
      for (let n = 0; n < 20; n++) {
        const r = generateReceipt(prefix, (n % 9) + 1);
        for (const i of positions(r)) {
          for (const c of alternatives(r, i)) {
            const typo = r.slice(0, i) + c + r.slice(i + 1);
            expect(parseReceipt(typo).ok, `${r} → ${typo}`).toBe(false);
          }
        }
      }
    }
  });

  it('catch every adjacent transposition of different characters (across dashes too)', () => {
    for (let n = 0; n < 300; n++) {
      const r = generateReceipt(n % 2 ? 'JS' : 'TCX', (n % 9) + 1);
      const pos = positions(r);
      for (let k = 0; k + 1 < pos.length; k++) {
        const [a, b] = [pos[k], pos[k + 1]];
        if (r[a] === r[b]) continue;
        const chars = [...r];
        [chars[a], chars[b]] = [chars[b], chars[a]];
        expect(parseReceipt(chars.join('')).ok, `${r} → ${chars.join('')}`).toBe(false);
      }
    }
  });

  it('the check is exhaustive for substitutions and transpositions of code values (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 31 }), { minLength: 2, maxLength: 10 }), fc.nat(), fc.integer({ min: 1, max: 31 }), (values, at, delta) => {
        const full = [...values, checkValueFor(values)];
        expect(checkInterim(full)).toBe(0);
        const i = at % full.length;
        const changed = [...full];
        changed[i] = (changed[i] + delta) % 32;
        expect(checkInterim(changed)).not.toBe(0);
        if (i + 1 < full.length && full[i] !== full[i + 1]) {
          const swapped = [...full];
          [swapped[i], swapped[i + 1]] = [swapped[i + 1], swapped[i]];
          expect(checkInterim(swapped)).not.toBe(0);
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('are read forgivingly: case, spaces, missing or full-width dashes, I/L/O look-alikes', () => {
    const r = generateReceipt('JS', 3);
    const code = r.slice(4).replace('-', '');
    expect(parseReceipt(r.toLowerCase())).toMatchObject({ ok: true, receipt: r });
    expect(parseReceipt(` ${r.replace(/-/g, ' ')} `)).toMatchObject({ ok: true, receipt: r });
    expect(parseReceipt(r.replace(/-/g, ''))).toMatchObject({ ok: true, receipt: r });
    expect(parseReceipt(r.replace(/-/g, '－'))).toMatchObject({ ok: true, receipt: r });
    expect(parseReceipt('ＪＳ３' + code)).toMatchObject({ ok: true, receipt: r });
    const lookalike = `JS3${code.replace(/1/g, 'l').replace(/0/g, 'O')}`;
    expect(parseReceipt(lookalike)).toMatchObject({ ok: true, receipt: r });
  });

  it('read a kiosk\'s provisional number as printed or typed, keeping the exact key of its QR code first', () => {
    const key = 'ABCDEFGHJKMNPQRS2345';
    expect(parseProvisionalNumber(key)).toEqual([key]);
    for (const typed of ['ABCD-EFGH-JKMN-PQRS-2345', 'abcd-efgh-jkmn-pqrs-2345', ' ABCD EFGH JKMN PQRS 2345 ', 'ＡＢＣＤ－ＥＦＧＨ－ＪＫＭＮ－ＰＱＲＳ－２３４５', 'ABCD—EFGH—JKMN—PQRS—2345']) {
      expect(parseProvisionalNumber(typed), typed).toContain(key);
    }
    expect(parseProvisionalNumber('abcd-efgh-jkmn-pqrs-2345')).toEqual(['abcd-efgh-jkmn-pqrs-2345', key]);
    for (const bad of ['', 'ABCD-EFGH', '../etc/passwd', '<script>alert(1)</script>', 'JS2-4F7K-9Q', '第十条第十条第十条第十条第十条第十条']) {
      expect(parseProvisionalNumber(bad), bad).toEqual([]);
    }
  });

  it('refuse what is not a receipt at all', () => {
    for (const bad of ['', 'JS', 'JS0-AAAA-AA', 'J2-AAAA-AA', 'ABCDE2-AAAA-AA', 'JS2-AAAA-A', 'JS2-AAAA-AAA', 'JS2-AAAU-AA', '<script>', '第十条']) {
      expect(parseReceipt(bad)).toEqual({ ok: false, reason: 'format' });
    }
  });

  it('refuse a bad prefix or round for generation', () => {
    expect(() => generateReceipt('js', 1)).toThrow();
    expect(() => generateReceipt('JS', 10)).toThrow();
  });
});

describe('lookup codes', () => {
  it('are 8 characters, derived from the idempotency key (so a retry shows the same code)', () => {
    const a = deriveLookupCode('key-1');
    expect(a).toMatch(/^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
    expect(deriveLookupCode('key-1')).toBe(a);
    expect(deriveLookupCode('key-2')).not.toBe(a);
  });

  it('are read forgivingly and refused when malformed', () => {
    expect(normaliseLookupCode('7kq2m9xa')).toBe('7KQ2-M9XA');
    expect(normaliseLookupCode(' 7KQ2 - M9XA ')).toBe('7KQ2-M9XA');
    expect(normaliseLookupCode('7KQ2-M9XO')).toBe('7KQ2-M9X0');
    expect(normaliseLookupCode('7KQ2-M9X')).toBeNull();
    expect(normaliseLookupCode('7KQ2-M9XU')).toBeNull();
    expect(normaliseLookupCode('')).toBeNull();
  });

  it('are stored salted with the receipt and verified in constant time', () => {
    const h = hashLookupCode('JS2-4F7K-9Q', '7KQ2-M9XA');
    expect(h).toMatch(/^[0-9a-f]{64}$/);
    expect(h).not.toBe(hashLookupCode('JS2-4F7K-9R', '7KQ2-M9XA'));
    expect(verifyLookupCode('JS2-4F7K-9Q', '7KQ2-M9XA', h)).toBe(true);
    expect(verifyLookupCode('JS2-4F7K-9Q', '7KQ2-M9XB', h)).toBe(false);
    expect(verifyLookupCode('JS2-4F7K-9Q', '7KQ2-M9XA', 'abc')).toBe(false);
  });

  it('idempotency keys are stored as digests, not as sent', () => {
    expect(idempotencyDigest('abc')).toMatch(/^[0-9a-f]{64}$/);
    expect(idempotencyDigest('abc')).not.toContain('abc');
  });
});
