/**
 * A PostgreSQL array literal for a `?::text[]` (or `?::uuid[]`, `?::int[]`) parameter: the driver
 * would otherwise expand a JS array into a list of values.
 */
export function pgArray(values: readonly (string | number)[]): string {
  return `{${values.map((v) => (typeof v === 'number' ? String(v) : `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`)).join(',')}}`;
}
