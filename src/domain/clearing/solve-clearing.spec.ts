import { describe, expect, it } from 'vitest';
import { aBid, aSpike, at, outcome, seatsOf } from '../../../test/support/clearing/builders.js';
import { solveClearing, solveClearingWithStats, type ClearingBid } from './solve-clearing.js';
import { adjustedRateUnits, vendorShareCap } from './problem.js';

describe('solveClearing scenarios', () => {
  it('gives the worked example of docs/clearing.md exactly as written there', async () => {
    const input = aSpike(
      [4, 3],
      [
        aBid('A', 'alpha', 2000, { 0: 3, 1: 3 }),
        aBid('B', 'bravo', 2400, { 0: 3, 1: 2 }, { minSeatsPerInterval: 2 }),
        aBid('C', 'charlie', 1100, { 0: 2, 1: 2 }, { minTotalSeatHours: 4 }),
      ],
      {
        maxVendorShare: 0.75,
        qualityWeight: 1,
        scores: new Map([
          ['alpha', 80],
          ['bravo', 100],
          ['charlie', 50],
        ]),
      },
    );
    const result = await solveClearing(input);
    expect(result.solver).toBe('HIGHS');
    expect(result.objective).toEqual({ coveredSeatHours: 7, adjustedCost: 16_100 });
    expect(result.bids.map((b) => [b.bidId, b.adjustedRate])).toEqual([
      ['A', 2500],
      ['B', 2400],
      ['C', 2200],
    ]);
    expect([seatsOf(result, 'A'), seatsOf(result, 'B'), seatsOf(result, 'C')]).toEqual([{ 1: 1 }, { 0: 2 }, { 0: 2, 1: 2 }]);
    expect(result.bids.map((b) => [b.status, b.reason])).toEqual([
      ['PARTIAL', 'PARTIAL_DEMAND'],
      ['PARTIAL', 'PARTIAL_MIN_SEATS'],
      ['WON', 'WON'],
    ]);
    expect(result.bidToBeat).toEqual([
      { index: 0, highestWinningAdjustedRate: 2400 },
      { index: 1, highestWinningAdjustedRate: 2500 },
    ]);
    expect(result.unfilled).toEqual([]);
  });

  it('caps each vendor at floor(share × required) per interval', async () => {
    const input = aSpike([10], [aBid('cheap', 'va', 1000, { 0: 10 }), aBid('dear', 'vb', 1500, { 0: 10 })], { maxVendorShare: 0.5 });
    const result = await solveClearing(input);
    expect(seatsOf(result, 'cheap')).toEqual({ 0: 5 });
    expect(seatsOf(result, 'dear')).toEqual({ 0: 5 });
    expect(outcome(result, 'cheap')).toMatchObject({ status: 'PARTIAL', reason: 'PARTIAL_SHARE_CAP' });
    expect(result.objective).toEqual({ coveredSeatHours: 10, adjustedCost: 12_500 });
    expect(result.solver).toBe('GREEDY');
  });

  it('shares a cap across the bids of one vendor, and a cap of zero shuts a vendor out', async () => {
    const shared = await solveClearing(
      aSpike([4], [aBid('a1', 'va', 100, { 0: 2 }), aBid('a2', 'va', 100, { 0: 2 }, { submittedAt: at(1) }), aBid('b', 'vb', 300, { 0: 4 })], {
        maxVendorShare: 0.5,
      }),
    );
    expect(seatsOf(shared, 'a1')).toEqual({ 0: 2 });
    expect(outcome(shared, 'a2')).toMatchObject({ status: 'LOST', reason: 'LOST_SHARE_CAP' });
    expect(seatsOf(shared, 'b')).toEqual({ 0: 2 });
    // floor(0.3 × 3) = 0: nobody may serve the interval.
    const none = await solveClearing(aSpike([3], [aBid('a', 'va', 100, { 0: 3 })], { maxVendorShare: 0.3 }));
    expect(none.solver).toBe('TRIVIAL');
    expect(outcome(none, 'a')?.reason).toBe('LOST_SHARE_CAP');
    expect(none.unfilled).toEqual([{ index: 0, seats: 3 }]);
  });

  it('lets a minimum seats rule force a more expensive bid in', async () => {
    // Without minimums: c 2 + a 3 seats. With a's minimum of 4 and c's of 2 the best way to
    // cover all 5 seats is a 4 + b 1, although b is the dearest bid.
    const input = aSpike(
      [5],
      [aBid('a', 'va', 10, { 0: 4 }, { minSeatsPerInterval: 4 }), aBid('b', 'vb', 20, { 0: 3 }), aBid('c', 'vc', 5, { 0: 2 }, { minSeatsPerInterval: 2 })],
    );
    const result = await solveClearing(input);
    expect(result.solver).toBe('HIGHS');
    expect(result.awards).toEqual([
      { bidId: 'a', vendorId: 'va', index: 0, seats: 4 },
      { bidId: 'b', vendorId: 'vb', index: 0, seats: 1 },
    ]);
    expect(result.objective).toEqual({ coveredSeatHours: 5, adjustedCost: 60 });
    expect(outcome(result, 'b')).toMatchObject({ status: 'PARTIAL', reason: 'PARTIAL_DEMAND' });
    expect(outcome(result, 'c')).toMatchObject({ status: 'LOST', reason: 'LOST_MIN_SEATS_NOT_REACHED' });
  });

  it('cannot award a bid in an interval where it offers fewer seats than its own minimum', async () => {
    const result = await solveClearing(aSpike([4], [aBid('a', 'va', 10, { 0: 3 }, { minSeatsPerInterval: 4 }), aBid('b', 'vb', 20, { 0: 4 })]));
    expect(seatsOf(result, 'b')).toEqual({ 0: 4 });
    expect(outcome(result, 'a')?.reason).toBe('LOST_MIN_SEATS_NOT_REACHED');
  });

  it('awards a minimum-total bid all of its minimum or nothing', async () => {
    const bids = (dearRate: number) => [
      aBid('all', 'va', 10, { 0: 2, 1: 2 }, { minTotalSeatHours: 4 }),
      aBid('dear', 'vb', dearRate, { 0: 3, 1: 3 }),
      aBid('late', 'vc', 5, { 1: 3 }),
    ];
    // With "all": all 2+2 (40) + dear 1 + late 1 (5) = 45 + dear; without: dear 3 + late 3 (15).
    // Worth it when dear > 15: at 16, 61 against 63.
    const won = await solveClearing(aSpike([3, 3], bids(16)));
    expect(seatsOf(won, 'all')).toEqual({ 0: 2, 1: 2 });
    expect(outcome(won, 'all')).toMatchObject({ status: 'WON', awardedSeatHours: 4 });
    expect(won.objective.adjustedCost).toBe(61);
    // Not worth it at 14: 40 + 14 + 5 = 59 against 42 + 15 = 57; a partial award (1 + 2) is not allowed.
    const lost = await solveClearing(aSpike([3, 3], bids(14)));
    expect(seatsOf(lost, 'all')).toEqual({});
    expect(outcome(lost, 'all')).toMatchObject({ status: 'LOST', reason: 'LOST_MIN_TOTAL_NOT_REACHED' });
    expect(lost.objective).toEqual({ coveredSeatHours: 6, adjustedCost: 57 });
  });

  it('reports unfilled seats when supply is short of demand', async () => {
    const result = await solveClearing(aSpike([10, 2, 0], [aBid('a', 'va', 100, { 0: 4, 1: 4, 2: 4 })]));
    expect(result.unfilled).toEqual([{ index: 0, seats: 6 }]);
    expect(outcome(result, 'a')).toMatchObject({ status: 'PARTIAL', reason: 'PARTIAL_DEMAND', awardedSeatHours: 6 });
    expect(result.bidToBeat).toEqual([
      { index: 0, highestWinningAdjustedRate: 100 },
      { index: 1, highestWinningAdjustedRate: 100 },
      { index: 2, highestWinningAdjustedRate: null },
    ]);
  });

  it('covers more seat-hours before it saves money', async () => {
    const result = await solveClearing(aSpike([3], [aBid('cheap', 'va', 1, { 0: 1 }), aBid('dear', 'vb', 1000, { 0: 3 })]));
    expect(result.objective.coveredSeatHours).toBe(3);
    expect(seatsOf(result, 'dear')).toEqual({ 0: 2 });
  });

  it('prices only with quality weight 0, and lets a better, pricier vendor win with weight 1', async () => {
    const bids = [aBid('cheap', 'okay', 100, { 0: 1 }), aBid('good', 'great', 120, { 0: 1 })];
    const scores = new Map([
      ['okay', 50],
      ['great', 100],
    ]);
    const priceOnly = await solveClearing(aSpike([1], bids, { scores, qualityWeight: 0 }));
    expect(seatsOf(priceOnly, 'cheap')).toEqual({ 0: 1 });
    const byValue = await solveClearing(aSpike([1], bids, { scores, qualityWeight: 1 }));
    expect(seatsOf(byValue, 'good')).toEqual({ 0: 1 });
    // a = 100 / (50/100)^1 = 200 against 120.
    expect(outcome(byValue, 'cheap')).toMatchObject({ adjustedRate: 200, score: 50, reason: 'LOST_TO_LOWER_ADJUSTED_RATE' });
    expect(byValue.bidToBeat).toEqual([{ index: 0, highestWinningAdjustedRate: 120 }]);
  });

  it('computes the value-adjusted rate to 0.01 minor units', () => {
    expect(adjustedRateUnits(2000n, 80, 1)).toBe(250_000);
    expect(adjustedRateUnits(2000n, 64, 0.5)).toBe(250_000);
    expect(adjustedRateUnits(2000n, 0, 1)).toBe(20_000_000); // max(s, 1): score 0 counts as 1
    expect(adjustedRateUnits(1000n, 30, 1)).toBe(333_333); // 3333.333… rounded
    expect(vendorShareCap(0.29, 100)).toBe(29); // 28.999999999999996 in floating point
  });

  it('breaks exact ties by submission time, then vendorId, then bidId, on both solvers', async () => {
    const tie = (bids: ClearingBid[]) => aSpike([1], bids);
    const cases: [ClearingBid[], string][] = [
      [[aBid('x', 'vz', 100, { 0: 1 }, { submittedAt: at(5) }), aBid('y', 'va', 100, { 0: 1 }, { submittedAt: at(2) })], 'y'],
      [[aBid('x', 'vz', 100, { 0: 1 }), aBid('y', 'va', 100, { 0: 1 })], 'y'],
      [[aBid('y', 'va', 100, { 0: 1 }), aBid('x', 'va', 100, { 0: 1 })], 'x'],
    ];
    for (const [bids, winner] of cases) {
      for (const force of [undefined, 'HIGHS'] as const) {
        const { result } = await solveClearingWithStats(tie(bids), { force });
        expect(result.awards.map((a) => a.bidId)).toEqual([winner]);
        const loser = result.bids.find((b) => b.bidId !== winner);
        expect(loser?.reason).toBe('LOST_TIE_BREAK');
      }
    }
  });

  it('names the tie-break, not coverage, when an equal-rate later bid wins on the tie score', async () => {
    // Equal rates. {b0: 1, b3: 1} and {b1: 2} both cover interval 0 at the same cost; the tie
    // score Σ rank·x is 0 + 3 = 3 against 1·2 = 2, so b1 wins although b0 was submitted first.
    const input = aSpike(
      [2, 1],
      [
        aBid('b0', 'v0', 100, { 0: 1 }, { submittedAt: at(0) }),
        aBid('b1', 'v1', 100, { 0: 2 }, { submittedAt: at(1), minSeatsPerInterval: 2 }),
        aBid('b2', 'v2', 100, { 1: 1 }, { submittedAt: at(2) }),
        aBid('b3', 'v3', 100, { 0: 1 }, { submittedAt: at(3) }),
      ],
    );
    for (const force of [undefined, 'HIGHS'] as const) {
      const { result } = await solveClearingWithStats(input, { force });
      expect(seatsOf(result, 'b1')).toEqual({ 0: 2 });
      expect(outcome(result, 'b0')).toMatchObject({ status: 'LOST', reason: 'LOST_TIE_BREAK' });
      expect(outcome(result, 'b3')).toMatchObject({ status: 'LOST', reason: 'LOST_TIE_BREAK' });
    }
  });

  it('gives the same result whatever the order of bids, intervals and offers', async () => {
    const bids = [
      aBid('a', 'va', 10, { 0: 3, 1: 2 }, { minSeatsPerInterval: 2 }),
      aBid('b', 'vb', 10, { 1: 3, 0: 1 }, { minTotalSeatHours: 2 }),
      aBid('c', 'vc', 12, { 0: 4 }),
    ];
    const input = aSpike([4, 3], bids, { maxVendorShare: 0.75 });
    const reversed = { ...input, bids: [...bids].reverse(), intervals: [...input.intervals].reverse() };
    expect(await solveClearing(reversed)).toEqual(await solveClearing(input));
  });

  it('explains bids that could not win at all', async () => {
    const result = await solveClearing(aSpike([0, 2], [aBid('nothing', 'va', 10, {}), aBid('zero', 'vb', 10, { 0: 5 }), aBid('ok', 'vc', 10, { 1: 2 })]));
    expect(outcome(result, 'nothing')?.reason).toBe('LOST_NOTHING_OFFERED');
    expect(outcome(result, 'zero')?.reason).toBe('LOST_NO_DEMAND');
    expect(outcome(result, 'ok')?.reason).toBe('WON');
  });

  it('reports a solver time-out as SOLVER_TIMEOUT, never as a partial award', async () => {
    const input = aSpike([5], [aBid('a', 'va', 10, { 0: 4 }, { minSeatsPerInterval: 4 }), aBid('b', 'vb', 20, { 0: 3 })], {
      timeLimitSeconds: 1e-9,
    });
    await expect(solveClearingWithStats(input, { force: 'HIGHS' })).rejects.toMatchObject({ code: 'SOLVER_TIMEOUT' });
  });
});
