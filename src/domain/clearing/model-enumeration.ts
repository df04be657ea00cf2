/**
 * Exhaustive checks of clearing models, for the tests of cuts (not product code): every
 * allocation of a small spike, and whether column values satisfy a row or a whole model.
 */
import type { Row, SparseModel } from './milp-model.js';
import type { Allocation } from './problem.js';

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
  values.every((v, j) => v >= (model.colLower[j] as number) && v <= (model.colUpper[j] as number)) &&
  model.rows.every((row) => rowHolds(row, values));
