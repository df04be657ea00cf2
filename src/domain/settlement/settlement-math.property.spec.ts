/** Properties of the settlement arithmetic over random terms and actuals (fast-check). */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { roundHalfEven } from './rounding.js';
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

const PPM_MAX = 1_000_000;
const ppm = fc.oneof(fc.constantFrom(0, 500_000, 800_000, PPM_MAX), fc.integer({ min: 0, max: PPM_MAX }));

const termsArb: fc.Arbitrary<SettlementTerms> = fc
  .record({
    currency: fc.constantFrom('USD', 'JPY', 'BHD', 'EUR', 'KWD'),
    rateMinor: fc.oneof(fc.bigInt({ min: 0n, max: 100_000n }), fc.bigInt({ min: 0n, max: 10n ** 15n })),
    intervalMinutes: fc.constantFrom(15 as const, 30 as const, 60 as const),
    seats: fc.array(fc.integer({ min: 0, max: 10_000 }), { maxLength: 10 }),
    targetPpm: ppm,
    creditPerPointPpm: fc.oneof(fc.constant(10_000), fc.integer({ min: 0, max: PPM_MAX })),
    creditCapPpm: fc.oneof(fc.constant(100_000), ppm),
    feePpm: fc.oneof(fc.constant(20_000), ppm),
  })
  .map(({ seats, ...rest }) => ({ ...rest, awardedSeats: seats.map((s, index) => ({ index, seats: s })) }));

/** Actuals for some of the intervals: staffed up to 1.5 × awarded, service level sometimes unmeasured. */
const actualsArb = (terms: SettlementTerms): fc.Arbitrary<IntervalActual[]> =>
  fc
    .tuple(
      ...terms.awardedSeats.map(({ index, seats }) => {
        const awarded = awardedUnits(seats, terms.intervalMinutes);
        return fc.option(
          fc.record({
            index: fc.constant(index),
            staffedUnits: fc.oneof(fc.constant(awarded), fc.bigInt({ min: 0n, max: (awarded * 3n) / 2n + 1n })),
            achievedPpm: fc.option(ppm, { freq: 5 }),
          }),
          { freq: 4 },
        );
      }),
    )
    .map((xs) => xs.filter((x): x is IntervalActual => x !== null));

const scenarioArb = termsArb.chain((terms) => fc.record({ terms: fc.constant(terms), before: actualsArb(terms), after: actualsArb(terms) }));

const RUNS = { numRuns: 300 };
const sumOf = (s: SettlementAmounts, kind: string): bigint => s.lines.filter((l) => l.kind === kind).reduce((t, l) => t + l.amountMinor, 0n);

