/** Builders for the solver's unit tests: hand-written spikes and bids, and readers of a result. */
import type { ClearingBid, ClearingInput, ClearingResult } from '../../../src/domain/clearing/solver-types.js';

export const T0 = Date.UTC(2025, 0, 1, 9);
export const at = (minutes: number): Date => new Date(T0 + minutes * 60_000);

/** Builder: one bid, offering `seats` in every listed interval. */
export function aBid(bidId: string, vendorId: string, rate: number, offered: Record<number, number>, extra: Partial<ClearingBid> = {}): ClearingBid {
  return {
    bidId,
    vendorId,
    rateMinor: BigInt(rate),
    offered: Object.entries(offered).map(([index, seats]) => ({ index: Number(index), seats })),
    submittedAt: at(0),
    ...extra,
  };
}

/** Builder: a spike with hourly intervals, price-only unless told, every vendor scored 100. */
export function aSpike(required: number[], bids: ClearingBid[], extra: Partial<ClearingInput> = {}): ClearingInput {
  return {
    intervalHours: 1,
    intervals: required.map((requiredSeats, index) => ({ index, requiredSeats })),
    bids,
    qualityWeight: 0,
    scores: new Map(bids.map((b) => [b.vendorId, 100])),
    ...extra,
  };
}

export const seatsOf = (result: ClearingResult, bidId: string): Record<number, number> =>
  Object.fromEntries(result.awards.filter((a) => a.bidId === bidId).map((a) => [a.index, a.seats]));
export const outcome = (result: ClearingResult, bidId: string) => result.bids.find((b) => b.bidId === bidId);
