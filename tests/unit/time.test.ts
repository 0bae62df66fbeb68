/** Beijing time, computed in one place (src/server/time.ts) whatever the server's zone. */
import { describe, expect, it } from 'vitest';
import { formatDateTime, parseShanghaiTime, shanghaiDate, shanghaiDay, shanghaiInputValue, shanghaiStamp } from '../../src/server/time';

describe('Beijing time', () => {
  it('gives the Beijing calendar day, which starts at 16:00 UTC the day before', () => {
    expect(shanghaiDate(new Date('2026-02-28T15:59:59Z'))).toBe('2026-02-28');
    expect(shanghaiDate(new Date('2026-02-28T16:00:00Z'))).toBe('2026-03-01');
    expect(shanghaiDate(new Date('2026-12-31T16:00:00Z'))).toBe('2027-01-01');
  });

  it('gives a datetime-local value that parseShanghaiTime reads back to the same instant', () => {
    const d = new Date('2026-11-30T10:05:00Z');
    expect(shanghaiInputValue(d)).toBe('2026-11-30T18:05');
    expect(parseShanghaiTime(shanghaiInputValue(d))?.toISOString()).toBe(d.toISOString());
  });

  it('stamps export rows in Beijing time, empty for no time', () => {
    expect(shanghaiStamp(Date.UTC(2026, 0, 31, 17, 5))).toBe('2026-02-01 01:05');
    expect(shanghaiStamp(Date.UTC(2026, 5, 1, 0, 0))).toBe('2026-06-01 08:00');
    expect(shanghaiStamp(null)).toBe('');
  });

  it('gives the bounds of a Beijing day and refuses days that do not exist', () => {
    expect(shanghaiDay('2026-03-01')).toEqual({ from: new Date('2026-02-28T16:00:00Z'), to: new Date('2026-03-01T16:00:00Z') });
    expect(shanghaiDay('2026-02-30')).toBeNull();
    expect(shanghaiDay('March 1')).toBeNull();
  });

  it('agrees with Intl in Asia/Shanghai at every hour of a year', () => {
    const intlDay = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' });
    for (let ms = Date.UTC(2026, 0, 1); ms < Date.UTC(2027, 0, 1); ms += 3600_000 * 7) {
      expect(shanghaiDate(new Date(ms))).toBe(intlDay.format(ms));
    }
    expect(formatDateTime(new Date('2026-11-21T10:00:00Z'))).toContain('18:00');
  });
});
