/**
 * Thin wrapper around the `highs` WebAssembly package: one shared runtime per process, one
 * short-lived model per solve (always disposed), and solver statuses turned into ClearingError.
 */
import { createRequire } from 'node:module';
import type { Highs, InitOptions, ModelData, VariableType } from 'highs';
import { ClearingError } from './clearing-error.js';
import type { Row, SparseModel } from './milp-model.js';

export interface HighsRunStats {
  stage: 'COVERAGE' | 'COST_LP' | 'COST' | 'TIE_BREAK' | 'VERTEX';
  columns: number;
  rows: number;
  /** HiGHS run time (wall clock, seconds). */
  seconds: number;
  /** Branch-and-bound nodes (0 for an LP). */
  nodes: number;
}

export interface SolveBudget {
  /** performance.now() by which everything must be done. */
  deadline: number;
  limitSeconds: number;
  runs: HighsRunStats[];
}

export interface Solved {
  colValue: Float64Array;
  colDual: Float64Array;
  rowDual: Float64Array;
}

// The package's typings describe an ES default export but are published as CommonJS, so a
// default import type-checks as the module object. `require` gets the loader function in both.
const highsLoader = createRequire(import.meta.url)('highs') as (options?: InitOptions) => Promise<Highs>;
let highsPromise: Promise<Highs> | undefined;

/** Loads the WebAssembly solver once per process and reuses it (a failed load is retried next time). */
export function loadHighs(): Promise<Highs> {
  const loading =
    highsPromise ??
    highsLoader().catch((error: unknown) => {
      highsPromise = undefined;
      throw error;
    });
  highsPromise = loading;
  return loading;
}

const INTEGER: VariableType = 1;
const CONTINUOUS: VariableType = 0;
const OPTIONS = {
  output_flag: false,
  mip_rel_gap: 0,
  // Every objective here takes integer values at the optimum: a gap below 1 proves it.
  mip_abs_gap: 0.5,
  random_seed: 0,
  // Costs ~7 ms per run even on tiny models, and the stages pass their own starts.
  mip_heuristic_run_feasibility_jump: false,
  // Symmetry detection took 22 s of a 29 s stage-2 solve on a 1,000-bid benchmark instance
  // (seed 3), and distinct rates leave these models little symmetry to exploit. It only prunes
  // the search: the optimum and its proof are unaffected.
  mip_detect_symmetry: false,
  // The RINS and RENS sub-MIPs rarely improve the stages' own starts here, and cost 0.3–2 s on the
  // 200- and 1,000-bid benchmark instances. Primal heuristics only: the proof is unaffected.
  mip_heuristic_run_rins: false,
  mip_heuristic_run_rens: false,
};

function modelData(highs: Highs, model: SparseModel, cost: readonly number[], integer: boolean): ModelData {
  const integrality = integer && model.integer.some(Boolean) ? model.integer.map((i) => (i ? INTEGER : CONTINUOUS)) : null;
  const starts = [0];
  for (const row of model.rows) starts.push((starts[starts.length - 1] as number) + row.cols.length);
  const numCols = model.colUpper.length;
  return {
    numCols,
    numRows: model.rows.length,
    sense: highs.constants.objectiveSense.minimize,
    colCost: cost,
    colLower: model.colLower,
    colUpper: model.colUpper,
    rowLower: model.rows.map((r) => r.lower),
    rowUpper: model.rows.map((r) => r.upper),
    matrix: {
      format: 'csr',
      numRows: model.rows.length,
      numCols,
      starts,
      indices: model.rows.flatMap((r) => r.cols),
      values: model.rows.flatMap((r) => r.vals),
    },
    ...(integrality ? { integrality } : {}),
  };
}

/**
 * Minimises cost over the model (as an LP when `integer` is false). Returns the solution, or
 * null when the model is infeasible. `presolve: false` for some models already reduced by
 * milp-reduce.ts (the tie-break, the cost model given an incumbent): there it measured slower.
 * @throws ClearingError SOLVER_TIMEOUT past the budget, SOLVER_FAILED for any status but
 *   optimal or infeasible.
 */
export function runHighs(
  highs: Highs,
  budget: SolveBudget,
  stage: HighsRunStats['stage'],
  model: SparseModel,
  cost: readonly number[],
  integer: boolean,
  start: ArrayLike<number> | null,
  presolve = true,
): Solved | null {
  const remaining = secondsLeft(budget, stage);
  // Everything fixed (restrict() has already checked the rows): nothing left to decide.
  if (model.colUpper.length === 0) return { colValue: new Float64Array(0), colDual: new Float64Array(0), rowDual: new Float64Array(0) };
  const h = highs.createModel();
  try {
    h.options.set({ ...OPTIONS, time_limit: remaining, presolve: presolve ? 'choose' : 'off' });
    h.passModel(modelData(highs, model, cost, integer));
    if (start) h.setSolution({ colValue: Array.from(start) });
    const { modelStatus } = h.run();
    budget.runs.push({
      stage,
      columns: model.colUpper.length,
      rows: model.rows.length,
      seconds: h.getRunTime(),
      nodes: integer && model.integer.some(Boolean) ? Number(h.info.get('mip_node_count')) : 0,
    });
    if (!checkStatus(highs, budget, stage, modelStatus)) return null;
    const solution = h.getSolution();
    return { colValue: solution.colValue, colDual: solution.colDual, rowDual: solution.rowDual };
  } finally {
    h.dispose();
  }
}

