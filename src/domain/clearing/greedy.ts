/**
 * Greedy allocations.
 *
 * `greedyAllocation` is exact when no awardable bid has a minimum (minimum seats > 1 or a
 * binding minimum total). Proof sketch (docs/clearing.md, "GREEDY, and why it is exact there"):
 * the problem then separates by interval, and in one interval the feasible awards
 * {0 ≤ x_b ≤ upper_b, Σ_{b of v} x_b ≤ cap_v, Σ_b x_b ≤ required} form an integral polymatroid
 * (capacities on a laminar family: bids ⊂ vendors ⊂ interval). On a polymatroid every maximal
 * vector has the same size (so greedy covers as much as possible), and taking elements in
 * increasing weight order, each as far as the constraints allow, minimises any linear weight
 * among maximal vectors (Edmonds). Ordering by (adjusted rate, rank) minimises cost first and the
 * rank-weighted tie score second, which is exactly objectives (1)–(3).
 *
 * `greedyWithRepair` is a heuristic for the coupled case: feasible, not optimal. It is the
 * start of the coverage MILP and the benchmark's baseline.
 */
import type { Allocation, ClearingProblem, NormalizedBid } from './problem.js';
import { emptyAllocation } from './problem.js';

/** Bids ordered by (adjusted rate, rank): the greedy's order in every interval. */
function byValue(problem: ClearingProblem): NormalizedBid[] {
  return [...problem.bids].sort((a, b) => a.adjustedRateUnits - b.adjustedRateUnits || a.rank - b.rank);
}

/**
 * Optimum of the relaxation that ignores minimum seats and minimum totals (see module comment
 * for the proof). It is therefore the exact optimum whenever `needsMilp(problem)` is false, and
 * also whenever it happens to satisfy every minimum: the optimum of a relaxation that is feasible
 * for the full problem is optimal for it.
 */
export function greedyAllocation(problem: ClearingProblem): Allocation {
  return fillGreedily(problem, byValue(problem), () => true, false);
}

/**
 * Feasible heuristic for the coupled problem: greedy by adjusted rate, skipping an interval
 * when the room left is below the bid's minimum seats, then dropping bids that miss their
 * minimum total and refilling without them, until nothing changes.
 * Invariant: the result satisfies every constraint (each pass only removes bids).
 */
export function greedyWithRepair(problem: ClearingProblem): Allocation {
  const order = byValue(problem);
  const banned = new Set<number>();
  for (;;) {
    const allocation = fillGreedily(problem, order, (bid) => !banned.has(bid.rank), true);
    const missing = problem.bids.filter((bid) => {
      const row = allocation[bid.rank] as number[];
      const quarters = row.reduce((s, x) => s + x, 0) * problem.quarters;
      return quarters > 0 && quarters < bid.minTotalQuarters;
    });
    if (missing.length === 0) return allocation;
    // Every bid that fell short is infeasible as it stands: drop them all and refill.
    for (const bid of missing) banned.add(bid.rank);
  }
}

function fillGreedily(
  problem: ClearingProblem,
  order: readonly NormalizedBid[],
  allowed: (bid: NormalizedBid) => boolean,
  respectMinSeats: boolean,
): Allocation {
  const allocation = emptyAllocation(problem);
  problem.intervals.forEach((interval, j) => {
    let demandLeft = interval.required;
    const capLeft = problem.vendorCaps.map((caps) => caps[j] as number);
    for (const bid of order) {
      if (demandLeft === 0) break;
      const upper = bid.upper[j] as number;
      if (upper === 0 || !allowed(bid)) continue;
      const seats = Math.min(upper, demandLeft, capLeft[bid.vendorPos] as number);
      // Below the minimum the bid cannot take this interval at all (0 is always allowed).
      if (seats === 0 || (respectMinSeats && seats < bid.minSeats)) continue;
      (allocation[bid.rank] as number[])[j] = seats;
      demandLeft -= seats;
      capLeft[bid.vendorPos] = (capLeft[bid.vendorPos] as number) - seats;
    }
  });
  return allocation;
}
