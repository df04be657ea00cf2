import { describe, expect, it } from 'vitest';
import { deriveIntervals, overPreciseTerm, utcOffsetMinutes, type SpikeTermsInput } from './spike-terms.js';

const base: SpikeTermsInput = {
  channel: 'VOICE',
  timeZone: 'Europe/London',
  intervalMinutes: 30,
  intervals: [
    { startsAt: new Date('2026-12-01T09:00:00Z'), seats: 12 },
    { startsAt: new Date('2026-12-01T09:30:00Z'), forecastContacts: 100, ahtSeconds: 180 },
  ],
  serviceLevelTarget: 0.8,
  serviceLevelSeconds: 20,
  maxOccupancy: 0.85,
  shrinkage: 0.3,
  chatConcurrency: 1,
  reserveRateMinor: 2500n,
  currency: 'GBP',
  biddingClosesAt: new Date('2026-11-30T12:00:00Z'),
};

function failureOf(input: SpikeTermsInput) {
  const r = deriveIntervals(input);
  if (r.ok) throw new Error('expected a failure');
  return r.failure;
}

describe('spike terms', () => {
  it('keeps given seats and derives forecast intervals with Erlang C and shrinkage', () => {
    const r = deriveIntervals(base);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.value[0]).toMatchObject({ index: 0, requiredSeats: 12, forecastContacts: null });
    expect(r.value[1]).toMatchObject({ index: 1, requiredSeats: 20, agents: 14, trafficErlangs: 10 });
    expect(r.value[1]!.serviceLevelAtRequired).toBeCloseTo(0.888, 3);
  });

  it('rejects intervals off the interval boundary, naming the field', () => {
    const f = failureOf({ ...base, intervals: [{ startsAt: new Date('2026-12-01T09:10:00Z'), seats: 1 }] });
    expect(f).toMatchObject({ kind: 'VALIDATION', field: 'input.intervals[0].startsAt' });
  });

  it('aligns to the spike time zone: 60-minute intervals in India start at :30 UTC', () => {
    expect(utcOffsetMinutes('Asia/Kolkata', new Date('2026-12-01T00:00:00Z'))).toBe(330);
    const india = { ...base, timeZone: 'Asia/Kolkata', intervalMinutes: 60 };
    expect(deriveIntervals({ ...india, intervals: [{ startsAt: new Date('2026-12-01T03:30:00Z'), seats: 1 }] }).ok).toBe(true);
    expect(deriveIntervals({ ...india, intervals: [{ startsAt: new Date('2026-12-01T03:00:00Z'), seats: 1 }] }).ok).toBe(false);
  });

  it('rejects overlapping, unordered or pre-close intervals', () => {
    expect(failureOf({ ...base, intervals: [base.intervals[1]!, base.intervals[0]!] }).field).toBe('input.intervals[1].startsAt');
    expect(failureOf({ ...base, biddingClosesAt: new Date('2026-12-01T09:15:00Z') }).field).toBe('input.intervals[0].startsAt');
  });

  it('rejects absurd seats, unknown currencies and zones, and too many intervals', () => {
    expect(failureOf({ ...base, intervals: [{ startsAt: base.intervals[0]!.startsAt, seats: -1 }] }).field).toBe('input.intervals[0].seats');
    expect(failureOf({ ...base, intervals: [{ startsAt: base.intervals[0]!.startsAt, seats: 1e9 }] }).field).toBe('input.intervals[0].seats');
    expect(failureOf({ ...base, currency: 'XXQ' }).field).toBe('input.currency');
    expect(failureOf({ ...base, timeZone: 'Mars/Olympus' }).field).toBe('input.timeZone');
    const many = Array.from({ length: 673 }, (_, i) => ({ startsAt: new Date(Date.parse('2026-12-01T00:00:00Z') + i * 1_800_000), seats: 1 }));
    expect(failureOf({ ...base, intervals: many }).field).toBe('input.intervals');
  });

  it('requires exactly one of seats or a forecast', () => {
    const both = { startsAt: base.intervals[0]!.startsAt, seats: 3, forecastContacts: 10, ahtSeconds: 100 };
    expect(failureOf({ ...base, intervals: [both] }).field).toBe('input.intervals[0]');
    expect(failureOf({ ...base, intervals: [{ startsAt: base.intervals[0]!.startsAt, forecastContacts: 10 }] }).field).toBe('input.intervals[0].ahtSeconds');
  });

  it('allows six decimals on fractions and four on the score floor, judged on the decimal written', () => {
    expect(
      overPreciseTerm({ serviceLevelTarget: 0.812345, maxOccupancy: 1, shrinkage: 0, maxVendorShare: 0.3, qualityWeight: 0.000001, minQualityScore: 99.9999 }),
    ).toBeNull();
    expect(overPreciseTerm({ maxVendorShare: null, minQualityScore: undefined })).toBeNull();
    expect(overPreciseTerm({ serviceLevelTarget: 0.8123451 })).toMatchObject({ ok: false, failure: { kind: 'VALIDATION', field: 'input.serviceLevelTarget' } });
    expect(overPreciseTerm({ shrinkage: 0.1 + 0.2 })).toMatchObject({ failure: { field: 'input.shrinkage' } });
    expect(overPreciseTerm({ minQualityScore: 50.00001 })).toMatchObject({
      failure: { field: 'input.minQualityScore', message: expect.stringContaining('at most 4 decimals') },
    });
  });
});
