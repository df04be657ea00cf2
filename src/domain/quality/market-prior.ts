import { METRICS, ownMean, UNINFORMED_MEAN, type Metric, type MetricPrior, type MetricSums } from './scoring.js';

/** A vendor as the prior sees it: its kind and its overall decayed sums per metric. */
export interface PriorInput {
  vendorType: 'IN_HOUSE' | 'OUTSOURCER' | null;
  sums: ReadonlyMap<Metric, MetricSums>;
}

/**
 * Decayed observations (Σ decay × weight; contacts for ESCALATION and COMPLAINT) an outsourcer
 * needs for a metric before its own mean counts fully toward that metric's prior.
 */
export const FULL_PRIOR_EVIDENCE = 10;

/**
 * How much an outsourcer's own mean counts in the prior of a metric: its decayed evidence ÷
 * FULL_PRIOR_EVIDENCE, at most 1 (each outsourcer counts once at most).
 */
export function priorCredibility(sums: MetricSums | undefined): number {
  return sums && sums.weight > 0 ? Math.min(1, sums.weight / FULL_PRIOR_EVIDENCE) : 0;
}

/**
 * The prior of every metric (PRODUCT.md section 9): the mean of the outsourcers' own means, each
 * outsourcer counting once, whatever the number of its observations beyond ten, and in
 * proportion below that: an outsourcer with w < 10 decayed observations of the metric counts
 * w ÷ 10 of one (`priorCredibility`). Without that, one extreme event about a fresh vendor would
 * count as much as years of evidence about an established one, and a swarm of fresh vendors with
 * one extreme event each (each needing only a tiny contract) could drag the prior anywhere: now
 * ten such vendors count as one. A market of small vendors only still gets a prior from them
 * (it is a weighted mean), and an outsourcer whose evidence decays counts less. The vendor's own
 * score still uses all its evidence. In-house teams are left out: they are a brand's own staff,
 * scored from delivery data only, not the market a newcomer is compared with (and a brand could
 * otherwise move everyone's prior through its own team).
 *
 * Why not the observation-weighted mean of everything: there, a flood of N events about one
 * vendor weighs N times and drags every vendor's prior toward that vendor's mean. Here a vendor
 * moves the prior of a metric at most 1 ÷ (1 + C) of the way from the other outsourcers' mean
 * toward its own (C = the others' summed credibility, the number of established outsourcers with
 * data), however many events are about it; and once it counts fully, repeating its observations
 * changes nothing. A metric no outsourcer has data for gets 0.5.
 */
export function marketPriors(vendors: Iterable<PriorInput>): Map<Metric, MetricPrior> {
  const totals = new Map<Metric, { sum: number; credibility: number; vendors: number }>(METRICS.map((m) => [m, { sum: 0, credibility: 0, vendors: 0 }]));
  for (const vendor of vendors) {
    if (vendor.vendorType !== 'OUTSOURCER') continue;
    for (const metric of METRICS) {
      const sums = vendor.sums.get(metric);
      const mean = sums ? ownMean(sums) : null;
      if (mean === null) continue;
      const c = priorCredibility(sums);
      const t = totals.get(metric)!;
      t.sum += c * mean;
      t.credibility += c;
      t.vendors += 1;
    }
  }
  return new Map(
    METRICS.map((metric) => {
      const t = totals.get(metric)!;
      return [metric, { mean: t.credibility > 0 ? t.sum / t.credibility : UNINFORMED_MEAN, vendors: t.vendors }];
    }),
  );
}
