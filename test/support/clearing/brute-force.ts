/**
 * Test support: exhaustive reference clearing for tiny instances, written straight from the
 * rules in PRODUCT.md section 5 against the raw input (it shares only the definitions of the
 * adjusted rate, the share cap, the minimum-total rounding and the tie-break order with the
 * production code, not the canonical problem, the greedy or the solver).
 *
 * Enumerates every integer award x_{b,t} ∈ {0} ∪ [max(1, minSeats), offered] with demand and
 * share caps pruned on the way, checks minimum totals at the leaves, and keeps the
 * lexicographic best of (max seats, min cost, min tie score). Exponential: keep instances small.
 */
import type { ClearingInput, ClearingResult } from '../../../src/domain/clearing/solver-types.js';
import { adjustedRateUnits, compareBidPriority, minTotalInQuarters, vendorShareCap } from '../../../src/domain/clearing/problem.js';

export interface ReferenceOptimum {
  /** Σ x over all bids and intervals. */
  seats: number;
  /** Σ adjustedRateUnits × quarters × x. */
  costUnits: number;
  /** Σ rank × x with rank the tie-break position (0 = earliest). */
  tieScore: number;
}

/** Exact lexicographic optimum by enumeration. */
export function bruteForceOptimum(input: ClearingInput): ReferenceOptimum {
  const quarters = input.intervalHours * 4;
  const intervals = input.intervals;
  const ranked = [...input.bids].sort(compareBidPriority);
  const bids = ranked.map((bid, rank) => ({
    rank,
    vendorId: bid.vendorId,
    rate: adjustedRateUnits(bid.rateMinor, input.scores.get(bid.vendorId) as number, input.qualityWeight),
    minSeats: Math.max(1, bid.minSeatsPerInterval ?? 1),
    minTotalQuarters: minTotalInQuarters(bid.minTotalSeatHours),
    offered: intervals.map((i) => bid.offered.find((o) => o.index === i.index)?.seats ?? 0),
  }));
  const caps = intervals.map((i) => vendorShareCap(input.maxVendorShare, i.requiredSeats));
  const cells = bids.flatMap((b, bi) => intervals.map((_, t) => ({ bi, t })));
  const x = bids.map(() => intervals.map(() => 0));
  const demandUsed = intervals.map(() => 0);
  const vendorUsed = new Map<string, number[]>();
  for (const b of bids)
    vendorUsed.set(
      b.vendorId,
      intervals.map(() => 0),
    );

  let best: ReferenceOptimum = { seats: -1, costUnits: 0, tieScore: 0 };
  const visit = (k: number): void => {
    if (k === cells.length) {
      for (const b of bids) {
        const q = (x[b.rank] as number[]).reduce((s, v) => s + v, 0) * quarters;
        if (q > 0 && q < b.minTotalQuarters) return;
      }
      let seats = 0;
      let costUnits = 0;
      let tieScore = 0;
      for (const b of bids) {
        for (const v of x[b.rank] as number[]) {
          seats += v;
          costUnits += b.rate * quarters * v;
          tieScore += b.rank * v;
        }
      }
      if (isBetter({ seats, costUnits, tieScore }, best)) best = { seats, costUnits, tieScore };
      return;
    }
    const { bi, t } = cells[k] as { bi: number; t: number };
    const b = bids[bi] as (typeof bids)[number];
    const used = vendorUsed.get(b.vendorId) as number[];
    const room = Math.min(
      b.offered[t] as number,
      (intervals[t]?.requiredSeats as number) - (demandUsed[t] as number),
      (caps[t] as number) - (used[t] as number),
    );
    const options = [0];
    for (let v = b.minSeats; v <= room; v++) options.push(v);
    for (const v of options) {
      (x[bi] as number[])[t] = v;
      demandUsed[t] = (demandUsed[t] as number) + v;
      used[t] = (used[t] as number) + v;
      visit(k + 1);
      demandUsed[t] = (demandUsed[t] as number) - v;
      used[t] = (used[t] as number) - v;
    }
    (x[bi] as number[])[t] = 0;
  };
  visit(0);
  return best;
}

function isBetter(a: ReferenceOptimum, b: ReferenceOptimum): boolean {
  if (a.seats !== b.seats) return a.seats > b.seats;
  if (a.costUnits !== b.costUnits) return a.costUnits < b.costUnits;
  return a.tieScore < b.tieScore;
}

