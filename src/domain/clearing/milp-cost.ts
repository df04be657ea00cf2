/**
 * Stage 2 of the clearing solver: the least adjusted cost K* at the coverage already proven.
 *
 * One LP relaxation, strengthened by cuts, gives row duals y and a bound L. For any y and any
 * feasible x, cost(x) ≥ L + Σ_j |d_j| × (distance of x_j from the bound its reduced cost d_j
 * favours) (milp-reduce.ts), so the MILP can be solved on the few columns that a solution of
 * cost ≤ L + δ can still move: an optimum ≤ L + δ there is the global optimum K*; a larger one is
 * an incumbent, and its value as the target provably keeps the global optimum.
 *
 * The cuts come in two strengths. Coverage cuts (milp-cuts.ts) are cheap and separated from the
 * start. Bid-hull cuts (milp-bid-cuts.ts) cost a cut-generating LP per all-or-nothing bid, so
 * they are separated only when the cheap cuts leave the LP too weak: when the reduction would keep
 * most columns, or the first reduced model's optimum misses its target. Both kinds hold for every
 * feasible award, so neither changes which awards are feasible, only how fast HiGHS proves K*.
 */
import { CuttingPlaneLp, type Solved } from './highs-runner.js';
import type { BidHullSeparator } from './milp-bid-cuts.js';
import type { ClearingModel, Row, SparseModel } from './milp-model.js';
import { expand, pick, restrict, tightenBounds } from './milp-reduce.js';
import { failed, fixLinks, mip, objectivesOf, vertex, withIntegerSeats, worthPresolving, type Context } from './milp-steps.js';

export interface CostStage {
  costUnits: number;
  /** An integral optimum (full column values). */
  values: number[];
  /** Duals of the strengthened LP, for the rows of `strong`. */
  rowDual: Float64Array;
  /** The covered model with every cut as rows (valid for every feasible award). */
  strong: SparseModel;
}

export interface CostCuts {
  coverage: (x: Float64Array) => Row[];
  /** Null where there are no all-or-nothing bids to separate over. */
  bidHull: BidHullSeparator | null;
}

/** Rounds of coverage cuts on the cost LP (each a warm-started dual simplex re-solve). */
const CUT_ROUNDS = 20;
/** Further rounds, coverage and bid-hull cuts together, when the LP needs strengthening. */
const STRENGTHEN_ROUNDS = 40;

/**
 * K* over `covered` (the model with its coverage rows), or null when no award reaches that
 * coverage. `cuts` only for the model with coverage floors, which they are derived from.
 */
export function minimiseCost(ctx: Context, model: ClearingModel, covered: SparseModel, cost: readonly number[], cuts?: CostCuts): CostStage | null {
  const lp = new CuttingPlaneLp(ctx.highs, ctx.budget, covered, cost);
  try {
    return solveCostStage(ctx, model, covered, cost, lp, cuts);
  } finally {
    lp.dispose();
    if (cuts?.bidHull) {
      ctx.stats.bidCuts = cuts.bidHull.stats.cuts;
      ctx.stats.bidCutSeconds = cuts.bidHull.stats.seconds;
    }
  }
}

function solveCostStage(
  ctx: Context,
  model: ClearingModel,
  covered: SparseModel,
  cost: readonly number[],
  lp: CuttingPlaneLp,
  cuts?: CostCuts,
): CostStage | null {
  let solved: Solved | null = lp.solve(cuts?.coverage ?? (() => []), cuts ? CUT_ROUNDS : 0);
  if (!solved) return null;
  let strengthened = !cuts?.bidHull;
  let strong = lp.strengthened();
  let bound = boundOf(ctx, lp, strong, cost, solved);
  let target = withMargin(bound);
  let incumbent: { values: number[]; costUnits: number } | null = null;
  const done = (values: number[], relaxation: Solved): CostStage => ({
    costUnits: objectivesOf(ctx, model, values).costUnits,
    values,
    rowDual: relaxation.rowDual,
    strong,
  });
  /**
   * More rounds with bid-hull cuts, then a fresh target from the stronger bound (or the
   * incumbent, if lower). False when the cuts prove the coverage out of reach.
   */
  const strengthen = (): boolean => {
    strengthened = true;
    const bidHull = cuts?.bidHull as BidHullSeparator;
    const coverage = cuts?.coverage as CostCuts['coverage'];
    solved = lp.solve((x) => [...coverage(x), ...bidHull.separate(x, ctx.budget.deadline)], STRENGTHEN_ROUNDS);
    if (!solved) return false;
    strong = lp.strengthened();
    bound = boundOf(ctx, lp, strong, cost, solved);
    target = Math.min(incumbent?.costUnits ?? Infinity, withMargin(bound));
    return true;
  };
  if (ctx.alwaysStrengthen && !strengthened && !strengthen()) return null;
  // Each pass either returns, strengthens the LP (once), or raises the target to the incumbent's
  // cost, after which the reduced model holds the incumbent and its optimum is K*.
  for (;;) {
    const t = tightenBounds(strong, cost, solved.rowDual, target);
    fixLinks(ctx.problem, model, t.lower, t.upper);
    const r = restrict(strong, t.lower, t.upper);
    if (r.free.length > ctx.keepShare * covered.colUpper.length) {
      if (strengthened) break;
      if (!strengthen()) return null;
      continue;
    }
    ctx.stats.costTargets.push(target);
    const start = incumbent && incumbent.costUnits <= target ? pick(r, incumbent.values) : null;
    // Presolve pays on the first reduced model (0.2–1 s instead of 0.8–1.8 s on 1,000 bids), not
    // once an incumbent is passed as the start (slower there, as on the tie-break model).
    const answer =
      t.feasible && r.feasible ? mip(ctx, 'COST', withIntegerSeats(r.model), pick(r, cost), start, !start || worthPresolving(ctx, r, covered)) : null;
    if (answer) {
      const values = vertex(ctx, covered, expand(r, answer), [cost], t);
      const found = done(values, solved);
      if (found.costUnits <= target) return found;
      if (!incumbent || found.costUnits < incumbent.costUnits) incumbent = { values, costUnits: found.costUnits };
    } else if (start) throw failed('the reduced cost MILP lost its own incumbent');
    if (!strengthened) {
      if (!strengthen()) return null;
    } else if (incumbent && target < incumbent.costUnits) target = incumbent.costUnits;
    else if (incumbent) throw failed('the reduced cost MILP missed its target');
    else break; // δ too small, or the coverage out of reach: solve the whole model
  }
  ctx.stats.costTargets.push(Infinity);
  const answer = mip(ctx, 'COST', withIntegerSeats(strong), cost, incumbent?.values ?? null);
  return answer ? done(vertex(ctx, covered, answer, [cost]), solved) : null;
}

function boundOf(ctx: Context, lp: CuttingPlaneLp, strong: SparseModel, cost: readonly number[], solved: Solved): number {
  ctx.stats.cuts = lp.cuts.length;
  const bound = tightenBounds(strong, cost, solved.rowDual, Infinity).bound;
  ctx.stats.costBound = bound;
  return bound;
}

/** The first target: the LP bound plus a little room, so the reduced model has solutions to find. */
const withMargin = (bound: number): number => bound + Math.max(1, 1e-6 * Math.abs(bound));
