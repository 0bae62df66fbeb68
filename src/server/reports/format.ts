/** Small formatting rules shared by the report formats and pages. */

/** 0.8532 → "85.3%"; null (nothing to divide by) → "—". */
export function formatRate(rate: number | null): string {
  return rate === null ? '—' : `${(Math.round(rate * 1000) / 10).toFixed(1)}%`;
}

/** The share of `part` in `whole` as a rate, null when `whole` is 0. */
export function share(part: number, whole: number): number | null {
  return whole > 0 ? part / whole : null;
}
