import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { FULL_PRIOR_EVIDENCE, marketPriors, priorCredibility, type PriorInput } from './market-prior.js';
import { accumulate, DEFAULT_SCORING_POLICY, METRICS, ownMean, scoreVendor, type Metric, type Observation } from './scoring.js';

/**
 * PRODUCT.md section 9: the prior is the mean of the outsourcers' own means, each outsourcer
 * counting once, so that no flood of events about one vendor moves everyone's prior; and an
 * outsourcer with fewer than ten decayed observations of a metric counts that fraction of one,
 * so that no swarm of fresh vendors with one extreme event each moves it either.
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
  it('averages each outsourcer’s own mean once, in proportion to its evidence below ten decayed observations', () => {
    fc.assert(
      fc.property(marketArb, (vendors) => {
        const priors = priorsOf(vendors);
        for (const metric of METRICS) {
          const own = vendors.map((v) => accumulate(v, NOW, HALF_LIFE).get(metric)).filter((x) => x && ownMean(x) !== null);
          const c = own.map((x) => Math.min(1, x!.weight / FULL_PRIOR_EVIDENCE));
          const total = c.reduce((a, b) => a + b, 0);
          const expected = total > 0 ? own.reduce((a, x, i) => a + c[i]! * ownMean(x!)!, 0) / total : 0.5;
          expect(priors.get(metric)!.mean).toBeCloseTo(expected, 12);
          expect(priors.get(metric)!.vendors).toBe(own.length);
        }
      }),
    );
  });

  it('does not move when an established vendor is flooded with N copies of its own evidence, nor do the other vendors’ scores', () => {
    fc.assert(
      fc.property(marketArb, fc.integer({ min: 2, max: 500 }), fc.double({ min: 0, max: 1, noNaN: true }), (vendors, n, value) => {
        // Ten fresh observations of every metric: it counts fully already.
        const established = [
          ...vendors[0]!,
          ...METRICS.flatMap((metric) => Array.from({ length: FULL_PRIOR_EVIDENCE }, () => ({ metric, amount: value, weight: 1, at: NOW }))),
        ];
        const before = priorsOf([established, ...vendors.slice(1)]);
        const after = priorsOf([Array.from({ length: n }, () => established).flat(), ...vendors.slice(1)]);
        for (const metric of METRICS) expect(after.get(metric)!.mean).toBeCloseTo(before.get(metric)!.mean, 12);
        for (const other of vendors.slice(1)) expect(composite(other, after)).toBeCloseTo(composite(other, before), 9);
      }),
    );
  });

  it('moves at most 1 ÷ (1 + C) of the way toward a flooded vendor, however large the flood (C: the others’ credibility)', () => {
    fc.assert(
      fc.property(marketArb, fc.integer({ min: 1, max: 5_000 }), metricArb, fc.double({ min: 0, max: 1, noNaN: true }), (vendors, n, metric, value) => {
        const flood = Array.from({ length: n }, () => ({ metric, amount: value, weight: 1, at: NOW }));
        const flooded = [...vendors[0]!, ...flood];
        const others = priorsOf(vendors.slice(1));
        const after = priorsOf([flooded, ...vendors.slice(1)]);
        const c = vendors.slice(1).reduce((a, v) => a + priorCredibility(accumulate(v, NOW, HALF_LIFE).get(metric)), 0);
        const ownAfter = ownMean(accumulate(flooded, NOW, HALF_LIFE).get(metric)!)!;
        if (c === 0) return;
        expect(Math.abs(after.get(metric)!.mean - others.get(metric)!.mean)).toBeLessThanOrEqual(
          Math.abs(ownAfter - others.get(metric)!.mean) / (1 + c) + 1e-12,
        );
        // Another vendor's composite moves by at most its weight for that metric × the prior's share × 1 ÷ (1 + C) points.
        const before = priorsOf(vendors);
        const w = DEFAULT_SCORING_POLICY.weightsBp[metric] / 10_000;
        for (const other of vendors.slice(1))
          expect(Math.abs(composite(other, after) - composite(other, before))).toBeLessThanOrEqual((2 * 100 * w) / (1 + c) + 1e-9);
      }),
    );
  });

  it('a swarm of k fresh vendors with one extreme event each moves a prior at most (k ÷ 10) ÷ (C + k ÷ 10) of the way', () => {
    fc.assert(
      fc.property(marketArb, fc.integer({ min: 1, max: 60 }), metricArb, fc.constantFrom(0, 1), (vendors, k, metric, extreme) => {
        const before = priorsOf(vendors);
        const swarm = Array.from({ length: k }, () => [{ metric, amount: extreme, weight: 1, at: NOW }]);
        const after = priorsOf([...vendors, ...swarm]);
        const c = vendors.reduce((a, v) => a + priorCredibility(accumulate(v, NOW, HALF_LIFE).get(metric)), 0);
        if (c === 0) return;
        const share = k / FULL_PRIOR_EVIDENCE / (c + k / FULL_PRIOR_EVIDENCE);
        expect(Math.abs(after.get(metric)!.mean - before.get(metric)!.mean)).toBeLessThanOrEqual(share * Math.abs(extreme - before.get(metric)!.mean) + 1e-12);
      }),
    );
    // Two established outsourcers at 0.8 and 0.6: ten one-star newcomers count as one vendor, not ten.
    const surveys = (n: number, amount: number) => Array.from({ length: n }, () => ({ metric: 'CSAT' as const, amount, weight: 1, at: NOW }));
    const swarm = Array.from({ length: 10 }, () => surveys(1, 0));
    expect(priorsOf([surveys(20, 0.8), surveys(20, 0.6), ...swarm]).get('CSAT')!.mean).toBeCloseTo(1.4 / 3, 12);
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
    // Mean of the outsourcers' means: (0.8 + 0.6 + 0) ÷ 3, the same for 10 surveys about C as for 10,000.
    const priors = priorsOf([a, b, c]);
    expect(priorsOf([a, b, surveys(10, 0)]).get('CSAT')!.mean).toBeCloseTo(1.4 / 3, 12);
    expect(priors.get('CSAT')!.mean).toBeCloseTo(1.4 / 3, 12);
    // One survey about C counts a tenth of a vendor: (0.8 + 0.6 + 0.1 × 0) ÷ 2.1.
    expect(priorsOf([a, b, surveys(1, 0)]).get('CSAT')!.mean).toBeCloseTo(1.4 / 2.1, 12);
    const csatOfA = scoreVendor(accumulate(a, NOW, HALF_LIFE), priors, DEFAULT_SCORING_POLICY).metrics.find((m) => m.metric === 'CSAT')!;
    expect(csatOfA.value).toBeCloseTo((20 * (1.4 / 3) + 16) / 40, 12); // ≈ 0.633
  });
});
