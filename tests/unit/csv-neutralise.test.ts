import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { neutraliseCell } from '../../src/server/reports/export-csv';
import { formatRate } from '../../src/server/reports/format';
import { shanghaiStamp } from '../../src/server/time';
import { xmlText } from '../../src/server/reports/docx-xml';

describe('neutraliseCell', () => {
  it.each(['=1+1', '+86 138', '-2', '@SUM(A1)', '\tx', '\rx', ' =cmd|', '=HYPERLINK("http://x","y")'])('prefixes %j with an apostrophe', (v) => {
    expect(neutraliseCell(v)).toBe(`'${v}`);
  });

  it('leaves ordinary text and numbers alone', () => {
    expect(neutraliseCell('建议增加停车位')).toBe('建议增加停车位');
    expect(neutraliseCell('a=b')).toBe('a=b');
    expect(neutraliseCell(-3)).toBe(-3);
    expect(neutraliseCell(null)).toBe('');
  });

  it('never returns a string a spreadsheet would run as a formula', () => {
    fc.assert(fc.property(fc.string(), (s) => {
      const out = String(neutraliseCell(s));
      expect(out).not.toMatch(/^(\s*[=+\-@]|[\t\r])/);
      expect(out.endsWith(s)).toBe(true);
    }));
  });
});

describe('report formatting', () => {
  it('shows rates with one decimal and a dash when there is nothing to divide', () => {
    expect(formatRate(0.85321)).toBe('85.3%');
    expect(formatRate(1)).toBe('100.0%');
    expect(formatRate(null)).toBe('—');
  });

  it('stamps times in Beijing time', () => {
    expect(shanghaiStamp(Date.UTC(2026, 0, 31, 17, 5))).toBe('2026-02-01 01:05');
    expect(shanghaiStamp(null)).toBe('');
  });

  it('escapes XML and drops characters XML forbids', () => {
    expect(xmlText('a<b>&c\u0001d')).toBe('a&lt;b&gt;&amp;cd');
  });
});
