/**
 * CSV in and out of the console: the planner's forecast (interval start, contacts, AHT), a
 * vendor's seats per interval, delivery actuals, and downloads. Parsing is strict and says which
 * line and column is wrong; nothing is guessed silently.
 */
import { zonedWallTimeToUtc } from './format';

export interface CsvProblem {
  /** 1-based line of the input. */
  line: number;
  column?: string;
  message: string;
}

export type Parsed<T> = { ok: true; rows: T[] } | { ok: false; problems: CsvProblem[] };

/** Splits CSV text into records: comma, semicolon or tab separated (detected from the first line), quotes as in RFC 4180. */
export function readCsv(text: string): { line: number; cells: string[] }[] {
  const source = text.replace(/^\uFEFF/, '');
  const firstLine = source.split(/\r?\n/, 1)[0] ?? '';
  const separator = [',', ';', '\t'].map((s) => [s, firstLine.split(s).length] as const).sort((a, b) => b[1] - a[1])[0]![0];
  const records: { line: number; cells: string[] }[] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  let line = 1;
  let startLine = 1;
  const endRecord = () => {
    cells.push(cell);
    if (cells.some((c) => c.trim() !== '')) records.push({ line: startLine, cells: cells.map((c) => c.trim()) });
    cells = [];
    cell = '';
  };
  for (let i = 0; i < source.length; i++) {
    const ch = source[i]!;
    if (quoted) {
      if (ch === '"' && source[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else {
        if (ch === '\n') line++;
        cell += ch;
      }
    } else if (ch === '"') quoted = true;
    else if (ch === separator) {
      cells.push(cell);
      cell = '';
    } else if (ch === '\n' || ch === '\r') {
      if (ch === '\r' && source[i + 1] === '\n') i++;
      endRecord();
      line++;
      startLine = line;
    } else cell += ch;
  }
  endRecord();
  return records;
}

const norm = (h: string) => h.toLowerCase().replace(/[^a-z]/g, '');

/** Column positions from a header row, if the first row is one (it has a cell that is not a number or a time). */
function header(first: string[], names: Record<string, readonly string[]>): Record<string, number> | null {
  const looksLikeData = first.every((c) => /^[-+\d.:TZ ]*$/.test(c));
  if (looksLikeData) return null;
  const positions: Record<string, number> = {};
  for (const [key, aliases] of Object.entries(names)) {
    const i = first.findIndex((c) => aliases.includes(norm(c)));
    if (i >= 0) positions[key] = i;
  }
  return positions;
}

function integer(value: string | undefined, min: number, max: number): number | null {
  if (value === undefined || !/^\d+$/.test(value)) return null;
  const n = Number(value);
  return n >= min && n <= max ? n : null;
}

export interface ForecastRow {
  startsAt: string;
  forecastContacts?: number;
  ahtSeconds?: number;
  seats?: number;
}

const FORECAST_COLUMNS = {
  start: ['intervalstart', 'start', 'startsat', 'interval', 'time', 'datetime'],
  contacts: ['contacts', 'forecastcontacts', 'volume', 'offered', 'calls', 'chats'],
  aht: ['aht', 'ahtseconds', 'averagehandletime', 'handletime'],
  seats: ['seats', 'requiredseats'],
} as const;

/**
 * A forecast: one interval per line, `interval start, contacts, AHT seconds` (a header row in any
 * order is optional; a `seats` column may replace contacts and AHT). Starts are ISO instants with
 * an offset, or wall-clock times ("2026-11-28 09:00") read in the spike's time zone.
 */
export function parseForecastCsv(text: string, timeZone: string): Parsed<ForecastRow> {
  const records = readCsv(text);
  if (!records.length)
    return { ok: false, problems: [{ line: 1, message: 'The forecast is empty: paste one line per interval (start, contacts, AHT seconds)' }] };
  const cols = header(records[0]!.cells, FORECAST_COLUMNS);
  const data = cols ? records.slice(1) : records;
  const at = cols ?? { start: 0, contacts: 1, aht: 2 };
  if (cols && at.start === undefined)
    return { ok: false, problems: [{ line: records[0]!.line, column: 'interval start', message: 'No interval start column' }] };
  if (cols && at.seats === undefined && (at.contacts === undefined || at.aht === undefined)) {
    return { ok: false, problems: [{ line: records[0]!.line, message: 'Give contacts and AHT columns, or a seats column' }] };
  }
  const rows: ForecastRow[] = [];
  const problems: CsvProblem[] = [];
  for (const { line, cells } of data) {
    const start = cells[at.start!] ?? '';
    const instant = /[zZ]|[+-]\d{2}:?\d{2}$/.test(start) ? new Date(start) : zonedWallTimeToUtc(start, timeZone);
    if (!instant || Number.isNaN(instant.getTime())) {
      problems.push({ line, column: 'interval start', message: `"${start}" is not a time (use 2026-11-28 09:00 in ${timeZone}, or ISO with an offset)` });
      continue;
    }
    const seatsCell = at.seats === undefined ? undefined : cells[at.seats];
    if (seatsCell !== undefined && seatsCell !== '') {
      const seats = integer(seatsCell, 0, 10_000);
      if (seats === null) problems.push({ line, column: 'seats', message: `"${seatsCell}" is not a whole number of seats from 0 to 10,000` });
      else rows.push({ startsAt: instant.toISOString(), seats });
      continue;
    }
    const contacts = integer(cells[at.contacts!], 0, 1_000_000);
    const aht = integer(cells[at.aht!], 1, 86_400);
    if (contacts === null)
      problems.push({ line, column: 'contacts', message: `"${cells[at.contacts!] ?? ''}" is not a whole number of contacts from 0 to 1,000,000` });
    else if (aht === null) problems.push({ line, column: 'AHT', message: `"${cells[at.aht!] ?? ''}" is not an AHT in whole seconds from 1 to 86,400` });
    else rows.push({ startsAt: instant.toISOString(), forecastContacts: contacts, ahtSeconds: aht });
  }
  if (!problems.length && rows.length > 672) problems.push({ line: data[672]!.line, message: 'At most 672 intervals (a week of 15-minute intervals)' });
  return problems.length ? { ok: false, problems } : { ok: true, rows };
}

export interface SeatRow {
  index: number;
  seats: number;
}

/**
 * Seats per interval for a bid: `interval, seats`, where the interval is its index (0, 1, …) or
 * its start time as the spike lists it. Intervals outside the spike are refused by line.
 */
export function parseSeatsCsv(text: string, intervalStarts: readonly string[], timeZone: string): Parsed<SeatRow> {
  const records = readCsv(text);
  const cols = records.length
    ? header(records[0]!.cells, { interval: ['interval', 'intervalindex', 'index', 'intervalstart', 'start'], seats: ['seats'] })
    : null;
  const at = { interval: cols?.interval ?? 0, seats: cols?.seats ?? 1 };
  const byStart = new Map(intervalStarts.map((s, i) => [new Date(s).getTime(), i]));
  const rows: SeatRow[] = [];
  const problems: CsvProblem[] = [];
  for (const { line, cells } of cols ? records.slice(1) : records) {
    const key = cells[at.interval] ?? '';
    let index: number | null = /^\d+$/.test(key) ? Number(key) : null;
    if (index === null) {
      const instant = /[zZ]|[+-]\d{2}:?\d{2}$/.test(key) ? new Date(key) : zonedWallTimeToUtc(key, timeZone);
      index = instant ? (byStart.get(instant.getTime()) ?? null) : null;
    }
    if (index === null || index >= intervalStarts.length) {
      problems.push({ line, column: 'interval', message: `"${key}" is not an interval of this spike` });
      continue;
    }
    const seats = integer(cells[at.seats], 0, 10_000);
    if (seats === null) problems.push({ line, column: 'seats', message: `"${cells[at.seats] ?? ''}" is not a whole number of seats` });
    else rows.push({ index, seats });
  }
  return problems.length ? { ok: false, problems } : { ok: true, rows };
}

export interface DeliveryRow {
  intervalIndex: number;
  staffedSeatHours: number;
  contactsHandled: number;
  serviceLevelAchieved: number | null;
}

/** Delivery actuals: `interval index, staffed seat-hours, contacts handled, service level (0–1 or %, optional)`. */
export function parseDeliveryCsv(text: string): Parsed<DeliveryRow> {
  const records = readCsv(text);
  const cols = records.length
    ? header(records[0]!.cells, {
        index: ['interval', 'intervalindex', 'index'],
        staffed: ['staffedseathours', 'staffed', 'seathours'],
        contacts: ['contactshandled', 'contacts', 'handled'],
        sl: ['servicelevel', 'servicelevelachieved', 'sl'],
      })
    : null;
  const at = { index: cols?.index ?? 0, staffed: cols?.staffed ?? 1, contacts: cols?.contacts ?? 2, sl: cols?.sl ?? 3 };
  const rows: DeliveryRow[] = [];
  const problems: CsvProblem[] = [];
  for (const { line, cells } of cols ? records.slice(1) : records) {
    const index = integer(cells[at.index], 0, 671);
    const staffed = cells[at.staffed] ?? '';
    const contacts = integer(cells[at.contacts], 0, 1_000_000);
    const slCell = (cells[at.sl] ?? '').trim();
    const sl = slCell === '' ? null : slCell.endsWith('%') ? Number(slCell.slice(0, -1)) / 100 : Number(slCell);
    if (index === null) problems.push({ line, column: 'interval', message: `"${cells[at.index] ?? ''}" is not an interval index` });
    else if (!/^\d+(\.\d{1,4})?$/.test(staffed))
      problems.push({ line, column: 'staffed seat-hours', message: `"${staffed}" is not a number of seat-hours (at most 4 decimals)` });
    else if (contacts === null) problems.push({ line, column: 'contacts handled', message: `"${cells[at.contacts] ?? ''}" is not a whole number` });
    else if (sl !== null && (!Number.isFinite(sl) || sl < 0 || sl > 1))
      problems.push({ line, column: 'service level', message: `"${slCell}" is not a service level from 0 to 1 (or 0% to 100%)` });
    else rows.push({ intervalIndex: index, staffedSeatHours: Number(staffed), contactsHandled: contacts, serviceLevelAchieved: sl });
  }
  return problems.length ? { ok: false, problems } : { ok: true, rows };
}

/**
 * One CSV line per row, quoted where needed (RFC 4180), with CRLF line ends. A text cell a
 * spreadsheet would run as a formula (starting with = + - @, TAB or CR) gets a leading quote:
 * names and titles come from other tenants. Plain numbers (-2, -4.00) stay numbers. The same
 * rules as the API's downloads (src/domain/shared/csv.ts).
 */
export function toCsv(rows: readonly (readonly (string | number | null | undefined)[])[]): string {
  const quote = (v: string | number | null | undefined) => {
    const text = v === null || v === undefined ? '' : String(v);
    const s = /^[=+\-@\t\r]/.test(text) && !/^-?\d+(\.\d+)?$/.test(text) ? `'${text}` : text;
    return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
  };
  return rows.map((r) => r.map(quote).join(',')).join('\r\n') + '\r\n';
}
