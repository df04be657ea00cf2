/**
 * What staffed seat-hours can physically handle (PRODUCT.md section 6): contacts handled are at
 * most staffed seat-hours × 3,600 ÷ (a quarter of the interval's forecast AHT, or 30 s where the
 * interval was given in seats) × the chat concurrency (1 outside CHAT).
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

/** A seat interval counts as if its AHT were 120 s: a quarter of it is the 30 s of PRODUCT.md. */
const SEAT_INTERVAL_AHT_SECONDS = 120;

export function contactCapacity(f: CapacityFacts): number {
  const concurrency = BigInt(f.channel === 'CHAT' ? Math.max(1, Math.trunc(f.chatConcurrency)) : 1);
  // Stored AHTs are whole seconds (spike-terms.ts); rounding anything else up only lowers the cap.
  const aht = BigInt(Math.max(1, Math.ceil(f.ahtSeconds ?? SEAT_INTERVAL_AHT_SECONDS)));
  const units = f.staffedUnits < 0n ? 0n : f.staffedUnits;
  // seat-hours × 3,600 ÷ (AHT ÷ 4) × concurrency = units × 3,600 × 4 × concurrency ÷ (UNITS_PER_SEAT_HOUR × AHT)
  return Number((units * 3_600n * 4n * concurrency) / (UNITS_PER_SEAT_HOUR * aht));
}
