/**
 * CSV out (RFC 4180): one line per row, CRLF line ends, a cell quoted when it holds a comma, a
 * quote or a line break. The same rules as the console's downloads (console/src/lib/csv.ts).
 *
 * Formula injection: a spreadsheet runs a cell that starts with = + - @ (or TAB / CR before
 * them) as a formula, and the text in these files is partly other tenants' (a brand's spike
 * title in the operator's download, a sandbox's name in its organisations' names). Such a text
 * cell is prefixed with a single quote, which spreadsheets show as text (OWASP "CSV Injection").
 * Plain numbers (-4.00, -12) are left as they are: amounts stay numbers.
 */
export type CsvCell = string | number | bigint | null | undefined;

const FORMULA_START = /^[=+\-@\t\r]/;
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/;

/** The cell's text, quote-prefixed when a spreadsheet would read it as a formula (not yet RFC 4180-quoted). */
export function csvText(v: CsvCell): string {
  const text = v === null || v === undefined ? '' : String(v);
  return FORMULA_START.test(text) && !PLAIN_NUMBER.test(text) ? `'${text}` : text;
}

/** One cell: neutralised (csvText), then quoted where RFC 4180 needs it. */
export function csvCell(v: CsvCell): string {
  const s = csvText(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function toCsv(rows: readonly (readonly CsvCell[])[]): string {
  return rows.map((r) => r.map(csvCell).join(',')).join('\r\n') + '\r\n';
}
