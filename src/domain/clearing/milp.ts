/**
 * Exact clearing of the coupled problem with HiGHS (WebAssembly), in three lexicographic stages
 * on one persistent model:
 *
 * 1. maximise Σ x                      → C* (covered seat-intervals)
 * 2. add Σ x ≥ C*, minimise Σ c·x      → K* (c = adjusted rate units × quarters per interval)
 * 3. add Σ c·x ≤ K*, minimise Σ rank·x (tie-break: earlier submissions first)
 *
 * Every stage objective has integer coefficients on integer columns (binaries cost 0), so every
 * feasible objective value is an integer and an absolute gap below 1 proves exact optimality:
 * no big-M weighting, no precision traded between objectives. Each stage is started from the
 * previous stage's solution, which stays feasible after the new row.
 *
 * Invariant: each stage's rounded solution is re-checked in exact integer arithmetic
 * (feasibility, C*, K*); any disagreement with the solver is SOLVER_FAILED, never a partial award.
 */
import { createRequire } from 'node:module';
import type { Highs, InitOptions, Model, VariableType } from 'highs';
import { ClearingError } from './clearing-error.js';
import { allocationObjectives, allocationViolation } from './allocation-check.js';
import { greedyWithRepair } from './greedy.js';
import { emptyAllocation, type Allocation, type ClearingProblem } from './problem.js';

export interface HighsStageStats {
  stage: 'COVERAGE' | 'COST' | 'TIE_BREAK';
  /** Objective of the stage as an exact integer (seat-intervals, cost units or tie score). */
  objective: number;
  seconds: number;
  mipGap: number;
  nodes: number;
}

