import { describe, expect, it } from 'vitest';
import {
  adjustmentPostings,
  awardedUnits,
  computeSettlement,
  settlementDelta,
  settlementPostings,
  type IntervalActual,
  type SettlementAmounts,
  type SettlementTerms,
} from './settlement-math.js';

/** Terms builder: USD 25.00 per seat-hour, six 30-minute intervals of 10 seats, target 80%, defaults otherwise. */
function someTerms(overrides: Partial<SettlementTerms> = {}): SettlementTerms {
  return {
    currency: 'USD',
    rateMinor: 2_500n,
    intervalMinutes: 30,
    awardedSeats: [0, 1, 2, 3, 4, 5].map((index) => ({ index, seats: 10 })),
    targetPpm: 800_000,
    creditPerPointPpm: 10_000,
    creditCapPpm: 100_000,
    feePpm: 20_000,
    ...overrides,
  };
}

const actual = (index: number, staffedUnits: bigint, achievedPpm: number | null = 800_000): IntervalActual => ({ index, staffedUnits, achievedPpm });

/** Lines as compact `KIND:index amount` strings, for readable expectations. */
const summary = (lines: { kind: string; index: number | null; amountMinor: bigint }[]): string[] =>
  lines.map((l) => `${l.kind}:${l.index ?? '-'} ${l.amountMinor}`);

const totals = (s: SettlementAmounts) => ({ base: s.baseMinor, credit: s.creditMinor, net: s.netMinor, fee: s.feeMinor, payout: s.vendorPayoutMinor });

