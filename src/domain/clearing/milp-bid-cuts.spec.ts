/**
 * Bid-hull cuts: the oracle is the exact maximum over the bid's set, separation is exact (a cut
 * exactly when the point lies outside the hull, as deep as the point's L1 distance from it), and
 * every cut separated from a model's points holds at every feasible award of that model, found by
 * enumeration.
 */
import fc from 'fast-check';
import type { Highs } from 'highs';
import { describe, expect, it } from 'vitest';
import { greedyAllocation } from './greedy.js';
import { loadHighs } from './highs-runner.js';
import { BidHullSeparator } from './milp-bid-cuts.js';
import { bidOracle, bidSets, type BidSet } from './milp-bid-oracle.js';
import { buildClearingModel, columnValues, type Row } from './milp-model.js';
import { allocations, feasibleIn, rowHolds, smallSpikeArb } from '../../../test/support/clearing/model-enumeration.js';
import { normalizeInput } from './problem.js';

/** Uniform in [0, 1] (fc.double is uniform over the doubles, so mostly tiny). */
const unitArb = fc.noBias(fc.integer({ min: 0, max: 1_000_000 })).map((n) => n / 1_000_000);

/** A synthetic bid set on columns 0..d-1: cells first, then the minimum-seats binaries, then z. */
const setArb: fc.Arbitrary<BidSet> = fc
  .record({
    cells: fc.array(
      fc.record({
        hasY: fc.boolean(),
        low: fc.integer({ min: 0, max: 2 }),
        high: fc.integer({ min: 1, max: 5 }),
        minSeats: fc.constantFrom(2, 3),
        forced: fc.boolean(),
        off: fc.boolean(),
      }),
      { minLength: 1, maxLength: 5 },
    ),
    need: fc.integer({ min: 1, max: 8 }),
    zeroAllowed: fc.boolean(),
  })
  .map(({ cells, need, zeroAllowed }) => {
    const ys = cells.filter((c) => c.hasY).length;
    let y = cells.length;
    const built = cells.map((c, i) => {
      const lo = c.forced ? c.low : 0;
      if (!c.hasY) return { x: i, y: -1, onLow: lo, onHigh: c.high, canOn: c.high >= Math.max(lo, 1), canOff: lo === 0 };
      const onLow = Math.max(lo, c.minSeats);
      return { x: i, y: y++, onLow, onHigh: c.high, canOn: c.high >= onLow, canOff: lo === 0 && c.off };
    });
    const z = cells.length + ys;
    return { cols: Array.from({ length: z + 1 }, (_, k) => k), cells: built, z, need, canBeZero: zeroAllowed && built.every((c) => c.canOff) };
  });

/** Every point of the set, by enumeration of its rules (the definition the oracle must meet). */
function pointsOf(set: BidSet): number[][] {
  const width = set.cols.length;
  const points: number[][] = set.canBeZero ? [Array.from({ length: width }, () => 0)] : [];
  const x: number[] = [];
  const visit = (i: number): void => {
    if (i === set.cells.length) {
      if (x.reduce((s, v) => s + v, 0) < set.need) return;
      const point = [...x];
      set.cells.forEach((c, k) => {
        if (c.y >= 0) point.push((x[k] as number) > 0 ? 1 : 0);
      });
      points.push([...point, 1]);
      return;
    }
    const c = set.cells[i] as BidSet['cells'][number];
    const values = new Set<number>();
    if (c.canOff) values.add(0);
    if (c.canOn) for (let v = c.onLow; v <= c.onHigh; v++) values.add(v);
    for (const v of values) {
      x[i] = v;
      visit(i + 1);
    }
  };
  visit(0);
  return points;
}

const dot = (a: readonly number[], b: readonly number[]): number => a.reduce((s, v, i) => s + v * (b[i] as number), 0);

/** L1 distance from p to the convex hull of `points`, by LP (λ ≥ 0, Σλ = 1, Σλ·v + s⁺ − s⁻ = p). */
function l1Distance(highs: Highs, points: readonly number[][], p: readonly number[]): number {
  const d = p.length;
  const k = points.length;
  const rows: { cols: number[]; vals: number[]; b: number }[] = p.map((v, i) => ({
    cols: [...points.flatMap((pt, j) => ((pt[i] as number) !== 0 ? [j] : [])), k + i, k + d + i],
    vals: [...points.flatMap((pt) => ((pt[i] as number) !== 0 ? [pt[i] as number] : [])), 1, -1],
    b: v,
  }));
  rows.push({ cols: points.map((_, j) => j), vals: points.map(() => 1), b: 1 });
  const h = highs.createModel();
  try {
    h.options.set({ output_flag: false });
    const starts = [0];
    for (const r of rows) starts.push((starts.at(-1) as number) + r.cols.length);
    h.passModel({
      numCols: k + 2 * d,
      numRows: rows.length,
      sense: highs.constants.objectiveSense.minimize,
      colCost: [...points.map(() => 0), ...Array.from({ length: 2 * d }, () => 1)],
      colLower: Array.from({ length: k + 2 * d }, () => 0),
      colUpper: Array.from({ length: k + 2 * d }, () => Infinity),
      rowLower: rows.map((r) => r.b),
      rowUpper: rows.map((r) => r.b),
      matrix: { format: 'csr', numRows: rows.length, numCols: k + 2 * d, starts, indices: rows.flatMap((r) => r.cols), values: rows.flatMap((r) => r.vals) },
    });
    h.run();
    return Number(h.info.get('objective_function_value'));
  } finally {
    h.dispose();
  }
}

