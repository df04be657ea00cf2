/**
 * Exhaustive checks of clearing models, for the tests of cuts (not product code, and left out of
 * the build): small random spikes, every allocation of one, and whether column values satisfy a
 * row or a whole model.
 */
import fc from 'fast-check';
import type { ClearingInput } from '../../../src/domain/clearing/solver-types.js';
import type { Row, SparseModel } from '../../../src/domain/clearing/milp-model.js';
import type { Allocation } from '../../../src/domain/clearing/problem.js';

export interface SmallSpikeShape {
  intervals: { min: number; max: number };
  required: { min: number; max: number };
  bids: { min: number; max: number };
  maxSeats: number;
  /** Minimum seats, when a bid has them, and how often (fast-check option frequency). */
  minSeatsFreq: number;
  /** Minimum totals in seat-hours; `minTotalFreq` null means every bid has one. */
  minTotals: number[];
  minTotalFreq: number | null;
}

/**
 * Small quarter-hour spikes with two vendors at score 50, price only, for enumerating every
 * allocation: few enough cells that all of them can be listed.
 */
export function smallSpikeArb(shape: SmallSpikeShape): fc.Arbitrary<ClearingInput> {
  return fc
    .record({
      required: fc.array(fc.integer(shape.required), { minLength: shape.intervals.min, maxLength: shape.intervals.max }),
      maxVendorShare: fc.option(fc.constantFrom(0.5, 0.67, 0.8), { freq: 2 }),
      bidCount: fc.integer(shape.bids),
    })
    .chain(({ required, maxVendorShare, bidCount }) =>
      fc
        .tuple(
          ...Array.from({ length: bidCount }, () =>
            fc.record({
              vendorId: fc.constantFrom('v1', 'v2'),
              seats: fc.tuple(...required.map(() => fc.integer({ min: 0, max: shape.maxSeats }))),
              minSeatsPerInterval: fc.option(fc.constantFrom(2, 3), { freq: shape.minSeatsFreq }),
              minTotalSeatHours:
                shape.minTotalFreq === null
                  ? fc.constantFrom(...shape.minTotals)
                  : fc.option(fc.constantFrom(...shape.minTotals), { freq: shape.minTotalFreq }),
            }),
          ),
        )
        .map((bids): ClearingInput => ({
          intervalHours: 0.25,
          intervals: required.map((requiredSeats, index) => ({ index, requiredSeats })),
          bids: bids.map((b, k) => ({
            bidId: `b${k}`,
            vendorId: b.vendorId,
            rateMinor: BigInt(10 + k),
            offered: b.seats.flatMap((seats, index) => (seats > 0 ? [{ index, seats }] : [])),
            minSeatsPerInterval: b.minSeatsPerInterval,
            minTotalSeatHours: b.minTotalSeatHours,
            submittedAt: new Date(Date.UTC(2025, 0, 1)),
          })),
          maxVendorShare,
          qualityWeight: 0,
          scores: new Map([
            ['v1', 50],
            ['v2', 50],
          ]),
        })),
    )
    .filter((input) => input.bids.every((b) => b.offered.length > 0));
}

/** Every allocation with 0 ≤ x ≤ upper (per bid rank and interval position); the yielded array is reused. */
export function* allocations(upper: readonly (readonly number[])[]): Generator<Allocation> {
  const cells = upper.flatMap((row, b) => row.map((_, t) => [b, t] as const));
  const x: Allocation = upper.map((row) => row.map(() => 0));
  function* visit(k: number): Generator<Allocation> {
    if (k === cells.length) {
      yield x;
      return;
    }
    const [b, t] = cells[k] as readonly [number, number];
    for (let v = 0; v <= (upper[b]?.[t] as number); v++) {
      (x[b] as number[])[t] = v;
      yield* visit(k + 1);
    }
    (x[b] as number[])[t] = 0;
  }
  yield* visit(0);
}

/** The row holds at the values (within 1e-9). */
export const rowHolds = (row: Row, values: ArrayLike<number>): boolean => {
  const activity = row.cols.reduce((s, c, k) => s + (row.vals[k] as number) * (values[c] as number), 0);
  return activity >= row.lower - 1e-9 && activity <= row.upper + 1e-9;
};

/** The values are within the column bounds and satisfy every row. */
export const feasibleIn = (model: SparseModel, values: readonly number[]): boolean =>
  values.every((v, j) => v >= (model.colLower[j] as number) && v <= (model.colUpper[j] as number)) && model.rows.every((row) => rowHolds(row, values));
