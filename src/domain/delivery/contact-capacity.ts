/**
 * What staffed seat-hours can physically handle (PRODUCT.md section 6): contacts handled are at
 * most staffed seat-hours × 3,600 ÷ (a quarter of the interval's forecast AHT, or 30 s where the
 * interval was given in seats) × the chat concurrency (1 outside CHAT).
 *
 * The AHT used has a floor of 120 s (so a quarter of it is at least the 30 s of a seat interval):
 * the forecast AHT is the brand's own figure, accepted from 1 s, and without the floor a spike
 * posted with an absurdly small AHT would make impossible counts "possible" (1 s would allow
 * 14,400 contacts per staffed seat-hour) and so inflate the contacts that bound ratings and
 * dilute escalation rates. No real contact centre handles a contact in under 30 s on average.
 *
 * Exact integer arithmetic on the stored units (ten-thousandths of a seat-hour), rounded down: a
 * report is refused above this, and the quality context never counts more contacts than this
 * (older reports stored before the rule are capped at it).
 */
import { UNITS_PER_SEAT_HOUR } from './seat-hours.js';

export interface CapacityFacts {
  /** Staffed seat-hours in units (seat-hours.ts). */
  staffedUnits: bigint;
  /** The interval's forecast AHT in seconds; null for an interval given in seats. */
  ahtSeconds: number | null;
  channel: string;
  chatConcurrency: number;
}

/**
 * The least AHT capacity is computed with: a seat interval counts as if its AHT were this (a
 * quarter of it is the 30 s of PRODUCT.md), and a forecast AHT below it counts as this.
 */
export const MIN_CAPACITY_AHT_SECONDS = 120;

export function contactCapacity(f: CapacityFacts): number {
  const concurrency = BigInt(f.channel === 'CHAT' ? Math.max(1, Math.trunc(f.chatConcurrency)) : 1);
  // Stored AHTs are whole seconds (spike-terms.ts); rounding anything else up only lowers the cap.
  const aht = BigInt(Math.max(MIN_CAPACITY_AHT_SECONDS, Math.ceil(f.ahtSeconds ?? MIN_CAPACITY_AHT_SECONDS)));
  const units = f.staffedUnits < 0n ? 0n : f.staffedUnits;
  // seat-hours × 3,600 ÷ (AHT ÷ 4) × concurrency = units × 3,600 × 4 × concurrency ÷ (UNITS_PER_SEAT_HOUR × AHT)
  return Number((units * 3_600n * 4n * concurrency) / (UNITS_PER_SEAT_HOUR * aht));
}
