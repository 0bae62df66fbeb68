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
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v === null) parts[i] = 'NULL';
    else if (typeof v !== 'string') parts[i] = String(v);
    else if (v.indexOf('"') < 0 && v.indexOf('\\') < 0) parts[i] = `"${v}"`;
    else parts[i] = `"${v.replace(/[\\"]/g, '\\$&')}"`;
  }
  return `{${parts.join(',')}}`;
}