describe('computeSettlement, worked examples', () => {
  it('USD: at target, under-delivery, over-delivery, 5.5 points below, far below, missing actuals', () => {
    const s = computeSettlement(someTerms(), [
      actual(0, 50_000n, 800_000), // 5 seat-hours at target: 125.00
      actual(1, 47_500n, 820_000), // 4.75 staffed of 5 awarded: 118.75
      actual(2, 60_000n, 900_000), // 6 staffed, capped at 5 awarded: 125.00
      actual(3, 50_000n, 745_000), // 74.5% vs 80%: 5.5% credit = 6.875 → 6.88 (half-even)
      actual(4, 50_000n, 500_000), // 30 points below: capped at 10% = 12.50
      // interval 5: no actuals, no line
    ]);
    expect(summary(s.lines)).toEqual([
      'BASE:0 12500',
      'BASE:1 11875',
      'BASE:2 12500',
      'BASE:3 12500',
      'CREDIT:3 -688',
      'BASE:4 12500',
      'CREDIT:4 -1250',
      'FEE:- 1199',
    ]);
    // net 599.37; fee 2% = 11.9874 → 11.99
    expect(totals(s)).toEqual({ base: 61_875n, credit: -1_938n, net: 59_937n, fee: 1_199n, payout: 58_738n });
    expect(s.lines.map((l) => l.billableUnits)).toEqual([50_000n, 47_500n, 50_000n, 50_000n, 50_000n, 50_000n, 50_000n, null]);
    expect(s.lines[4]?.creditPpm).toEqual({ numerator: 55_000n, denominator: 1n });
    expect(s.lines[6]?.creditPpm).toEqual({ numerator: 100_000n, denominator: 1n });
    expect(s.lines.map((l) => l.description)).toEqual([
      'Interval 0: 5 seat-hours × 25.00 USD/seat-hour',
      'Interval 1: 4.75 seat-hours × 25.00 USD/seat-hour, awarded 5',
      'Interval 2: 5 seat-hours × 25.00 USD/seat-hour, staffed 6, capped at awarded',
      'Interval 3: 5 seat-hours × 25.00 USD/seat-hour',
      'Interval 3: service credit 5.5% of base (service level 74.5% against target 80%)',
      'Interval 4: 5 seat-hours × 25.00 USD/seat-hour',
      'Interval 4: service credit 10% of base (service level 50% against target 80%)',
      'Marketplace fee 2% of net 599.37 USD, owed by the vendor',
    ]);
  });

  it('JPY (exponent 0): fractional base rounds to whole yen, unmeasured service level gives no credit', () => {
    const terms = someTerms({
      currency: 'JPY',
      rateMinor: 3_000n, // ¥3,000 per seat-hour
      intervalMinutes: 15,
      awardedSeats: [
        { index: 0, seats: 3 },
        { index: 1, seats: 3 },
        { index: 2, seats: 4 },
        { index: 3, seats: 4 },
      ],
    });
    const s = computeSettlement(terms, [
      actual(0, 7_500n, 745_000), // 0.75 h: ¥2,250; credit 5.5% = 123.75 → 124
      actual(1, 7_333n, null), // 0.7333 h: ¥2,199.9 → 2,200; not measured
      actual(2, 12_000n, 100_000), // over-delivery capped at 1 h: ¥3,000; 70 points below → cap 10%
    ]);
    expect(summary(s.lines)).toEqual(['BASE:0 2250', 'CREDIT:0 -124', 'BASE:1 2200', 'BASE:2 3000', 'CREDIT:2 -300', 'FEE:- 141']);
    // fee: 7,026 × 2% = 140.52 → 141
    expect(totals(s)).toEqual({ base: 7_450n, credit: -424n, net: 7_026n, fee: 141n, payout: 6_885n });
    expect(s.lines[5]?.description).toBe('Marketplace fee 2% of net 7026 JPY, owed by the vendor');
  });

  it('BHD (exponent 3): half-even on the base, credit from the exact base', () => {
    const terms = someTerms({ currency: 'BHD', rateMinor: 12_345n, intervalMinutes: 60, awardedSeats: [0, 1, 2].map((index) => ({ index, seats: 2 })) });
    const s = computeSettlement(terms, [
      actual(0, 20_000n, 800_000), // 2 h × 12.345 = 24.690
      actual(1, 15_000n, 745_000), // 1.5 h: 18.5175 → 18.518; credit 5.5% of 18.5175 = 1.0184625 → 1.018
      actual(2, 20_000n, 0), // 80 points below: cap 10% = 2.469
    ]);
    expect(summary(s.lines)).toEqual(['BASE:0 24690', 'BASE:1 18518', 'CREDIT:1 -1018', 'BASE:2 24690', 'CREDIT:2 -2469', 'FEE:- 1288']);
    // fee: 64.411 × 2% = 1.28822 → 1.288
    expect(totals(s)).toEqual({ base: 67_898n, credit: -3_487n, net: 64_411n, fee: 1_288n, payout: 63_123n });
    expect(s.lines[0]?.description).toBe('Interval 0: 2 seat-hours × 12.345 BHD/seat-hour');
  });

  it('computes the credit from the exact base, not the rounded one', () => {
    // ¥54/h × 0.1 h = ¥5.4 → 5; credit 10% of 5.4 = 0.54 → 1 (10% of the rounded 5 would be 0.5 → 0).
    const terms = someTerms({ currency: 'JPY', rateMinor: 54n, intervalMinutes: 60, awardedSeats: [{ index: 0, seats: 1 }] });
    const s = computeSettlement(terms, [actual(0, 1_000n, 0)]);
    expect(summary(s.lines)).toEqual(['BASE:0 5', 'CREDIT:0 -1', 'FEE:- 0']);
  });

  it('keeps a fractional credit rate exact', () => {
    // 1.5% per point, 3.3333 points below: 4.99995% exactly (a truncated 49,999 ppm would give 4,999,900).
    const terms = someTerms({ rateMinor: 1_000_000n, intervalMinutes: 60, awardedSeats: [{ index: 0, seats: 100 }], creditPerPointPpm: 15_000 });
    const s = computeSettlement(terms, [actual(0, 1_000_000n, 766_667)]);
    expect(s.lines[1]?.creditPpm).toEqual({ numerator: 99_999n, denominator: 2n });
    expect(s.lines[1]?.amountMinor).toBe(-4_999_950n);
    expect(s.lines[1]?.description).toBe('Interval 0: service credit 4.99995% of base (service level 76.6667% against target 80%)');
  });

  it('rounds half to even on base lines and on the fee', () => {
    const terms = someTerms({ awardedSeats: [{ index: 0, seats: 11 }] });
    const at = (staffed: bigint) => computeSettlement(terms, [actual(0, staffed)]);
    expect(at(50_002n).baseMinor).toBe(12_500n); // 125.005 → 125.00
    expect(at(50_006n).baseMinor).toBe(12_502n); // 125.015 → 125.02
    expect(at(50_100n).feeMinor).toBe(250n); // 2% of 125.25 = 2.505 → 2.50
    expect(at(50_300n).feeMinor).toBe(252n); // 2% of 125.75 = 2.515 → 2.52
    expect(at(50_300n).vendorPayoutMinor).toBe(12_575n - 252n);
  });

  it('has only a zero fee line without actuals, whatever the order of the actuals', () => {
    expect(summary(computeSettlement(someTerms(), []).lines)).toEqual(['FEE:- 0']);
    const forward = computeSettlement(someTerms(), [actual(1, 1n), actual(4, 3n, 1)]);
    expect(computeSettlement(someTerms(), [actual(4, 3n, 1), actual(1, 1n)])).toEqual(forward);
  });

  it('computes awarded units as seats × interval hours', () => {
    expect(awardedUnits(1, 15)).toBe(2_500n);
    expect(awardedUnits(3, 30)).toBe(15_000n);
    expect(awardedUnits(10_000, 60)).toBe(100_000_000n);
  });
});

