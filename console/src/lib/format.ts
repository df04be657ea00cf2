/**
 * How the console shows money and time. Money is never a float here either: amounts arrive as
 * strings of integer minor units and are turned into an exact decimal string with BigInt, which
 * Intl.NumberFormat formats exactly (string input is read as a decimal, not a double). Digits come
 * from ISO 4217, as on the server (src/domain/shared/money.ts), not from the browser's CLDR data.
 */

const ISO_MINOR_UNITS: ReadonlyMap<string, number> = new Map([
  ...['BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF'].map((c) => [c, 0] as const),
  ...['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'].map((c) => [c, 3] as const),
  ...['CLF', 'UYW'].map((c) => [c, 4] as const),
]);

export const LOCALE = 'en-GB';

/** Minor-unit digits of a currency (ISO 4217). */
export function currencyExponent(currency: string): number {
  return ISO_MINOR_UNITS.get(currency) ?? 2;
}

/** Integer minor units as an exact decimal string in major units: ("-5", "BHD") → "-0.005". */
export function minorToDecimal(amountMinor: string | bigint, currency: string): string {
  const value = BigInt(amountMinor);
  const digits = currencyExponent(currency);
  const negative = value < 0n;
  const abs = (negative ? -value : value).toString().padStart(digits + 1, '0');
  const whole = abs.slice(0, abs.length - digits);
  const fraction = digits ? `.${abs.slice(abs.length - digits)}` : '';
  return `${negative ? '-' : ''}${whole}${fraction}`;
}

/** A decimal string in major units back to minor units, or null when it has more digits than the currency. */
export function decimalToMinor(decimal: string, currency: string): string | null {
  const m = /^\s*(-)?(\d+)(?:\.(\d*))?\s*$/.exec(decimal);
  if (!m) return null;
  const digits = currencyExponent(currency);
  const fraction = m[3] ?? '';
  if (fraction.length > digits) return null;
  const minor = BigInt(`${m[2]}${fraction.padEnd(digits, '0')}`);
  return (m[1] && minor !== 0n ? -minor : minor).toString();
}

const moneyFormats = new Map<string, Intl.NumberFormat>();

/** "£1,234.50", "¥1,235", "KWD 1.250": the currency's own exponent, exact, grouped. */
export function formatMoney(money: { amountMinor: string; currency: string }): string {
  const digits = currencyExponent(money.currency);
  const key = `${money.currency}:${digits}`;
  let nf = moneyFormats.get(key);
  if (!nf) {
    nf = new Intl.NumberFormat(LOCALE, { style: 'currency', currency: money.currency, minimumFractionDigits: digits, maximumFractionDigits: digits });
    moneyFormats.set(key, nf);
  }
  // A string argument is formatted as an exact decimal (Intl.NumberFormat v3), never through a double.
  return nf.format(minorToDecimal(money.amountMinor, money.currency) as unknown as number);
}

/**
 * A value-adjusted rate (minor units per seat-hour, as the API gives it: a number today, a
 * decimal string later) in major units, rounded for display to the currency's digits. Rates are
 * shown, never added up.
 */
export function formatRate(minorPerSeatHour: number | string | null | undefined, currency: string): string {
  if (minorPerSeatHour === null || minorPerSeatHour === undefined || minorPerSeatHour === '') return '—';
  const digits = currencyExponent(currency);
  const major = Number(minorPerSeatHour) / 10 ** digits;
  return `${new Intl.NumberFormat(LOCALE, { style: 'currency', currency, minimumFractionDigits: digits, maximumFractionDigits: digits }).format(major)}/seat-h`;
}

/** A rate in major units as a plain number for a chart axis. */
export function rateForChart(minorPerSeatHour: number | string | null | undefined, currency: string): number | null {
  if (minorPerSeatHour === null || minorPerSeatHour === undefined || minorPerSeatHour === '') return null;
  return Number(minorPerSeatHour) / 10 ** currencyExponent(currency);
}

/** A fraction 0–1 (a number, or a decimal string) as a percentage with one decimal. */
export function formatPercent(fraction: number | string | null | undefined, decimals = 1): string {
  if (fraction === null || fraction === undefined || fraction === '') return '—';
  return `${(Number(fraction) * 100).toFixed(decimals)}%`;
}

const timeFormats = new Map<string, Intl.DateTimeFormat>();

function timeFormat(timeZone: string, withDate: boolean, withZone: boolean): Intl.DateTimeFormat {
  const key = `${timeZone}|${withDate}|${withZone}`;
  let f = timeFormats.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(LOCALE, {
      timeZone,
      ...(withDate ? { weekday: 'short', day: 'numeric', month: 'short' } : {}),
      hour: '2-digit',
      minute: '2-digit',
      hourCycle: 'h23',
      ...(withZone ? { timeZoneName: 'short' } : {}),
    });
    timeFormats.set(key, f);
  }
  return f;
}

/** "Sat 28 Nov, 09:00 GMT": a time in the given zone (a spike's own), with the zone shown. */
export function formatDateTime(iso: string, timeZone: string, options: { zone?: boolean } = {}): string {
  return timeFormat(timeZone, true, options.zone ?? true).format(new Date(iso));
}

/** "09:00": a wall-clock time in the zone (for interval columns whose header names the zone). */
export function formatTime(iso: string, timeZone: string): string {
  return timeFormat(timeZone, false, false).format(new Date(iso));
}

/** "28 Nov 2026": a date in the zone. */
export function formatDate(iso: string, timeZone: string): string {
  return new Intl.DateTimeFormat(LOCALE, { timeZone, day: 'numeric', month: 'short', year: 'numeric' }).format(new Date(iso));
}

/** The browser's own zone, for times that belong to no spike (invoices, keys). */
export const localZone = (): string => Intl.DateTimeFormat().resolvedOptions().timeZone;

/** Minutes east of UTC of `zone` at `at`. */
export function utcOffsetMinutes(zone: string, at: Date): number {
  const part =
    new Intl.DateTimeFormat('en-US', { timeZone: zone, timeZoneName: 'longOffset' }).formatToParts(at).find((p) => p.type === 'timeZoneName')?.value ?? 'GMT';
  const m = /GMT([+-])(\d{2}):(\d{2})/.exec(part);
  return m ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3])) : 0;
}

/**
 * A wall-clock time in `zone` ("2026-11-28T09:00") as a UTC instant. The offset is taken at the
 * guess and again at the result, which settles across a DST change; a wall time that does not
 * exist (the spring-forward hour) is null.
 */
export function zonedWallTimeToUtc(wall: string, zone: string): Date | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(wall.trim());
  if (!m) return null;
  const asUtc = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6] ?? 0));
  let at = asUtc - utcOffsetMinutes(zone, new Date(asUtc)) * 60_000;
  at = asUtc - utcOffsetMinutes(zone, new Date(at)) * 60_000;
  const back = new Date(at + utcOffsetMinutes(zone, new Date(at)) * 60_000);
  return back.getTime() === asUtc ? new Date(at) : null;
}

/** A datetime-local input's value ("2026-11-28T09:00") for an instant in `zone`. */
export function toWallTime(iso: string, zone: string): string {
  const d = new Date(new Date(iso).getTime() + utcOffsetMinutes(zone, new Date(iso)) * 60_000);
  return d.toISOString().slice(0, 16);
}
