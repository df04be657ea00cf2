import { createHash } from 'node:crypto';

/**
 * Canonical JSON: the JSON Canonicalization Scheme, RFC 8785 (JCS). Object keys sorted by their
 * UTF-16 code units, no whitespace, numbers as ECMAScript writes them (`1e+30`, `0.002`, `-0` as
 * `0`), strings escaped as JSON.stringify does (only `"`, `\\` and control characters; `\u00xx`
 * in lower case), the result hashed as UTF-8. Before that, values JSON has no type for are mapped
 * to strings: bigints to their decimal digits, Dates to ISO 8601; undefined properties are left
 * out. Two values that mean the same serialise to the same bytes, so their hash can be compared
 * (idempotency keys) or published (audit records) and checked with any RFC 8785 library. Strings
 * with lone surrogates are not I-JSON and so outside RFC 8785; they are escaped (`\ud800`) as
 * JSON.stringify does. Test vectors from the RFC are in canonical-json.spec.ts.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return JSON.stringify(value.toString());
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  if (typeof value === 'number' && !Number.isFinite(value)) throw new RangeError('Non-finite number in canonical JSON');
  return JSON.stringify(value);
}

export function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}
