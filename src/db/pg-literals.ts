/** PostgreSQL array literals for parameters. */

/** `{1,2,3}` for an int[] parameter, or null. */
export function intArrayLiteral(values: readonly number[] | null): string | null {
  return values ? `{${values.join(',')}}` : null;
}