describe('computeSettlement, invalid input', () => {
  const cases: [string, Partial<SettlementTerms>, IntervalActual[]][] = [
    ['unknown currency', { currency: 'XYZ' }, []],
    ['negative rate', { rateMinor: -1n }, []],
    ['interval length', { intervalMinutes: 45 as 15 }, []],
    ['target above 100%', { targetPpm: 1_000_001 }, []],
    ['fractional fee', { feePpm: 1.5 }, []],
    ['negative cap', { creditCapPpm: -1 }, []],
    [
      'duplicate awarded interval',
      {
        awardedSeats: [
          { index: 0, seats: 1 },
          { index: 0, seats: 2 },
        ],
      },
      [],
    ],
    ['negative seats', { awardedSeats: [{ index: 0, seats: -1 }] }, []],
    ['unknown interval', {}, [actual(9, 1n)]],
    ['duplicate actual', {}, [actual(0, 1n), actual(0, 2n)]],
    ['negative staffed', {}, [actual(0, -1n)]],
    ['achieved above 100%', {}, [actual(0, 1n, 1_000_001)]],
    ['achieved negative', {}, [actual(0, 1n, -1)]],
  ];
  it.each(cases)('throws RangeError: %s', (_name, overrides, actuals) => {
    expect(() => computeSettlement(someTerms(overrides), actuals)).toThrow(RangeError);
  });
});

describe('settlementDelta and postings', () => {
  const previous = computeSettlement(someTerms(), [
    actual(0, 50_000n),
    actual(1, 47_500n, 820_000),
    actual(2, 60_000n, 900_000),
    actual(3, 50_000n, 745_000),
    actual(4, 50_000n, 500_000),
  ]);

  it('posts only what changed: a restated interval and a late one', () => {
    const current = computeSettlement(someTerms(), [
      actual(0, 50_000n),
      actual(1, 50_000n, 820_000),
      actual(2, 60_000n, 900_000),
      actual(3, 50_000n, 745_000),
      actual(4, 50_000n, 500_000),
      actual(5, 50_000n, 790_000), // late: 1 point below, 1% credit
    ]);
    const d = settlementDelta(previous, current);
    expect(summary(d.lines)).toEqual(['BASE:1 625', 'BASE:5 12500', 'CREDIT:5 -125', 'FEE:- 260']);
    expect(d.lines.map((l) => l.billableUnits)).toEqual([2_500n, 50_000n, 50_000n, null]);
    expect(d.lines[0]?.description).toBe('Interval 1 base: adjusted from 118.75 to 125.00 USD');
    expect(d.lines[3]?.description).toBe('Marketplace fee: adjusted from 11.99 to 14.59 USD');
    expect(d).toMatchObject({ baseDeltaMinor: 13_125n, creditDeltaMinor: -125n, netDeltaMinor: 13_000n, feeDeltaMinor: 260n, vendorPayoutDeltaMinor: 12_740n });
    expect(adjustmentPostings(d)).toEqual({ brand: 13_000n, vendor: -12_740n, operatorFees: -260n });
  });

  it('reverses a withdrawn interval as a credit note', () => {
    const current = computeSettlement(someTerms(), [actual(0, 50_000n), actual(1, 47_500n, 820_000), actual(2, 60_000n, 900_000), actual(3, 50_000n, 745_000)]);
    const d = settlementDelta(previous, current);
    expect(summary(d.lines)).toEqual(['BASE:4 -12500', 'CREDIT:4 1250', 'FEE:- -225']);
    expect(adjustmentPostings(d)).toEqual({ brand: -11_250n, vendor: 11_025n, operatorFees: 225n });
  });

  it('is empty between identical settlements and refuses a currency change', () => {
    const d = settlementDelta(previous, previous);
    expect(d.lines).toEqual([]);
    expect([d.baseDeltaMinor, d.creditDeltaMinor, d.netDeltaMinor, d.feeDeltaMinor, d.vendorPayoutDeltaMinor]).toEqual([0n, 0n, 0n, 0n, 0n]);
    const eur = computeSettlement(someTerms({ currency: 'EUR' }), []);
    expect(() => settlementDelta(previous, eur)).toThrow(RangeError);
  });

  it('posts brand debit, vendor and operator credits of a settlement', () => {
    expect(settlementPostings(previous)).toEqual({ brand: 59_937n, vendor: -58_738n, operatorFees: -1_199n });
  });
});
