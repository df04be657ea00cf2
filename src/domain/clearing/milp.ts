/**
 * Exact lexicographic clearing of the coupled problem with HiGHS, stage by stage; no big-M
 * weights, so no precision is traded between objectives. See docs/clearing.md.
 *
 * 1. Coverage. The greedy that ignores minimums solves a relaxation that separates by interval,
 *    so C* ≤ Σ_t m_t (m_t: its coverage of interval t), with equality exactly when every interval
 *    reaches m_t. Stage 2 is tried with the rows Σ_b x_{b,t} ≥ m_t; only if that is infeasible is
 *    coverage maximised by a MILP and imposed as Σ x ≥ C*.
 * 2. Cost, minimised at coverage C* (see minimiseCost) → K*.
 * 3. Tie-break, Σ rank·x minimised at coverage C* and cost ≤ K*.
 *
 * Each answer's binaries are then turned into an integral vertex (see vertex()). Every
 * objective is integral at those points, so an absolute MIP gap below 1 proves optimality.
 * Invariant: every answer is re-checked in exact integer arithmetic (feasibility, C*, K*); a
 * disagreement is SOLVER_FAILED and a limit SOLVER_TIMEOUT, never a partial award.
 */
import { allocationViolation } from './allocation-check.js';
import { ClearingError } from './clearing-error.js';
import { greedyAllocation, greedyWithRepair } from './greedy.js';
import { loadHighs, type SolveBudget } from './highs-runner.js';
import { BidHullSeparator } from './milp-bid-cuts.js';
import { bidSets } from './milp-bid-oracle.js';
import { minimiseCost } from './milp-cost.js';
import { coverageCutSeparator } from './milp-cuts.js';
import { buildClearingModel, columnValues, seatCosts, type ClearingModel, type SparseModel } from './milp-model.js';
import { expand, pick, restrict, tightenBounds } from './milp-reduce.js';
import {
  allocationOf,
  failed,
  fixLinks,
  mip,
  objectivesOf,
  vertex,
  withIntegerSeats,
  worthPresolving,
  type Context,
  type HighsSolveStats,
} from './milp-steps.js';
import type { Allocation, ClearingProblem } from './problem.js';

export { loadHighs, type HighsRunStats } from './highs-runner.js';
export type { HighsSolveStats } from './milp-steps.js';

/** @internal Test hooks. */
export interface HighsSolveOptions {
  /** Try the reduced cost model even when it keeps most columns (exercises that path on tiny spikes). */
  alwaysReduce?: boolean;
  /** Plain reference: integer seat columns and no reduction (slow; to cross-check the fast path). */
  reference?: boolean;
  /** Separate bid-hull cuts on every spike, not only where the coverage cuts leave the LP weak. */
  alwaysStrengthen?: boolean;
  /** No bid-hull cuts at all (the benchmark's before/after comparison). */
  noBidCuts?: boolean;
}

/**
 * Solves the coupled problem to a proven lexicographic optimum.
 * @throws ClearingError SOLVER_TIMEOUT or SOLVER_FAILED.
 */
