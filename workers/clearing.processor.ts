import { DelayedError, UnrecoverableError, type Job, type Queue } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import { clearSpike, type ClearSpikeOutcome } from '../src/domain/clearing/clear-spike.js';
import { describeFailure, recordClearingFailure } from '../src/domain/clearing/clearing-failure.js';
import { dueSpikeIds } from '../src/domain/clearing/due-spikes.js';
import type { ClearingInput, ClearingResult } from '../src/domain/clearing/solve-clearing.js';
import type { Clock } from '../src/domain/shared/clock.js';
import { clockFor } from '../src/domain/sandbox/world-clock.js';
import type { QualityScores } from '../src/domain/quality/quality-scores.js';
import type { Logger } from '../src/logger.js';
import {
  CLEAR_JOB_OPTIONS,
  CLEAR_SPIKE,
  clearJobId,
  FAILED_RETRY_COOL_DOWN_MS,
  inBatches,
  runAtTimestamp,
  runSoon,
  SWEEP,
  type ClearingJobData,
  type ClearSpikeJob,
} from './queues.js';

export interface ClearingDeps {
  orm: MikroORM;
  clock: Clock;
  scores: QualityScores;
  logger: Logger;
  /** Producer for the sweeper's re-enqueues (the same queue the worker consumes). */
  queue: Queue<ClearingJobData>;
  /** Where the solver runs: a thread in the worker process (workers/solver.ts); in-process by default. */
  solve?: (input: ClearingInput) => Promise<ClearingResult>;
}

/**
 * Processes the clearing queue. `clear-spike` runs the `clearSpike` use case for one spike
 * (exactly once in effect; its contracts' settlements follow through the outbox); a job that fires
 * before the close time (the close moved later) waits in the delayed set until then. `sweep`
 * finds spikes that are due but uncleared in PostgreSQL and enqueues them, so that a job lost
 * with Redis never strands a spike.
 */
export function clearingProcessor(deps: ClearingDeps) {
  return async (job: Job<ClearingJobData>, token?: string): Promise<unknown> => {
    if (job.name === SWEEP) return sweep(deps);
    if (job.name !== CLEAR_SPIKE) throw new Error(`Unknown job ${job.name}`);
    const { spikeId } = job.data as ClearSpikeJob;
    // The spike's world decides "now": a sandbox spike clears on its test clock.
    const { clock } = await clockFor(deps.orm.em.fork(), deps.clock, { spikeId });
    let outcome: ClearSpikeOutcome;
    try {
      outcome = await clearSpike(deps.orm.em.fork(), clock, deps.scores, spikeId, deps.solve);
    } catch (error) {
      throw await failed({ ...deps, clock }, spikeId, error);
    }
    if (outcome.kind === 'NOT_DUE') {
      // On a test clock this waits for wall time that may never pass; the sweep after an advance promotes it.
      await job.moveToDelayed(runAtTimestamp(clock, outcome.closesAt), token);
      throw new DelayedError();
    }
    deps.logger.info({ spikeId, outcome: outcome.kind }, 'clearing job done');
    return outcome;
  };
}

/**
 * A clearing that threw: recorded where the brand sees it (clearingFailure) and logged, then
 * handed back to BullMQ (bx_job_failures_total counts it) to retry with backoff. Refused input (INVALID_INPUT) cannot succeed on a retry,
 * so its job fails at once; the sweeper still tries it again after the cool-down, in case the
 * spike's data was corrected.
 */
async function failed(deps: ClearingDeps, spikeId: string, error: unknown): Promise<Error> {
  const { code, message } = describeFailure(error);
  deps.logger.warn({ spikeId, code, err: error instanceof Error ? error.message : String(error) }, 'clearing failed');
  try {
    await recordClearingFailure(deps.orm.em.fork(), deps.clock, spikeId, error);
  } catch (recordError) {
    deps.logger.warn({ spikeId, err: (recordError as Error).message }, 'could not record the clearing failure');
  }
  if (code === 'INVALID_INPUT') return new UnrecoverableError(message);
  return error instanceof Error ? error : new Error(String(error));
}

/**
 * Makes sure every spike that is due for clearing according to PostgreSQL has a job that runs
 * now. A job may already exist under the deterministic id: waiting or running (left alone),
 * delayed to the original close of a spike closed early while Redis was down (promoted), or
 * failed (tried again after the cool-down). Exported for tests.
 */
export async function sweep(deps: ClearingDeps): Promise<{ enqueued: number }> {
  const due = await dueSpikeIds(deps.orm.em.fork(), deps.clock.now());
  const failedCoolDown = { ms: FAILED_RETRY_COOL_DOWN_MS, now: deps.clock.now().getTime() };
  const outcomes = await inBatches(due, (spikeId) =>
    runSoon(deps.queue, CLEAR_SPIKE, { spikeId }, { ...CLEAR_JOB_OPTIONS, jobId: clearJobId(spikeId) }, failedCoolDown),
  );
  const enqueued = outcomes.filter((o) => o === 'added' || o === 'promoted').length;
  if (enqueued) deps.logger.info({ enqueued, due: due.length }, 'sweeper enqueued due spikes');
  return { enqueued };
}
