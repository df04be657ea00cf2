/**
 * The set S_b of one all-or-nothing bid and its exact oracle, for the bid-hull cuts
 * (milp-bid-cuts.ts, which explains the cuts).
 *
 * S_b = { (x, y, z) : l_t ≤ x_t ≤ u_t, m·y_t ≤ x_t ≤ u_t·y_t, y_t ≤ z, x_t ≤ u_t·z, Σ_t x_t ≥ N·z,
 *         y, z binary, and the model's bounds on y and z }
 *
 * The oracle, max π·v over S_b, is a dynamic programme over the intervals with the seats so far
 * (capped at N) as its state: once the binaries are fixed, S_b's seat polytope is integral
 * (bounds and one cardinality row), so its maximum is at integer seats, and the programme
 * enumerates exactly those.
 */
import type { ClearingModel } from './milp-model.js';
import type { ClearingProblem } from './problem.js';

/** One interval of the bid: its seat column, its minimum-seats binary (or -1), and what is allowed. */
interface Cell {
  x: number;
  y: number;
  /** Smallest and largest seats when on (y = 1, or x > 0 for a cell without a binary). */
  onLow: number;
  onHigh: number;
  canOn: boolean;
  canOff: boolean;
}

/** The columns of one all-or-nothing bid and the rules of S_b. */
export interface BidSet {
  /** Model columns in the order of the cut-generating LP: x of every cell, then y, then z. */
  cols: number[];
  cells: Cell[];
  z: number;
  /** Minimum total in seat-intervals. */
  need: number;
  /** False when z is fixed to 1 by the model's bounds. */
  canBeZero: boolean;
  /** Reused arrays of the oracle. */
  scratch?: { best: Float64Array; next: Float64Array; prev: Int32Array; took: Int32Array };
}

/** Upper bound on the work of one oracle call (cells × states × seat choices) worth spending. */
const MAX_ORACLE_WORK = 2_000_000;

/** The all-or-nothing bids whose set is small enough to separate over, with their rules. */
export function bidSets(problem: ClearingProblem, model: ClearingModel): BidSet[] {
  const { colLower, colUpper } = model;
  const sets: BidSet[] = [];
  for (const bid of problem.bids) {
    const z = model.zCol[bid.rank] as number;
    if (z < 0 || colUpper[z] === 0) continue;
    const cells: Cell[] = [];
    model.xCol[bid.rank]?.forEach((x, j) => {
      if (x < 0) return;
      const y = model.yCol[bid.rank]?.[j] as number;
      const lo = colLower[x] as number;
      const hi = colUpper[x] as number;
      if (y < 0) {
        cells.push({ x, y, onLow: lo, onHigh: hi, canOn: hi >= Math.max(lo, 1), canOff: lo === 0 });
        return;
      }
      const onLow = Math.max(lo, bid.minSeats);
      cells.push({ x, y, onLow, onHigh: hi, canOn: hi >= onLow && colUpper[y] === 1, canOff: lo === 0 && colLower[y] === 0 });
    });
    const need = Math.ceil(bid.minTotalQuarters / problem.quarters);
    const widest = cells.reduce((w, c) => Math.max(w, c.onHigh), 0);
    if (cells.length * (need + 1) * Math.min(widest + 1, need + 1) > MAX_ORACLE_WORK) continue;
    const ys = cells.filter((c) => c.y >= 0).map((c) => c.y);
    sets.push({ cols: [...cells.map((c) => c.x), ...ys, z], cells, z, need, canBeZero: colLower[z] === 0 && cells.every((c) => c.canOff) });
  }
  return sets;
}

/**
 * max π·v over S_b, with a maximiser. π is indexed like `set.cols`. Returns null when S_b is
 * empty (the model is then infeasible anyway).
 */
export function bidOracle(set: BidSet, pi: ArrayLike<number>): { value: number; point: number[] } | null {
  const { cells, need } = set;
  const n = cells.length;
  const states = need + 1;
  const scratch = (set.scratch ??= {
    best: new Float64Array(states),
    next: new Float64Array(states),
    prev: new Int32Array(n * states),
    took: new Int32Array(n * states),
  });
  let best = scratch.best;
  let next = scratch.next;
  const { prev, took } = scratch;
  best.fill(-Infinity);
  best[0] = 0;
  let k = n;
  for (let i = 0; i < n; i++) {
    const c = cells[i] as Cell;
    const a = pi[i] as number;
    const b = c.y >= 0 ? (pi[k++] as number) : 0;
    const base = i * states;
    next.fill(-Infinity);
    for (let s = 0; s < states; s++) {
      const here = best[s] as number;
      if (here === -Infinity) continue;
      if (c.canOff && here > (next[s] as number)) {
        next[s] = here;
        prev[base + s] = s;
        took[base + s] = 0;
      }
      if (!c.canOn) continue;
      const on = here + b;
      // Below the cap every seat count is its own state; at the cap only the best end counts.
      const lastBelow = Math.min(c.onHigh, need - s - 1);
      for (let x = c.onLow; x <= lastBelow; x++) {
        const value = on + a * x;
        if (value > (next[s + x] as number)) {
          next[s + x] = value;
          prev[base + s + x] = s;
          took[base + s + x] = x;
        }
      }
      const first = Math.max(c.onLow, need - s);
      if (first <= c.onHigh) {
        const x = a >= 0 ? c.onHigh : first;
        const value = on + a * x;
        if (value > (next[need] as number)) {
          next[need] = value;
          prev[base + need] = s;
          took[base + need] = x;
        }
      }
    }
    [best, next] = [next, best];
  }
  scratch.best = best;
  scratch.next = next;
  const width = set.cols.length;
  const zero = set.canBeZero ? 0 : -Infinity;
  const one = (best[need] as number) + (pi[width - 1] as number);
  if (one === -Infinity && zero === -Infinity) return null;
  const point: number[] = Array.from({ length: width }, () => 0);
  if (zero >= one) return { value: 0, point };
  let s = need;
  let yAt = k;
  for (let i = n - 1; i >= 0; i--) {
    const c = cells[i] as Cell;
    const x = took[i * states + s] as number;
    point[i] = x;
    // A cell with a binary is on exactly when it took seats (on means at least onLow ≥ 1).
    if (c.y >= 0) point[--yAt] = x > 0 ? 1 : 0;
    s = prev[i * states + s] as number;
  }
  point[width - 1] = 1;
  return { value: one, point };
}