/** Seconds left in the budget; SOLVER_TIMEOUT when none. */
function secondsLeft(budget: SolveBudget, stage: HighsRunStats['stage']): number {
  const remaining = (budget.deadline - performance.now()) / 1000;
  if (remaining <= 0) throw new ClearingError('SOLVER_TIMEOUT', `clearing hit its ${budget.limitSeconds} s time limit (${stage})`);
  return remaining;
}

/** False when infeasible; throws SOLVER_TIMEOUT on the time limit and SOLVER_FAILED on anything but optimal. */
function checkStatus(highs: Highs, budget: SolveBudget, stage: HighsRunStats['stage'], modelStatus: number): boolean {
  const status = highs.constants.modelStatus;
  if (modelStatus === status.infeasible) return false;
  if (modelStatus === status.timeLimit) {
    throw new ClearingError('SOLVER_TIMEOUT', `HiGHS hit the ${budget.limitSeconds} s time limit (${stage})`);
  }
  if (modelStatus !== status.optimal) {
    throw new ClearingError('SOLVER_FAILED', `HiGHS ended ${stage} with model status ${modelStatus}`);
  }
  return true;
}

/**
 * An LP relaxation strengthened by rounds of cuts, kept alive so that it can be strengthened
 * again later with other separators: each round solves (warm, from the previous basis), asks
 * `separate` for cuts violated by the solution and adds them, until none is violated or
 * `maxRounds` rounds have added cuts. Row duals cover the model's rows, then the cuts in order.
 * Call `dispose()` when done.
 */
/** Adds rows to a live HiGHS model (its basis is kept, so the next run starts warm). */
export function appendRows(h: ReturnType<Highs['createModel']>, rows: readonly Row[], numCols: number): void {
  const starts = new Int32Array(rows.length + 1);
  rows.forEach((row, i) => (starts[i + 1] = (starts[i] as number) + row.cols.length));
  h.addRows({
    lower: Float64Array.from(rows, (r) => r.lower),
    upper: Float64Array.from(rows, (r) => r.upper),
    matrix: {
      format: 'csr',
      numRows: rows.length,
      numCols,
      starts,
      indices: Int32Array.from(rows.flatMap((r) => r.cols)),
      values: Float64Array.from(rows.flatMap((r) => r.vals)),
    },
  });
}

/** Rounds without a real gain in the objective after which a cutting-plane loop stops. */
const STALL_ROUNDS = 3;

export class CuttingPlaneLp {
  /** Every cut added so far, in order. */
  readonly cuts: Row[] = [];
  private readonly h: ReturnType<Highs['createModel']>;
  private readonly stats: HighsRunStats;

  constructor(
    private readonly highs: Highs,
    private readonly budget: SolveBudget,
    private readonly model: SparseModel,
    cost: readonly number[],
  ) {
    this.stats = { stage: 'COST_LP', columns: model.colUpper.length, rows: model.rows.length, seconds: 0, nodes: 0 };
    budget.runs.push(this.stats);
    this.h = highs.createModel();
    this.h.passModel(modelData(highs, model, cost, false));
  }

  /** The model with every cut so far as rows. */
  strengthened(): SparseModel {
    return this.cuts.length ? { ...this.model, rows: [...this.model.rows, ...this.cuts] } : this.model;
  }

  /**
   * Solves with rounds of cuts; returns the last solution, or null when the LP is infeasible.
   * Stops early when STALL_ROUNDS rounds in a row have raised the objective by less than
   * 1e-9 of it (plus one unit): cuts that no longer move the bound only cost re-solves.
   * @throws ClearingError as runHighs.
   */
  solve(separate: (colValue: Float64Array) => Row[], maxRounds: number): Solved | null {
    const objectives: number[] = [];
    for (let round = 0; ; round++) {
      this.h.options.set({ ...OPTIONS, time_limit: secondsLeft(this.budget, 'COST_LP') });
      const { modelStatus } = this.h.run();
      this.stats.seconds = this.h.getRunTime(); // cumulative over the runs of one model
      if (!checkStatus(this.highs, this.budget, 'COST_LP', modelStatus)) return null;
      const { colValue, colDual, rowDual } = this.h.getSolution();
      const objective = Number(this.h.info.get('objective_function_value'));
      objectives.push(objective);
      const before = objectives[objectives.length - 1 - STALL_ROUNDS];
      const stalled = before !== undefined && objective - before < 1e-9 * Math.abs(objective) + 1;
      const found = round < maxRounds && !stalled ? separate(colValue) : [];
      if (found.length === 0) return { colValue, colDual, rowDual };
      this.cuts.push(...found);
      this.stats.rows += found.length;
      appendRows(this.h, found, this.model.colUpper.length);
    }
  }

  dispose(): void {
    this.h.dispose();
  }
}
