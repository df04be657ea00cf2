/**
 * Exact (integer) evaluation of an allocation against a canonical problem: the solver's output
 * is checked with this before it is trusted, and the tests use it on every result.
 */
import type { Allocation, ClearingProblem } from './problem.js';

/** The three lexicographic objectives, as exact integers. */
export interface AllocationObjectives {
  /** Σ x (seat-intervals); covered seat-hours = seats × intervalHours. */
  seats: number;
  /** Σ adjustedRateUnits × quarters × x; adjusted cost in minor units = costUnits / 400. */
  costUnits: number;
  /** Σ rank × x: the tie-break score, lower is better (earlier bids first). */
  tieScore: number;
}

export function allocationObjectives(problem: ClearingProblem, allocation: Allocation): AllocationObjectives {
  let seats = 0;
  let costUnits = 0;
  let tieScore = 0;
  for (const bid of problem.bids) {
    const row = allocation[bid.rank] ?? [];
    for (const x of row) {
      seats += x;
      costUnits += bid.adjustedRateUnits * problem.quarters * x;
      tieScore += bid.rank * x;
    }
  }
  return { seats, costUnits, tieScore };
}

/**
 * Returns a description of the first violated constraint, or null when the allocation is feasible.
 * `minimums: false` skips minimum seats and totals (checks a relaxation's answer).
 */
export function allocationViolation(problem: ClearingProblem, allocation: Allocation, options = { minimums: true }): string | null {
  const { intervals, bids } = problem;
  if (allocation.length !== bids.length) return 'allocation has the wrong number of bids';
  for (const bid of bids) {
    const row = allocation[bid.rank];
    if (!row || row.length !== intervals.length) return `bid ${bid.bidId}: wrong number of intervals`;
    let total = 0;
    for (let j = 0; j < row.length; j++) {
      const x = row[j] as number;
      if (!Number.isInteger(x) || x < 0) return `bid ${bid.bidId}: seats ${x} not a non-negative integer`;
      if (x > (bid.offered[j] as number)) return `bid ${bid.bidId}: ${x} seats exceed the offer`;
      if (options.minimums && x > 0 && x < bid.minSeats) return `bid ${bid.bidId}: ${x} seats below its minimum ${bid.minSeats}`;
      total += x;
    }
    const quarters = total * problem.quarters;
    if (options.minimums && quarters > 0 && quarters < bid.minTotalQuarters) return `bid ${bid.bidId}: below its minimum total`;
  }
  for (let j = 0; j < intervals.length; j++) {
    let sum = 0;
    const perVendor = problem.vendors.map(() => 0);
    for (const bid of bids) {
      const x = allocation[bid.rank]?.[j] ?? 0;
      sum += x;
      perVendor[bid.vendorPos] = (perVendor[bid.vendorPos] as number) + x;
    }
    const interval = intervals[j] as { index: number; required: number };
    if (sum > interval.required) return `interval ${interval.index}: ${sum} seats exceed demand`;
    for (let v = 0; v < perVendor.length; v++) {
      if ((perVendor[v] as number) > (problem.vendorCaps[v]?.[j] as number)) {
        return `interval ${interval.index}: vendor ${problem.vendors[v]} above its share cap`;
      }
    }
  }
  return null;
}
