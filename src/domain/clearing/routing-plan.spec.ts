import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { routingPlan, routingPlanCsv } from './routing-plan.js';

const iv = [{ index: 0, startsAt: '2026-12-01T09:00:00.000Z' }, { index: 1, startsAt: '2026-12-01T09:30:00.000Z' }];

describe('routing plan', () => {
  it('splits traffic in proportion to awarded seats, summing to exactly 100%', () => {
    const plan = routingPlan(iv, [
      { vendorId: 'a', index: 0, seats: 1 }, { vendorId: 'b', index: 0, seats: 1 }, { vendorId: 'c', index: 0, seats: 1 },
      { vendorId: 'a', index: 1, seats: 3 }, { vendorId: 'b', index: 1, seats: 1 },
    ]);
    expect(plan[0]!.shares.map((s) => s.basisPoints)).toEqual([3334, 3333, 3333]);
    expect(plan[1]!.shares.map((s) => s.basisPoints)).toEqual([7500, 2500]);
  });

  it('leaves intervals without awards empty', () => {
    expect(routingPlan(iv, [{ vendorId: 'a', index: 0, seats: 2 }])[1]!.shares).toEqual([]);
  });

  it('always sums to 10,000 basis points and never gives a vendor with seats nothing', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 1, max: 997 }), { minLength: 1, maxLength: 12 }), (seats) => {
      const plan = routingPlan([iv[0]!], seats.map((n, i) => ({ vendorId: `v${String(i).padStart(2, '0')}`, index: 0, seats: n })));
      const shares = plan[0]!.shares;
      expect(shares.reduce((s, x) => s + x.basisPoints, 0)).toBe(10_000);
      const total = seats.reduce((s, n) => s + n, 0);
      for (const s of shares) expect(Math.abs(s.basisPoints - (s.seats * 10_000) / total)).toBeLessThan(1);
    }), { numRuns: 500 });
  });

  it('exports CSV with names quoted when needed', () => {
    const csv = routingPlanCsv(routingPlan(iv, [{ vendorId: 'a', index: 1, seats: 2 }]), 30, new Map([['a', 'Acme, Inc']]));
    expect(csv).toBe('interval_index,interval_start,interval_end,vendor_id,vendor_name,seats,share_percent\n1,2026-12-01T09:30:00.000Z,2026-12-01T10:00:00.000Z,a,"Acme, Inc",2,100.00\n');
  });
});
