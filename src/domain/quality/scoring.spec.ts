import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { marketPriors } from './market-prior.js';
import {
  accumulate,
  applyAudit,
  decayFactor,
  DEFAULT_SCORING_POLICY,
  deliveryObservations,
  eventValueProblem,
  METRICS,
  observationOf,
  policyProblems,
  scopedComposite,
  scoreVendor,
  smooth,
  WEIGHT_SCALE,
  type Metric,
  type MetricSums,
  type Observation,
} from './scoring.js';

const NOW = new Date('2026-11-25T12:00:00Z');
const DAY = 86_400_000;
const daysAgo = (d: number) => new Date(NOW.getTime() - d * DAY);
const sums = (entries: [Metric, MetricSums][]) => new Map(entries);

describe('decay', () => {
  it('counts an observation fully now, half at the half-life, a quarter at twice it', () => {
    expect(decayFactor(0, 30)).toBe(1);
    expect(decayFactor(30 * DAY, 30)).toBeCloseTo(0.5, 12);
    expect(decayFactor(60 * DAY, 30)).toBeCloseTo(0.25, 12);
    expect(decayFactor(-5 * DAY, 30)).toBe(1);
  });

  it('halves the weight at the half-life, for any half-life and any time', () => {
    fc.assert(
      fc.property(fc.double({ min: 1, max: 3650, noNaN: true }), fc.double({ min: 0, max: 100, noNaN: true }), (halfLife, ageInHalfLives) => {
        const ageDays = ageInHalfLives * halfLife;
        const now = decayFactor(ageDays * DAY, halfLife);
        const later = decayFactor((ageDays + halfLife) * DAY, halfLife);
        expect(later / now).toBeCloseTo(0.5, 9);
      }),
    );
  });

  it('accumulates decayed amounts and weights and counts raw samples', () => {
    const obs: Observation[] = [
      { metric: 'CSAT', amount: 1, weight: 1, at: NOW },
      { metric: 'CSAT', amount: 0, weight: 1, at: daysAgo(30) },
    ];
    const s = accumulate(obs, NOW, 30).get('CSAT')!;
    expect(s.count).toBe(2);
    expect(s.weight).toBeCloseTo(1.5, 12);
    expect(s.amount).toBeCloseTo(1, 12);
  });
});

describe('normalisation (PRODUCT.md section 9)', () => {
  it('maps each event kind to 0–1', () => {
    expect(observationOf({ kind: 'CSAT', value: 1 })).toEqual({ metric: 'CSAT', amount: 0, weight: 1 });
    expect(observationOf({ kind: 'CSAT', value: 4 })).toEqual({ metric: 'CSAT', amount: 0.75, weight: 1 });
    expect(observationOf({ kind: 'QA_SCORE', value: 85 })).toEqual({ metric: 'QA', amount: 0.85, weight: 1 });
    expect(observationOf({ kind: 'FCR', value: 1 })).toEqual({ metric: 'FCR', amount: 1, weight: 1 });
    expect(observationOf({ kind: 'AUDIT', value: null })).toBeNull();
  });

  it('turns escalations into 1 − escalations ÷ contacts handled', () => {
    const delivered = deliveryObservations({
      staffedSeatHours: 9,
      awardedSeatHours: 10,
      contactsHandled: 200,
      serviceLevelAchieved: 0.6,
      serviceLevelTarget: 0.8,
    });
    expect(delivered).toEqual([
      { metric: 'ADHERENCE', amount: 0.9, weight: 1 },
      { metric: 'SERVICE_LEVEL', amount: 0.6 / 0.8, weight: 1 },
      { metric: 'ESCALATION', amount: 200, weight: 200 },
      { metric: 'COMPLAINT', amount: 200, weight: 200 },
    ]);
    const obs: Observation[] = [
      ...delivered.map((o) => ({ ...o, at: NOW })),
      ...Array.from({ length: 10 }, () => ({ ...observationOf({ kind: 'ESCALATION', value: null })!, at: NOW })),
    ];
    const s = accumulate(obs, NOW, 30).get('ESCALATION')!;
    expect(s.amount / s.weight).toBeCloseTo(1 - 10 / 200, 12);
  });

  it('caps adherence and service level at 1', () => {
    const d = deliveryObservations({ staffedSeatHours: 12, awardedSeatHours: 10, contactsHandled: 0, serviceLevelAchieved: 0.95, serviceLevelTarget: 0.8 });
    expect(d).toEqual([
      { metric: 'ADHERENCE', amount: 1, weight: 1 },
      { metric: 'SERVICE_LEVEL', amount: 1, weight: 1 },
    ]);
  });

  it('refuses out-of-range values per kind', () => {
    expect(eventValueProblem({ kind: 'CSAT', value: 0 })).toMatch(/1 to 5/);
    expect(eventValueProblem({ kind: 'CSAT', value: 5 })).toBeNull();
    expect(eventValueProblem({ kind: 'QA_SCORE', value: 100.5 })).toMatch(/0 to 100/);
    expect(eventValueProblem({ kind: 'QA_SCORE', value: Number.NaN })).toMatch(/0 to 100/);
    expect(eventValueProblem({ kind: 'FCR', value: null })).toMatch(/resolved/);
    expect(eventValueProblem({ kind: 'ESCALATION', value: 3 })).toMatch(/no score/);
  });
});

