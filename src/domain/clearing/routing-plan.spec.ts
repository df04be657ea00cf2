import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { routingPlan, routingPlanCsv } from './routing-plan.js';

const iv = [
  { index: 0, startsAt: '2026-12-01T09:00:00.000Z' },
  { index: 1, startsAt: '2026-12-01T09:30:00.000Z' },
];

describe('routing plan', () => {
  it('splits traffic in proportion to awarded seats, summing to exactly 100%', () => {
    const plan = routingPlan(iv, [
      { vendorId: 'a', index: 0, seats: 1 },
      { vendorId: 'b', index: 0, seats: 1 },
      { vendorId: 'c', index: 0, seats: 1 },
      { vendorId: 'a', index: 1, seats: 3 },
      { vendorId: 'b', index: 1, seats: 1 },
    ]);
    expect(plan[0]!.shares.map((s) => s.basisPoints)).toEqual([3334, 3333, 3333]);
    expect(plan[1]!.shares.map((s) => s.basisPoints)).toEqual([7500, 2500]);
  });

  it('leaves intervals without awards empty', () => {
    expect(routingPlan(iv, [{ vendorId: 'a', index: 0, seats: 2 }])[1]!.shares).toEqual([]);
  });

  it('always sums to 10,000 basis points, near exact, and never gives a vendor with seats nothing', () => {
    // Seat counts from 1 to 100,000: one vendor can hold far less than 1/10,000 of an interval.
    const seatsArb = fc.oneof(fc.integer({ min: 1, max: 997 }), fc.integer({ min: 1, max: 100_000 }), fc.constant(1));
    fc.assert(
      fc.property(fc.array(seatsArb, { minLength: 1, maxLength: 40 }), (seats) => {
        const plan = routingPlan(
          [iv[0]!],
          seats.map((n, i) => ({ vendorId: `v${String(i).padStart(2, '0')}`, index: 0, seats: n })),
        );
        const shares = plan[0]!.shares;
        expect(shares).toHaveLength(seats.length);
        expect(shares.reduce((s, x) => s + x.basisPoints, 0)).toBe(10_000);
        const total = seats.reduce((s, n) => s + n, 0);
        // Vendors below one basis point are raised to it; that is all a share can be off by, plus rounding.
        const raised = seats.filter((n) => n * 10_000 < total).length;
        for (const s of shares) {
          expect(s.basisPoints).toBeGreaterThanOrEqual(1);
          expect(Math.abs(s.basisPoints - (s.seats * 10_000) / total)).toBeLessThan(1 + raised);
        }
        if (raised === 0) for (const s of shares) expect(Math.abs(s.basisPoints - (s.seats * 10_000) / total)).toBeLessThan(1);
      }),
      { numRuns: 1000, seed: 20_261_206 },
    );
  });

  it('gives a vendor with 1 seat of 50,001 one basis point, taken from the largest share', () => {
    const shares = routingPlan(
      [iv[0]!],
      [
        { vendorId: 'big', index: 0, seats: 50_000 },
        { vendorId: 'tiny', index: 0, seats: 1 },
      ],
    )[0]!.shares;
    expect(shares.map((s) => [s.vendorId, s.basisPoints])).toEqual([
      ['big', 9999],
      ['tiny', 1],
    ]);
  });

  it('exports CSV with names quoted when needed', () => {
    const csv = routingPlanCsv(routingPlan(iv, [{ vendorId: 'a', index: 1, seats: 2 }]), 30, new Map([['a', 'Acme, Inc']]));
    expect(csv).toBe(
      'interval_index,interval_start,interval_end,vendor_id,vendor_name,seats,share_percent\n1,2026-12-01T09:30:00.000Z,2026-12-01T10:00:00.000Z,a,"Acme, Inc",2,100.00\n',
    );
  });
});
