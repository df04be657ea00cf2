import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { marketPriors, type PriorInput } from './market-prior.js';
import { accumulate, DEFAULT_SCORING_POLICY, METRICS, ownMean, scoreVendor, type Metric, type Observation } from './scoring.js';

/**
 * PRODUCT.md section 9: the prior is the mean of the outsourcers' own means, each outsourcer
 * counting once, so that no flood of events about one vendor moves everyone's prior.
 */
const NOW = new Date('2026-12-07T12:00:00Z');
const DAY = 86_400_000;
const HALF_LIFE = 30;

const metricArb = fc.constantFrom<Metric>('CSAT', 'QA', 'FCR', 'ADHERENCE', 'SERVICE_LEVEL');
const obsArb: fc.Arbitrary<Observation> = fc.record({
  metric: metricArb,
  amount: fc.double({ min: 0, max: 1, noNaN: true }),
  weight: fc.constant(1),
  at: fc.integer({ min: 0, max: 200 }).map((d) => new Date(NOW.getTime() - d * DAY)),
});
/** A marketplace: 2 to 6 outsourcers, each with 1 to 30 observations. */
const marketArb = fc.array(fc.array(obsArb, { minLength: 1, maxLength: 30 }), { minLength: 2, maxLength: 6 });

const outsourcer = (obs: readonly Observation[]): PriorInput => ({ vendorType: 'OUTSOURCER', sums: accumulate(obs, NOW, HALF_LIFE) });
const priorsOf = (vendors: readonly (readonly Observation[])[], extra: PriorInput[] = []) => marketPriors([...vendors.map(outsourcer), ...extra]);
const composite = (obs: readonly Observation[], priors: ReturnType<typeof marketPriors>) =>
  scoreVendor(accumulate(obs, NOW, HALF_LIFE), priors, DEFAULT_SCORING_POLICY).composite;

describe('marketPriors: the mean of the outsourcers’ own means', () => {
  it('averages each outsourcer’s own mean once, whatever its number of observations', () => {
    fc.assert(
      fc.property(marketArb, (vendors) => {
        const priors = priorsOf(vendors);
        for (const metric of METRICS) {
          const means = vendors
            .map((v) => ownMean(accumulate(v, NOW, HALF_LIFE).get(metric) ?? { amount: 0, weight: 0, count: 0 }))
            .filter((m): m is number => m !== null);
          const expected = means.length ? means.reduce((a, b) => a + b, 0) / means.length : 0.5;
          expect(priors.get(metric)!.mean).toBeCloseTo(expected, 12);
          expect(priors.get(metric)!.vendors).toBe(means.length);
        }
      }),
    );
  });

  it('does not move when one vendor is flooded with N copies of its own evidence, nor do the other vendors’ scores', () => {
    fc.assert(
      fc.property(marketArb, fc.integer({ min: 2, max: 500 }), (vendors, n) => {
        const before = priorsOf(vendors);
        const flooded = [Array.from({ length: n }, () => vendors[0]!).flat(), ...vendors.slice(1)];
        const after = priorsOf(flooded);
        for (const metric of METRICS) expect(after.get(metric)!.mean).toBeCloseTo(before.get(metric)!.mean, 12);
        for (const other of vendors.slice(1)) expect(composite(other, after)).toBeCloseTo(composite(other, before), 9);
      }),
    );
  });

  it('moves at most 1/n of the way toward a flooded vendor, however large the flood (n outsourcers with data)', () => {
    fc.assert(
      fc.property(marketArb, fc.integer({ min: 1, max: 5_000 }), metricArb, fc.double({ min: 0, max: 1, noNaN: true }), (vendors, n, metric, value) => {
        const before = priorsOf(vendors);
        const flood = Array.from({ length: n }, () => ({ metric, amount: value, weight: 1, at: NOW }));
        const after = priorsOf([[...vendors[0]!, ...flood], ...vendors.slice(1)]);
        const outsourcers = after.get(metric)!.vendors;
        expect(Math.abs(after.get(metric)!.mean - before.get(metric)!.mean)).toBeLessThanOrEqual(1 / outsourcers + 1e-12);
        for (const other of METRICS.filter((m) => m !== metric)) expect(after.get(other)!.mean).toBeCloseTo(before.get(other)!.mean, 12);
        // Another vendor's composite moves by at most its weight for that metric × the prior's share × 1/n points.
        const w = DEFAULT_SCORING_POLICY.weightsBp[metric] / 10_000;
        for (const other of vendors.slice(1))
          expect(Math.abs(composite(other, after) - composite(other, before))).toBeLessThanOrEqual((100 * w) / outsourcers + 1e-9);
      }),
    );
  });

  it('leaves in-house teams out: their data never moves the prior', () => {
    fc.assert(
      fc.property(marketArb, fc.array(obsArb, { minLength: 1, maxLength: 200 }), (vendors, team) => {
        const inHouse: PriorInput = { vendorType: 'IN_HOUSE', sums: accumulate(team, NOW, HALF_LIFE) };
        expect(priorsOf(vendors, [inHouse])).toEqual(priorsOf(vendors));
      }),
    );
  });

  it('is 0.5 for a metric no outsourcer has data for', () => {
    expect(marketPriors([]).get('CSAT')).toEqual({ mean: 0.5, vendors: 0 });
    expect(priorsOf([[{ metric: 'QA', amount: 1, weight: 1, at: NOW }]]).get('CSAT')).toEqual({ mean: 0.5, vendors: 0 });
  });

  it('worked example (docs/quality.md): a flood of 10,000 one-star surveys about C', () => {
    const surveys = (n: number, amount: number) => Array.from({ length: n }, () => ({ metric: 'CSAT' as const, amount, weight: 1, at: NOW }));
    const a = surveys(20, 0.8);
    const b = surveys(20, 0.6);
    const c = surveys(10_000, 0);
    // Observation-weighted, the old prior: (16 + 12 + 0) ÷ 10,040 ≈ 0.0028, and A's CSAT fell from 0.75 to 0.40.
    const weighted = (16 + 12) / 10_040;
    expect((20 * weighted + 16) / 40).toBeCloseTo(0.4014, 4);
    // Mean of the outsourcers' means: (0.8 + 0.6 + 0) ÷ 3, the same for 1 survey about C as for 10,000.
    const priors = priorsOf([a, b, c]);
    expect(priors.get('CSAT')!.mean).toBeCloseTo(1.4 / 3, 12);
    expect(priorsOf([a, b, surveys(1, 0)]).get('CSAT')!.mean).toBeCloseTo(1.4 / 3, 12);
    const csatOfA = scoreVendor(accumulate(a, NOW, HALF_LIFE), priors, DEFAULT_SCORING_POLICY).metrics.find((m) => m.metric === 'CSAT')!;
    expect(csatOfA.value).toBeCloseTo((20 * (1.4 / 3) + 16) / 40, 12); // ≈ 0.633
  });
});
