/** PostgreSQL array literals for parameters. */

/** `{1,2,3}` for an int[] parameter, or null. */
export function intArrayLiteral(values: readonly number[] | null): string | null {
  return values ? `{${values.join(',')}}` : null;
}

/**
 * A PostgreSQL array literal: every element quoted (escaped only when it must be), null as NULL.
 * How arrays go to the database here (bulk import, batched submissions, rate limits): as one text
 * parameter cast in SQL, which both drivers take for any element type.
 */
export function pgArray(values: ReadonlyArray<string | number | boolean | null>): string {
  const parts = new Array<string>(values.length);
  for (let i = 0; i < values.length; i++) parts[i] = pgArrayElement(values[i]);
  return `{${parts.join(',')}}`;
}

/** One element of pgArray's literal, for callers that write elements ahead of the array (comments/import-sql.ts). */
export function pgArrayElement(v: string | number | boolean | null): string {
  if (v === null) return 'NULL';
  if (typeof v !== 'string') return String(v);
  if (v.indexOf('"') < 0 && v.indexOf('\\') < 0) return `"${v}"`;
  return `"${v.replace(/[\\"]/g, '\\$&')}"`;
}
