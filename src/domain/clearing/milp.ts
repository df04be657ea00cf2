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
import type { Highs } from 'highs';
import { allocationObjectives, allocationViolation } from './allocation-check.js';
import { ClearingError } from './clearing-error.js';
import { greedyAllocation, greedyWithRepair } from './greedy.js';
import { loadHighs, runCuttingPlaneLp, runHighs, type HighsRunStats, type SolveBudget, type Solved } from './highs-runner.js';
import { separateCoverageCuts } from './milp-cuts.js';
import { allocationFrom, buildClearingModel, columnValues, seatCosts, type ClearingModel, type Row, type SparseModel } from './milp-model.js';
import { expand, pick, restrict, tightenBounds, type Restriction } from './milp-reduce.js';
import type { Allocation, ClearingProblem } from './problem.js';

export { loadHighs, type HighsRunStats } from './highs-runner.js';

export interface HighsSolveStats {
  /** Size of the clearing model. */
  columns: number;
  rows: number;
  /** How C* was proven: by the greedy bound (stage 2 feasible at it), or by a MILP. */
  coverageProof: 'BOUND' | 'MILP';
  /** LP bound of the cost stage, and the targets tried (Infinity: the whole model), in cost units. */
  costBound: number;
  costTargets: number[];
  /** Coverage cuts added to the cost LP (milp-cuts.ts). */
  cuts: number;
  runs: HighsRunStats[];
}

/** @internal Test hooks. */
export interface HighsSolveOptions {
  /** Try the reduced cost model even when it keeps most columns (exercises that path on tiny spikes). */
  alwaysReduce?: boolean;
  /** Plain reference: integer seat columns and no reduction (slow; to cross-check the fast path). */
  reference?: boolean;
}

interface Context {
  highs: Highs;
  problem: ClearingProblem;
  budget: SolveBudget;
  stats: HighsSolveStats;
  /** Largest share of columns a reduced model may keep before the whole model is solved instead. */
  keepShare: number;
  integerSeats: boolean;
}

/**
 * Solves the coupled problem to a proven lexicographic optimum.
 * @throws ClearingError SOLVER_TIMEOUT or SOLVER_FAILED.
 */
export async function solveWithHighs(
  problem: ClearingProblem,
  options: HighsSolveOptions = {},
): Promise<{ allocation: Allocation; stats: HighsSolveStats }> {
  const highs = await loadHighs();
  const budget: SolveBudget = { deadline: performance.now() + problem.timeLimitSeconds * 1000, limitSeconds: problem.timeLimitSeconds, runs: [] };
  const stats: HighsSolveStats = { columns: 0, rows: 0, coverageProof: 'BOUND', costBound: 0, costTargets: [], cuts: 0, runs: budget.runs };
  const keepShare = options.reference ? -1 : options.alwaysReduce ? 1 : 0.7;
  const ctx: Context = { highs, problem, budget, stats, keepShare, integerSeats: options.reference ?? false };
  try {
    const allocation = solveLexicographically(ctx, greedyAllocation(problem), greedyWithRepair(problem));
    const violation = allocationViolation(problem, allocation);
    if (violation) throw failed(`the final allocation is infeasible (${violation})`);
    return { allocation, stats };
  } catch (error) {
    if (error instanceof ClearingError) throw error;
    throw new ClearingError('SOLVER_FAILED', `HiGHS failed: ${error instanceof Error ? error.message : String(error)}`);
  }
}

function solveLexicographically(ctx: Context, relaxed: Allocation, heuristic: Allocation): Allocation {
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
  // Coverage cuts need the per-interval floors, so only this first attempt uses them.
  const cuts = ctx.integerSeats ? undefined : (x: Float64Array) => separateCoverageCuts(problem, model, floors, x);
  let stage2 = minimiseCost(ctx, model, covered, money, cuts);
  if (!stage2) {
    ctx.stats.coverageProof = 'MILP';
    const open = buildClearingModel(problem, { integerSeats: ctx.integerSeats });
    const cover = seatCosts(model, width, () => -1);
    const best = mip(ctx, 'COVERAGE', open, cover, columnValues(open, heuristic));
    if (!best) throw failed('the coverage MILP is infeasible');
    const seats = objectivesOf(ctx, model, vertex(ctx, open, best, [cover])).seats;
    const xCols = model.xEntries.map((e) => e.col);
    covered = { ...open, rows: [...open.rows, { lower: seats, upper: Infinity, cols: xCols, vals: xCols.map(() => 1) }] };
    stage2 = minimiseCost(ctx, model, covered, money);
    if (!stage2) throw failed('the cost MILP is infeasible at the optimal coverage');
  }

  // Stage 3. Bounds tightened with target K* keep every solution of cost K* (milp-reduce.ts).
  const { strong } = stage2;
  const t = tightenBounds(strong, money, stage2.rowDual, stage2.costUnits);
  fixLinks(problem, model, t.lower, t.upper);
  const ks = problem.intervals.map(() => 0);
  const r = restrict(withCostLimit(problem, model, strong, money, stage2.costUnits), [...t.lower, ...ks], [...t.upper, ...ks.map(() => Infinity)]);
  if (!r.feasible) throw failed('the tie-break model is infeasible');
  const start = [...stage2.values, ...intervalCosts(problem, model, money, stage2.values).map((k) => k / COST_SCALE)];
  const tied = mip(ctx, 'TIE_BREAK', r.model, pick(r, [...ranks, ...ks]), pick(r, start), worthPresolving(ctx, r, covered));
  if (!tied) throw failed('the tie-break MILP is infeasible');
  const final = vertex(ctx, covered, expand(r, tied), [money, ranks]);
  const objectives = objectivesOf(ctx, model, final);
  if (objectives.costUnits !== stage2.costUnits || objectives.seats !== objectivesOf(ctx, model, stage2.values).seats) {
    throw failed('coverage or cost changed in the tie-break');
  }
  return allocationOf(ctx, model, final);
}

