/**
 * Coverage cuts: valid inequalities that close most of the gap between the cost LP and the
 * cost MILP, so the reduced-cost reduction (milp-reduce.ts) can work on a few columns.
 *
 * Why the LP is weak: with coverage floors F_t, the LP fills the cheapest bids of an interval up
 * to their bounds and gives the remaining r seats to a bid with minimum seats m at a fraction of
 * its binary (x = r, y = r/u). No integer award can do that: either that bid is in (y = 1), or
 * the r seats come from bids the LP left out.
 *
 * The same holds for a bid with a minimum total (x = r, z = r/u).
 *
 * The cut, for interval t, any set U of bids, r = F_t − reach(U) ≥ 1 (reach: the most U can
 * cover, each vendor at most its share cap), and the other bids split into S (seat columns) and
 * K (bids with a binary w_k that is 0 only if x_{k,t} is: y_{k,t} where the bid has minimum
 * seats, else z_k where it has a minimum total):
 *
 *   Σ_{b∈S} x_{b,t} + r · Σ_{k∈K} w_k ≥ r
 *
 * Valid for every integer solution: if some w_k = 1 the left side is ≥ r; otherwise every x_k
 * is 0 (x_k ≤ u·w_k), so F_t ≤ Σ x ≤ reach(U) + Σ_S x, i.e. Σ_S x ≥ r. Once the binaries are
 * fixed a cut is implied by the totally unimodular seat polytope (it holds at all its integer
 * points, which span it), so cuts never change which awards are feasible, only the LP bound.
 */
import type { ClearingModel, Row } from './milp-model.js';
import type { ClearingProblem } from './problem.js';

/** Slack, in seats, below which a cut is not worth adding. */
const MIN_VIOLATION = 1e-6;

/**
 * Cuts violated by the LP point `x`, at most one per interval: U is the bids the LP fills to
 * their upper bound, and each other bid with a binary goes into K when that gives the smaller
 * left side (r·w < x).
 */
export function separateCoverageCuts(
  problem: ClearingProblem,
  model: ClearingModel,
  floors: readonly number[],
  x: ArrayLike<number>,
): Row[] {
  const cuts: Row[] = [];
  problem.intervals.forEach((_, j) => {
    const floor = floors[j] as number;
    if (floor <= 0) return;
    const supply = new Map<number, number>();
    const rest: { x: number; indicator: number }[] = [];
    for (const bid of problem.bids) {
      const col = model.xCol[bid.rank]?.[j] as number;
      if (col < 0) continue;
      const upper = model.colUpper[col] as number;
      if (upper === 0) continue;
      if ((x[col] as number) >= upper - 1e-9) supply.set(bid.vendorPos, (supply.get(bid.vendorPos) ?? 0) + upper);
      else {
        const y = model.yCol[bid.rank]?.[j] as number;
        rest.push({ x: col, indicator: y >= 0 ? y : (model.zCol[bid.rank] as number) });
      }
    }
    let reach = 0;
    for (const [vendor, seats] of supply) reach += Math.min(problem.vendorCaps[vendor]?.[j] as number, seats);
    const r = floor - reach;
    if (r <= 0) return;
    const cols: number[] = [];
    const vals: number[] = [];
    let lhs = 0;
    for (const { x: col, indicator } of rest) {
      const viaBinary = indicator >= 0 ? r * (x[indicator] as number) : Infinity;
      if (viaBinary < (x[col] as number)) {
        cols.push(indicator);
        vals.push(r);
        lhs += viaBinary;
      } else {
        cols.push(col);
        vals.push(1);
        lhs += x[col] as number;
      }
    }
    if (r - lhs > MIN_VIOLATION) cuts.push({ lower: r, upper: Infinity, cols, vals });
  });
  return cuts;
}
