/**
 * Coverage cuts must hold at every integer point of the model, whatever LP point they were
 * separated from: checked by enumerating every allocation of small random spikes, with LP optima
 * under random costs as separation points.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { greedyAllocation } from './greedy.js';
import { loadHighs, runHighs } from './highs-runner.js';
import { separateCoverageCuts } from './milp-cuts.js';
import { buildClearingModel, columnValues } from './milp-model.js';
import { allocations, feasibleIn, rowHolds, smallSpikeArb } from '../../../test/support/clearing/model-enumeration.js';
import { normalizeInput } from './problem.js';

const spikeArb = smallSpikeArb({
  intervals: { min: 1, max: 2 },
  required: { min: 2, max: 6 },
  bids: { min: 2, max: 4 },
  maxSeats: 4,
  minSeatsFreq: 1,
  minTotals: [0.5, 0.75, 1],
  minTotalFreq: 3,
});

describe('coverage cuts', () => {
  it('hold at every integer solution of the model', async () => {
    const highs = await loadHighs();
    let cutsChecked = 0;
    let pointsChecked = 0;
    fc.assert(
      fc.property(spikeArb, fc.array(fc.double({ min: 0, max: 1, noNaN: true }), { minLength: 40, maxLength: 40 }), (input, noise) => {
        const problem = normalizeInput(input);
        const relaxed = greedyAllocation(problem);
        const floors = problem.intervals.map((_, j) => problem.bids.reduce((s, b) => s + (relaxed[b.rank]?.[j] ?? 0), 0));
        const model = buildClearingModel(problem, { coverageFloor: floors });
        // Separation points: LP optima of the model under random seat costs (where the cuts matter).
        const cost = model.colUpper.map((_, j) => (model.integer[j] ? 0 : 1 + (noise[j % noise.length] as number)));
        const lp = runHighs(highs, { deadline: performance.now() + 10_000, limitSeconds: 10, runs: [] }, 'COST_LP', model, cost, false, null);
        if (!lp) return;
        // Also the same point with its binaries shrunk: any point may be separated from, and this
        // one is violated more often.
        const shrunk = lp.colValue.map((v, j) => (model.integer[j] ? v * (noise[(j + 7) % noise.length] as number) : v));
        const separated = [lp.colValue, shrunk].map((point) => ({ point, cuts: separateCoverageCuts(problem, model, floors, point) }));
        const cuts = separated.flatMap((s) => s.cuts);
        if (cuts.length === 0) return;
        const offered = problem.bids.map((b) => [...b.upper]);
        for (const allocation of allocations(offered)) {
          const values = columnValues(model, allocation);
          if (!feasibleIn(model, values)) continue;
          pointsChecked += 1;
          for (const cut of cuts) expect(rowHolds(cut, values), JSON.stringify({ cut, allocation })).toBe(true);
        }
        cutsChecked += cuts.length;
        // A cut is only returned when it is violated by the point it was separated from.
        for (const { point, cuts: own } of separated) for (const cut of own) expect(rowHolds(cut, Array.from(point))).toBe(false);
      }),
      { numRuns: 3000, seed: 20_261_125 },
    );
    // The generator must really produce cuts and feasible points to check them against.
    expect(cutsChecked).toBeGreaterThan(300);
    expect(pointsChecked).toBeGreaterThan(1000);
  }, 60_000);
});
