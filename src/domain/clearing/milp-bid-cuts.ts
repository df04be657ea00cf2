/**
 * Bid-hull cuts: the strongest cuts on one all-or-nothing bid's own columns (Fenchel cuts).
 *
 * A bid with a minimum total (binary z) and, usually, minimum seats per interval (binaries y_t)
 * has its own little mixed-integer set
 *
 *   S_b = { (x, y, z) : l_t ≤ x_t ≤ u_t, m·y_t ≤ x_t ≤ u_t·y_t, y_t ≤ z, x_t ≤ u_t·z, Σ_t x_t ≥ N·z,
 *           y, z binary, and the model's bounds on y and z }
 *
 * whose LP relaxation is weak: the LP can spread the N seat-intervals thinly (x_t < m at a
 * fraction of y_t), which no award can. Every feasible award of the whole model restricted to
 * the bid's columns lies in S_b (the model's column bounds are valid for every feasible
 * solution, see impliedBounds), so every inequality valid on conv(S_b) is valid for the model.
 *
 * Separation is exact, by a cut-generating LP over the vertices of S_b (Boyd's Fenchel cuts):
 * find π, π₀ with −1 ≤ π ≤ 1 maximising π·p − π₀ subject to π·v ≤ π₀ for every v ∈ S_b. With
 * this box normalisation the deepest violation equals the L1 distance from p to conv(S_b), so
 * a point gets a cut exactly when it lies outside the hull.
 * The vertices are generated on demand by an exact oracle, max π·v over S_b, which is a
 * dynamic programme over the intervals with the seats so far (capped at N) as its state: once
 * the binaries are fixed, S_b's seat polytope is integral (bounds and one cardinality row), so
 * its maximum is at integer seats, and the programme enumerates exactly those.
 *
 * Invariant (what makes the cuts safe): the right-hand side of every cut is the oracle's
 * maximum for the cut's final coefficients, plus a margin for floating-point rounding, so the
 * cut holds at every point of S_b whatever the LP did. The tests enumerate S_b on small models.
 */
import type { Highs } from 'highs';
import { appendRows } from './highs-runner.js';
import type { ClearingModel, Row } from './milp-model.js';
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
/** Row-generation iterations per bid before giving up on a cut (each a warm LP re-solve). */
const MAX_ITERATIONS = 200;
/** Violation, in units of the normalised cut (|π| ≤ 1), below which a cut is not worth adding. */
const MIN_VIOLATION = 1e-6;
/** Binaries closer than this to 0 or 1 count as integral. */
const INTEGRAL = 1e-9;

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

/** Work counters of a separator, for the solver's stats. */
export interface BidCutStats {
  cuts: number;
  seconds: number;
}

/**
 * Fenchel cuts violated by an LP point, at most one per all-or-nothing bid and call, for the
 * bids whose binaries are fractional there (with integral binaries the point lies in
 * conv(S_b): the seat polytope of fixed binaries is integral). The cut-generating LP of each bid
 * is kept between calls with the vertices found so far (they stay vertices of S_b), so later
 * calls start warm. Call `dispose()` when done.
 */
export class BidHullSeparator {
  readonly stats: BidCutStats = { cuts: 0, seconds: 0 };
  private readonly lps = new Map<BidSet, ReturnType<Highs['createModel']>>();

  constructor(
    private readonly highs: Highs,
    private readonly sets: readonly BidSet[],
  ) {}

  /**
   * Cuts violated at `x`. After `deadline` (a performance.now() time) no further bid is tried and
   * a bid's cut-generating LP stops with the deepest valid cut found so far.
   */
  separate(x: ArrayLike<number>, deadline: number): Row[] {
    const started = performance.now();
    const cuts: Row[] = [];
    for (const set of this.sets) {
      if (performance.now() > deadline) break;
      const binaries = set.cols.slice(set.cells.length);
      if (binaries.every((c) => isIntegral(x[c] as number))) continue;
      const cut = this.deepestCut(
        set,
        set.cols.map((c) => x[c] as number),
        deadline,
      );
      if (cut) cuts.push(cut);
    }
    this.stats.cuts += cuts.length;
    this.stats.seconds += (performance.now() - started) / 1000;
    return cuts;
  }

