/**
 * Turns an optimal allocation into the public result: awards, per-bid outcome and reason,
 * unfilled seats and the bid to beat. Pure bookkeeping; it never changes the allocation.
 */
import type { BidReason, ClearingBidOutcome, ClearingResult } from './solver-types.js';
import { allocationObjectives } from './allocation-check.js';
import { compareStrings, RATE_UNITS_PER_MINOR, type Allocation, type ClearingProblem, type NormalizedBid } from './problem.js';

/** Why a bid got fewer seats than offered in one interval. */
type Shortfall =
  | 'NO_DEMAND' // the interval requires no seats
  | 'OFFER_BELOW_MIN' // the bid offered fewer seats than its own minimum
  | 'SHARE_CAP' // the vendor's share cap is used up
  | 'FILLED' // demand is fully covered by other bids
  | 'ROOM_BELOW_MIN' // room is left below the bid's minimum, or a dearer bid took the seats its minimum needed
  | 'ROOM'; // room is left; only the bid's all-or-nothing minimum total explains it

interface IntervalState {
  demandLeft: number[];
  /** capLeft[vendorPos][j] */
  capLeft: number[][];
  /** winners[j]: bids awarded > 0 seats in interval position j. */
  winners: NormalizedBid[][];
}

/** Builds the public result from a feasible, optimal allocation. */
export function explainAllocation(problem: ClearingProblem, allocation: Allocation, solver: ClearingResult['solver']): ClearingResult {
  const h = problem.intervalHours;
  const state = intervalState(problem, allocation);
  const objectives = allocationObjectives(problem, allocation);

  const awards = problem.bids
    .flatMap((bid) =>
      problem.intervals.map((interval, j) => ({
        bidId: bid.bidId,
        vendorId: bid.vendorId,
        index: interval.index,
        seats: allocation[bid.rank]?.[j] ?? 0,
      })),
    )
    .filter((a) => a.seats > 0)
    .sort((a, b) => a.index - b.index || compareStrings(a.bidId, b.bidId));

  const bids = problem.bids
    .map((bid): ClearingBidOutcome => {
      const row = allocation[bid.rank] ?? [];
      const awarded = row.reduce((s, x) => s + x, 0);
      const offered = bid.offered.reduce((s, x) => s + x, 0);
      const reason = reasonFor(problem, state, bid, row);
      return {
        bidId: bid.bidId,
        vendorId: bid.vendorId,
        adjustedRate: bid.adjustedRateUnits / RATE_UNITS_PER_MINOR,
        score: bid.score,
        awardedSeatHours: awarded * h,
        status: awarded === 0 ? 'LOST' : awarded === offered ? 'WON' : 'PARTIAL',
        reason,
      };
    })
    .sort((a, b) => compareStrings(a.bidId, b.bidId));

  return {
    status: 'OPTIMAL',
    solver,
    objective: {
      coveredSeatHours: objectives.seats * h,
      adjustedCost: objectives.costUnits / (RATE_UNITS_PER_MINOR * 4),
    },
    awards,
    bids,
    unfilled: problem.intervals.map((interval, j) => ({ index: interval.index, seats: state.demandLeft[j] as number })).filter((u) => u.seats > 0),
    bidToBeat: problem.intervals.map((interval, j) => {
      const winners = state.winners[j] ?? [];
      const highest = winners.length === 0 ? null : Math.max(...winners.map((w) => w.adjustedRateUnits));
      return { index: interval.index, highestWinningAdjustedRate: highest === null ? null : highest / RATE_UNITS_PER_MINOR };
    }),
  };
}

function intervalState(problem: ClearingProblem, allocation: Allocation): IntervalState {
  const demandLeft = problem.intervals.map((i) => i.required);
  const capLeft = problem.vendorCaps.map((caps) => [...caps]);
  const winners: NormalizedBid[][] = problem.intervals.map(() => []);
  for (const bid of problem.bids) {
    (allocation[bid.rank] ?? []).forEach((x, j) => {
      if (x === 0) return;
      demandLeft[j] = (demandLeft[j] as number) - x;
      const caps = capLeft[bid.vendorPos] as number[];
      caps[j] = (caps[j] as number) - x;
      winners[j]?.push(bid);
    });
  }
  return { demandLeft, capLeft, winners };
}

