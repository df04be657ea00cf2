/**
 * Worker-thread entry point that runs `solveClearing` for the clearing worker (see solver.ts). The
 * solver is synchronous WebAssembly: here it blocks only this thread.
 */
import { parentPort } from 'node:worker_threads';
import { solveClearing, type ClearingInput } from '../src/domain/clearing/solve-clearing.js';

parentPort!.on('message', async ({ id, input }: { id: number; input: ClearingInput }) => {
  try {
    parentPort!.postMessage({ id, result: await solveClearing(input) });
  } catch (error) {
    const { name, message, code, field } = error as { name?: string; message?: string; code?: string; field?: string };
    parentPort!.postMessage({ id, error: { name, message: message ?? String(error), code, field } });
  }
});
