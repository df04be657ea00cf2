import { describe, expect, it } from 'vitest';
import { validateBidTerms, type BidTerms, type SpikeForBid } from './bid-terms.js';

const interval = (index: number, requiredSeats: number) => ({
  index,
  startsAt: new Date(Date.UTC(2026, 11, 1, 9, index * 30)).toISOString(),
  requiredSeats,
  forecastContacts: null,
  ahtSeconds: null,
  trafficErlangs: null,
  agents: null,
  serviceLevelAtRequired: null,
});
const spike: SpikeForBid = { currency: 'USD', reserveRateMinor: 3000n, intervalMinutes: 30, intervals: [interval(0, 10), interval(1, 5)] };
const terms: BidTerms = {
  rateMinor: 2500n,
  currency: 'USD',
  offered: [
    { index: 1, seats: 5 },
    { index: 0, seats: 4 },
  ],
  minSeatsPerInterval: null,
  minTotalSeatHours: null,
  note: null,
};

const fieldOf = (t: Partial<BidTerms>) => {
  const r = validateBidTerms(spike, { ...terms, ...t });
  return r.ok ? null : `${r.failure.kind} ${r.failure.field}`;
};

describe('bid terms', () => {
  it('accepts valid terms and sorts offers by interval', () => {
    const r = validateBidTerms(spike, terms);
    expect(r.ok && r.value.offered.map((o) => o.index)).toEqual([0, 1]);
  });

  it('refuses rates above the reserve with a typed failure', () => {
    expect(fieldOf({ rateMinor: 3001n })).toBe('ABOVE_RESERVE input.rate.amountMinor');
    expect(fieldOf({ rateMinor: 3000n })).toBeNull();
    expect(fieldOf({ rateMinor: 0n })).toBe('VALIDATION input.rate.amountMinor');
  });

  it('refuses another currency, unknown or repeated intervals and absurd seats', () => {
    expect(fieldOf({ currency: 'EUR' })).toBe('VALIDATION input.rate.currency');
    expect(fieldOf({ offered: [{ index: 2, seats: 1 }] })).toBe('VALIDATION input.offered[0].index');
    expect(
      fieldOf({
        offered: [
          { index: 0, seats: 1 },
          { index: 0, seats: 2 },
        ],
      }),
    ).toBe('VALIDATION input.offered[1].index');
    expect(fieldOf({ offered: [{ index: 0, seats: -3 }] })).toBe('VALIDATION input.offered[0].seats');
    expect(fieldOf({ offered: [{ index: 1, seats: 6 }] })).toBe('VALIDATION input.offered[0].seats');
    expect(fieldOf({ offered: [] })).toBe('VALIDATION input.offered');
  });

  it('keeps minimums within what is offered', () => {
    expect(fieldOf({ minSeatsPerInterval: 5 })).toBeNull();
    expect(fieldOf({ minSeatsPerInterval: 6 })).toBe('VALIDATION input.minSeatsPerInterval');
    expect(fieldOf({ minTotalSeatHours: 4.5 })).toBeNull();
    expect(fieldOf({ minTotalSeatHours: 4.6 })).toBe('VALIDATION input.minTotalSeatHours');
  });
});