/** True when w ranks ahead of b in the greedy order: lower adjusted rate, then earlier rank. */
const beats = (w: NormalizedBid, b: NormalizedBid): boolean =>
  w.adjustedRateUnits < b.adjustedRateUnits || (w.adjustedRateUnits === b.adjustedRateUnits && w.rank < b.rank);

function shortfall(problem: ClearingProblem, state: IntervalState, bid: NormalizedBid, x: number, j: number): Shortfall {
  const required = problem.intervals[j]?.required ?? 0;
  if (required === 0) return 'NO_DEMAND';
  if (x === 0 && (bid.offered[j] as number) < bid.minSeats) return 'OFFER_BELOW_MIN';
  const capLeft = state.capLeft[bid.vendorPos]?.[j] as number;
  const demandLeft = state.demandLeft[j] as number;
  // A cap equal to the demand restricts nothing beyond the demand itself.
  const capIsReal = (problem.vendorCaps[bid.vendorPos]?.[j] as number) < required;
  if (capIsReal && capLeft === 0) return 'SHARE_CAP';
  if (demandLeft === 0) {
    // A dearer winner took seats this bid could have had, but only at its own minimum or more.
    const undercut = (state.winners[j] ?? []).some((w) => !beats(w, bid));
    return x === 0 && bid.minSeats > 1 && undercut ? 'ROOM_BELOW_MIN' : 'FILLED';
  }
  if (x === 0 && Math.min(capLeft, demandLeft) < bid.minSeats) return 'ROOM_BELOW_MIN';
  return 'ROOM';
}

/**
 * The reason names the first cause that applies, in the order documented in docs/clearing.md.
 * Invariant: WON ⇔ every offered seat awarded; PARTIAL_* ⇔ some but not all; LOST_* ⇔ none.
 */
function reasonFor(problem: ClearingProblem, state: IntervalState, bid: NormalizedBid, row: readonly number[]): BidReason {
  const offered = bid.offered.reduce((s, x) => s + x, 0);
  const awarded = row.reduce((s, x) => s + x, 0);
  if (offered === 0) return 'LOST_NOTHING_OFFERED';
  if (awarded === offered) return 'WON';
  const short: { j: number; cause: Shortfall }[] = [];
  row.forEach((x, j) => {
    if (x < (bid.offered[j] as number)) short.push({ j, cause: shortfall(problem, state, bid, x, j) });
  });
  const has = (...causes: Shortfall[]): boolean => short.some((s) => causes.includes(s.cause));

  if (awarded > 0) {
    if (has('SHARE_CAP')) return 'PARTIAL_SHARE_CAP';
    if (has('OFFER_BELOW_MIN', 'ROOM_BELOW_MIN')) return 'PARTIAL_MIN_SEATS';
    return 'PARTIAL_DEMAND';
  }
  if (short.every((s) => s.cause === 'NO_DEMAND')) return 'LOST_NO_DEMAND';
  if (bid.minTotalUnreachable || has('ROOM')) return 'LOST_MIN_TOTAL_NOT_REACHED';
  const filled = short.filter((s) => s.cause === 'FILLED');
  if (filled.length > 0) {
    const winners = filled.flatMap((s) => state.winners[s.j] ?? []);
    // A winner that does not beat this bid on (adjusted rate, rank) won for another reason: the
    // bid's own minimums, coverage (a dearer winner), or the tie score (only equal-rate winners,
    // whose seats weigh fewer rank-weighted seats than the alternative).
    if (!winners.every((w) => beats(w, bid))) {
      if (bid.minTotalQuarters > 0 && bid.minTotalBinding) return 'LOST_MIN_TOTAL_NOT_REACHED';
      if (bid.minSeats > 1) return 'LOST_MIN_SEATS_NOT_REACHED';
      return winners.some((w) => w.adjustedRateUnits > bid.adjustedRateUnits) ? 'LOST_TO_COVERAGE' : 'LOST_TIE_BREAK';
    }
    return winners.some((w) => w.adjustedRateUnits === bid.adjustedRateUnits) ? 'LOST_TIE_BREAK' : 'LOST_TO_LOWER_ADJUSTED_RATE';
  }
  if (has('OFFER_BELOW_MIN', 'ROOM_BELOW_MIN')) return 'LOST_MIN_SEATS_NOT_REACHED';
  return 'LOST_SHARE_CAP';
}