describe('settlement properties', () => {
  it('totals are sums of rounded lines; fee is half-even of net × fee rate; every amount is a bigint', () => {
    fc.assert(
      fc.property(scenarioArb, ({ terms, before }) => {
        const s = computeSettlement(terms, before);
        expect(s.baseMinor).toBe(sumOf(s, 'BASE'));
        expect(s.creditMinor).toBe(sumOf(s, 'CREDIT'));
        expect(s.netMinor).toBe(s.baseMinor + s.creditMinor);
        expect(s.feeMinor).toBe(roundHalfEven(s.netMinor * BigInt(terms.feePpm), 1_000_000n));
        expect(s.feeMinor).toBe(sumOf(s, 'FEE'));
        expect(s.vendorPayoutMinor).toBe(s.netMinor - s.feeMinor);
        expect(s.creditMinor <= 0n && s.netMinor >= 0n && s.vendorPayoutMinor >= 0n).toBe(true);
        for (const v of [s.baseMinor, s.creditMinor, s.netMinor, s.feeMinor, s.vendorPayoutMinor, ...s.lines.map((l) => l.amountMinor)]) {
          expect(typeof v).toBe('bigint');
        }
        expect(s.lines.filter((l) => l.kind === 'BASE').map((l) => l.index)).toEqual(before.map((a) => a.index).sort((x, y) => x - y));
      }),
      RUNS,
    );
  });

  it('bills at most what was awarded and staffed, and credits at most cap × base', () => {
    fc.assert(
      fc.property(scenarioArb, ({ terms, before }) => {
        const s = computeSettlement(terms, before);
        let capTotal = 0n;
        for (const l of s.lines) {
          if (l.kind === 'FEE') continue;
          const a = before.find((x) => x.index === l.index);
          const seats = terms.awardedSeats.find((x) => x.index === l.index)?.seats ?? 0;
          const billable = l.billableUnits ?? -1n;
          expect(billable <= (a?.staffedUnits ?? -1n) && billable <= awardedUnits(seats, terms.intervalMinutes)).toBe(true);
          if (l.kind === 'BASE') {
            expect(l.amountMinor).toBe(roundHalfEven(billable * terms.rateMinor, 10_000n));
            // Rounding is monotone, so rounded credit ≤ rounded (cap × exact base).
            capTotal += roundHalfEven(billable * terms.rateMinor * BigInt(terms.creditCapPpm), 10_000n * 1_000_000n);
          } else {
            const base = s.lines.find((b) => b.kind === 'BASE' && b.index === l.index)?.amountMinor ?? 0n;
            const cap = roundHalfEven(billable * terms.rateMinor * BigInt(terms.creditCapPpm), 10_000n * 1_000_000n);
            expect(-l.amountMinor <= cap && -l.amountMinor <= base && l.amountMinor <= 0n).toBe(true);
            expect(a?.achievedPpm !== null && (a?.achievedPpm ?? PPM_MAX) < terms.targetPpm).toBe(true);
          }
        }
        expect(-s.creditMinor <= capTotal).toBe(true);
      }),
      RUNS,
    );
  });

  it('postings balance, for settlements and adjustments', () => {
    fc.assert(
      fc.property(scenarioArb, ({ terms, before, after }) => {
        const prev = computeSettlement(terms, before);
        const p = settlementPostings(prev);
        expect(p.brand + p.vendor + p.operatorFees).toBe(0n);
        expect(p).toEqual({ brand: prev.netMinor, vendor: -prev.vendorPayoutMinor, operatorFees: -prev.feeMinor });
        const q = adjustmentPostings(settlementDelta(prev, computeSettlement(terms, after)));
        expect(q.brand + q.vendor + q.operatorFees).toBe(0n);
      }),
      RUNS,
    );
  });

  it('previous + delta reproduces current, line by line and in every total; identical settlements give an empty delta', () => {
    fc.assert(
      fc.property(scenarioArb, ({ terms, before, after }) => {
        const prev = computeSettlement(terms, before);
        const cur = computeSettlement(terms, after);
        const d = settlementDelta(prev, cur);
        const key = (l: { kind: string; index: number | null }) => `${l.kind}:${l.index}`;
        const amounts = new Map<string, bigint>();
        for (const l of [...prev.lines, ...d.lines]) amounts.set(key(l), (amounts.get(key(l)) ?? 0n) + l.amountMinor);
        for (const l of cur.lines) expect(amounts.get(key(l)) ?? 0n).toBe(l.amountMinor);
        for (const [k, v] of amounts) if (!cur.lines.some((l) => key(l) === k)) expect(v).toBe(0n);
        expect(d.lines.every((l) => l.amountMinor !== 0n)).toBe(true);
        const deltaSum = (kind: string) => d.lines.filter((l) => l.kind === kind).reduce((t, l) => t + l.amountMinor, 0n);
        expect(prev.baseMinor + deltaSum('BASE')).toBe(cur.baseMinor);
        expect(prev.creditMinor + deltaSum('CREDIT')).toBe(cur.creditMinor);
        expect(prev.netMinor + d.netDeltaMinor).toBe(cur.netMinor);
        expect(prev.feeMinor + d.feeDeltaMinor).toBe(cur.feeMinor);
        expect(prev.feeMinor + deltaSum('FEE')).toBe(cur.feeMinor);
        expect(prev.vendorPayoutMinor + d.vendorPayoutDeltaMinor).toBe(cur.vendorPayoutMinor);
        const same = settlementDelta(cur, computeSettlement(terms, [...after].reverse()));
        expect(same.lines).toEqual([]);
        expect([same.netDeltaMinor, same.feeDeltaMinor, same.vendorPayoutDeltaMinor]).toEqual([0n, 0n, 0n]);
      }),
      RUNS,
    );
  });
});
