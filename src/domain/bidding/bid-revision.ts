import type { BidTerms } from './bid-terms.js';

/**
 * A revision of a bid's terms, as `reviseBid` takes it: a field that is null or absent stays as
 * it is; `clearMinimums` removes both optional minimums.
 */
export interface BidRevision {
  rateMinor?: bigint | null;
  currency?: string | null;
  offered?: BidTerms['offered'] | null;
  minSeatsPerInterval?: number | null;
  minTotalSeatHours?: number | null;
  note?: string | null;
  clearMinimums?: boolean;
}

/**
 * The terms after a revision, in the documented order: first `clearMinimums` removes both
 * minimums, then every field given replaces the old value. So `clearMinimums: true` with a new
 * minimum keeps the new one and clears only the other (until 2026-12-07 the clear won and both
 * were lost). The result is not validated here: `validateBidTerms` judges it as a whole.
 */
export function applyBidRevision(old: BidTerms, revision: BidRevision): BidTerms {
  const cleared = revision.clearMinimums ? { ...old, minSeatsPerInterval: null, minTotalSeatHours: null } : old;
  return {
    rateMinor: revision.rateMinor ?? cleared.rateMinor,
    currency: revision.currency ?? cleared.currency,
    offered: revision.offered ?? cleared.offered,
    minSeatsPerInterval: revision.minSeatsPerInterval ?? cleared.minSeatsPerInterval,
    minTotalSeatHours: revision.minTotalSeatHours ?? cleared.minTotalSeatHours,
    note: revision.note ?? cleared.note,
  };
}