/**
 * Carries seat bounds over to the binaries, exactly: x ≥ 1 forces y = 1 (and z = 1), x below
 * the minimum seats forces x = 0 and y = 0, and z = 0 forces every x of the bid to 0.
 */
function fixLinks(problem: ClearingProblem, model: ClearingModel, lower: number[], upper: number[]): void {
  for (const bid of problem.bids) {
    const z = model.zCol[bid.rank] as number;
    model.xCol[bid.rank]?.forEach((x, j) => {
      if (x < 0) return;
      if ((upper[x] as number) < bid.minSeats) upper[x] = 0;
      if (z >= 0 && upper[z] === 0) upper[x] = 0;
      const y = model.yCol[bid.rank]?.[j] as number;
      if ((lower[x] as number) >= 1) {
        if (y >= 0) lower[y] = 1;
        if (z >= 0) lower[z] = 1;
      }
      if (y >= 0 && upper[x] === 0) upper[y] = 0;
    });
  }
}

/**
 * Stage 2. One LP relaxation, strengthened by coverage cuts where `separate` is given
 * (milp-cuts.ts), gives duals y and a bound L. When the LP is tight (large spikes
 * usually are), the model is first reduced to the columns that can still take part in a
 * solution of cost ≤ L + δ (milp-reduce.ts): an optimum ≤ L + δ there is the global optimum K*;
 * a larger one is an incumbent, and its value as the target provably keeps the global optimum.
 * When the reduction would keep most columns, or δ was too small, the whole model is solved.
 * Returns K* and the LP duals; null when no solution reaches the coverage in `covered`.
 */
function minimiseCost(
  ctx: Context,
  model: ClearingModel,
  covered: SparseModel,
  cost: readonly number[],
  separate?: (x: Float64Array) => Row[],
): { costUnits: number; values: number[]; rowDual: Float64Array; strong: SparseModel } | null {
  const relaxed = separate
    ? runCuttingPlaneLp(ctx.highs, ctx.budget, covered, cost, separate, CUT_ROUNDS)
    : { solved: runHighs(ctx.highs, ctx.budget, 'COST_LP', covered, cost, false, null), cuts: [] };
  const lp = relaxed?.solved;
  if (!relaxed || !lp) return null;
  // The cuts hold for every integer solution (milp-cuts.ts): the MILPs below keep them as rows,
  // and the final vertex LPs, where they are implied anyway, run on `covered`.
  const strong: SparseModel = relaxed.cuts.length ? { ...covered, rows: [...covered.rows, ...relaxed.cuts] } : covered;
  ctx.stats.cuts = relaxed.cuts.length;
  const bound = tightenBounds(strong, cost, lp.rowDual, Infinity).bound;
  ctx.stats.costBound = bound;
  const done = (values: number[]) => ({ costUnits: objectivesOf(ctx, model, values).costUnits, values, rowDual: lp.rowDual, strong });
  let target = bound + Math.max(1, 1e-6 * Math.abs(bound));
  let incumbent: number[] | null = null;
  for (;;) {
    const t = tightenBounds(strong, cost, lp.rowDual, target);
    fixLinks(ctx.problem, model, t.lower, t.upper);
    const r = restrict(strong, t.lower, t.upper);
    if (r.free.length > ctx.keepShare * covered.colUpper.length) break;
    ctx.stats.costTargets.push(target);
    const start = incumbent && pick(r, incumbent);
    // Presolve pays on the first reduced model (0.2–1 s instead of 0.8–1.8 s on 1,000 bids), not
    // once an incumbent is passed as the start (slower there, as on the tie-break model).
    const solved = t.feasible && r.feasible ? mip(ctx, 'COST', r.model, pick(r, cost), start, !incumbent || worthPresolving(ctx, r, covered)) : null;
    if (!solved) {
      if (incumbent) throw failed('the reduced cost MILP lost its own incumbent');
      break; // δ too small, or the coverage out of reach: solve the whole model
    }
    const values = vertex(ctx, covered, expand(r, solved), [cost]);
    const found = done(values);
    if (found.costUnits <= target) return found;
    if (incumbent) throw failed('the reduced cost MILP missed its target');
    incumbent = values;
    target = found.costUnits;
  }
  ctx.stats.costTargets.push(Infinity);
  const solved = mip(ctx, 'COST', strong, cost, incumbent);
  return solved ? done(vertex(ctx, covered, solved, [cost])) : null;
}

