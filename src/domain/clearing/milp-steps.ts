/**
 * Steps shared by the solver stages (milp.ts, milp-cost.ts): running a MILP, turning an answer
 * into an integral vertex, carrying seat bounds over to the binaries, and exact re-checks.
 */
import type { Highs } from 'highs';
import { allocationObjectives, allocationViolation } from './allocation-check.js';
import { ClearingError } from './clearing-error.js';
import { runHighs, type HighsRunStats, type SolveBudget, type Solved } from './highs-runner.js';
import { allocationFrom, type ClearingModel, type SparseModel } from './milp-model.js';
import { expand, pick, restrict, type Restriction } from './milp-reduce.js';
import type { Allocation, ClearingProblem } from './problem.js';

export interface HighsSolveStats {
  /** Size of the clearing model. */
  columns: number;
  rows: number;
  /** How C* was proven: by the greedy bound (stage 2 feasible at it), or by a MILP. */
  coverageProof: 'BOUND' | 'MILP';
  /** LP bound of the cost stage, and the targets tried (Infinity: the whole model), in cost units. */
  costBound: number;
  costTargets: number[];
  /** Cuts added to the cost LP: coverage cuts (milp-cuts.ts) and bid-hull cuts (milp-bid-cuts.ts). */
  cuts: number;
  /** Of those, the bid-hull cuts (0 where the coverage cuts sufficed). */
  bidCuts: number;
  /** Seconds spent separating bid-hull cuts (outside HiGHS's own run times). */
  bidCutSeconds: number;
  runs: HighsRunStats[];
}

export interface Context {
  highs: Highs;
  problem: ClearingProblem;
  budget: SolveBudget;
  stats: HighsSolveStats;
  /** Largest share of columns a reduced model may keep before the whole model is solved instead. */
  keepShare: number;
  integerSeats: boolean;
  /** Test hook: strengthen the cost LP with bid-hull cuts at once. */
  alwaysStrengthen: boolean;
}

/** Minimises `cost` over the model as a MILP from an optional start; null when infeasible. */
export const mip = (
  ctx: Context,
  stage: HighsRunStats['stage'],
  model: SparseModel,
  cost: readonly number[],
  start: ArrayLike<number> | null,
  presolve = true,
) => runHighs(ctx.highs, ctx.budget, stage, model, cost, true, start, presolve)?.colValue ?? null;

/**
 * The model as a MILP with integer seats (every column integer except the `continuous` ones),
 * when it has at most INTEGER_SEATS_MAX_COLUMNS columns; larger models are returned as they are.
 *
 * The LP relaxations and vertex LPs keep the seats continuous (their vertices are integral
 * anyway, milp-model.ts). In a small MILP, integer seats with integer costs let HiGHS know the
 * objective is integral, so it rounds its bound up and proves the optimum sooner: the tie-break of
 * 1,000-bid seed 3 (5,101 columns) takes 0.1 s instead of 1.4 s, 50-bid tie-breaks (about 1,700
 * columns) 0.4–0.6 s instead of 1.2–1.9 s. On whole 1,000-bid models (25,000–35,000 columns) it
 * made HiGHS branch on seats: 17 s and 26 s instead of 2.9 s and 2.7 s at the root. `always`
 * gives integer seats whatever the size (the tie-break's fallback, milp.ts).
 */
export function withIntegerSeats(model: SparseModel, continuous: (column: number) => boolean = () => false, always = false): SparseModel {
  if (!always && model.colUpper.length > INTEGER_SEATS_MAX_COLUMNS) return model;
  return { ...model, integer: model.integer.map((_, j) => !continuous(j)) };
}

const INTEGER_SEATS_MAX_COLUMNS = 10_000;

/** Presolve only pays where our own reduction left most of the model. */
export const worthPresolving = (ctx: Context, r: Restriction, full: SparseModel): boolean =>
  r.free.length > Math.max(ctx.keepShare, 0.7) * full.colUpper.length;

/**
 * Carries seat bounds over to the binaries, exactly: x ≥ 1 forces y = 1 (and z = 1), x below
 * the minimum seats forces x = 0 and y = 0, and z = 0 forces every x of the bid to 0.
 */
export function fixLinks(problem: ClearingProblem, model: ClearingModel, lower: number[], upper: number[]): void {
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
 * An integral optimum for the binaries of a MILP answer: fix the binaries, then minimise the
 * objectives in turn, each over the optimal face of the previous one. The seat matrix is
 * totally unimodular (milp-model.ts), so simplex returns an integral vertex and integral duals:
 * a reduced cost or row dual beyond ±0.5 is non-zero, and complementary slackness with that
 * dual describes the optimal face exactly. The MILP answer lies in the same fixed-binary
 * polytope, so the vertex is at least as good on every objective, hence optimal too.
 *
 * `lower`/`upper` (integers) may narrow the columns to bounds that every solution of interest
 * keeps (milp-reduce.ts): the LPs then run on those columns only, still totally unimodular.
 * When the answer is integral already (the usual case), it is returned rounded and no LP runs.
 */
export function vertex(
  ctx: Context,
  model: SparseModel,
  values: ArrayLike<number>,
  objectives: readonly (readonly number[])[],
  bounds?: { lower: readonly number[]; upper: readonly number[] },
): number[] {
  // Usually the MILP answer is already integral (HiGHS ends on an LP vertex): rounding it moves
  // every objective by far less than the 0.5 left between an integer optimum and the proven gap,
  // and every row has integer data, so the rounded point is feasible and optimal too.
  const width = model.colUpper.length;
  const rounded = Array.from({ length: width }, (_, j) => Math.round(values[j] as number));
  if (rounded.every((v, j) => Math.abs(v - (values[j] as number)) <= INTEGRAL)) return rounded;
  if (bounds) {
    const r = restrict(model, bounds.lower, bounds.upper);
    if (!r.feasible) throw failed('the narrowed fixed-binary LP is infeasible');
    return expand(
      r,
      vertex(
        ctx,
        r.model,
        pick(r, values),
        objectives.map((o) => pick(r, o)),
      ),
    );
  }
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

export function failed(what: string): ClearingError {
  return new ClearingError('SOLVER_FAILED', `clearing solver is inconsistent: ${what}`);
}

/** Allocation of full column values: integral, within offers, demand and caps (minimums not checked). */
export function allocationOf(ctx: Context, model: ClearingModel, values: ArrayLike<number>): Allocation {
  const allocation = allocationFrom(ctx.problem, model, values);
  if (!allocation) throw failed('fractional seats in a solver answer');
  const violation = allocationViolation(ctx.problem, allocation, { minimums: false });
  if (violation) throw failed(`a solver answer is infeasible (${violation})`);
  return allocation;
}

export const objectivesOf = (ctx: Context, model: ClearingModel, values: ArrayLike<number>) =>
  allocationObjectives(ctx.problem, allocationOf(ctx, model, values));
