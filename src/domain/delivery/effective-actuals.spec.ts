import { describe, expect, it } from 'vitest';
import { pickEffectiveActuals, type ReportRow } from './effective-actuals.js';
import { seatHoursToUnits, unitsToSeatHours, UNITS_PER_SEAT_HOUR } from './seat-hours.js';

const report = (interval_index: number, source: ReportRow['source'], staffed_units: string, contacts_handled = 10): ReportRow => ({
  interval_index,
  source,
  staffed_units,
  service_level_ppm: source === 'BRAND' ? 800_000 : 900_000,
  contacts_handled,
});

describe('pickEffectiveActuals (PRODUCT.md section 6)', () => {
  const both = [report(0, 'VENDOR', '20000', 40), report(0, 'BRAND', '15000', 30)];

  it("counts the brand's report where both exist under ENTERPRISE_ROUTED and VIRTUALIZED", () => {
    for (const model of ['ENTERPRISE_ROUTED', 'VIRTUALIZED']) {
      expect(pickEffectiveActuals(both, model).get(0)).toEqual({ staffedUnits: 15_000n, serviceLevelPpm: 800_000, contactsHandled: 30, source: 'BRAND' });
    }
  });

  it("counts the vendor's report where both exist under NETWORK_DELIVERED", () => {
    expect(pickEffectiveActuals(both, 'NETWORK_DELIVERED').get(0)).toEqual({
      staffedUnits: 20_000n,
      serviceLevelPpm: 900_000,
      contactsHandled: 40,
      source: 'VENDOR',
    });
  });

  it('counts either source alone, per interval, whatever the order of the rows', () => {
    const rows = [report(1, 'BRAND', '5000'), ...both, report(2, 'VENDOR', '7500')];
    for (const ordered of [rows, [...rows].reverse()]) {
      const picked = pickEffectiveActuals(ordered, 'NETWORK_DELIVERED');
      expect([...picked.entries()].map(([i, a]) => [i, a.source, a.staffedUnits]).sort()).toEqual([
        [0, 'VENDOR', 20_000n],
        [1, 'BRAND', 5_000n],
        [2, 'VENDOR', 7_500n],
      ]);
    }
    expect(pickEffectiveActuals([], 'VIRTUALIZED').size).toBe(0);
  });

  it('reads the stored units exactly, beyond what a double holds', () => {
    expect(pickEffectiveActuals([report(0, 'BRAND', '9007199254740993')], 'VIRTUALIZED').get(0)?.staffedUnits).toBe(9_007_199_254_740_993n);
  });
});

describe('seat-hour units', () => {
  it('are ten-thousandths of a seat-hour, both ways', () => {
    expect(UNITS_PER_SEAT_HOUR).toBe(10_000n);
    expect(seatHoursToUnits(1.2345)).toBe(12_345n);
    expect(seatHoursToUnits(0.0001)).toBe(1n);
    expect(seatHoursToUnits(0)).toBe(0n);
    expect(unitsToSeatHours(12_345n)).toBe(1.2345);
    for (const h of [0.25, 7.5, 12.3456, 1_000]) expect(unitsToSeatHours(seatHoursToUnits(h))).toBe(h);
  });
});