describe('smoothing', () => {
  it('is the prior without data and the mean with overwhelming data', () => {
    expect(smooth({ amount: 0, weight: 0, count: 0 }, 0.7, 20)).toBe(0.7);
    expect(smooth({ amount: 100_000, weight: 1_000_000, count: 1_000_000 }, 0.7, 20)).toBeCloseTo(0.1, 4);
  });

  it('lets the prior dominate with few observations', () => {
    fc.assert(
      fc.property(fc.double({ min: 0, max: 1, noNaN: true }), fc.integer({ min: 1, max: 5 }), fc.double({ min: 0, max: 1, noNaN: true }), (prior, n, value) => {
        const s = smooth({ amount: n * value, weight: n, count: n }, prior, 20);
        // n ≤ 5 observations against a prior worth 20 move the score at most n/(20+n) of the way.
        expect(Math.abs(s - prior)).toBeLessThanOrEqual((n / (20 + n)) * Math.abs(value - prior) + 1e-12);
        expect(Math.abs(s - prior)).toBeLessThan(Math.abs(value - s) + 1e-12);
      }),
    );
  });
});

const metricArb = fc.constantFrom(...METRICS);
const obsArb: fc.Arbitrary<Observation> = fc.record({
  metric: metricArb,
  amount: fc.double({ min: 0, max: 1, noNaN: true }),
  weight: fc.constant(1),
  at: fc.integer({ min: 0, max: 400 }).map(daysAgo),
});

