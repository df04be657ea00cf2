/**
 * The clearing MILP as plain sparse data.
 *
 * Columns: x_{b,t} in [0, upper] (seats); y_{b,t} ∈ {0,1} where a minimum of m > 1 seats
 * applies, with m·y ≤ x ≤ upper·y; z_b ∈ {0,1} where a minimum total applies, with
 * Σ_t x ≥ M·z (M in seat-intervals) and x ≤ upper·z (or y ≤ z). Rows: demand per interval (with
 * an optional coverage floor), share cap per vendor and interval, and the linking rows above;
 * capacity rows that cannot bind are left out.
 *
 * Why the seat columns may be continuous: once the binaries are fixed, every remaining row on x
 * has 0/1 coefficients and its set of columns belongs to one of two laminar families (cells ⊂
 * vendor-intervals ⊂ intervals ⊂ all, and one set per bid). Such a matrix is totally unimodular,
 * and so is every face of its polytope, so every LP vertex is integral (and with integer costs
 * so are the basic duals). Only a cost row breaks this; the solver never needs one on x alone.
 */
import type { Allocation, ClearingProblem } from './problem.js';
import { emptyAllocation } from './problem.js';

export interface Row {
  lower: number;
  upper: number;
  cols: number[];
  vals: number[];
}

export interface SparseModel {
  colLower: number[];
  colUpper: number[];
  /** Integrality per column: the binaries always, the seat columns only when asked. */
  integer: boolean[];
  rows: Row[];
}

export interface ClearingModel extends SparseModel {
  /** xCol[rank][j]: column of x_{b,t}, or -1 where the bid cannot be awarded. */
  xCol: number[][];
  yCol: number[][];
  zCol: number[];
  /** Every x column with its bid rank and interval position, in column order. */
  xEntries: { col: number; rank: number; j: number }[];
}

export interface ModelOptions {
  /** Integer seat columns (the plain reference model); continuous by default. */
  integerSeats?: boolean;
  /** Per interval position: at least this many seats in total. */
  coverageFloor?: readonly number[];
}

/** Builds the MILP of a canonical problem (see module comment). Deterministic: column order follows bid rank. */
export function buildClearingModel(problem: ClearingProblem, options: ModelOptions = {}): ClearingModel {
  const m: ClearingModel = { colLower: [], colUpper: [], integer: [], rows: [], xCol: [], yCol: [], zCol: [], xEntries: [] };
  const addCol = (upper: number, integer: boolean): number => {
    m.colLower.push(0);
    m.colUpper.push(upper);
    m.integer.push(integer);
    return m.colUpper.length - 1;
  };
  for (const bid of problem.bids) {
    const xs = bid.upper.map((u, j) => {
      if (u === 0) return -1;
      const col = addCol(u, options.integerSeats ?? false);
      m.xEntries.push({ col, rank: bid.rank, j });
      return col;
    });
    const z = bid.minTotalBinding && xs.some((c) => c >= 0) ? addCol(1, true) : -1;
    const ys = bid.upper.map((u, j) => {
      const x = xs[j] as number;
      if (x < 0) return -1;
      if (bid.minSeats <= 1) {
        if (z >= 0) m.rows.push({ lower: -Infinity, upper: 0, cols: [x, z], vals: [1, -u] });
        return -1;
      }
      const y = addCol(1, true);
      m.rows.push({ lower: -Infinity, upper: 0, cols: [x, y], vals: [1, -u] });
      m.rows.push({ lower: 0, upper: Infinity, cols: [x, y], vals: [1, -bid.minSeats] });
      if (z >= 0) m.rows.push({ lower: -Infinity, upper: 0, cols: [y, z], vals: [1, -1] });
      return y;
    });
    if (z >= 0) {
      // Awards are whole seat-intervals, so Σ q·x ≥ M_quarters ⇔ Σ x ≥ ceil(M_quarters / q).
      const cols = xs.filter((c) => c >= 0);
      const minIntervals = Math.ceil(bid.minTotalQuarters / problem.quarters);
      m.rows.push({ lower: 0, upper: Infinity, cols: [...cols, z], vals: [...cols.map(() => 1), -minIntervals] });
    }
    m.xCol.push(xs);
    m.yCol.push(ys);
    m.zCol.push(z);
  }
  const byVendor = problem.vendors.map((_, v) => problem.bids.filter((b) => b.vendorPos === v));
  problem.intervals.forEach((interval, j) => {
    addCapacityRow(m, problem.bids, j, interval.required, options.coverageFloor?.[j] ?? 0);
    byVendor.forEach((own, v) => addCapacityRow(m, own, j, problem.vendorCaps[v]?.[j] as number, 0));
  });
  return m;
}

/** Σ x of the given bids in interval j within [floor, cap]; left out where it cannot bind. */
function addCapacityRow(m: ClearingModel, bids: ClearingProblem['bids'], j: number, cap: number, floor: number): void {
  const cols = bids.map((b) => m.xCol[b.rank]?.[j] as number).filter((c) => c >= 0);
  const reach = bids.reduce((s, b) => s + (b.upper[j] as number), 0);
  if ((cols.length >= 2 && reach > cap) || (cols.length >= 1 && floor > 0)) {
    m.rows.push({ lower: floor > 0 ? floor : -Infinity, upper: cap, cols, vals: cols.map(() => 1) });
  }
}

/** Full column vector for a feasible allocation: x as given, y = [x > 0], z = [any x > 0]. */
export function columnValues(model: ClearingModel, allocation: Allocation): number[] {
  const values: number[] = Array.from({ length: model.colUpper.length }, () => 0);
  model.xCol.forEach((row, rank) => {
    let any = false;
    row.forEach((col, j) => {
      const x = allocation[rank]?.[j] ?? 0;
      if (col >= 0) values[col] = x;
      const y = model.yCol[rank]?.[j] ?? -1;
      if (y >= 0) values[y] = x > 0 ? 1 : 0;
      any ||= x > 0;
    });
    const z = model.zCol[rank] ?? -1;
    if (z >= 0) values[z] = any ? 1 : 0;
  });
  return values;
}

/** Reads an allocation from column values; null when some seat value is not integral. */
export function allocationFrom(problem: ClearingProblem, model: ClearingModel, values: ArrayLike<number>): Allocation | null {
  const allocation = emptyAllocation(problem);
  for (const { col, rank, j } of model.xEntries) {
    const value = values[col] as number;
    const seats = Math.round(value);
    if (Math.abs(value - seats) > 1e-5) return null;
    (allocation[rank] as number[])[j] = seats;
  }
  return allocation;
}

/** Column costs over the seat columns of `model`, zero elsewhere, for a model of `width` columns. */
export function seatCosts(model: ClearingModel, width: number, cost: (e: ClearingModel['xEntries'][number]) => number): number[] {
  const out: number[] = Array.from({ length: width }, () => 0);
  for (const e of model.xEntries) out[e.col] = cost(e);
  return out;
}
