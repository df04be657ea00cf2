/**
 * Validation and normalisation of a clearing input into a canonical problem.
 *
 * Invariants of a `ClearingProblem`:
 * - intervals are sorted by index; bids are sorted by tie-break priority (`rank` 0 first);
 * - `upper[j]` is the most a bid can get in interval position j on its own:
 *   min(offered, required, vendor cap), and 0 where that is below the bid's minimum seats or
 *   where the bid cannot reach its minimum total at all;
 * - every objective coefficient is an integer and every objective value fits in a double
 *   exactly (checked here), so the solver stages compare exact integers.
 */
import type { ClearingBid, ClearingInput } from './solver-types.js';
import { ClearingError } from './clearing-error.js';

/** Adjusted rates are kept as integers in 1/100 of a minor unit per seat-hour. */
export const RATE_UNITS_PER_MINOR = 100;
/** Upper bound on a bid's rate (minor units per seat-hour); keeps every cost exact. */
export const MAX_RATE_MINOR = 1_000_000_000n;
const MAX_SEATS = 1_000_000;
const VALID_INTERVAL_HOURS = [0.25, 0.5, 1];

export interface NormalizedBid {
  readonly bidId: string;
  readonly vendorId: string;
  /** Position in the tie-break order (submittedAt, vendorId, bidId); 0 is first. */
  readonly rank: number;
  readonly vendorPos: number;
  readonly score: number;
  /** Value-adjusted rate a_b in RATE_UNITS_PER_MINOR units (integer). */
  readonly adjustedRateUnits: number;
  /** Minimum seats per awarded interval, >= 1 (1 = no minimum). */
  readonly minSeats: number;
  /** Minimum total in quarter-seat-hours as given (0 = none). */
  readonly minTotalQuarters: number;
  /** True when the minimum total constrains the award (not implied by the minimum seats). */
  readonly minTotalBinding: boolean;
  /** True when the bid cannot reach its minimum total even with every seat it could get. */
  readonly minTotalUnreachable: boolean;
  /** Offered seats per interval position (0 where not offered). */
  readonly offered: readonly number[];
  /** Largest feasible award per interval position (see module invariants). */
  readonly upper: readonly number[];
}

export interface ClearingProblem {
  readonly intervalHours: number;
  /** Quarter-hours per interval: 1, 2 or 4. Seat-hours = seats × quarters / 4. */
  readonly quarters: number;
  readonly intervals: readonly { readonly index: number; readonly required: number }[];
  readonly bids: readonly NormalizedBid[];
  readonly vendors: readonly string[];
  /** vendorCaps[vendorPos][intervalPos]: most seats the vendor may get there. */
  readonly vendorCaps: readonly (readonly number[])[];
  readonly timeLimitSeconds: number;
}

/** Seats per [bid rank][interval position]; every entry is an integer. */
export type Allocation = number[][];

/**
 * Value-adjusted rate a_b = rate / (max(s, 1) / 100)^w, in 1/100 minor units, rounded half up.
 * This is the one place where adjusted rates are rounded; everything downstream is integer.
 */
export function adjustedRateUnits(rateMinor: bigint, score: number, qualityWeight: number): number {
  const rate = Number(rateMinor);
  return Math.round((rate / Math.pow(Math.max(score, 1) / 100, qualityWeight)) * RATE_UNITS_PER_MINOR);
}

/**
 * Most seats one vendor may hold in an interval: floor(share × required). The 1e-9 guard keeps
 * products such as 0.29 × 100 = 28.999999999999996 at 29.
 */
export function vendorShareCap(maxVendorShare: number | null | undefined, required: number): number {
  if (maxVendorShare == null) return required;
  return Math.min(required, Math.floor(maxVendorShare * required + 1e-9));
}

/** Tie-break order: earlier submittedAt, then vendorId, then bidId (code-unit order). */
export function compareBidPriority(
  a: Pick<ClearingBid, 'submittedAt' | 'vendorId' | 'bidId'>,
  b: Pick<ClearingBid, 'submittedAt' | 'vendorId' | 'bidId'>,
): number {
  const byTime = a.submittedAt.getTime() - b.submittedAt.getTime();
  if (byTime !== 0) return byTime < 0 ? -1 : 1;
  return compareStrings(a.vendorId, b.vendorId) || compareStrings(a.bidId, b.bidId);
}