describe('composite', () => {
  it('weights sum to 1 in the default policy', () => {
    expect(METRICS.reduce((a, m) => a + DEFAULT_SCORING_POLICY.weightsBp[m], 0)).toBe(WEIGHT_SCALE);
    expect(policyProblems(DEFAULT_SCORING_POLICY)).toEqual([]);
  });

  it('refuses weights that do not sum to 1, and out-of-range settings', () => {
    expect(policyProblems({ ...DEFAULT_SCORING_POLICY, weightsBp: { ...DEFAULT_SCORING_POLICY.weightsBp, CSAT: 3_001 } })).toEqual([
      { field: 'weights', message: 'Weights must sum to exactly 1 (they sum to 1.0001)' },
    ]);
    expect(policyProblems({ ...DEFAULT_SCORING_POLICY, weightsBp: { ...DEFAULT_SCORING_POLICY.weightsBp, QA: -1 } })[0]!.field).toBe('weights.QA');
    expect(policyProblems({ ...DEFAULT_SCORING_POLICY, priorWeight: -1, halfLifeDays: 0 }).map((p) => p.field)).toEqual(['priorWeight', 'halfLifeDays']);
  });

  it('is 50 for everyone when nobody has data', () => {
    expect(scoreVendor(new Map(), new Map(), DEFAULT_SCORING_POLICY).composite).toBeCloseTo(50, 12);
  });

  it('matches a worked example', () => {
    // Market: two outsourcers with CSAT means 1.0 and 0.0, so a prior of 0.5. Vendor: 20 surveys at 1.0 today.
    const vendor = sums([['CSAT', { amount: 20, weight: 20, count: 20 }]]);
    const market = marketPriors([vendor, sums([['CSAT', { amount: 0, weight: 20, count: 20 }]])].map((v) => ({ vendorType: 'OUTSOURCER' as const, sums: v })));
    expect(market.get('CSAT')).toEqual({ mean: 0.5, vendors: 2 });
    const s = scoreVendor(vendor, market, DEFAULT_SCORING_POLICY);
    const csat = s.metrics.find((m) => m.metric === 'CSAT')!;
    expect(csat.value).toBeCloseTo((20 * 0.5 + 20) / (20 + 20), 12); // 0.75
    // Every other metric sits at 0.5: composite = 100 × (0.30 × 0.75 + 0.70 × 0.5).
    expect(s.composite).toBeCloseTo(57.5, 10);
  });

  it('is monotone in each metric: a better observation never lowers the composite', () => {
    fc.assert(
      fc.property(
        fc.array(obsArb, { maxLength: 30 }),
        fc.array(obsArb, { maxLength: 30 }),
        metricArb,
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.double({ min: 0, max: 1, noNaN: true }),
        fc.integer({ min: 0, max: 100 }),
        (own, others, metric, a, b, age) => {
          const [low, high] = a <= b ? [a, b] : [b, a];
          const at = daysAgo(age);
          const score = (v: number) => {
            const mine = accumulate([...own, { metric, amount: v, weight: 1, at }], NOW, 30);
            const market = marketPriors([mine, accumulate(others, NOW, 30)].map((v) => ({ vendorType: 'OUTSOURCER' as const, sums: v })));
            return scoreVendor(mine, market, DEFAULT_SCORING_POLICY).composite;
          };
          expect(score(high)).toBeGreaterThanOrEqual(score(low) - 1e-9);
        },
      ),
    );
  });

  it('stays within 0–100 and its points add up to the composite', () => {
    fc.assert(
      fc.property(fc.array(obsArb, { maxLength: 50 }), fc.array(obsArb, { maxLength: 50 }), (own, others) => {
        const mine = accumulate(own, NOW, 30);
        const s = scoreVendor(
          mine,
          marketPriors([mine, accumulate(others, NOW, 30)].map((v) => ({ vendorType: 'OUTSOURCER' as const, sums: v }))),
          DEFAULT_SCORING_POLICY,
        );
        expect(s.composite).toBeGreaterThanOrEqual(0);
        expect(s.composite).toBeLessThanOrEqual(100 + 1e-9);
        expect(s.metrics.reduce((a, m) => a + m.points, 0)).toBeCloseTo(s.baseComposite, 9);
      }),
    );
  });

  it('suspends on FAIL and multiplies by 0.9 on CONDITIONAL', () => {
    const base = scoreVendor(new Map(), new Map(), DEFAULT_SCORING_POLICY, 'NONE');
    expect(scoreVendor(new Map(), new Map(), DEFAULT_SCORING_POLICY, 'CONDITIONAL').composite).toBeCloseTo(base.composite * 0.9, 12);
    const failed = scoreVendor(new Map(), new Map(), DEFAULT_SCORING_POLICY, 'FAIL');
    expect(failed.suspended).toBe(true);
    expect(scoreVendor(new Map(), new Map(), DEFAULT_SCORING_POLICY, 'PASS')).toMatchObject({ suspended: false, composite: base.composite });
    expect(applyAudit(80, 'PASS')).toBe(80);
  });
});

describe('scoped composite', () => {
  const scores = new Map([
    ['', 60],
    ['skill:billing', 70],
    ['skill:es-ES', 50],
    ['channel:CHAT', 90],
  ]);
  it('averages the specific scopes the work names, falling back to overall', () => {
    expect(scopedComposite(scores, ['billing', 'es-ES'], null)).toBe(60);
    expect(scopedComposite(scores, ['billing'], 'CHAT')).toBe(80);
    expect(scopedComposite(scores, ['fr-FR'], 'VOICE')).toBe(60);
    expect(scopedComposite(new Map(), [], null)).toBeUndefined();
  });
});
