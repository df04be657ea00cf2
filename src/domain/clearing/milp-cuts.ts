/**
 * Coverage cuts: valid inequalities that close most of the gap between the cost LP and the
 * cost MILP, so the reduced-cost reduction (milp-reduce.ts) can work on a few columns.
 *
 * Why the LP is weak: with coverage floors F_t, the LP fills the cheapest bids of an interval up
 * to their bounds and gives the remaining r seats to a bid with minimum seats m at a fraction of
 * its binary (x = r, y = r/u). No integer award can do that: either that bid is in (y = 1), or
 * the r seats come from bids the LP left out.
 *
 * The same holds for a bid with a minimum total (x = r, z = r/u).
 *
 * The cut, for interval t, any set U of bids, r = F_t − reach(U) ≥ 1 (reach: the most U can
 * cover, each vendor at most its share cap), and the other bids split into S (seat columns) and
 * K (bids with a binary w_k that is 0 only if x_{k,t} is: y_{k,t} where the bid has minimum
 * seats, else z_k where it has a minimum total):
 *
 *   Σ_{b∈S} x_{b,t} + r · Σ_{k∈K} w_k ≥ r
 *
 * Valid for every integer solution: if some w_k = 1 the left side is ≥ r; otherwise every x_k
 * is 0 (x_k ≤ u·w_k), so F_t ≤ Σ x ≤ reach(U) + Σ_S x, i.e. Σ_S x ≥ r. Once the binaries are
 * fixed a cut is implied by the totally unimodular seat polytope (it holds at all its integer
 * points, which span it), so cuts never change which awards are feasible, only the LP bound.
 */
import type { ClearingModel, Row } from './milp-model.js';
import type { ClearingProblem } from './problem.js';

/** Slack, in seats, below which a cut is not worth adding. */
const MIN_VIOLATION = 1e-6;

interface Cell {
  x: number;
  /** Column of the binary that is 0 only if x is (y, else z), or -1. */
  indicator: number;
  vendor: number;
  upper: number;
}

/**
 * Cuts violated by the LP point `x`, at most one per interval. U starts as the bids the LP fills
 * to their upper bound; then each other bid the LP uses, most used first, joins U when that makes
 * the cut more violated (its seats leave the left side, r shrinks by what it adds to the reach).
 * A bid not in U with a binary goes into K when that gives the smaller left side (r·w < x).
 */
export function separateCoverageCuts(problem: ClearingProblem, model: ClearingModel, floors: readonly number[], x: ArrayLike<number>): Row[] {
  return coverageCutSeparator(problem, model, floors)(x);
}

/**
 * `separateCoverageCuts` for repeated calls on one model: the cells of every interval are
 * collected once. An interval is skipped where every binary is integral at x and 0 only with
 * x = 0 (as at any LP point): at a point that also meets the floor and cap rows no cut can be
 * violated there (a K bid with w = 1 satisfies it, one with w = 0 has x = 0 and is not put in K,
 * and Σ_S x ≥ F_t − Σ_U x ≥ r by the floor row). Skipping only ever omits a cut, which is safe.
 */
export function coverageCutSeparator(problem: ClearingProblem, model: ClearingModel, floors: readonly number[]): (x: ArrayLike<number>) => Row[] {
  const intervals = problem.intervals.flatMap((_, j) => {
    const floor = floors[j] as number;
    if (floor <= 0) return [];
    const cells: Cell[] = [];
    for (const bid of problem.bids) {
      const col = model.xCol[bid.rank]?.[j] as number;
      if (col < 0 || model.colUpper[col] === 0) continue;
      const y = model.yCol[bid.rank]?.[j] as number;
      cells.push({ x: col, indicator: y >= 0 ? y : (model.zCol[bid.rank] as number), vendor: bid.vendorPos, upper: model.colUpper[col] as number });
    }
    const caps = problem.vendorCaps.map((c) => c[j] as number);
    return [{ floor, cells, caps }];
  });
  return (x) => {
    const cuts: Row[] = [];
    for (const { floor, cells, caps } of intervals) {
      if (cells.every((c) => c.indicator < 0 || settled(x[c.indicator] as number, x[c.x] as number))) continue;
      const inU = cells.map((c) => (x[c.x] as number) >= c.upper - 1e-9);
      let best = coverageCut(cells, inU, floor, caps, x);
      const candidates = cells
        .map((c, k) => ({ k, used: (x[c.x] as number) / c.upper }))
        .filter(({ k, used }) => !inU[k] && used > 1e-9)
        .sort((a, b) => b.used - a.used || a.k - b.k);
      for (const { k } of candidates) {
        inU[k] = true;
        const tried = coverageCut(cells, inU, floor, caps, x);
        if (tried && tried.violation > (best?.violation ?? 0) + MIN_VIOLATION) best = tried;
        else inU[k] = false;
      }
      if (best && best.violation > MIN_VIOLATION) cuts.push(best.row);
    }
    return cuts;
  };
}

/** An integral binary w that is 0 only where its seats x are. */
const settled = (w: number, x: number): boolean => Math.abs(w - Math.round(w)) <= 1e-9 && (w > 0.5 || x <= 1e-9);

/** The cut for one choice of U (null when r ≤ 0), with its violation at `x`. */
function coverageCut(
  cells: readonly Cell[],
  inU: readonly boolean[],
  floor: number,
  caps: readonly number[],
  x: ArrayLike<number>,
): { row: Row; violation: number } | null {
  const supply = new Map<number, number>();
  cells.forEach((c, k) => {
    if (inU[k]) supply.set(c.vendor, (supply.get(c.vendor) ?? 0) + c.upper);
  });
  let reach = 0;
  for (const [vendor, seats] of supply) reach += Math.min(caps[vendor] as number, seats);
  const r = floor - reach;
  if (r <= 0) return null;
  const cols: number[] = [];
  const vals: number[] = [];
  let lhs = 0;
  cells.forEach((c, k) => {
    if (inU[k]) return;
    const viaBinary = c.indicator >= 0 ? r * (x[c.indicator] as number) : Infinity;
    if (viaBinary < (x[c.x] as number)) {
      cols.push(c.indicator);
      vals.push(r);
      lhs += viaBinary;
    } else {
      cols.push(c.x);
      vals.push(1);
      lhs += x[c.x] as number;
    }
  });
  return { row: { lower: r, upper: Infinity, cols, vals }, violation: r - lhs };
}
