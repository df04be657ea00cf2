/**
 * Seat-hour units, the one definition shared by delivery (reports), settlement (billing) and
 * quality (adherence). Staffed and billable seat-hours are stored and computed as integers in
 * ten-thousandths of a seat-hour, so a report carries at most four decimals and every sum is exact.
 */

/** Units in one seat-hour. */
export const UNITS_PER_SEAT_HOUR = 10_000n;

/** Seat-hours as written by a client (at most four decimals, checked by the caller) in units. */
export function seatHoursToUnits(seatHours: number): bigint {
  return BigInt(Math.round(seatHours * Number(UNITS_PER_SEAT_HOUR)));
}

/** Units as seat-hours, for the quality ratios (a double is exact enough for a score). */
export function unitsToSeatHours(units: bigint): number {
  return Number(units) / Number(UNITS_PER_SEAT_HOUR);
}
