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
  const implied = impliedBounds(problem, options.coverageFloor);
  const addCol = (upper: number, integer: boolean, lower = 0): number => {
    m.colLower.push(lower);
    m.colUpper.push(upper);
    m.integer.push(integer);
    return m.colUpper.length - 1;
  };
  for (const bid of problem.bids) {
    const lo = implied.lower[bid.rank] as number[];
    const hi = implied.upper[bid.rank] as number[];
    // Column layout follows bid.upper only (models with and without floors share it); the
    // implied bounds only tighten the column bounds and the linking coefficients.
    const xs = bid.upper.map((u, j) => {
      if (u === 0) return -1;
      const col = addCol(hi[j] as number, options.integerSeats ?? false, lo[j] as number);
      m.xEntries.push({ col, rank: bid.rank, j });
      return col;
    });
    const forced = lo.some((l) => l > 0);
    const open = hi.some((h) => h > 0);
    const z = bid.minTotalBinding && xs.some((c) => c >= 0) ? addCol(open ? 1 : 0, true, forced ? 1 : 0) : -1;
    const ys = bid.upper.map((_, j) => {
      const x = xs[j] as number;
      if (x < 0) return -1;
      const u = hi[j] as number;
      if (bid.minSeats <= 1) {
        if (z >= 0) m.rows.push({ lower: -Infinity, upper: 0, cols: [x, z], vals: [1, -u] });
        return -1;
      }
      const y = addCol(u > 0 ? 1 : 0, true, (lo[j] as number) > 0 ? 1 : 0);
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

/**
 * Bounds on x_{b,t} implied by the rows (domain propagation, as a MILP presolve does): every
 * feasible integer solution of the model, with its coverage floors, lies within them.
 * - A floor F_t that the other bids cannot reach on their own (each vendor at most its cap)
 *   forces x_{b,t} ≥ F_t − reach of the others, and then ≥ minSeats since x > 0.
 * - Seats forced elsewhere lower what demand and the share cap leave: x_{b,t} ≤ required_t −
 *   Σ forced others, ≤ cap_v − Σ forced others of v; below minSeats that is 0.
 * - A bid with a forced award and a minimum total needs x_{b,t} ≥ M − Σ_{s≠t} upper_{b,s};
 *   one whose uppers no longer reach M gets nothing.
 * Repeated to a fixed point. On a contradiction the model is infeasible anyway: the plain
 * bounds are returned so the solver reports it.
 */
export function impliedBounds(problem: ClearingProblem, floors?: readonly number[]): { lower: number[][]; upper: number[][] } {
  const plain = { lower: problem.bids.map((b) => b.upper.map(() => 0)), upper: problem.bids.map((b) => [...b.upper]) };
  const lower = plain.lower.map((r) => [...r]);
  const upper = plain.upper.map((r) => [...r]);
  const vendorCount = problem.vendors.length;
  for (let pass = 0; pass < 50; pass++) {
    let changed = false;
    const raise = (rank: number, j: number, value: number): void => {
      const row = lower[rank] as number[];
      if (value > (row[j] as number)) {
        row[j] = value;
        changed = true;
      }
    };
    const cut = (rank: number, j: number, value: number): void => {
      const row = upper[rank] as number[];
      if (value < (row[j] as number)) {
        row[j] = value;
        changed = true;
      }
    };
    for (let j = 0; j < problem.intervals.length; j++) {
      const required = problem.intervals[j]?.required as number;
      const floor = floors?.[j] ?? 0;
      const supply = Array.from({ length: vendorCount }, () => 0);
      const forcedV = Array.from({ length: vendorCount }, () => 0);
      let forced = 0;
      for (const b of problem.bids) {
        supply[b.vendorPos] = (supply[b.vendorPos] as number) + (upper[b.rank]?.[j] as number);
        forcedV[b.vendorPos] = (forcedV[b.vendorPos] as number) + (lower[b.rank]?.[j] as number);
        forced += lower[b.rank]?.[j] as number;
      }
      const capOf = (v: number): number => problem.vendorCaps[v]?.[j] as number;
      const reach = supply.reduce((s, sv, v) => s + Math.min(capOf(v), sv), 0);
      for (const b of problem.bids) {
        const u = upper[b.rank]?.[j] as number;
        const l = lower[b.rank]?.[j] as number;
        if (u === 0) continue;
        const v = b.vendorPos;
        const sv = supply[v] as number;
        const others = reach - Math.min(capOf(v), sv) + Math.min(capOf(v), sv - u);
        const need = floor - others;
        if (need > 0) raise(b.rank, j, Math.max(need, b.minSeats));
        let most = Math.min(u, required - (forced - l), capOf(v) - ((forcedV[v] as number) - l));
        if (most < b.minSeats) most = 0;
        cut(b.rank, j, most);
      }
    }
    for (const b of problem.bids) {
      if (!b.minTotalBinding) continue;
      const lo = lower[b.rank] as number[];
      const up = upper[b.rank] as number[];
      const minIntervals = Math.ceil(b.minTotalQuarters / problem.quarters);
      const total = up.reduce((s, u) => s + u, 0);
      if (total < minIntervals) up.forEach((_, j) => cut(b.rank, j, 0));
      else if (lo.some((l) => l > 0)) {
        up.forEach((u, j) => {
          const need = minIntervals - (total - u);
          if (need > 0) raise(b.rank, j, Math.max(need, b.minSeats));
        });
      }
    }
    if (lower.some((r, rank) => r.some((l, j) => l > (upper[rank]?.[j] as number)))) return plain;
    if (!changed) break;
  }
  return { lower, upper };
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
