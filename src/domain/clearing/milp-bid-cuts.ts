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
 * The vertices are generated on demand by an exact oracle, max π·v over S_b
 * (milp-bid-oracle.ts).
 *
 * Invariant (what makes the cuts safe): the right-hand side of every cut is the oracle's
 * maximum for the cut's final coefficients, plus a margin for floating-point rounding, so the
 * cut holds at every point of S_b whatever the LP did. The tests enumerate S_b on small models.
 */
import type { Highs } from 'highs';
import { appendRows } from './highs-runner.js';
import { bidOracle, type BidSet } from './milp-bid-oracle.js';
import type { Row } from './milp-model.js';

/** Row-generation iterations per bid before giving up on a cut (each a warm LP re-solve). */
const MAX_ITERATIONS = 200;
/** Violation, in units of the normalised cut (|π| ≤ 1), below which a cut is not worth adding. */
const MIN_VIOLATION = 1e-6;
/** Binaries closer than this to 0 or 1 count as integral. */
const INTEGRAL = 1e-9;

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
