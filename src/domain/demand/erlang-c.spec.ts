import { describe, expect, it } from 'vitest';
import { erlangB, erlangC, requiredStaffing, serviceLevel, serviceLevelForSeats, type StaffingInput } from './erlang-c.js';

const classic: StaffingInput = {
  channel: 'VOICE',
  contacts: 100,
  ahtSeconds: 180,
  intervalSeconds: 1800,
  serviceLevelTarget: 0.8,
  serviceLevelSeconds: 20,
  maxOccupancy: 0.85,
};

describe('Erlang C', () => {
  it('reproduces the classic published example (100 calls / 30 min, AHT 180 s, 80/20)', () => {
    const s = requiredStaffing(classic);
    expect(s.trafficErlangs).toBe(10);
    expect(s.agents).toBe(14);
    expect(s.serviceLevel).toBeCloseTo(0.888, 3);
    expect(s.probabilityOfWait).toBeCloseTo(0.174, 3);
    expect(s.occupancy).toBeCloseTo(0.714, 3);
    expect(s.seats).toBe(14);
  });

  it('13 agents fall short of 80%, which is why 14 are needed', () => {
    expect(serviceLevel(10, 13, 20, 180)).toBeLessThan(0.8);
    expect(serviceLevel(10, 14, 20, 180)).toBeGreaterThanOrEqual(0.8);
  });

  it('grosses agents up for shrinkage without floating-point overshoot (14 / 0.7 = 20, not 21)', () => {
    expect(requiredStaffing({ ...classic, shrinkage: 0.3 }).seats).toBe(20);
  });

  it('divides chat handle time by concurrency', () => {
    const single = requiredStaffing({ ...classic, channel: 'CHAT' });
    const triple = requiredStaffing({ ...classic, channel: 'CHAT', ahtSeconds: 540, chatConcurrency: 3 });
    expect(triple.trafficErlangs).toBeCloseTo(10, 12);
    expect(triple.agents).toBe(single.agents);
  });

  it('staffs email by workload and occupancy only', () => {
    const s = requiredStaffing({ ...classic, channel: 'EMAIL', contacts: 120, ahtSeconds: 300 });
    // A = 120 × 300 / 1800 = 20 Erlangs; 20 / 0.85 = 23.5 → 24 agents.
    expect(s.trafficErlangs).toBe(20);
    expect(s.agents).toBe(24);
    expect(s.serviceLevel).toBeNull();
  });

  it('needs 0 agents and 0 seats for an interval with 0 contacts, whatever the channel, shrinkage or targets (PRODUCT.md 3)', () => {
    for (const channel of ['VOICE', 'CHAT'] as const) {
      for (const extra of [
        {},
        { shrinkage: 0.3 },
        { serviceLevelTarget: 0.99, serviceLevelSeconds: 1, maxOccupancy: 0.5 },
        { chatConcurrency: channel === 'CHAT' ? 3 : 1 },
      ]) {
        // Nobody waits when nobody calls: the target is met with no one, at 0 occupancy.
        expect(requiredStaffing({ ...classic, channel, contacts: 0, ...extra })).toEqual({
          trafficErlangs: 0,
          agents: 0,
          seats: 0,
          serviceLevel: 1,
          probabilityOfWait: 0,
          occupancy: 0,
        });
      }
    }
    expect(requiredStaffing({ ...classic, channel: 'EMAIL', contacts: 0, shrinkage: 0.3 })).toEqual({
      trafficErlangs: 0,
      agents: 0,
      seats: 0,
      serviceLevel: null,
      probabilityOfWait: null,
      occupancy: 0,
    });
    // The service level the brand is shown for such an interval is 100% at any seats, 0 included.
    expect(serviceLevelForSeats({ ...classic, contacts: 0 }, 0)).toBe(1);
    expect(serviceLevelForSeats({ ...classic, contacts: 0 }, 5)).toBe(1);
    // One contact is traffic: at least one agent.
    expect(requiredStaffing({ ...classic, contacts: 1 }).agents).toBeGreaterThanOrEqual(1);
  });

  it('lets the occupancy cap bind when the service level alone would allow fewer agents', () => {
    const s = requiredStaffing({ ...classic, serviceLevelTarget: 0.01, maxOccupancy: 0.5 });
    expect(s.agents).toBe(20);
  });

  it('stays finite and sensible for thousands of Erlangs, where a factorial overflows', () => {
    const s = requiredStaffing({ ...classic, contacts: 50_000 }); // A = 5,000 Erlangs
    expect(s.trafficErlangs).toBe(5000);
    expect(Number.isFinite(s.serviceLevel)).toBe(true);
    expect(s.serviceLevel).toBeGreaterThanOrEqual(0.8);
    // Economies of scale: close to A, and far below the 1.4 agents per Erlang of the small case.
    expect(s.agents).toBeGreaterThan(5000);
    expect(s.agents).toBeLessThan(5000 / 0.85 + 1);
    expect(erlangB(5000, 5100)).toBeGreaterThan(0);
    expect(erlangC(5000, 5100)).toBeLessThan(1);
  });

  it('is monotone: more seats never lower the service level', () => {
    let last = -1;
    for (let seats = 10; seats <= 30; seats++) {
      const sl = serviceLevelForSeats(classic, seats)!;
      expect(sl).toBeGreaterThanOrEqual(last);
      last = sl;
    }
    expect(serviceLevelForSeats(classic, 14)).toBeCloseTo(0.888, 3);
    expect(serviceLevelForSeats(classic, 10)).toBe(0);
  });
});
