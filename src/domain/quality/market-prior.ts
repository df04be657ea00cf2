import { METRICS, ownMean, UNINFORMED_MEAN, type Metric, type MetricPrior, type MetricSums } from './scoring.js';

/** A vendor as the prior sees it: its kind and its overall decayed sums per metric. */
export interface PriorInput {
  vendorType: 'IN_HOUSE' | 'OUTSOURCER' | null;
  sums: ReadonlyMap<Metric, MetricSums>;
}

/**
 * The prior of every metric (PRODUCT.md section 9): the mean of the outsourcers' own means, each
 * outsourcer counting once, whatever the number of its observations. In-house teams are left
 * out: they are a brand's own staff, scored from delivery data only, not the market a newcomer
 * is compared with (and a brand could otherwise move everyone's prior through its own team).
 *
 * Why not the observation-weighted mean of everything: there, a flood of N events about one
 * vendor weighs N times and drags every vendor's prior toward that vendor's mean. Here a vendor
 * moves the prior of a metric by at most 1/n of the way from the other outsourcers' mean toward
 * its own (n = outsourcers with data for the metric), however many events are about it; and
 * repeating a vendor's observations changes nothing. A metric nobody has data for gets 0.5.
 */
export function marketPriors(vendors: Iterable<PriorInput>): Map<Metric, MetricPrior> {
  const totals = new Map<Metric, { sum: number; vendors: number }>(METRICS.map((m) => [m, { sum: 0, vendors: 0 }]));
  for (const vendor of vendors) {
    if (vendor.vendorType !== 'OUTSOURCER') continue;
    for (const metric of METRICS) {
      const sums = vendor.sums.get(metric);
      const mean = sums ? ownMean(sums) : null;
      if (mean === null) continue;
      const t = totals.get(metric)!;
      t.sum += mean;
      t.vendors += 1;
    }
  }
  return new Map(
    METRICS.map((metric) => {
      const t = totals.get(metric)!;
      return [metric, { mean: t.vendors > 0 ? t.sum / t.vendors : UNINFORMED_MEAN, vendors: t.vendors }];
    }),
  );
}
