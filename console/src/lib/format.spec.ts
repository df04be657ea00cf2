import { describe, expect, it } from 'vitest';
import { decimalToMinor, formatDateTime, formatMoney, formatPercent, formatRate, formatTime, minorToDecimal, toWallTime, zonedWallTimeToUtc } from './format';

describe('money in each currency’s own exponent', () => {
  it('turns minor units into an exact decimal, with ISO 4217 digits', () => {
    expect(minorToDecimal('123450', 'GBP')).toBe('1234.50');
    expect(minorToDecimal('1235', 'JPY')).toBe('1235');
    expect(minorToDecimal('1250', 'KWD')).toBe('1.250');
    expect(minorToDecimal('-5', 'BHD')).toBe('-0.005');
    expect(minorToDecimal('7', 'USD')).toBe('0.07');
    expect(minorToDecimal('12345', 'CLF')).toBe('1.2345');
    // Beyond a double's 2^53: exact all the same.
    expect(minorToDecimal('900719925474099312', 'EUR')).toBe('9007199254740993.12');
  });

  it('formats with the symbol and grouping, never through a float', () => {
    expect(formatMoney({ amountMinor: '123450', currency: 'GBP' })).toBe('£1,234.50');
    expect(formatMoney({ amountMinor: '-2500', currency: 'USD' })).toBe('-US$25.00');
    expect(formatMoney({ amountMinor: '1235', currency: 'JPY' })).toBe('JP¥1,235');
    expect(formatMoney({ amountMinor: '1250', currency: 'KWD' })).toBe('KWD\u00a01.250');
    expect(formatMoney({ amountMinor: '900719925474099312', currency: 'EUR' })).toBe('€9,007,199,254,740,993.12');
    // HUF has 2 digits in ISO 4217 (CLDR shows 0): the amount is what is stored, so 2.
    expect(formatMoney({ amountMinor: '150050', currency: 'HUF' })).toBe('HUF\u00a01,500.50');
  });

  it('reads a typed amount back into minor units, refusing more digits than the currency has', () => {
    expect(decimalToMinor('24.50', 'GBP')).toBe('2450');
    expect(decimalToMinor('24.5', 'GBP')).toBe('2450');
    expect(decimalToMinor('24', 'GBP')).toBe('2400');
    expect(decimalToMinor('24.505', 'GBP')).toBeNull();
    expect(decimalToMinor('1200', 'JPY')).toBe('1200');
    expect(decimalToMinor('1200.5', 'JPY')).toBeNull();
    expect(decimalToMinor('1.234', 'KWD')).toBe('1234');
    expect(decimalToMinor('abc', 'GBP')).toBeNull();
    expect(decimalToMinor('1e3', 'GBP')).toBeNull();
  });

  it('shows rates per seat-hour and percentages from numbers or decimal strings', () => {
    expect(formatRate(2450, 'GBP')).toBe('£24.50/seat-h');
    expect(formatRate('2450.5', 'GBP')).toBe('£24.51/seat-h');
    expect(formatRate(null, 'GBP')).toBe('—');
    expect(formatPercent(0.8878)).toBe('88.8%');
    expect(formatPercent('0.5')).toBe('50.0%');
    expect(formatPercent(null)).toBe('—');
  });
});

describe('times in the spike’s time zone, with the zone shown', () => {
  it('formats an instant in the given zone and names it', () => {
    expect(formatDateTime('2026-11-28T09:00:00Z', 'Europe/London')).toBe('Sat 28 Nov, 09:00 GMT');
    expect(formatDateTime('2026-07-04T09:00:00Z', 'Europe/London')).toBe('Sat 4 Jul, 10:00 BST');
    expect(formatDateTime('2026-11-28T09:00:00Z', 'Asia/Kolkata')).toBe('Sat 28 Nov, 14:30 GMT+5:30');
    expect(formatTime('2026-11-28T09:00:00Z', 'America/New_York')).toBe('04:00');
  });

  it('reads wall-clock times in a zone, across daylight saving changes', () => {
    expect(zonedWallTimeToUtc('2026-11-28 09:00', 'Europe/London')?.toISOString()).toBe('2026-11-28T09:00:00.000Z');
    expect(zonedWallTimeToUtc('2026-07-04T09:00', 'Europe/London')?.toISOString()).toBe('2026-07-04T08:00:00.000Z');
    expect(zonedWallTimeToUtc('2026-11-28 14:30', 'Asia/Kolkata')?.toISOString()).toBe('2026-11-28T09:00:00.000Z');
    // The day clocks go back: 01:30 happens twice, the first (BST) is taken. 2026-10-25 in London.
    expect(zonedWallTimeToUtc('2026-10-25 00:30', 'Europe/London')?.toISOString()).toBe('2026-10-24T23:30:00.000Z');
    // The hour that does not exist when clocks go forward: 2026-03-29 01:30 in London.
    expect(zonedWallTimeToUtc('2026-03-29 01:30', 'Europe/London')).toBeNull();
    expect(zonedWallTimeToUtc('28/11/2026 09:00', 'Europe/London')).toBeNull();
    expect(toWallTime('2026-07-04T08:00:00Z', 'Europe/London')).toBe('2026-07-04T09:00');
  });
});