/** The three objectives of a result's awards, recomputed from the raw input. */
export function objectivesOfAwards(input: ClearingInput, result: ClearingResult): ReferenceOptimum {
  const quarters = input.intervalHours * 4;
  const ranked = [...input.bids].sort(compareBidPriority);
  let seats = 0;
  let costUnits = 0;
  let tieScore = 0;
  for (const award of result.awards) {
    const rank = ranked.findIndex((b) => b.bidId === award.bidId);
    const bid = ranked[rank];
    if (!bid) throw new Error(`award for unknown bid ${award.bidId}`);
    const rate = adjustedRateUnits(bid.rateMinor, input.scores.get(bid.vendorId) as number, input.qualityWeight);
    seats += award.seats;
    costUnits += rate * quarters * award.seats;
    tieScore += rank * award.seats;
  }
  return { seats, costUnits, tieScore };
}

/**
 * Every rule of PRODUCT.md section 5 checked on a result against the raw input.
 * Returns the violations (empty when the result is consistent and feasible).
 */
export function violationsOf(input: ClearingInput, result: ClearingResult): string[] {
  const out: string[] = [];
  const h = input.intervalHours;
  const byId = new Map(input.bids.map((b) => [b.bidId, b]));
  const required = new Map(input.intervals.map((i) => [i.index, i.requiredSeats]));
  const perInterval = new Map<number, number>();
  const perVendor = new Map<string, number>();
  const perBid = new Map<string, number>();
  for (const a of result.awards) {
    const bid = byId.get(a.bidId);
    if (!bid) {
      out.push(`award for unknown bid ${a.bidId}`);
      continue;
    }
    const offered = bid.offered.find((o) => o.index === a.index)?.seats ?? 0;
    if (!Number.isInteger(a.seats) || a.seats <= 0) out.push(`${a.bidId}@${a.index}: seats ${a.seats}`);
    if (a.seats > offered) out.push(`${a.bidId}@${a.index}: ${a.seats} > offered ${offered}`);
    if (a.seats < (bid.minSeatsPerInterval ?? 0)) out.push(`${a.bidId}@${a.index}: below minimum seats`);
    if (a.vendorId !== bid.vendorId) out.push(`${a.bidId}: wrong vendor`);
    perInterval.set(a.index, (perInterval.get(a.index) ?? 0) + a.seats);
    const key = `${bid.vendorId}@${a.index}`;
    perVendor.set(key, (perVendor.get(key) ?? 0) + a.seats);
    perBid.set(a.bidId, (perBid.get(a.bidId) ?? 0) + a.seats);
  }
  for (const [index, seats] of perInterval) {
    const req = required.get(index);
    if (req === undefined) out.push(`award in unknown interval ${index}`);
    else if (seats > req) out.push(`interval ${index}: ${seats} > required ${req}`);
  }
  for (const [key, seats] of perVendor) {
    const index = Number(key.slice(key.lastIndexOf('@') + 1));
    if (seats > vendorShareCap(input.maxVendorShare, required.get(index) ?? 0)) out.push(`${key}: above share cap`);
  }
  for (const bid of input.bids) {
    const seatHours = (perBid.get(bid.bidId) ?? 0) * h;
    if (seatHours > 0 && seatHours < (bid.minTotalSeatHours ?? 0) - 1e-9) out.push(`${bid.bidId}: below minimum total`);
    const outcome = result.bids.find((b) => b.bidId === bid.bidId);
    const offered = bid.offered.reduce((s, o) => s + o.seats, 0);
    const status = seatHours === 0 ? 'LOST' : seatHours === offered * h ? 'WON' : 'PARTIAL';
    if (!outcome) out.push(`${bid.bidId}: no outcome`);
    else {
      if (outcome.awardedSeatHours !== seatHours) out.push(`${bid.bidId}: awardedSeatHours`);
      if (outcome.status !== status) out.push(`${bid.bidId}: status ${outcome.status}, expected ${status}`);
      if (!outcome.reason.startsWith(status === 'WON' ? 'WON' : status)) out.push(`${bid.bidId}: reason ${outcome.reason} for ${status}`);
    }
  }
  if (result.bids.length !== input.bids.length) out.push('one outcome per bid expected');
  const covered = [...perInterval.values()].reduce((s, v) => s + v, 0) * h;
  if (result.objective.coveredSeatHours !== covered) out.push('coveredSeatHours does not match the awards');
  for (const i of input.intervals) {
    const unfilled = i.requiredSeats - (perInterval.get(i.index) ?? 0);
    const reported = result.unfilled.find((u) => u.index === i.index)?.seats ?? 0;
    if (unfilled !== reported) out.push(`interval ${i.index}: unfilled ${reported}, expected ${unfilled}`);
    const rates = result.awards.filter((a) => a.index === i.index).map((a) => result.bids.find((b) => b.bidId === a.bidId)?.adjustedRate ?? NaN);
    const expected = rates.length === 0 ? null : Math.max(...rates);
    const beat = result.bidToBeat.find((b) => b.index === i.index);
    if (!beat || beat.highestWinningAdjustedRate !== expected) out.push(`interval ${i.index}: bid to beat`);
  }
  return out;
}
