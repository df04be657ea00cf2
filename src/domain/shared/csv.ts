/**
 * CSV out (RFC 4180): one line per row, CRLF line ends, a cell quoted when it holds a comma, a
 * quote or a line break. The same rules as the console's downloads (console/src/lib/csv.ts).
 */
export type CsvCell = string | number | bigint | null | undefined;

export function toCsv(rows: readonly (readonly CsvCell[])[]): string {
  const quote = (v: CsvCell) => {
    const s = v === null || v === undefined ? '' : String(v);
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return rows.map((r) => r.map(quote).join(',')).join('\r\n') + '\r\n';
}