export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Minimum total seat-hours as an integer number of quarter-seat-hours (exact: awards are whole quarters). */
export function minTotalInQuarters(minTotalSeatHours: number | null | undefined): number {
  if (minTotalSeatHours == null) return 0;
  return Math.max(0, Math.ceil(minTotalSeatHours * 4 - 1e-9));
}

export function emptyAllocation(problem: ClearingProblem): Allocation {
  return problem.bids.map(() => problem.intervals.map(() => 0));
}

/** True when some awardable bid has a minimum that couples seats (minimum seats > 1 or a binding minimum total). */
export function needsMilp(problem: ClearingProblem): boolean {
  return problem.bids.some((b) => b.upper.some((u) => u > 0) && (b.minSeats > 1 || b.minTotalBinding));
}

/**
 * Validates the input and builds the canonical problem.
 * @throws ClearingError INVALID_INPUT naming the offending field.
 */
export function normalizeInput(input: ClearingInput): ClearingProblem {
  validateInput(input);
  const intervals = [...input.intervals].sort((a, b) => a.index - b.index).map((i) => ({ index: i.index, required: i.requiredSeats }));
  const position = new Map(intervals.map((i, pos) => [i.index, pos]));
  const sortedBids = [...input.bids].sort(compareBidPriority);
  const vendors = [...new Set(sortedBids.map((b) => b.vendorId))].sort(compareStrings);
  const vendorPos = new Map(vendors.map((v, pos) => [v, pos]));
  const vendorCaps = vendors.map(() => intervals.map((i) => vendorShareCap(input.maxVendorShare, i.required)));
  const quarters = input.intervalHours * 4;

  const bids = sortedBids.map((bid, rank): NormalizedBid => {
    const score = input.scores.get(bid.vendorId) as number;
    const vPos = vendorPos.get(bid.vendorId) as number;
    const offered = intervals.map(() => 0);
    for (const o of bid.offered) offered[position.get(o.index) as number] = o.seats;
    const minSeats = Math.max(1, bid.minSeatsPerInterval ?? 1);
    const minTotalQuarters = minTotalInQuarters(bid.minTotalSeatHours);
    let upper = offered.map((seats, j) => {
      const u = Math.min(seats, (intervals[j] as { required: number }).required, vendorCaps[vPos]?.[j] ?? 0);
      return u >= minSeats ? u : 0;
    });
    const reachableQuarters = upper.reduce((s, u) => s + u * quarters, 0);
    const minTotalUnreachable = reachableQuarters > 0 && minTotalQuarters > reachableQuarters;
    if (minTotalUnreachable) upper = upper.map(() => 0);
    return {
      bidId: bid.bidId,
      vendorId: bid.vendorId,
      rank,
      vendorPos: vPos,
      score,
      adjustedRateUnits: adjustedRateUnits(bid.rateMinor, score, input.qualityWeight),
      minSeats,
      minTotalQuarters,
      // Any positive award is at least minSeats seats in one interval, i.e. minSeats × quarters.
      minTotalBinding: !minTotalUnreachable && minTotalQuarters > minSeats * quarters,
      minTotalUnreachable,
      offered,
      upper,
    };
  });

  const maxCost = bids.reduce((s, b) => s + b.adjustedRateUnits * quarters * b.upper.reduce((t, u) => t + u, 0), 0);
  if (!Number.isSafeInteger(maxCost)) {
    throw new ClearingError('INVALID_INPUT', 'rates × seats are too large to clear exactly', 'bids');
  }
  return {
    intervalHours: input.intervalHours,
    quarters,
    intervals,
    bids,
    vendors,
    vendorCaps,
    timeLimitSeconds: input.timeLimitSeconds ?? 10,
  };
}

function invalid(field: string, message: string): never {
  throw new ClearingError('INVALID_INPUT', `${field}: ${message}`, field);
}

