import { describe, expect, it } from 'vitest';
import { currencyExponent, formatDecimal, isCurrency, money } from './money.js';

describe('money', () => {
  it('takes minor-unit exponents from ISO 4217, not from CLDR display digits', () => {
    expect(currencyExponent('JPY')).toBe(0);
    expect(currencyExponent('USD')).toBe(2);
    expect(currencyExponent('EUR')).toBe(2);
    expect(currencyExponent('BHD')).toBe(3);
    // CLDR shows these with 0 digits; ISO 4217 minor units are 2, 2, 2, 2 and 3.
    expect(['HUF', 'COP', 'IDR', 'PKR', 'IQD'].map(currencyExponent)).toEqual([2, 2, 2, 2, 3]);
    expect(['ISK', 'KRW', 'XOF', 'CLP'].map(currencyExponent)).toEqual([0, 0, 0, 0]);
    expect(formatDecimal(money(250_000n, 'HUF'))).toBe('2500.00');
  });

  it('refuses codes that have no minor unit (special drawing rights, metals, testing)', () => {
    for (const code of ['XDR', 'XSU', 'XAU', 'XXX']) {
      expect(isCurrency(code)).toBe(false);
      expect(() => currencyExponent(code)).toThrow(RangeError);
    }
  });

  it('knows ISO codes and rejects made-up ones', () => {
    expect(isCurrency('GBP')).toBe(true);
    expect(isCurrency('XYZ')).toBe(false);
    expect(isCurrency('usd')).toBe(false);
    expect(() => currencyExponent('ABC')).toThrow(RangeError);
  });

  it('formats minor units as an exact decimal string', () => {
    expect(formatDecimal(money(1234n, 'USD'))).toBe('12.34');
    expect(formatDecimal(money(5n, 'USD'))).toBe('0.05');
    expect(formatDecimal(money(-5n, 'BHD'))).toBe('-0.005');
    expect(formatDecimal(money(1500n, 'JPY'))).toBe('1500');
    expect(formatDecimal(money(9_007_199_254_740_993n, 'USD'))).toBe('90071992547409.93');
  });
});