  dispose(): void {
    for (const lp of this.lps.values()) lp.dispose();
    this.lps.clear();
  }

  /** The deepest cut (box-normalised) separating p from conv(S_b), or null if p is inside. */
  private deepestCut(set: BidSet, p: readonly number[], deadline: number): Row | null {
    const d = set.cols.length;
    const lp = this.lpOf(set, p);
    if (!lp) return null;
    lp.changeColsCost({ kind: 'range', from: 0, to: d }, Float64Array.from([...p.map((v) => -v), 1]));
    // The LP over the vertices found so far bounds the deepest violation from above: when that
    // is at most MIN_VIOLATION, p is (as good as) inside. Every π is a valid cut once its
    // right-hand side is the oracle's maximum; the deepest of those is kept.
    let best: { pi: number[]; maximum: number; violation: number } | null = null;
    for (let iteration = 0; iteration < MAX_ITERATIONS && performance.now() <= deadline; iteration++) {
      if (lp.run().modelStatus !== this.highs.constants.modelStatus.optimal) return null;
      const colValue = lp.getSolution().colValue;
      const pi = Array.from(colValue.subarray(0, d), (v) => (Math.abs(v) < 1e-9 ? 0 : v));
      const piZero = colValue[d] as number;
      const atP = pi.reduce((s, v, i) => s + v * (p[i] as number), 0);
      if (atP - piZero <= MIN_VIOLATION) break;
      const found = bidOracle(set, pi);
      if (!found) return null;
      const violation = atP - found.value;
      if (violation > (best?.violation ?? MIN_VIOLATION)) best = { pi, maximum: found.value, violation };
      if (found.value <= piZero + 1e-9) break;
      addVertex(lp, found.point);
    }
    return best && cutRow(set, best.pi, best.maximum);
  }

  /** The bid's cut-generating LP: π in [-1, 1]^d and π₀ free, rows π·v − π₀ ≤ 0 per vertex v. */
  private lpOf(set: BidSet, p: readonly number[]): ReturnType<Highs['createModel']> | null {
    const known = this.lps.get(set);
    if (known) return known;
    const first = bidOracle(set, p);
    if (!first) return null;
    const d = set.cols.length;
    const lp = this.highs.createModel();
    lp.options.set({ output_flag: false, presolve: 'off' });
    lp.passModel({
      numCols: d + 1,
      numRows: 0,
      sense: this.highs.constants.objectiveSense.minimize,
      colCost: new Float64Array(d + 1),
      colLower: [...p.map(() => -1), -Infinity],
      colUpper: [...p.map(() => 1), Infinity],
      rowLower: [],
      rowUpper: [],
      matrix: { format: 'csr', numRows: 0, numCols: d + 1, starts: [0], indices: [], values: [] },
    });
    addVertex(lp, first.point);
    if (set.canBeZero)
      addVertex(
        lp,
        Array.from({ length: d }, () => 0),
      );
    this.lps.set(set, lp);
    return lp;
  }
}

const isIntegral = (v: number): boolean => Math.abs(v - Math.round(v)) <= INTEGRAL;

/** The row π·v − π₀ ≤ 0 of vertex v in a cut-generating LP (columns π, then π₀). */
function addVertex(h: ReturnType<Highs['createModel']>, point: readonly number[]): void {
  const cols = point.flatMap((v, i) => (v !== 0 ? [i] : []));
  appendRows(h, [{ lower: -Infinity, upper: 0, cols: [...cols, point.length], vals: [...cols.map((i) => point[i] as number), -1] }], point.length + 1);
}

/** π·v ≤ max over S_b, with a margin for the rounding in that maximum (every |v_i| ≤ the bound it sums). */
function cutRow(set: BidSet, pi: readonly number[], maximum: number): Row {
  const cols: number[] = [];
  const vals: number[] = [];
  let magnitude = 0;
  pi.forEach((v, i) => {
    if (v === 0) return;
    cols.push(set.cols[i] as number);
    vals.push(v);
    const cell = set.cells[i];
    magnitude += Math.abs(v) * (cell ? cell.onHigh : 1);
  });
  return { lower: -Infinity, upper: maximum + 1e-9 * magnitude + 1e-9, cols, vals };
}
