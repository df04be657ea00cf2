/**
 * Money as integer minor units plus an ISO 4217 currency. Never a float.
 *
 * Currency codes and their minor-unit exponents come from the ICU/CLDR data that ships with
 * Node (Intl), a maintained source: JPY 0, USD 2, BHD 3.
 */

const KNOWN: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));
const exponents = new Map<string, number>();

export function isCurrency(code: string): boolean {
  return /^[A-Z]{3}$/.test(code) && KNOWN.has(code);
}

/** Number of minor-unit digits of a currency, from CLDR. Throws for an unknown code. */
export function currencyExponent(code: string): number {
  let exp = exponents.get(code);
  if (exp === undefined) {
    if (!isCurrency(code)) throw new RangeError(`Unknown currency ${code}`);
    exp = new Intl.NumberFormat('en', { style: 'currency', currency: code }).resolvedOptions().maximumFractionDigits ?? 2;
    exponents.set(code, exp);
  }
  return exp;
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
