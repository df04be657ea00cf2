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

export { ClearingError, type ClearingErrorCode } from './clearing-error.js';

/** Everything a clearing needs, as it stood when bidding closed. */
export interface ClearingInput {
  /** Length of every interval in hours: 0.25, 0.5 or 1. */
  intervalHours: number;
  /** Required seats per interval (integers >= 0); indices are unique. */
  intervals: { index: number; requiredSeats: number }[];
  bids: ClearingBid[];
  /**
   * Per vendor per interval: the seats of all the vendor's bids in interval t are at most
   * floor(maxVendorShare × requiredSeats_t). Fraction in (0, 1]; null or absent = no cap.
   */
  maxVendorShare?: number | null;
  /** Quality weight w in [0, 1]; 0 = price only. */
  qualityWeight: number;
  /** vendorId → composite score 0..100. A bid whose vendor is missing is INVALID_INPUT. */
  scores: ReadonlyMap<string, number>;
  /** Solver time limit in seconds for all stages together (default 10). */
  timeLimitSeconds?: number;
}

/** One sealed bid in its final submitted form. */
export interface ClearingBid {
  bidId: string;
  vendorId: string;
  /** Rate per seat-hour in integer minor units of the spike currency (> 0). */
  rateMinor: bigint;
  /** Seats offered per interval; a subset of the spike's intervals, each index at most once. */
  offered: { index: number; seats: number }[];
  /** If awarded in an interval at all, at least this many seats there. */
  minSeatsPerInterval?: number | null;
  /** All-or-nothing: total awarded seat-hours are at least this, or zero. */
  minTotalSeatHours?: number | null;
  /** Final submission time, first key of the tie-break. */
  submittedAt: Date;
}

/** Why a bid won, won in part or lost; see docs/clearing.md ("Reasons"). */
export type BidReason =
  | 'WON'
  | 'PARTIAL_SHARE_CAP'
  | 'PARTIAL_MIN_SEATS'
  | 'PARTIAL_DEMAND'
  | 'LOST_NOTHING_OFFERED'
  | 'LOST_NO_DEMAND'
  | 'LOST_MIN_SEATS_NOT_REACHED'
  | 'LOST_MIN_TOTAL_NOT_REACHED'
  | 'LOST_TO_LOWER_ADJUSTED_RATE'
  | 'LOST_TIE_BREAK'
  | 'LOST_TO_COVERAGE'
  | 'LOST_SHARE_CAP';

/** Outcome of one bid. */
export interface ClearingBidOutcome {
  bidId: string;
  vendorId: string;
  /** Value-adjusted rate in minor units per seat-hour, rounded to 0.01 minor units. */
  adjustedRate: number;
  /** The composite score used (as supplied). */
  score: number;
  awardedSeatHours: number;
  status: 'WON' | 'PARTIAL' | 'LOST';
  reason: BidReason;
}

/** A proven-optimal clearing. */
export interface ClearingResult {
  /** Always OPTIMAL: anything else is thrown as ClearingError. */
  status: 'OPTIMAL';
  /** HIGHS when intervals are coupled, GREEDY when they decompose, TRIVIAL when nothing can be awarded. */
  solver: 'HIGHS' | 'GREEDY' | 'TRIVIAL';
  /** coveredSeatHours = Σ x·h; adjustedCost = Σ a_b·x·h in minor units. */
  objective: { coveredSeatHours: number; adjustedCost: number };
  /** Seats > 0 only, sorted by interval index, then bidId. */
  awards: { bidId: string; vendorId: string; index: number; seats: number }[];
  /** One entry per input bid, sorted by bidId. */
  bids: ClearingBidOutcome[];
  /** Intervals with seats left uncovered (seats > 0 only), sorted by index. */
  unfilled: { index: number; seats: number }[];
  /** Every interval, sorted by index: highest adjusted rate awarded there (null if none). */
  bidToBeat: { index: number; highestWinningAdjustedRate: number | null }[];
}

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
