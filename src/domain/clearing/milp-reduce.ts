/**
 * Exact model reduction by reduced costs, so HiGHS solves the stage MILPs on a few columns.
 *
 * For any row multipliers y (optimal LP duals work best, but every y is valid), with
 * d = c − Aᵀy, every x within the column bounds and rows satisfies
 *   cᵀx ≥ L(y) + Σ_j |d_j| · (distance of x_j from the bound that minimises d_j·x_j),
 *   L(y) = Σ_i y_i·(y_i > 0 ? lower_i : upper_i) + Σ_j min(d_j·lo_j, d_j·up_j).
 * So an integral solution of value ≤ target keeps x_j within floor((target − L)/|d_j|) of that
 * bound. Tightening all bounds this way keeps every solution of value ≤ target (a margin covers
 * floating-point error). That is the invariant the solver builds on.
 */
import type { Row, SparseModel } from './milp-model.js';

export interface Tightened {
  /** L(y): a valid lower bound on the objective. */
  bound: number;
  lower: number[];
  upper: number[];
  /** False when no solution of value ≤ target can exist. */
  feasible: boolean;
}

export function tightenBounds(model: SparseModel, cost: readonly number[], rowDual: ArrayLike<number>, target: number): Tightened {
  const { colLower: lower, colUpper: upper } = model;
  const d = [...cost];
  let bound = 0;
  let magnitude = 0;
  const span = (j: number): number => Math.max(Math.abs(lower[j] as number), Math.abs(upper[j] as number));
  model.rows.forEach((row, i) => {
    let y = rowDual[i] ?? 0;
    // A multiplier on an infinite side would make the bound −∞: drop it (any y stays valid).
    if ((y > 0 && !Number.isFinite(row.lower)) || (y < 0 && !Number.isFinite(row.upper))) y = 0;
    if (y === 0) return;
    const term = y * (y > 0 ? row.lower : row.upper);
    bound += term;
    magnitude += Math.abs(term);
    row.cols.forEach((c, k) => {
      const a = (row.vals[k] as number) * y;
      d[c] = (d[c] as number) - a;
      magnitude += Math.abs(a) * span(c);
    });
  });
  d.forEach((dj, j) => {
    bound += dj > 0 ? dj * (lower[j] as number) : dj * (upper[j] as number);
    magnitude += Math.abs(cost[j] as number) * span(j);
  });
  // Double rounding error is far below 1e-9 of the magnitudes summed.
  const slack = target - bound + 1e-9 * magnitude + 1e-6;
  const lo = [...lower];
  const up = [...upper];
  if (slack < 0) return { bound, lower: lo, upper: up, feasible: false };
  d.forEach((dj, j) => {
    // Every column stands for an integer (seat columns too: they are integral at vertices).
    if (dj === 0) return;
    const steps = Math.floor(slack / Math.abs(dj));
    if (dj > 0) up[j] = Math.min(up[j] as number, (lo[j] as number) + steps);
    else lo[j] = Math.max(lo[j] as number, (up[j] as number) - steps);
  });
  return { bound, lower: lo, upper: up, feasible: true };
}

export interface Restriction {
  model: SparseModel;
  /** Full-model column of each restricted column. */
  free: number[];
  /** Value of every full-model column that is fixed (NaN where free). */
  fixed: number[];
  /** False when the fixed columns alone violate a row. */
  feasible: boolean;
}

/**
 * Keeps only the columns with lower < upper; fixed columns move into the row bounds, and rows
 * that the remaining bounds already satisfy are dropped (exact: all values are integers, and an
 * infinite bound or activity compares correctly).
 */
export function restrict(model: SparseModel, lower: readonly number[], upper: readonly number[]): Restriction {
  const free: number[] = [];
  const position = lower.map((lo, j) => (lo < (upper[j] as number) ? free.push(j) - 1 : -1));
  const fixed = lower.map((lo, j) => ((position[j] as number) >= 0 ? Number.NaN : lo));
  const rows: Row[] = [];
  let feasible = true;
  for (const row of model.rows) {
    let constant = 0;
    const cols: number[] = [];
    const vals: number[] = [];
    row.cols.forEach((c, k) => {
      const p = position[c] as number;
      if (p >= 0) {
        cols.push(p);
        vals.push(row.vals[k] as number);
      } else constant += (row.vals[k] as number) * (fixed[c] as number);
    });
    const lowerRest = row.lower - constant;
    const upperRest = row.upper - constant;
    // Activity range of the free part: a row it can never violate is dropped.
    let least = 0;
    let most = 0;
    cols.forEach((p, k) => {
      const a = vals[k] as number;
      const j = free[p] as number;
      least += a > 0 ? a * (lower[j] as number) : a * (upper[j] as number);
      most += a > 0 ? a * (upper[j] as number) : a * (lower[j] as number);
    });
    if (most < lowerRest || least > upperRest) feasible = false;
    if (least >= lowerRest && most <= upperRest) continue;
    rows.push({ lower: lowerRest, upper: upperRest, cols, vals });
  }
  return {
    model: {
      colLower: free.map((j) => lower[j] as number),
      colUpper: free.map((j) => upper[j] as number),
      integer: free.map((j) => model.integer[j] as boolean),
      rows,
    },
    free,
    fixed,
    feasible,
  };
}

/** Restricted column values back in the full model. */
export function expand(restriction: Restriction, values: ArrayLike<number>): number[] {
  const full = [...restriction.fixed];
  restriction.free.forEach((j, p) => {
    full[j] = values[p] as number;
  });
  return full;
}

/** Full-model values of the restricted columns. */
export const pick = (restriction: Restriction, values: ArrayLike<number>): number[] => restriction.free.map((j) => values[j] as number);
