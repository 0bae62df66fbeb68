/**
 * The bulk import's progress (import-progress.ts): the figures from a snapshot (rows per second,
 * the estimated total, the time left), the command's line, and when the line is printed — with a
 * clock passed in, never a timer.
 */
import { describe, expect, it } from 'vitest';
import { formatDuration, progressFigures, progressLine, ProgressTicker } from '../../src/server/comments/import-progress';

describe('progressFigures()', () => {
  it('rows per second since the start, the total from the share read, the time left at that rate', () => {
    // 20,000 stored after 10 s; 25,000 rows read were a quarter of the file: about 100,000 rows.
    const f = progressFigures({ stored: 20_000, read: 25_000, fraction: 0.25, phase: 'rows' }, 10_000);
    expect(f).toEqual({ stored: 20_000, perSecond: 2_000, total: 100_000, etaSeconds: 40, percent: 20, phase: 'rows' });
  });

  it('no total and no time left when the size is unknown or nothing is stored yet', () => {
    expect(progressFigures({ stored: 5_000, read: 5_000, fraction: null, phase: 'rows' }, 2_500)).toMatchObject({ perSecond: 2_000, total: null, etaSeconds: null, percent: null });
    expect(progressFigures({ stored: 0, read: 5_000, fraction: 0.1, phase: 'rows' }, 1_000)).toMatchObject({ perSecond: 0, total: 50_000, etaSeconds: null, percent: 0 });
  });

  it('the whole file read: the total is the rows read, and the time left what is still to store', () => {
    expect(progressFigures({ stored: 90_000, read: 100_000, fraction: 1, phase: 'rows' }, 30_000)).toMatchObject({ total: 100_000, perSecond: 3_000, etaSeconds: 4, percent: 90 });
  });

  it('grouping: 100 %, no time left to guess', () => {
    expect(progressFigures({ stored: 100_000, read: 100_000, fraction: 1, phase: 'grouping' }, 50_000)).toMatchObject({ percent: 100, etaSeconds: null, perSecond: 2_000 });
  });
});

describe('progressLine()', () => {
  it('says rows stored of the estimate, the rate and the time left', () => {
    expect(progressLine(progressFigures({ stored: 12_000, read: 15_000, fraction: 0.15, phase: 'rows' }, 4_000)))
      .toBe('已存入 12,000 / 约 100,000 行（12%），3,000 行/秒，预计还需 30 秒');
    expect(progressLine(progressFigures({ stored: 5_000, read: 5_000, fraction: null, phase: 'rows' }, 2_000))).toBe('已存入 5,000 行，2,500 行/秒');
    expect(progressLine(progressFigures({ stored: 100_000, read: 100_000, fraction: 1, phase: 'grouping' }, 40_000)))
      .toBe('已存入 100,000 行，2,500 行/秒；正在归并完全相同的意见……');
  });

  it('durations in seconds, minutes, hours', () => {
    expect([formatDuration(7), formatDuration(65), formatDuration(3725), formatDuration(-1)]).toEqual(['7 秒', '1 分 5 秒', '1 小时 2 分', '0 秒']);
  });
});

describe('ProgressTicker', () => {
  it('prints nothing in the first two seconds, then at most once a second, the newest snapshot', () => {
    const ticker = new ProgressTicker(1_000);
    expect(ticker.tick(2_000)).toBeNull(); // nothing reported yet
    ticker.update({ stored: 5_000, read: 5_000, fraction: 0.5, phase: 'rows' });
    expect(ticker.tick(2_900)).toBeNull(); // 1.9 s: a short import prints nothing
    expect(ticker.tick(3_000)).toBe('已存入 5,000 / 约 10,000 行（50%），2,500 行/秒，预计还需 2 秒');
    ticker.update({ stored: 8_000, read: 10_000, fraction: 1, phase: 'rows' });
    expect(ticker.tick(3_500)).toBeNull(); // half a second after the last line
    expect(ticker.tick(4_000)).toBe('已存入 8,000 / 约 10,000 行（80%），2,666 行/秒，预计还需 1 秒');
  });
});
