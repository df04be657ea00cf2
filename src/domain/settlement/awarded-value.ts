import { roundHalfEven } from './rounding.js';
import { UNITS_PER_SEAT_HOUR } from '../delivery/seat-hours.js';
import { awardedUnits } from './settlement-math.js';

/**
 * What a contract is worth as awarded: awarded seat-hours × rate, summed exactly over its
 * intervals and rounded half to even once, in minor units. What the brand pays if every seat is
 * staffed and every service level met (settlement then bills actuals, less service credits).
 */
export function awardedValueMinor(seats: readonly { seats: number }[], intervalMinutes: 15 | 30 | 60, rateMinor: bigint): bigint {
  const units = seats.reduce((sum, s) => sum + awardedUnits(s.seats, intervalMinutes), 0n);
  return roundHalfEven(units * rateMinor, UNITS_PER_SEAT_HOUR);
}