/**
 * Stage-3 model: the cost limit through one column per interval, k_t = Σ_b c_b·x_{b,t} and
 * Σ_t k_t ≤ K*. (One dense row with large coefficients makes HiGHS's cut separation very slow.)
 * The k_t are in units of COST_SCALE cost units, which keeps the coefficients near 1e2 instead of
 * 1e5 and the limit near 1e7 instead of 1e10 (HiGHS warned about the bound and cut more slowly).
 * Still exact: HiGHS's absolute row tolerance (1e-7) is then 1e-4 cost units per row, so the
 * interval rows and the limit row together admit well under one unit above K* (under 0.01 for
 * 96 intervals), and integer costs cannot fit in that; the cost is re-checked exactly anyway.
 */
const COST_SCALE = 1000;

/** Rounds of coverage cuts on the cost LP (each a warm-started dual simplex re-solve). */
const CUT_ROUNDS = 20;

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

/**
 * An integral optimum for the binaries of a MILP answer: fix the binaries, then minimise the
 * objectives in turn, each over the optimal face of the previous one. The seat matrix is
 * totally unimodular (milp-model.ts), so simplex returns an integral vertex and integral duals:
 * a reduced cost or row dual beyond ±0.5 is non-zero, and complementary slackness with that
 * dual describes the optimal face exactly. The MILP answer lies in the same fixed-binary
 * polytope, so the vertex is at least as good on every objective, hence optimal too.
 * When the answer is integral already (the usual case), it is returned rounded and no LP runs.
 */
function vertex(ctx: Context, model: SparseModel, values: ArrayLike<number>, objectives: readonly (readonly number[])[]): number[] {
  // Usually the MILP answer is already integral (HiGHS ends on an LP vertex): rounding it moves
  // every objective by far less than the 0.5 left between an integer optimum and the proven gap,
  // and every row has integer data, so the rounded point is feasible and optimal too.
  const width = model.colUpper.length;
  const rounded = Array.from({ length: width }, (_, j) => Math.round(values[j] as number));
  if (rounded.every((v, j) => Math.abs(v - (values[j] as number)) <= INTEGRAL)) return rounded;
  const lower = [...model.colLower];
  const upper = [...model.colUpper];
  model.integer.forEach((integer, j) => {
    if (integer) lower[j] = upper[j] = Math.round(values[j] as number);
  });
  const rows = model.rows.map((r) => ({ ...r }));
  let solution: Solved | null = null;
  for (const [k, cost] of objectives.entries()) {
    solution = runHighs(ctx.highs, ctx.budget, 'VERTEX', { colLower: lower, colUpper: upper, integer: [], rows }, cost, false, null);
    if (!solution) throw failed('the fixed-binary LP is infeasible');
    if (k === objectives.length - 1) break;
    const { colDual, rowDual } = solution;
    lower.forEach((_, j) => {
      const d = colDual[j] as number;
      if (d > 0.5) upper[j] = lower[j] as number;
      else if (d < -0.5) lower[j] = upper[j] as number;
    });
    rows.forEach((row, i) => {
      const y = rowDual[i] as number;
      if (y > 0.5) row.upper = row.lower;
      else if (y < -0.5) row.lower = row.upper;
    });
  }
  if (!solution) throw failed('no objective to optimise');
  return Array.from(solution.colValue);
}

/** Distance from an integer below which a MILP answer counts as integral (objective drift Σ|c|·1e-12 ≪ 0.5). */
const INTEGRAL = 1e-12;

const mip = (
  ctx: Context,
  stage: HighsRunStats['stage'],
  model: SparseModel,
  cost: readonly number[],
  start: ArrayLike<number> | null,
  presolve = true,
) => runHighs(ctx.highs, ctx.budget, stage, model, cost, true, start, presolve)?.colValue ?? null;

/** Presolve only pays where our own reduction left most of the model. */
const worthPresolving = (ctx: Context, r: Restriction, full: SparseModel): boolean =>
  r.free.length > Math.max(ctx.keepShare, 0.7) * full.colUpper.length;

function failed(what: string): ClearingError {
  return new ClearingError('SOLVER_FAILED', `clearing solver is inconsistent: ${what}`);
}

/** Allocation of full column values: integral, within offers, demand and caps (minimums not checked). */
function allocationOf(ctx: Context, model: ClearingModel, values: ArrayLike<number>): Allocation {
  const allocation = allocationFrom(ctx.problem, model, values);
  if (!allocation) throw failed('fractional seats in a solver answer');
  const violation = allocationViolation(ctx.problem, allocation, { minimums: false });
  if (violation) throw failed(`a solver answer is infeasible (${violation})`);
  return allocation;
}

const objectivesOf = (ctx: Context, model: ClearingModel, values: ArrayLike<number>) =>
  allocationObjectives(ctx.problem, allocationOf(ctx, model, values));
