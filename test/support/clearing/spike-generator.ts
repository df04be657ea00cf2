/**
 * Seeded, day-shaped clearing instances for the clearing benchmark and the solver tests (not
 * product code): demand follows a day curve, bids offer windows of the day, some with minimum
 * seats and minimum totals, under a 40 % share cap.
 */
import type { ClearingBid, ClearingInput } from '../../../src/domain/clearing/solver-types.js';

export const INTERVALS = 96;

/** mulberry32: small, seedable, good enough for instance generation. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

/** 96 quarter-hour intervals, a 40 % share cap, minimum seats on ~30 % of bids and minimum totals on ~25 %. */
export function generateSpike(bidCount: number, seed: number, intervalCount = INTERVALS): ClearingInput {
  const r = rng(seed);
  const int = (lo: number, hi: number): number => lo + Math.floor(r() * (hi - lo + 1));
  const vendorCount = Math.max(5, Math.round(bidCount / 5));
  const vendors = Array.from({ length: vendorCount }, (_, v) => `vendor-${String(v).padStart(4, '0')}`);
  const scores = new Map(vendors.map((v) => [v, int(40, 100)]));
  // Demand follows a day curve (low at night, peak mid-day); supply is ~1.5× demand on average.
  const intervals = Array.from({ length: intervalCount }, (_, t) => {
    const shape = 0.35 + 0.65 * Math.sin((Math.PI * t) / intervalCount) ** 2;
    return { index: t, requiredSeats: Math.round(1.3 * bidCount * shape * (0.9 + 0.2 * r())) };
  });
  const bids = Array.from({ length: bidCount }, (_, b): ClearingBid => {
    // Windows of 8–48 quarter-hours, scaled to a shorter day (one draw, so 96 intervals stay as they were).
    const length = Math.max(1, Math.round((int(8, 48) * intervalCount) / INTERVALS));
    const start = int(0, intervalCount - length);
    const seats = int(1, 12);
    const offered = Array.from({ length }, (_, k) => ({ index: start + k, seats: Math.max(1, seats + int(-1, 1)) }));
    const offeredHours = offered.reduce((s, o) => s + o.seats, 0) * 0.25;
    return {
      bidId: `bid-${String(b).padStart(5, '0')}`,
      vendorId: vendors[int(0, vendorCount - 1)] as string,
      rateMinor: BigInt(int(1800, 3200)),
      offered,
      minSeatsPerInterval: r() < 0.3 ? Math.min(seats, int(2, 5)) : null,
      minTotalSeatHours: r() < 0.25 ? Math.round(offeredHours * (0.25 + 0.55 * r()) * 4) / 4 : null,
      submittedAt: new Date(Date.UTC(2025, 0, 1, 8) + int(0, 3600) * 1000),
    };
  });
  return { intervalHours: 0.25, intervals, bids, maxVendorShare: 0.4, qualityWeight: 1, scores, timeLimitSeconds: 60 };
}
