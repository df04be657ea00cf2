import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { floorDiv, formatScaled, gcd, ratio, roundHalfEven, roundRatio } from './rounding.js';

/**
 * Independent reference for small values: the float quotient is exact enough here (|n|, d
 * below 2^20), and a tie k + 0.5 is exactly representable, so Math decides ties correctly.
 */
function referenceHalfEven(n: number, d: number): number {
  const x = n / d;
  const f = Math.floor(x);
  const frac = x - f;
  if (frac < 0.5) return f;
  if (frac > 0.5) return f + 1;
  return f % 2 === 0 ? f : f + 1;
}

const big = fc.bigInt({ min: -(10n ** 40n), max: 10n ** 40n });
const positive = fc.bigInt({ min: 1n, max: 10n ** 30n });

describe('roundHalfEven', () => {
  it('rounds ties to the even neighbour, both signs', () => {
    expect(roundHalfEven(5n, 2n)).toBe(2n); // 2.5
    expect(roundHalfEven(7n, 2n)).toBe(4n); // 3.5
    expect(roundHalfEven(-5n, 2n)).toBe(-2n); // −2.5
    expect(roundHalfEven(-7n, 2n)).toBe(-4n); // −3.5
    expect(roundHalfEven(1n, 2n)).toBe(0n); // 0.5
    expect(roundHalfEven(3n, 2n)).toBe(2n); // 1.5
    expect(roundHalfEven(-1n, 2n)).toBe(0n); // −0.5
    expect(roundHalfEven(6875n, 10n)).toBe(688n); // 687.5
    expect(roundHalfEven(25_050n, 100n)).toBe(250n); // 250.5
  });

  it('rounds non-ties to the nearest integer', () => {
    expect(roundHalfEven(1n, 3n)).toBe(0n);
    expect(roundHalfEven(2n, 3n)).toBe(1n);
    expect(roundHalfEven(-1n, 3n)).toBe(0n);
    expect(roundHalfEven(-2n, 3n)).toBe(-1n);
    expect(roundHalfEven(251n, 100n)).toBe(3n); // 2.51
    expect(roundHalfEven(-249n, 100n)).toBe(-2n); // −2.49
  });

  it('returns exact quotients unchanged, beyond 2^53 too', () => {
    expect(roundHalfEven(0n, 7n)).toBe(0n);
    expect(roundHalfEven(12_500n, 1n)).toBe(12_500n);
    expect(roundHalfEven(125_000_000n, 10_000n)).toBe(12_500n);
    expect(roundHalfEven(-42n, 6n)).toBe(-7n);
    const huge = 2n ** 80n + 1n;
    expect(roundHalfEven(huge * 10_000n, 10_000n)).toBe(huge);
    expect(roundHalfEven(huge * 2n + 1n, 2n)).toBe(huge + 1n); // (2^80 + 1) + 0.5 → even 2^80 + 2
  });

  it('rejects a zero or negative denominator', () => {
    expect(() => roundHalfEven(1n, 0n)).toThrow(RangeError);
    expect(() => roundHalfEven(1n, -2n)).toThrow(RangeError);
  });

  it('agrees with a float reference on small values', () => {
    fc.assert(
      fc.property(fc.integer({ min: -(2 ** 20), max: 2 ** 20 }), fc.integer({ min: 1, max: 2 ** 20 }), (n, d) => {
        expect(roundHalfEven(BigInt(n), BigInt(d))).toBe(BigInt(referenceHalfEven(n, d)));
      }),
      { numRuns: 500 },
    );
  });

  it('is the nearest integer, ties even, at any size', () => {
    fc.assert(
      fc.property(big, positive, (n, d) => {
        const r = roundHalfEven(n, d);
        const twiceError = 2n * (n - r * d); // 2·(exact − r)·d
        const absTwiceError = twiceError < 0n ? -twiceError : twiceError;
        expect(absTwiceError <= d).toBe(true);
        if (absTwiceError === d) expect(r % 2n).toBe(0n);
      }),
      { numRuns: 300 },
    );
  });

  it('is symmetric, scale-invariant and monotone', () => {
    fc.assert(
      fc.property(big, big, positive, fc.bigInt({ min: 1n, max: 10n ** 12n }), (a, b, d, k) => {
        expect(roundHalfEven(-a, d)).toBe(-roundHalfEven(a, d));
        expect(roundHalfEven(a * k, d * k)).toBe(roundHalfEven(a, d));
        const [lo, hi] = a <= b ? [a, b] : [b, a];
        expect(roundHalfEven(lo, d) <= roundHalfEven(hi, d)).toBe(true);
      }),
      { numRuns: 300 },
    );
  });
});

describe('ratio helpers', () => {
  it('reduces fractions and normalises the sign', () => {
    expect(ratio(55_000n, 10n)).toEqual({ numerator: 5_500n, denominator: 1n });
    expect(ratio(6n, -4n)).toEqual({ numerator: -3n, denominator: 2n });
    expect(ratio(0n, 5n)).toEqual({ numerator: 0n, denominator: 1n });
    expect(() => ratio(1n, 0n)).toThrow(RangeError);
    expect(roundRatio(ratio(-7n, 2n))).toBe(-4n);
  });

  it('computes gcd and floor division', () => {
    expect(gcd(12n, -18n)).toBe(6n);
    expect(gcd(0n, 0n)).toBe(0n);
    expect(floorDiv(7n, 2n)).toBe(3n);
    expect(floorDiv(-7n, 2n)).toBe(-4n);
    expect(floorDiv(-6n, 2n)).toBe(-3n);
  });

  it('formats scaled integers exactly', () => {
    expect(formatScaled(12_500n, 4)).toBe('1.25');
    expect(formatScaled(50_000n, 4)).toBe('5');
    expect(formatScaled(-5n, 2)).toBe('-0.05');
    expect(formatScaled(3n, 0)).toBe('3');
  });
});
