/**
 * Money as integer minor units plus an ISO 4217 currency. Never a float.
 *
 * Which codes exist comes from the ICU/CLDR data that ships with Node (Intl); how many minor-unit
 * digits a currency has comes from ISO 4217 itself (the "minor unit" column of List One), because
 * CLDR's display digits differ for some currencies: HUF, COP, IDR and PKR have 2 in ISO and 0 in
 * CLDR, IQD 3 and 0. Amounts are stored in ISO minor units, so they must not depend on ICU data.
 * Codes without a minor unit (XDR, XSU, the metals, the testing codes) are not money here.
 */

const NO_MINOR_UNIT: ReadonlySet<string> = new Set(['XAG', 'XAU', 'XBA', 'XBB', 'XBC', 'XBD', 'XDR', 'XPD', 'XPT', 'XSU', 'XTS', 'XUA', 'XXX']);
const KNOWN: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency').filter((c) => !NO_MINOR_UNIT.has(c)));

/** ISO 4217 minor units other than 2. */
const ISO_MINOR_UNITS: ReadonlyMap<string, number> = new Map([
  ...['BIF', 'CLP', 'DJF', 'GNF', 'ISK', 'JPY', 'KMF', 'KRW', 'PYG', 'RWF', 'UGX', 'UYI', 'VND', 'VUV', 'XAF', 'XOF', 'XPF'].map((c) => [c, 0] as const),
  ...['BHD', 'IQD', 'JOD', 'KWD', 'LYD', 'OMR', 'TND'].map((c) => [c, 3] as const),
  ...['CLF', 'UYW'].map((c) => [c, 4] as const),
]);

export function isCurrency(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && KNOWN.has(code);
}

/** Number of minor-unit digits of a currency, from ISO 4217. Throws for an unknown code. */
export function currencyExponent(code: string): number {
  if (!isCurrency(code)) throw new RangeError(`Unknown currency ${code}`);
  return ISO_MINOR_UNITS.get(code) ?? 2;
}

export interface Money {
  readonly amountMinor: bigint;
  readonly currency: string;
}

export function money(amountMinor: bigint, currency: string): Money {
  return { amountMinor, currency };
}

/** The amount as a decimal string in major units, e.g. 1234n USD → "12.34", -5n BHD → "-0.005". */
export function formatDecimal(m: Money): string {
  const exp = currencyExponent(m.currency);
  const negative = m.amountMinor < 0n;
  const digits = (negative ? -m.amountMinor : m.amountMinor).toString().padStart(exp + 1, '0');
  const whole = digits.slice(0, digits.length - exp);
  const frac = digits.slice(digits.length - exp);
  return `${negative ? '-' : ''}${whole}${exp > 0 ? `.${frac}` : ''}`;
}