export async function solveWithHighs(problem: ClearingProblem, options: HighsSolveOptions = {}): Promise<{ allocation: Allocation; stats: HighsSolveStats }> {
  const highs = await loadHighs();
  const budget: SolveBudget = { deadline: performance.now() + problem.timeLimitSeconds * 1000, limitSeconds: problem.timeLimitSeconds, runs: [] };
  const stats: HighsSolveStats = {
    columns: 0,
    rows: 0,
    coverageProof: 'BOUND',
    costBound: 0,
    costTargets: [],
    cuts: 0,
    bidCuts: 0,
    bidCutSeconds: 0,
    runs: budget.runs,
  };
  const keepShare = options.reference ? -1 : options.alwaysReduce ? 1 : 0.7;
  const ctx: Context = {
    highs,
    problem,
    budget,
    stats,
    keepShare,
    integerSeats: options.reference ?? false,
    alwaysStrengthen: options.alwaysStrengthen ?? false,
  };
  try {
    const allocation = solveLexicographically(ctx, options, greedyAllocation(problem), greedyWithRepair(problem));
    const violation = allocationViolation(problem, allocation);
    if (violation) throw failed(`the final allocation is infeasible (${violation})`);
    return { allocation, stats };
  } catch (error) {
    if (error instanceof ClearingError) throw error;
    throw new ClearingError('SOLVER_FAILED', `HiGHS failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function solveLexicographically(ctx: Context, options: HighsSolveOptions, relaxed: Allocation, heuristic: Allocation): Allocation {
  const { problem } = ctx;
  const floors = problem.intervals.map((_, j) => problem.bids.reduce((s, b) => s + (relaxed[b.rank]?.[j] ?? 0), 0));
  const model = buildClearingModel(problem, { coverageFloor: floors, integerSeats: ctx.integerSeats });
  ctx.stats.columns = model.colUpper.length;
  ctx.stats.rows = model.rows.length;
  const width = model.colUpper.length;
  const money = seatCosts(model, width, (e) => (problem.bids[e.rank]?.adjustedRateUnits as number) * problem.quarters);
  const ranks = seatCosts(model, width, (e) => e.rank);

  // Stages 1–2.
  let covered: SparseModel = model;
  /** C* when the coverage MILP proved it; otherwise C* is the sum of the floors. */
  let coverage: number | null = null;
  // The cuts are derived from the per-interval floors, so only this first attempt uses them.
  const sets = ctx.integerSeats || options.noBidCuts ? [] : bidSets(problem, model);
  const bidHull = sets.length ? new BidHullSeparator(ctx.highs, sets) : null;
  let stage2: ReturnType<typeof minimiseCost>;
  try {
    stage2 = minimiseCost(ctx, model, covered, money, ctx.integerSeats ? undefined : { coverage: coverageCutSeparator(problem, model, floors), bidHull });
  } finally {
    bidHull?.dispose();
  }
  if (!stage2) {
    ctx.stats.coverageProof = 'MILP';
    const open = buildClearingModel(problem, { integerSeats: ctx.integerSeats });
    const cover = seatCosts(model, width, () => -1);
    const best = mip(ctx, 'COVERAGE', withIntegerSeats(open), cover, columnValues(open, heuristic));
    if (!best) throw failed('the coverage MILP is infeasible');
    coverage = objectivesOf(ctx, model, vertex(ctx, open, best, [cover])).seats;
    const xCols = model.xEntries.map((e) => e.col);
    covered = { ...open, rows: [...open.rows, { lower: coverage, upper: Infinity, cols: xCols, vals: xCols.map(() => 1) }] };
    stage2 = minimiseCost(ctx, model, covered, money);
    if (!stage2) throw failed('the cost MILP is infeasible at the optimal coverage');
  }

  // Stage 2 keeps C*: the coverage the greedy bound promised, or the coverage MILP's optimum.
  const seats = objectivesOf(ctx, model, stage2.values).seats;
  if (seats !== (coverage ?? floors.reduce((a, f) => a + f, 0))) throw failed('the cost stage lost coverage');

  // Stage 3. Bounds tightened with target K* keep every solution of cost K* (milp-reduce.ts).
  const { strong } = stage2;
  const t = tightenBounds(strong, money, stage2.rowDual, stage2.costUnits);
  fixLinks(problem, model, t.lower, t.upper);
  const ks = problem.intervals.map(() => 0);
  const r = restrict(withCostLimit(problem, model, strong, money, stage2.costUnits), [...t.lower, ...ks], [...t.upper, ...ks.map(() => Infinity)]);
  if (!r.feasible) throw failed('the tie-break model is infeasible');
  const start = [...stage2.values, ...intervalCosts(problem, model, money, stage2.values).map((k) => k / COST_SCALE)];
  const tieCost = pick(r, [...ranks, ...ks]);
  // The k_t columns stay continuous: they carry no objective, and costs are not whole thousands.
  const isK = (j: number): boolean => (r.free[j] as number) >= width;
  const breakTies = (tieModel: SparseModel) => {
    const tied = mip(ctx, 'TIE_BREAK', tieModel, tieCost, pick(r, start), worthPresolving(ctx, r, covered));
    if (!tied) throw failed('the tie-break MILP is infeasible');
    const full = expand(r, tied);
    const final = vertex(ctx, covered, full, [money, ranks], t);
    return { final, solverScore: ranks.reduce((a, rank, j) => a + rank * (full[j] as number), 0) };
  };
  const small = withIntegerSeats(r.model, isK);
  let { final, solverScore } = breakTies(small);
  let objectives = objectivesOf(ctx, model, final);
  // HiGHS proved no award scores below its answer's score − 0.5, within its tolerances; an exact
  // award that scores 0.5 more than that answer could therefore be 1 above the optimum. With
  // continuous seats that can happen (the cost row's tolerance lets seats drift a fraction
  // towards earlier bids), so such an answer is solved again with integer seats.
  if (objectives.tieScore > solverScore + 0.49 && small === r.model) {
    ({ final, solverScore } = breakTies(withIntegerSeats(r.model, isK, true)));
    objectives = objectivesOf(ctx, model, final);
  }
  if (objectives.tieScore > solverScore + 0.49) throw failed('the tie-break answer relied on solver tolerances');
  if (objectives.costUnits !== stage2.costUnits || objectives.seats !== seats) throw failed('coverage or cost changed in the tie-break');
  return allocationOf(ctx, model, final);
}

/**
 * Stage-3 model: the cost limit through one column per interval, k_t = Σ_b c_b·x_{b,t} and
 * Σ_t k_t ≤ K*. (One dense row with large coefficients makes HiGHS's cut separation very slow.)
 * The k_t are in units of COST_SCALE cost units, which keeps the coefficients near 1e2 instead of
 * 1e5 and the limit near 1e7 instead of 1e10 (HiGHS warned about the bound and cut more slowly).
 * The cost stays exact: HiGHS's MIP feasibility tolerance (1e-6) is then 1e-3 cost units per row,
 * so the interval rows and the limit row together admit about 0.1 units above K* for 96
 * intervals, and no integer cost fits in that; the cost is re-checked exactly anyway. The tie
 * score is guarded separately (see the check after the tie-break): with continuous seats that
 * slack could let seats drift a fraction towards earlier bids.
 */
const COST_SCALE = 1000;

function withCostLimit(problem: ClearingProblem, model: ClearingModel, covered: SparseModel, cost: readonly number[], limit: number): SparseModel {
  const base = covered.colUpper.length;
  const perInterval = problem.intervals.map((): { cols: number[]; vals: number[] } => ({ cols: [], vals: [] }));
  for (const e of model.xEntries) {
    perInterval[e.j]?.cols.push(e.col);
    perInterval[e.j]?.vals.push((cost[e.col] as number) / COST_SCALE);
  }
  const ks = problem.intervals.map((_, j) => base + j);
  return {
    colLower: [...covered.colLower, ...ks.map(() => 0)],
    colUpper: [...covered.colUpper, ...ks.map(() => Infinity)],
    integer: [...covered.integer, ...ks.map(() => false)],
    rows: [
      ...covered.rows,
      ...perInterval.map((r, j) => ({ lower: 0, upper: 0, cols: [...r.cols, ks[j] as number], vals: [...r.vals, -1] })),
      { lower: -Infinity, upper: limit / COST_SCALE, cols: ks, vals: ks.map(() => 1) },
    ],
  };
}

/** k_t of an integral solution, for the stage-3 start. */
function intervalCosts(problem: ClearingProblem, model: ClearingModel, cost: readonly number[], values: readonly number[]): number[] {
  const sums = problem.intervals.map(() => 0);
  for (const e of model.xEntries) sums[e.j] = (sums[e.j] as number) + (cost[e.col] as number) * Math.round(values[e.col] as number);
  return sums;
}
