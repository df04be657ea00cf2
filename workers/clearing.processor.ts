import { DelayedError, UnrecoverableError, type Job, type Queue } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import { awardSpike } from '../src/domain/clearing/award-spike.js';
import { describeFailure, recordClearingFailure } from '../src/domain/clearing/clearing-failure.js';
import type { ClearingInput, ClearingResult } from '../src/domain/clearing/solve-clearing.js';
import type { Clock } from '../src/domain/shared/clock.js';
import type { QualityScores } from '../src/domain/quality/quality-scores.js';
import type { Logger } from '../src/logger.js';
import {
  CLEAR_JOB_OPTIONS,
  CLEAR_SPIKE,
  clearJobId,
  FAILED_RETRY_COOL_DOWN_MS,
  inBatches,
  runSoon,
  SWEEP,
  type ClearingJobData,
  type ClearSpikeJob,
} from './queues.js';
import type { SettlementScheduler } from '../src/domain/settlement/settlement-scheduler.js';
import { ContractSchema } from '../src/persistence/entities/contracts.js';

export interface ClearingDeps {
  orm: MikroORM;
  clock: Clock;
  scores: QualityScores;
  logger: Logger;
  /** Producer for the sweeper's re-enqueues (the same queue the worker consumes). */
  queue: Queue<ClearingJobData>;
  /** Where new contracts' settlements are scheduled; optional (the settlement sweeper backs it up). */
  settlement?: SettlementScheduler;
  settlementGraceMs?: number;
  /** Where the solver runs: a thread in the worker process (workers/solver.ts); in-process by default. */
  solve?: (input: ClearingInput) => Promise<ClearingResult>;
}

/**
 * Processes the clearing queue. `clear-spike` clears one spike (exactly once in effect: see
 * awardSpike); a job that fires before the close time (the close moved later) waits in the
 * delayed set until then. `sweep` finds spikes that are due but uncleared in PostgreSQL and
 * enqueues them, so that a job lost with Redis never strands a spike.
 */
export function clearingProcessor(deps: ClearingDeps) {
  return async (job: Job<ClearingJobData>, token?: string): Promise<unknown> => {
    if (job.name === SWEEP) return sweep(deps);
    if (job.name !== CLEAR_SPIKE) throw new Error(`Unknown job ${job.name}`);
    const { spikeId } = job.data as ClearSpikeJob;
    let outcome: Awaited<ReturnType<typeof awardSpike>>;
    try {
      outcome = await awardSpike(deps.orm.em.fork(), deps.clock, deps.scores, spikeId, deps.solve);
    } catch (error) {
      throw await failed(deps, spikeId, error);
    }
    if (outcome.kind === 'NOT_DUE') {
      await job.moveToDelayed(outcome.closesAt.getTime(), token);
      throw new DelayedError();
    }
    deps.logger.info({ spikeId, outcome: outcome.kind }, 'clearing job done');
    if (outcome.kind === 'AWARDED' && deps.settlement) await scheduleSettlements(deps, outcome.contractIds);
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

/** After commit: one delayed settlement job per new contract, due at its end plus the grace period. */
async function scheduleSettlements(deps: ClearingDeps, contractIds: string[]): Promise<void> {
  if (!contractIds.length) return;
  const contracts = await deps.orm.em.fork().find(ContractSchema, { id: { $in: contractIds } }, { fields: ['id', 'endsAt'] });
  try {
    for (const c of contracts) await deps.settlement!.scheduleAt(c.id, new Date(c.endsAt.getTime() + (deps.settlementGraceMs ?? 0)));
  } catch (err) {
    deps.logger.warn({ err: (err as Error).message }, 'could not schedule settlements; the settlement sweeper will find them');
  }
}

/**
 * Makes sure every spike that is due for clearing according to PostgreSQL has a job that runs
 * now. A job may already exist under the deterministic id: waiting or running (left alone),
 * delayed to the original close of a spike closed early while Redis was down (promoted), or
 * failed (tried again after the cool-down). Exported for tests.
 */
export async function sweep(deps: ClearingDeps): Promise<{ enqueued: number }> {
  const rows = await deps.orm.em
    .fork()
    .getConnection()
    .execute<{ id: string }[]>(
      `select s.id from demand_spike s
      where (s.status = 'OPEN' and s.bidding_closes_at <= ?)
         or (s.status = 'CLOSED' and not exists (select 1 from clearing_result r where r.spike_id = s.id))
      order by s.bidding_closes_at limit 500`,
      [deps.clock.now()],
    );
  const now = deps.clock.now().getTime();
  const outcomes = await inBatches(rows, ({ id }) =>
    runSoon(deps.queue, CLEAR_SPIKE, { spikeId: id }, { ...CLEAR_JOB_OPTIONS, jobId: clearJobId(id) }, FAILED_RETRY_COOL_DOWN_MS, now),
  );
  const enqueued = outcomes.filter((o) => o === 'added' || o === 'promoted').length;
  if (enqueued) deps.logger.info({ enqueued, due: rows.length }, 'sweeper enqueued due spikes');
  return { enqueued };
}