describe('bid-hull oracle', () => {
  it('finds the maximum of π·v over the set, at a point of the set', () => {
    fc.assert(
      fc.property(
        setArb,
        fc.array(
          unitArb.map((u) => 2 * u - 1),
          { minLength: 16, maxLength: 16 },
        ),
        (set, weights) => {
          const pi = set.cols.map((_, i) => weights[i] as number);
          const points = pointsOf(set);
          const found = bidOracle(set, pi);
          if (points.length === 0) {
            expect(found).toBeNull();
            return;
          }
          const best = Math.max(...points.map((v) => dot(pi, v)));
          expect(found?.value).toBeCloseTo(best, 9);
          expect(points.some((v) => v.every((x, i) => x === found?.point[i]))).toBe(true);
          expect(dot(pi, found?.point ?? [])).toBeCloseTo(best, 9);
        },
      ),
      { numRuns: 2000, seed: 20_261_206 },
    );
  });
});

describe('bid-hull separation', () => {
  it('cuts a point exactly when it lies outside the hull, by its L1 distance, and every cut holds on the set', async () => {
    const highs = await loadHighs();
    let outside = 0;
    let inside = 0;
    fc.assert(
      fc.property(setArb, fc.array(unitArb, { minLength: 32, maxLength: 32 }), (set, noise) => {
        const points = pointsOf(set);
        if (points.length === 0) return;
        // Any point with fractional binaries may be separated from: inside (a convex combination
        // of two points of the set) or outside (noise within the bounds).
        const picks = [0, 1, 2].map((k) => points[Math.floor((noise[k] as number) * points.length) % points.length] as number[]);
        const mix = set.cols.map((_, i) => 0.2 * (picks[0]?.[i] as number) + 0.3 * (picks[1]?.[i] as number) + 0.5 * (picks[2]?.[i] as number));
        const box = set.cols.map((_, i) => {
          const cell = set.cells[i];
          return (noise[i + 3] as number) * (cell ? cell.onHigh : 1);
        });
        for (const p of [mix, box]) {
          const binaries = p.slice(set.cells.length);
          if (binaries.every((v) => Math.abs(v - Math.round(v)) <= 1e-9)) continue;
          const separator = new BidHullSeparator(highs, [set]);
          const cuts = separator.separate(p, Infinity);
          separator.dispose();
          const distance = l1Distance(highs, points, p);
          if (distance > 1e-5) {
            outside += 1;
            expect(cuts).toHaveLength(1);
            const cut = cuts[0] as Row;
            expect(cut.vals.every((v) => Math.abs(v) <= 1 + 1e-9)).toBe(true);
            // Box-normalised, the deepest cut is exactly as violated as the L1 distance.
            expect(
              dot(
                cut.vals,
                cut.cols.map((c) => p[c] as number),
              ) - cut.upper,
            ).toBeCloseTo(distance, 5);
            for (const v of points) expect(rowHolds(cut, v)).toBe(true);
          } else if (distance < 1e-9) {
            inside += 1;
            expect(cuts).toEqual([]);
          }
        }
      }),
      { numRuns: 1500, seed: 20_261_207 },
    );
    // Both outcomes really occur.
    expect(outside).toBeGreaterThan(400);
    expect(inside).toBeGreaterThan(80);
  }, 60_000);
});

/** Small spikes where every bid is all-or-nothing, many with minimum seats. */
const spikeArb = smallSpikeArb({
  intervals: { min: 2, max: 3 },
  required: { min: 1, max: 5 },
  bids: { min: 2, max: 3 },
  maxSeats: 3,
  minSeatsFreq: 2,
  minTotals: [0.75, 1, 1.25, 1.5],
  minTotalFreq: null,
});

describe('bid sets of a model', () => {
  it('contain every feasible award, and the cuts separated from them hold at every one', async () => {
    const highs = await loadHighs();
    let setsChecked = 0;
    let awardsChecked = 0;
    let cutsChecked = 0;
    fc.assert(
      fc.property(spikeArb, fc.array(unitArb, { minLength: 40, maxLength: 40 }), (input, noise) => {
        const problem = normalizeInput(input);
        const relaxed = greedyAllocation(problem);
        const floors = problem.intervals.map((_, j) => problem.bids.reduce((s, b) => s + (relaxed[b.rank]?.[j] ?? 0), 0));
        const model = buildClearingModel(problem, { coverageFloor: floors });
        const sets = bidSets(problem, model);
        if (sets.length === 0) return;
        setsChecked += sets.length;
        const members = sets.map((set) => new Set(pointsOf(set).map((v) => v.join())));
        // Cuts separated from a point within the column bounds with fractional binaries.
        const point = model.colUpper.map(
          (u, j) => (model.colLower[j] as number) + (noise[j % noise.length] as number) * (Math.min(u, 4) - (model.colLower[j] as number)),
        );
        const separator = new BidHullSeparator(highs, sets);
        const cuts = separator.separate(point, Infinity);
        separator.dispose();
        cutsChecked += cuts.length;
        for (const allocation of allocations(problem.bids.map((b) => [...b.upper]))) {
          const values = columnValues(model, allocation);
          if (!feasibleIn(model, values)) continue;
          awardsChecked += 1;
          sets.forEach((set, k) => expect(members[k]?.has(set.cols.map((c) => values[c]).join()), JSON.stringify({ set: set.cols, allocation })).toBe(true));
          for (const cut of cuts) expect(rowHolds(cut, values), JSON.stringify({ cut, allocation })).toBe(true);
        }
      }),
      { numRuns: 4000, seed: 20_261_208 },
    );
    expect(setsChecked).toBeGreaterThan(800);
    expect(awardsChecked).toBeGreaterThan(600);
    expect(cutsChecked).toBeGreaterThan(100);
  }, 60_000);
});
