import { Worker } from 'node:worker_threads';
import { ClearingError, type ClearingErrorCode, type ClearingInput, type ClearingResult } from '../src/domain/clearing/solve-clearing.js';
import type { Logger } from '../src/logger.js';

export interface SolverThread {
  solve(input: ClearingInput): Promise<ClearingResult>;
  close(): Promise<void>;
}

interface Reply {
  id: number;
  result?: ClearingResult;
  error?: { name?: string; message: string; code?: string; field?: string };
}

/**
 * Runs clearings on a worker thread of their own, one after the other.
 *
 * HiGHS is synchronous WebAssembly: on the worker process's event loop a solve of a large spike
 * (tens of seconds, up to the 120 s time limit) stops everything else, including BullMQ's lock
 * renewals. The job's lock then lapses, the job is declared stalled and run again by another
 * worker (or failed as "stalled more than allowable limit"), the process's other jobs stall too,
 * and /healthz stops answering. On a thread the event loop stays free. The thread is started on
 * the first solve and started again if it dies (its solves in progress fail, and BullMQ retries
 * them). ClearingErrors keep their class and code across the thread boundary.
 */
export function createSolverThread(logger: Logger): SolverThread {
  // The same module format as this file: .ts under tsx (development, tests), .js when built.
  const entry = new URL(`./solver-thread${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);
  const pending = new Map<number, { resolve: (r: ClearingResult) => void; reject: (e: Error) => void }>();
  let thread: Worker | null = null;
  let nextId = 0;

  const failAll = (error: Error) => {
    for (const { reject } of pending.values()) reject(error);
    pending.clear();
  };
  const start = (): Worker => {
    const started = new Worker(entry);
    started.unref(); // an idle solver never keeps the process alive
    started.on('message', ({ id, result, error }: Reply) => {
      const waiting = pending.get(id);
      if (!waiting) return;
      pending.delete(id);
      if (!error) return waiting.resolve(result!);
      waiting.reject(
        error.name === 'ClearingError'
          ? new ClearingError(error.code as ClearingErrorCode, error.message, error.field)
          : Object.assign(new Error(error.message), { name: error.name ?? 'Error' }),
      );
    });
    started.on('error', (error) => {
      logger.error({ err: error.message }, 'clearing solver thread failed');
    });
    started.on('exit', (code) => {
      if (thread === started) thread = null;
      failAll(new Error(`The clearing solver thread exited (code ${code})`));
    });
    return started;
  };

  return {
    solve(input) {
      thread ??= start();
      const id = nextId++;
      return new Promise<ClearingResult>((resolve, reject) => {
        pending.set(id, { resolve, reject });
        thread!.postMessage({ id, input });
      });
    },
    async close() {
      const running = thread;
      thread = null;
      if (running) await running.terminate();
    },
  };
}
