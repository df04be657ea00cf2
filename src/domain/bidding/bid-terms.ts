import type { StoredInterval } from '../../persistence/entities/demand.js';
import type { StoredOffer } from '../../persistence/entities/bidding.js';
import { fail, ok, type Result } from '../shared/result.js';

export const MAX_NOTE_LENGTH = 2_000;

export interface BidTerms {
  rateMinor: bigint;
  currency: string;
  offered: StoredOffer[];
  minSeatsPerInterval: number | null;
  minTotalSeatHours: number | null;
  note: string | null;
}

export interface SpikeForBid {
  currency: string;
  reserveRateMinor: bigint;
  intervalMinutes: number;
  intervals: StoredInterval[];
}

/**
 * Checks a bid's terms against the spike (PRODUCT.md section 4) and returns them normalised
 * (offers sorted by interval). Seats offered in an interval may not exceed what the interval
 * requires: more could never be awarded, and absurd numbers are refused at the door.
 */
export function validateBidTerms(spike: SpikeForBid, terms: BidTerms): Result<BidTerms> {
  if (terms.currency !== spike.currency) {
    return fail('VALIDATION', `The spike is priced in ${spike.currency}; bid in that currency`, 'input.rate.currency');
  }
  if (terms.rateMinor <= 0n) return fail('VALIDATION', 'The rate must be positive', 'input.rate.amountMinor');
  if (terms.rateMinor > spike.reserveRateMinor) {
    return fail('ABOVE_RESERVE', `The rate ${terms.rateMinor} is above the reserve rate ${spike.reserveRateMinor}`, 'input.rate.amountMinor');
  }
  if (terms.offered.length === 0) return fail('VALIDATION', 'Offer seats in at least one interval', 'input.offered');
  if (terms.offered.length > spike.intervals.length) {
    return fail('VALIDATION', `The spike has only ${spike.intervals.length} intervals`, 'input.offered');
  }
  const seen = new Set<number>();
  for (const [i, offer] of terms.offered.entries()) {
    const interval = spike.intervals[offer.index];
    if (!Number.isInteger(offer.index) || !interval || interval.index !== offer.index) {
      return fail('VALIDATION', `Interval ${offer.index} is not part of this spike`, `input.offered[${i}].index`);
    }
    if (seen.has(offer.index)) return fail('VALIDATION', `Interval ${offer.index} is offered twice`, `input.offered[${i}].index`);
    seen.add(offer.index);
    if (!Number.isInteger(offer.seats) || offer.seats < 1 || offer.seats > interval.requiredSeats) {
      return fail('VALIDATION', `Seats must be an integer from 1 to the ${interval.requiredSeats} the interval requires`, `input.offered[${i}].seats`);
    }
  }
  const maxOffered = Math.max(...terms.offered.map((o) => o.seats));
  if (
    terms.minSeatsPerInterval != null &&
    (!Number.isInteger(terms.minSeatsPerInterval) || terms.minSeatsPerInterval < 1 || terms.minSeatsPerInterval > maxOffered)
  ) {
    return fail('VALIDATION', `minSeatsPerInterval must be an integer from 1 to the most seats offered (${maxOffered})`, 'input.minSeatsPerInterval');
  }
  const hours = spike.intervalMinutes / 60;
  const offeredSeatHours = terms.offered.reduce((sum, o) => sum + o.seats * hours, 0);
  if (terms.minTotalSeatHours != null && !(terms.minTotalSeatHours > 0 && terms.minTotalSeatHours <= offeredSeatHours)) {
    return fail('VALIDATION', `minTotalSeatHours must be above 0 and at most the ${offeredSeatHours} seat-hours offered`, 'input.minTotalSeatHours');
  }
  if (terms.note != null && terms.note.length > MAX_NOTE_LENGTH) {
    return fail('VALIDATION', `The note is limited to ${MAX_NOTE_LENGTH} characters`, 'input.note');
  }
  return ok({ ...terms, offered: [...terms.offered].sort((a, b) => a.index - b.index) });
}
