/**
 * Property tests: on thousands of small random spikes, solveClearing equals an exhaustive brute
 * force on all three objectives (exactly, in integer cost units), satisfies every rule, gives an
 * identical result for a shuffled copy of its input, and the greedy agrees with HiGHS wherever
 * it is used.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bruteForceOptimum, objectivesOfAwards, violationsOf } from '../../../test/support/clearing/brute-force.js';
import { solveClearingWithStats, type ClearingBid, type ClearingInput } from './solve-clearing.js';
import { generateSpike } from '../../../test/support/clearing/spike-generator.js';

const VENDORS = ['v1', 'v2', 'v3'];
const TIMES = [0, 0, 60_000, 120_000].map((ms) => new Date(Date.UTC(2025, 0, 1) + ms));

/** Mostly positive seat counts, sometimes zero. */
const seatsArb = (max: number) => fc.oneof({ arbitrary: fc.noBias(fc.integer({ min: 1, max })), weight: 6 }, { arbitrary: fc.constant(0), weight: 1 });

/** Random bid for the given interval indices; `coupled` allows minimum seats and totals. */
const bidArb = (indices: number[], hours: number, coupled: boolean, maxSeats: number) =>
  fc.record({
    vendorId: fc.constantFrom(...VENDORS),
    // Few distinct rates and scores, so exact ties happen often.
    rateMinor: fc.integer({ min: 1, max: 12 }).map(BigInt),
    offered: fc
      .subarray(indices, { minLength: 1 })
      .chain((subset) => fc.tuple(...subset.map((index) => fc.record({ index: fc.constant(index), seats: seatsArb(maxSeats) })))),
    minSeatsPerInterval: coupled ? fc.option(fc.constantFrom(0, 1, 2, 2, 3), { freq: 2 }) : fc.constant(null),
    minTotalSeatHours: coupled
      ? fc.option(
          // k seat-intervals, sometimes plus a fraction that forces rounding up to whole quarters.
          fc.tuple(fc.noBias(fc.integer({ min: 0, max: 5 })), fc.constantFrom(0, 0, 0.05, 0.3)).map(([k, f]) => k * hours + f),
          { freq: 2 },
        )
      : fc.constant(null),
    submittedAt: fc.constantFrom(...TIMES),
  });

const spikeArb = (opts: { coupled: boolean; maxIntervals: number; minBids: number; maxBids: number; maxSeats: number }) =>
  fc
    .record({
      intervalHours: fc.constantFrom(0.25, 0.5, 1),
      indices: fc.uniqueArray(fc.integer({ min: 0, max: 19 }), { minLength: 1, maxLength: opts.maxIntervals }),
      qualityWeight: fc.oneof(fc.constantFrom(0, 0.5, 1), fc.double({ min: 0, max: 1, noNaN: true })),
      maxVendorShare: fc.option(fc.oneof(fc.constantFrom(0.34, 0.5, 0.67, 0.75, 1), fc.double({ min: 0.5, max: 1, noNaN: true })), { freq: 2 }),
      scores: fc.tuple(...VENDORS.map(() => fc.oneof(fc.constantFrom(0, 1, 50, 80, 100), fc.double({ min: 0, max: 100, noNaN: true })))),
      bidIds: fc.shuffledSubarray([...'abcdefghijklmnop'], { minLength: opts.minBids, maxLength: opts.maxBids }),
    })
    .chain((base) =>
      fc
        .record({
          required: fc.tuple(...base.indices.map(() => seatsArb(opts.maxSeats))),
          bids: fc.tuple(...base.bidIds.map(() => bidArb(base.indices, base.intervalHours, opts.coupled, opts.maxSeats))),
        })
        .map(({ required, bids }): ClearingInput => ({
          intervalHours: base.intervalHours,
          intervals: base.indices.map((index, k) => ({ index, requiredSeats: required[k] as number })),
          bids: bids.map((b, k): ClearingBid => ({ ...b, offered: [...b.offered], bidId: base.bidIds[k] as string })),
          maxVendorShare: base.maxVendorShare,
          qualityWeight: base.qualityWeight,
          scores: new Map(VENDORS.map((v, k) => [v, base.scores[k] as number])),
        })),
    );

/** The same spike with bids, intervals, offers and score entries in another order. */
const withShuffledCopy = (arb: fc.Arbitrary<ClearingInput>) =>
  arb.chain((input) =>
    fc
      .record({
        bids: fc.shuffledSubarray(input.bids, { minLength: input.bids.length }),
        intervals: fc.shuffledSubarray(input.intervals, { minLength: input.intervals.length }),
        scores: fc.shuffledSubarray([...input.scores], { minLength: input.scores.size }),
        offerSeed: fc.nat(),
      })
      .map((s) => {
        const shuffled: ClearingInput = {
          ...input,
          intervals: s.intervals,
          scores: new Map(s.scores),
          bids: s.bids.map((b, k) => ({ ...b, offered: rotate(b.offered, s.offerSeed + k) })),
        };
        return { input, shuffled };
      }),
  );

const rotate = <T>(items: readonly T[], by: number): T[] =>
  items.length === 0 ? [] : [...items.slice(by % items.length), ...items.slice(0, by % items.length)];

let solverUse = { HIGHS: 0, GREEDY: 0, TRIVIAL: 0 };
/** How often the solver's less common paths ran (they must run, or the test proves nothing about them). */
let paths = { coverageMilp: 0, reducedCost: 0, coverageCuts: 0 };