export interface HighsSolveStats {
  columns: number;
  integerColumns: number;
  rows: number;
  stages: HighsStageStats[];
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

const INTEGER: VariableType = 1; // highs.constants.variableType.integer

interface Row { lower: number; upper: number; cols: number[]; vals: number[] }

interface BuiltModel {
  colLower: number[];
  colUpper: number[];
  integrality: VariableType[];
  rows: Row[];
  /** xCol[rank][j]: column of x_{b,t}, or -1 where the bid cannot be awarded. */
  xCol: number[][];
  /** Columns of the binaries y_{b,t} (minimum seats) and z_b (minimum total), for MIP starts. */
  yCol: number[][];
  zCol: number[];
}

/** x_{b,t} integer in [0, upper]; y_{b,t} ∈ {0,1} with m·y ≤ x ≤ upper·y; z_b ∈ {0,1} with Σ q·x ≥ M·z and x ≤ upper·z. */
function buildModel(problem: ClearingProblem): BuiltModel {
  const m: BuiltModel = { colLower: [], colUpper: [], integrality: [], rows: [], xCol: [], yCol: [], zCol: [] };
  const addCol = (upper: number): number => {
    m.colLower.push(0);
    m.colUpper.push(upper);
    m.integrality.push(INTEGER);
    return m.colUpper.length - 1;
  };
  for (const bid of problem.bids) {
    const xs = bid.upper.map((u) => (u > 0 ? addCol(u) : -1));
    const z = bid.minTotalBinding && xs.some((c) => c >= 0) ? addCol(1) : -1;
    const ys = bid.upper.map((u, j) => {
      const x = xs[j] as number;
      if (x < 0) return -1;
      if (bid.minSeats <= 1) {
        if (z >= 0) m.rows.push({ lower: -Infinity, upper: 0, cols: [x, z], vals: [1, -u] });
        return -1;
      }
      const y = addCol(1);
      m.rows.push({ lower: -Infinity, upper: 0, cols: [x, y], vals: [1, -u] });
      m.rows.push({ lower: 0, upper: Infinity, cols: [x, y], vals: [1, -bid.minSeats] });
      if (z >= 0) m.rows.push({ lower: -Infinity, upper: 0, cols: [y, z], vals: [1, -1] });
      return y;
    });
    if (z >= 0) {
      const cols = xs.filter((c) => c >= 0);
      m.rows.push({
        lower: 0,
        upper: Infinity,
        cols: [...cols, z],
        vals: [...cols.map(() => problem.quarters), -bid.minTotalQuarters],
      });
    }
    m.xCol.push(xs);
    m.yCol.push(ys);
    m.zCol.push(z);
  }
  problem.intervals.forEach((interval, j) => {
    // Rows that cannot bind (their columns' bounds already imply them) are left out.
    addCapacityRow(m, problem, problem.bids, j, interval.required);
    problem.vendors.forEach((_, v) => {
      const own = problem.bids.filter((b) => b.vendorPos === v);
      addCapacityRow(m, problem, own, j, problem.vendorCaps[v]?.[j] as number);
    });
  });
  return m;
}

function addCapacityRow(m: BuiltModel, problem: ClearingProblem, bids: ClearingProblem['bids'], j: number, cap: number): void {
  const cols = bids.map((b) => m.xCol[b.rank]?.[j] as number).filter((c) => c >= 0);
  const reach = bids.reduce((s, b) => s + (b.upper[j] as number), 0);
  if (cols.length >= 2 && reach > cap) m.rows.push({ lower: -Infinity, upper: cap, cols, vals: cols.map(() => 1) });
}

/**
 * Solves the coupled problem to a proven lexicographic optimum.
 * @throws ClearingError SOLVER_TIMEOUT or SOLVER_FAILED.
 */
export async function solveWithHighs(problem: ClearingProblem): Promise<{ allocation: Allocation; stats: HighsSolveStats }> {
  const highs = await loadHighs();
  const built = buildModel(problem);
  const xEntries = built.xCol.flatMap((row, rank) => row.map((col, j) => ({ col, rank, j }))).filter((e) => e.col >= 0);
  const numCols = built.colUpper.length;
  const stats: HighsSolveStats = {
    columns: numCols,
    integerColumns: numCols,
    rows: built.rows.length,
    stages: [],
  };
  let model: Model | undefined;
  try {
    model = highs.createModel();
    model.options.set({
      output_flag: false,
      // Cumulative over the three runs: HiGHS clocks are not reset between runs.
      time_limit: problem.timeLimitSeconds,
      mip_rel_gap: 0,
      // Integer objective values: a gap below 1 proves the incumbent optimal.
      mip_abs_gap: 0.5,
      random_seed: 0,
      // Feasibility jump costs ~7 ms per run even on tiny models; every stage gets a feasible start instead.
      mip_heuristic_run_feasibility_jump: false,
    });
    const xCols = xEntries.map((e) => e.col);
    const unit = xEntries.map(() => 1);
    const rows = built.rows;
    const coverageCost = new Array<number>(numCols).fill(0);
    for (const col of xCols) coverageCost[col] = 1;
    const starts = [0];
    for (const r of rows) starts.push((starts[starts.length - 1] as number) + r.cols.length);
    model.passModel({
      numCols,
      numRows: rows.length,
      sense: highs.constants.objectiveSense.maximize,
      colCost: coverageCost,
      colLower: built.colLower,
      colUpper: built.colUpper,
      rowLower: rows.map((r) => r.lower),
      rowUpper: rows.map((r) => r.upper),
      matrix: {
        format: 'csr',
        numRows: rows.length,
        numCols,
        starts,
        indices: rows.flatMap((r) => r.cols),
        values: rows.flatMap((r) => r.vals),
      },
      integrality: built.integrality,
    });
    const columnsOf = (allocation: Allocation): number[] => columnValues(built, allocation, numCols);

    // Stage 1: coverage.
    let allocation = await runStage(highs, model, problem, built, 'COVERAGE', columnsOf(greedyWithRepair(problem)), stats);
    const best = allocationObjectives(problem, allocation);

    // Stage 2: cost, at full coverage.
    model.addRow(best.seats, Infinity, { indices: xCols, values: unit });
    model.changeObjectiveSense(highs.constants.objectiveSense.minimize);
    const costs = xEntries.map((e) => (problem.bids[e.rank]?.adjustedRateUnits as number) * problem.quarters);
    model.changeColsCost({ kind: 'set', indices: xCols }, costs);
    allocation = await runStage(highs, model, problem, built, 'COST', columnsOf(allocation), stats);
    const atCost = allocationObjectives(problem, allocation);
    if (atCost.seats !== best.seats) throw inconsistent('coverage changed in the cost stage');

    // Stage 3: tie-break, at full coverage and minimal cost.
    model.addRow(-Infinity, atCost.costUnits, { indices: xCols, values: costs });
    model.changeColsCost({ kind: 'set', indices: xCols }, xEntries.map((e) => e.rank));
    const tied = await runStage(highs, model, problem, built, 'TIE_BREAK', columnsOf(allocation), stats);
    const atTie = allocationObjectives(problem, tied);
    if (atTie.seats !== best.seats || atTie.costUnits !== atCost.costUnits) {
      throw inconsistent('coverage or cost changed in the tie-break stage');
    }
    return { allocation: tied, stats };
  } catch (error) {
    if (error instanceof ClearingError) throw error;
    throw new ClearingError('SOLVER_FAILED', `HiGHS failed: ${error instanceof Error ? error.message : String(error)}`);
  } finally {
    model?.dispose();
  }
}

function inconsistent(what: string): ClearingError {
  return new ClearingError('SOLVER_FAILED', `HiGHS stages are inconsistent: ${what}`);
}

async function runStage(
  highs: Highs,
  model: Model,
  problem: ClearingProblem,
  built: BuiltModel,
  stage: HighsStageStats['stage'],
  start: number[],
  stats: HighsSolveStats,
): Promise<Allocation> {
  model.setSolution({ colValue: start });
  const before = model.getRunTime();
  if (process.env.HIGHS_LOG) model.options.set({ output_flag: true });
  if (process.env.HIGHS_DUMP) { (await import('node:fs')).writeFileSync(`${process.env.HIGHS_DUMP}-${stage}.lp`, model.exportModel('lp')); (await import('node:fs')).writeFileSync(`${process.env.HIGHS_DUMP}-${stage}.json`, JSON.stringify(start)); }
  const { modelStatus } = model.run(process.env.HIGHS_LOG ? { [highs.constants.callbackType.logging]: (e: any) => process.stdout.write(String(e.message ?? '')) } : undefined);
  const status = highs.constants.modelStatus;
  if (modelStatus === status.timeLimit) {
    throw new ClearingError('SOLVER_TIMEOUT', `HiGHS hit the ${problem.timeLimitSeconds} s time limit in the ${stage} stage`);
  }
  if (modelStatus !== status.optimal) {
    throw new ClearingError('SOLVER_FAILED', `HiGHS ended the ${stage} stage with model status ${modelStatus}`);
  }
  const values = model.getSolution().colValue;
  const allocation = emptyAllocation(problem);
  built.xCol.forEach((row, rank) =>
    row.forEach((col, j) => {
      if (col < 0) return;
      const value = values[col] as number;
      const seats = Math.round(value);
      if (Math.abs(value - seats) > 1e-5) throw inconsistent(`fractional seats ${value} in the ${stage} stage`);
      (allocation[rank] as number[])[j] = seats;
    }),
  );
  const violation = allocationViolation(problem, allocation);
  if (violation) throw inconsistent(`${stage} stage solution is infeasible (${violation})`);
  const objectives = allocationObjectives(problem, allocation);
  stats.stages.push({
    stage,
    objective: stage === 'COVERAGE' ? objectives.seats : stage === 'COST' ? objectives.costUnits : objectives.tieScore,
    seconds: model.getRunTime() - before,
    mipGap: Number(model.info.get('mip_gap')),
    nodes: Number(model.info.get('mip_node_count')),
  });
  return allocation;
}

/** Full column vector for a feasible allocation: x as given, y = [x > 0], z = [any x > 0]. */
function columnValues(built: BuiltModel, allocation: Allocation, numCols: number): number[] {
  const values = new Array<number>(numCols).fill(0);
  built.xCol.forEach((row, rank) => {
    let any = false;
    row.forEach((col, j) => {
      const x = allocation[rank]?.[j] ?? 0;
      if (col >= 0) values[col] = x;
      const y = built.yCol[rank]?.[j] ?? -1;
      if (y >= 0) values[y] = x > 0 ? 1 : 0;
      any ||= x > 0;
    });
    const z = built.zCol[rank] ?? -1;
    if (z >= 0) values[z] = any ? 1 : 0;
  });
  return values;
}
