/** Time is stored as timestamptz and shown in Asia/Shanghai, whatever the server's zone. */
import type { Locale } from '../i18n';
import { date, isCalendarDate } from './params';

export const TIME_ZONE = 'Asia/Shanghai';

/** Beijing is UTC+8 all year (China keeps no daylight saving time), so plain arithmetic is exact. */
const OFFSET_MS = 8 * 3600_000;

/** The ISO form of the Beijing wall-clock time at `ms`: `YYYY-MM-DDTHH:mm:ss.sssZ` with the Z a lie. */
function wallClock(ms: number): string {
  return new Date(ms + OFFSET_MS).toISOString();
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatter(locale: Locale, withTime: boolean): Intl.DateTimeFormat {
  const key = `${locale}|${withTime}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : 'zh-CN', {
      timeZone: TIME_ZONE,
      year: 'numeric',
      month: locale === 'en' ? 'short' : 'long',
      day: 'numeric',
      ...(withTime ? { hour: '2-digit', minute: '2-digit', hour12: false } : {}),
    });
    formatters.set(key, f);
  }
  return f;
}

/** e.g. 2026年11月21日 18:00 (Asia/Shanghai). */
export function formatDateTime(d: Date, locale: Locale = 'zh-CN'): string {
  return formatter(locale, true).format(d);
}

export function formatDate(d: Date, locale: Locale = 'zh-CN'): string {
  return formatter(locale, false).format(d);
}

/**
 * Parses an ISO date-time; a value without an offset is read as Asia/Shanghai time
 * (2026-12-01T18:00 → 10:00Z). Returns null when invalid.
 */
export function parseShanghaiTime(value: string): Date | null {
  const v = value.trim();
  const m = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(\.\d+)?)?)?(Z|[+-]\d{2}:?\d{2})?$/.exec(v);
  // Days that do not exist (02-30 would roll over into March) and years the database refuses (0000) are not times.
  if (!m || !isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3])) || Number(m[4] ?? 0) > 23 || Number(m[5] ?? 0) > 59 || Number(m[6] ?? 0) > 59) return null;
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/.test(v) && v.length > 10;
  const normal = v.replace(' ', 'T');
  const d = new Date(hasZone ? normal : `${normal.length === 10 ? normal + 'T00:00' : normal}+08:00`);
  return Number.isNaN(d.getTime()) || d.getUTCFullYear() < 1000 || d.getUTCFullYear() > 9999 ? null : d;
}

/** The Beijing calendar day of `d`, `YYYY-MM-DD` (e.g. "today" for a deputy's feedback slip). */
export function shanghaiDate(d: Date): string {
  return wallClock(d.getTime()).slice(0, 10);
}

/** The value of an `<input type="datetime-local">` showing `d` in Beijing time: `YYYY-MM-DDTHH:mm`. */
export function shanghaiInputValue(d: Date): string {
  return wallClock(d.getTime()).slice(0, 16);
}

/** `2026-03-01 09:30` in Beijing time, for exports (no Intl: fast over many rows); '' for null. */
export function shanghaiStamp(epochMs: number | null): string {
  if (epochMs === null) return '';
  return wallClock(epochMs).slice(0, 16).replace('T', ' ');
}

/** The start and end of a Beijing day `YYYY-MM-DD`, or null for a date that does not exist (params.ts `date`). */
export function shanghaiDay(day: string): { from: Date; to: Date } | null {
  if (!date.safeParse(day).success) return null;
  const from = new Date(Date.parse(`${day}T00:00:00Z`) - OFFSET_MS);
  return { from, to: new Date(from.getTime() + 86400_000) };
}
