/**
 * How far a bulk import has got (import-comments.ts reports it after each stored batch): rows
 * stored, rows per second, and the time left, estimated from the share of the input read so far
 * (bytes of a file, rows of a JSON list). The command prints it as a line on stderr and the staff
 * import job stores it for its page (docs/decisions/009-bulk-import.md, "Progress").
 */

/** A snapshot from importComments' onProgress. */
export interface ImportProgress {
  /** Rows stored so far (new or already present). */
  stored: number;
  /** Rows read so far (stored, in the batch being prepared, or refused). */
  read: number;
  /** Share of the input read, 0–1; null when the input's size is unknown (a stream without a length). */
  fraction: number | null;
  /** 'rows' while batches go in; 'grouping' once all are in and duplicates are being grouped. */
  phase: 'rows' | 'grouping';
}

export interface ProgressFigures {
  stored: number;
  /** Rows stored per second since the start (whole rows). */
  perSecond: number;
  /** The rows the input holds, estimated from what was read of it; null when unknown. */
  total: number | null;
  /** Seconds left, whole; null when unknown (no size, nothing read yet, or grouping). */
  etaSeconds: number | null;
  /** Percent of the estimated rows stored, 0–100, whole; null when unknown. */
  percent: number | null;
  phase: ImportProgress['phase'];
}

/** The figures of a snapshot taken `elapsedMs` after the import started. */
export function progressFigures(p: ImportProgress, elapsedMs: number): ProgressFigures {
  const seconds = Math.max(elapsedMs, 1) / 1000;
  const perSecond = Math.floor(p.stored / seconds);
  const total = p.fraction && p.fraction > 0 ? Math.max(p.read, Math.round(p.read / Math.min(1, p.fraction))) : null;
  const grouping = p.phase === 'grouping';
  const percent = grouping ? 100 : total ? Math.min(100, Math.floor((p.stored / total) * 100)) : null;
  const etaSeconds = !grouping && total !== null && perSecond > 0 ? Math.ceil(Math.max(0, total - p.stored) / perSecond) : null;
  return { stored: p.stored, perSecond, total, etaSeconds, percent, phase: p.phase };
}

/** 65 → "1 分 5 秒", 7 → "7 秒", 3,725 → "1 小时 2 分". */
export function formatDuration(seconds: number): string {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} 秒`;
  if (s < 3600) return `${Math.floor(s / 60)} 分 ${s % 60} 秒`;
  return `${Math.floor(s / 3600)} 小时 ${Math.floor((s % 3600) / 60)} 分`;
}

const n = (v: number) => v.toLocaleString('en-US');

/** The command's progress line: `已存入 12,000 / 约 100,000 行（12%），3,000 行/秒，预计还需 26 秒`. */
export function progressLine(f: ProgressFigures): string {
  if (f.phase === 'grouping') return `已存入 ${n(f.stored)} 行，${n(f.perSecond)} 行/秒；正在归并完全相同的意见……`;
  const of = f.total !== null ? ` / 约 ${n(f.total)} 行（${f.percent}%）` : ' 行';
  const eta = f.etaSeconds !== null ? `，预计还需 ${formatDuration(f.etaSeconds)}` : '';
  return `已存入 ${n(f.stored)}${of}，${n(f.perSecond)} 行/秒${eta}`;
}

/**
 * Decides when the command prints: not before `quietMs` (a short import prints nothing), then at
 * most once every `everyMs`. Pure: the caller passes the clock's reading.
 */
export class ProgressTicker {
  private last: ImportProgress | null = null;
  private printedAt = -Infinity;

  constructor(private readonly startedAt: number, private readonly quietMs = 2000, private readonly everyMs = 1000) {}

  /** Keeps the newest snapshot. */
  update(p: ImportProgress): void {
    this.last = p;
  }

  /** The line to print at `now`, or null (too early, printed less than everyMs ago, or nothing yet). */
  tick(now: number): string | null {
    const elapsed = now - this.startedAt;
    if (!this.last || elapsed < this.quietMs || now - this.printedAt < this.everyMs) return null;
    this.printedAt = now;
    return progressLine(progressFigures(this.last, elapsed));
  }
}
