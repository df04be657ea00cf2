/**
 * Clearing a spike: awarding seats to bids by value (PRODUCT.md section 5).
 *
 * Pure domain code: no database, GraphQL or queue. `solveClearing` validates the input, builds a
 * canonical problem (independent of the order of bids, intervals and offers in the input),
 * solves it exactly and explains the outcome. See docs/clearing.md for the rules and proofs.
 */
import { allocationViolation } from './allocation-check.js';
import { explainAllocation } from './explain.js';
import { greedyAllocation } from './greedy.js';
import { solveWithHighs, type HighsSolveOptions, type HighsSolveStats } from './milp.js';
import { emptyAllocation, needsMilp, normalizeInput, type Allocation, type ClearingProblem } from './problem.js';
import type { ClearingInput, ClearingResult } from './solver-types.js';

export { ClearingError, type ClearingErrorCode } from './clearing-error.js';
// The public types have a module of their own (no module of the solver imports this one back).
export type { BidReason, ClearingBid, ClearingBidOutcome, ClearingInput, ClearingResult } from './solver-types.js';

/** Diagnostics of one clearing, for benchmarks and logs (not part of the result: timings vary). */
export interface ClearingStats {
  solver: ClearingResult['solver'];
  highs: HighsSolveStats | null;
}

/**
 * Clears a spike: awards seats to bids so that, in strict order, (1) covered seat-hours are
 * maximal, (2) the value-adjusted cost Σ a_b·x_{b,t}·h is minimal, (3) ties go to earlier
 * submissions (then vendorId, then bidId), measured as the minimal rank-weighted seat count.
 *
 * Deterministic: the same input, in any order of bids, intervals or offers, gives an identical
 * result. Uses an exact greedy per interval when no bid has a binding minimum (the problem then
 * decomposes into polymatroids) or when the greedy's award happens to meet every minimum, and
 * HiGHS in three lexicographic stages otherwise.
 *
 * @throws ClearingError INVALID_INPUT for malformed input; SOLVER_TIMEOUT when the time limit is
 *   hit before optimality is proven; SOLVER_FAILED for any other non-optimal solver outcome.
 */
export async function solveClearing(input: ClearingInput): Promise<ClearingResult> {
  return (await solveClearingWithStats(input)).result;
}

/**
 * `solveClearing` plus solver diagnostics. `force: 'HIGHS'` solves with HiGHS even where the greedy
 * is exact (used by the property tests to prove both agree, and by the benchmark).
 * @internal
 */
export async function solveClearingWithStats(
  input: ClearingInput,
  options: { force?: 'HIGHS' } & HighsSolveOptions = {},
): Promise<{ result: ClearingResult; stats: ClearingStats }> {
  const problem = normalizeInput(input);
  const { allocation, solver, highs } = await allocate(problem, options);
  return { result: explainAllocation(problem, allocation, solver), stats: { solver, highs } };
}

async function allocate(
  problem: ClearingProblem,
  options: { force?: 'HIGHS' } & HighsSolveOptions,
): Promise<{ allocation: Allocation; solver: ClearingResult['solver']; highs: HighsSolveStats | null }> {
  const anythingAwardable = problem.bids.some((b) => b.upper.some((u) => u > 0));
  if (!anythingAwardable) return { allocation: emptyAllocation(problem), solver: 'TRIVIAL', highs: null };
  if (options.force !== 'HIGHS') {
    // Exact when nothing couples seats, or when the relaxation's optimum meets every minimum anyway.
    const greedy = greedyAllocation(problem);
    if (!needsMilp(problem) || allocationViolation(problem, greedy) === null) {
      return { allocation: greedy, solver: 'GREEDY', highs: null };
    }
  }
  const { allocation, stats } = await solveWithHighs(problem, options);
  return { allocation, solver: 'HIGHS', highs: stats };
}