/**
 * Checks the default path (greedy where exact, else HiGHS) and HiGHS forced, each against the
 * brute force and each on a shuffled copy, so the MILP is proven on every instance, not only on
 * those the greedy cannot certify.
 */
async function checkAgainstBruteForce(input: ClearingInput, shuffled: ClearingInput): Promise<void> {
  const reference = bruteForceOptimum(input);
  for (const options of [{}, { force: 'HIGHS' }, { force: 'HIGHS', alwaysReduce: true }] as const) {
    const { result, stats } = await solveClearingWithStats(input, options);
    if (!('force' in options)) solverUse[stats.solver] += 1;
    if (stats.highs?.coverageProof === 'MILP') paths.coverageMilp += 1;
    if (stats.highs?.costTargets.at(-1) !== Infinity && stats.highs) paths.reducedCost += 1;
    if ((stats.highs?.cuts ?? 0) > (stats.highs?.bidCuts ?? 0)) paths.coverageCuts += 1;
    expect(violationsOf(input, result)).toEqual([]);
    // Exact equality in integer units (adjusted cost = costUnits / 400 minor units).
    expect(objectivesOfAwards(input, result)).toEqual(reference);
    expect(result.objective.coveredSeatHours).toBe(reference.seats * input.intervalHours);
    expect(result.objective.adjustedCost).toBeCloseTo(reference.costUnits / 400, 6);
    expect((await solveClearingWithStats(shuffled, options)).result).toEqual(result);
  }
}

describe('solveClearing against brute force', () => {
  it('is lexicographically optimal, feasible and order-independent with minimums and share caps', async () => {
    solverUse = { HIGHS: 0, GREEDY: 0, TRIVIAL: 0 };
    paths = { coverageMilp: 0, reducedCost: 0, coverageCuts: 0 };
    await fc.assert(
      fc.asyncProperty(withShuffledCopy(spikeArb({ coupled: true, maxIntervals: 3, minBids: 2, maxBids: 4, maxSeats: 4 })), ({ input, shuffled }) =>
        checkAgainstBruteForce(input, shuffled),
      ),
      { numRuns: 2000, seed: 20_250_101 },
    );
    // The default path really meets coupled instances the greedy cannot certify, and the
    // solver's rarer paths (coverage MILP, reduced cost model, coverage cuts) really run.
    expect(solverUse.HIGHS).toBeGreaterThan(50);
    expect(paths.coverageMilp).toBeGreaterThan(10);
    expect(paths.reducedCost).toBeGreaterThan(500);
    expect(paths.coverageCuts).toBeGreaterThan(20);
  }, 120_000);

  it('greedy is exact without minimums (and equals HiGHS)', async () => {
    await fc.assert(
      fc.asyncProperty(withShuffledCopy(spikeArb({ coupled: false, maxIntervals: 3, minBids: 1, maxBids: 4, maxSeats: 4 })), ({ input, shuffled }) =>
        checkAgainstBruteForce(input, shuffled),
      ),
      { numRuns: 600, seed: 20_250_102 },
    );
  }, 120_000);

  it('agrees with a plain HiGHS reference (integer seats, no reduction) on medium spikes', async () => {
    const medium = spikeArb({ coupled: true, maxIntervals: 8, minBids: 6, maxBids: 12, maxSeats: 8 });
    let solved = 0;
    let withCuts = 0;
    await fc.assert(
      fc.asyncProperty(medium, async (input) => {
        const fast = await solveClearingWithStats(input, { force: 'HIGHS' });
        if (fast.stats.solver === 'HIGHS') solved += 1;
        if ((fast.stats.highs?.cuts ?? 0) > (fast.stats.highs?.bidCuts ?? 0)) withCuts += 1;
        const reduced = await solveClearingWithStats(input, { force: 'HIGHS', alwaysReduce: true });
        const reference = await solveClearingWithStats(input, { force: 'HIGHS', reference: true });
        expect(violationsOf(input, fast.result)).toEqual([]);
        expect(objectivesOfAwards(input, fast.result)).toEqual(objectivesOfAwards(input, reference.result));
        expect(objectivesOfAwards(input, reduced.result)).toEqual(objectivesOfAwards(input, reference.result));
      }),
      { numRuns: 300, seed: 20_250_103 },
    );
    expect(solved).toBeGreaterThan(200);
    // Coverage cuts (milp-cuts.ts) are checked against the reference here too.
    expect(withCuts).toBeGreaterThan(40);
  }, 120_000);

  it('agrees with the plain reference on day-shaped spikes, where bid-hull cuts come into play', async () => {
    let withBidCuts = 0;
    await fc.assert(
      fc.asyncProperty(fc.integer({ min: 1, max: 1_000_000 }), fc.constantFrom([24, 16], [30, 24]), async (seed, [bids, intervals]) => {
        const input = generateSpike(bids as number, seed, intervals);
        const reference = await solveClearingWithStats(input, { force: 'HIGHS', reference: true });
        const expected = objectivesOfAwards(input, reference.result);
        for (const options of [{ force: 'HIGHS' }, { force: 'HIGHS', alwaysStrengthen: true }] as const) {
          const { result, stats } = await solveClearingWithStats(input, options);
          if ((stats.highs?.bidCuts ?? 0) > 0) withBidCuts += 1;
          expect(violationsOf(input, result)).toEqual([]);
          expect(objectivesOfAwards(input, result)).toEqual(expected);
        }
      }),
      { numRuns: 120, seed: 20_261_206 },
    );
    // The bid-hull cuts (milp-bid-cuts.ts) really ran on many of them.
    expect(withBidCuts).toBeGreaterThan(25);
  }, 120_000);
});
