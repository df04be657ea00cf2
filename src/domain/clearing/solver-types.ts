/**
 * The solver's public types: what `clearSpike` takes and returns. A module of their own, imported
 * by every stage of the solver (validation, explanation) and by the callers, so that no module of
 * the clearing folder has to import `clear-spike.ts` back for a type.
 */

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
