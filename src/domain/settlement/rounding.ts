/**
 * Exact rational arithmetic for settlement: the one documented place where an exact amount
 * becomes integer minor units. Everything stays bigint; nothing here ever touches a float.
 *
 * Rule (PRODUCT.md 7): round half to even, once per invoice line, from the exact rational.
 */

/** An exact fraction `numerator / denominator`, kept in lowest terms. */
export interface Ratio {
  readonly numerator: bigint;
  /** Always > 0. */
  readonly denominator: bigint;
}

function abs(x: bigint): bigint {
  return x < 0n ? -x : x;
}

/** Greatest common divisor of |a| and |b|; gcd(0, 0) = 0. */
export function gcd(a: bigint, b: bigint): bigint {
  let x = abs(a);
  let y = abs(b);
  while (y !== 0n) [x, y] = [y, x % y];
  return x;
}

/** The fraction n/d in lowest terms with a positive denominator. Throws RangeError for d = 0. */
export function ratio(numerator: bigint, denominator: bigint): Ratio {
  if (denominator === 0n) throw new RangeError('Denominator must not be zero');
  const sign = denominator < 0n ? -1n : 1n;
  const g = gcd(numerator, denominator);
  // g > 0 here because denominator ≠ 0.
  return { numerator: (sign * numerator) / g, denominator: (sign * denominator) / g };
}

/** Floor of n/d for d > 0 (bigint `/` truncates toward zero, which is wrong for negatives). */
export function floorDiv(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError('Denominator must be positive');
  const q = numerator / denominator;
  return numerator % denominator < 0n ? q - 1n : q;
}

/**
 * `numerator / denominator` rounded to the nearest integer, ties to the even neighbour
 * (banker's rounding): 5/2 → 2, 7/2 → 4, −5/2 → −2, −7/2 → −4, 1/3 → 0. Exact for any size;
 * symmetric, so rounding −x gives −(rounding x). Throws RangeError unless denominator > 0.
 */
export function roundHalfEven(numerator: bigint, denominator: bigint): bigint {
  if (denominator <= 0n) throw new RangeError('Denominator must be positive');
  const floor = floorDiv(numerator, denominator);
  // 0 ≤ twiceRemainder < 2·denominator; compare the remainder with one half.
  const twiceRemainder = 2n * (numerator - floor * denominator);
  if (twiceRemainder < denominator) return floor;
  if (twiceRemainder > denominator) return floor + 1n;
  return floor % 2n === 0n ? floor : floor + 1n;
}

/** A Ratio rounded half to even. */
export function roundRatio(r: Ratio): bigint {
  return roundHalfEven(r.numerator, r.denominator);
}

/**
 * Fixed-point text of `value / 10^decimals` with trailing zeros trimmed, e.g.
 * (12_500n, 4) → "1.25", (-5n, 2) → "-0.05", (3n, 0) → "3". For descriptions, not arithmetic.
 */
export function formatScaled(value: bigint, decimals: number): string {
  const negative = value < 0n;
  const digits = abs(value)
    .toString()
    .padStart(decimals + 1, '0');
  const whole = digits.slice(0, digits.length - decimals);
  const frac = digits.slice(digits.length - decimals).replace(/0+$/, '');
  return `${negative ? '-' : ''}${whole}${frac ? `.${frac}` : ''}`;
}