const isSeatCount = (n: unknown): n is number => Number.isInteger(n) && (n as number) >= 0 && (n as number) <= MAX_SEATS;
const isFraction = (n: unknown, lowOpen: boolean): boolean => typeof n === 'number' && Number.isFinite(n) && (lowOpen ? n > 0 : n >= 0) && n <= 1;

function validateInput(input: ClearingInput): void {
  if (!VALID_INTERVAL_HOURS.includes(input.intervalHours)) invalid('intervalHours', 'must be 0.25, 0.5 or 1');
  if (!isFraction(input.qualityWeight, false)) invalid('qualityWeight', 'must be a number in [0, 1]');
  if (input.maxVendorShare != null && !isFraction(input.maxVendorShare, true)) {
    invalid('maxVendorShare', 'must be a fraction in (0, 1] or null');
  }
  const limit = input.timeLimitSeconds;
  if (limit !== undefined && !(typeof limit === 'number' && Number.isFinite(limit) && limit > 0)) {
    invalid('timeLimitSeconds', 'must be a positive number of seconds');
  }
  const indices = new Set<number>();
  input.intervals.forEach((interval, i) => {
    if (!Number.isSafeInteger(interval.index)) invalid(`intervals[${i}].index`, 'must be an integer');
    if (indices.has(interval.index)) invalid(`intervals[${i}].index`, `duplicate interval index ${interval.index}`);
    indices.add(interval.index);
    if (!isSeatCount(interval.requiredSeats)) {
      invalid(`intervals[${i}].requiredSeats`, `must be an integer in [0, ${MAX_SEATS}]`);
    }
  });
  const bidIds = new Set<string>();
  input.bids.forEach((bid, i) => {
    const at = `bids[${i}]`;
    if (typeof bid.bidId !== 'string' || bid.bidId === '') invalid(`${at}.bidId`, 'must be a non-empty string');
    if (bidIds.has(bid.bidId)) invalid(`${at}.bidId`, `duplicate bidId ${bid.bidId}`);
    bidIds.add(bid.bidId);
    if (typeof bid.vendorId !== 'string' || bid.vendorId === '') invalid(`${at}.vendorId`, 'must be a non-empty string');
    if (typeof bid.rateMinor !== 'bigint' || bid.rateMinor <= 0n || bid.rateMinor > MAX_RATE_MINOR) {
      invalid(`${at}.rateMinor`, `must be a bigint in [1, ${MAX_RATE_MINOR}]`);
    }
    if (!(bid.submittedAt instanceof Date) || Number.isNaN(bid.submittedAt.getTime())) {
      invalid(`${at}.submittedAt`, 'must be a valid Date');
    }
    const min = bid.minSeatsPerInterval;
    if (min != null && !isSeatCount(min)) invalid(`${at}.minSeatsPerInterval`, 'must be a non-negative integer or null');
    const total = bid.minTotalSeatHours;
    if (total != null && !(typeof total === 'number' && Number.isFinite(total) && total >= 0 && total <= MAX_SEATS * 1e4)) {
      invalid(`${at}.minTotalSeatHours`, 'must be a non-negative number or null');
    }
    const score = input.scores.get(bid.vendorId);
    if (score === undefined) invalid(`${at}.vendorId`, `no score for vendor ${bid.vendorId}`);
    if (typeof score !== 'number' || !Number.isFinite(score) || score < 0 || score > 100) {
      invalid(`scores[${bid.vendorId}]`, 'must be a number in [0, 100]');
    }
    const offeredIndices = new Set<number>();
    bid.offered.forEach((o, k) => {
      if (!indices.has(o.index)) invalid(`${at}.offered[${k}].index`, `unknown interval index ${o.index}`);
      if (offeredIndices.has(o.index)) invalid(`${at}.offered[${k}].index`, `interval ${o.index} offered twice`);
      offeredIndices.add(o.index);
      if (!isSeatCount(o.seats)) invalid(`${at}.offered[${k}].seats`, `must be an integer in [0, ${MAX_SEATS}]`);
    });
  });
}
