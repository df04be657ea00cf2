import type { Queue } from 'bullmq';
import type { AnyInternalEvent } from '../src/domain/events/internal-events.js';
import {
  CLEAR_JOB_OPTIONS,
  CLEAR_SPIKE,
  clearJobId,
  RECOMPUTE_JOB_OPTIONS,
  RECOMPUTE_SCORES,
  recomputeJobId,
  runSoon,
  SETTLE_CONTRACT,
  SETTLE_JOB_OPTIONS,
  settleJobId,
  SWEEP,
  type ClearingJobData,
  type QualityJobData,
  type Queues,
  type SettlementJobData,
} from './queues.js';

/**
 * After-commit work: what each internal event asks the workers to do, as jobs with deterministic
 * ids. The outbox relay is the only caller in production (outbox-relay.ts); resolvers, HTTP routes
 * and processors never enqueue follow-ups themselves. Job ids make a second relay of the same
 * event harmless, and the sweepers re-find in PostgreSQL whatever a lost job would have done.
 *
 * Delays are measured on the clock of the use case that wrote the event: the work is due at a
 * time of that clock (a close time, an end plus grace), so it runs that long after the change,
 * which the event's `createdAt` dates. Relaying the event late (Redis was down) makes the job
 * late by as much; the sweepers bound that lateness to one sweep once Redis is back.
 */

/** Clears the spike `delayMs` from now, replacing a delayed job for an earlier close time (a re-timed close). */
export async function clearSpikeAt(queue: Queue<ClearingJobData>, spikeId: string, delayMs: number): Promise<void> {
  const jobId = clearJobId(spikeId);
  const existing = await queue.getJob(jobId);
  if (existing && (await existing.isDelayed())) await existing.remove();
  await queue.add(CLEAR_SPIKE, { spikeId }, { ...CLEAR_JOB_OPTIONS, jobId, delay: Math.max(0, delayMs) });
}

/** Clears the spike as soon as a worker is free (bidding closed early). */
export async function clearSpikeSoon(queue: Queue<ClearingJobData>, spikeId: string): Promise<void> {
  await runSoon(queue, CLEAR_SPIKE, { spikeId }, { ...CLEAR_JOB_OPTIONS, jobId: clearJobId(spikeId) });
}

/** Settles the contract `delayMs` from now (its end plus the grace period); an existing job for it is left as it is. */
export async function settleContractAt(queue: Queue<SettlementJobData>, contractId: string, delayMs: number): Promise<void> {
  await queue.add(SETTLE_CONTRACT, { contractId }, { ...SETTLE_JOB_OPTIONS, jobId: settleJobId(contractId), delay: Math.max(0, delayMs) });
}

/**
 * Settles (or adjusts) the contract as soon as a worker is free: a delayed job is promoted, one
 * that failed for good is replaced, and otherwise a job is added that settles even before the end
 * plus grace period (late actuals on a settled contract are due at once).
 */
export async function settleContractSoon(queue: Queue<SettlementJobData>, contractId: string): Promise<void> {
  const jobId = settleJobId(contractId);
  const existing = await queue.getJob(jobId);
  const state = existing ? await existing.getState() : null;
  if (state === 'delayed') return void (await existing!.promote());
  if (state === 'failed') await existing!.remove();
  await queue.add(SETTLE_CONTRACT, { contractId, force: true }, { ...SETTLE_JOB_OPTIONS, jobId });
}

/** Recomputes every score as soon as the quality worker is free; `requestId` names the request (see recomputeJobId). */
export async function recomputeScoresSoon(queue: Queue<QualityJobData>, requestId: string): Promise<void> {
  await queue.add(RECOMPUTE_SCORES, {}, { ...RECOMPUTE_JOB_OPTIONS, jobId: recomputeJobId(requestId) });
}

/** Names the follow-up jobs of one advance of one sandbox's clock (a second relay of the event adds none). */
export const advanceJobId = (sandboxId: string, advance: number) => `sandbox-advance-${sandboxId}-${advance}`;

/** After a test clock advance: a clearing and a settlement sweep now, a rescore of the sandbox, and its webhook retries that fell due. */
export async function afterAdvance(queues: AfterCommitQueues, sandboxId: string, jobId: string): Promise<void> {
  const sweep = { sweep: true as const };
  await Promise.all([
    queues.webhooks?.add(SWEEP, { sweep: true, sandboxId }, { jobId, removeOnComplete: { age: 3_600 }, removeOnFail: { age: 24 * 3_600 } }),
    queues.clearing.add(SWEEP, sweep, { jobId, removeOnComplete: { age: 3_600 }, removeOnFail: { age: 24 * 3_600 } }),
    queues.settlement.add(SWEEP, sweep, { jobId, removeOnComplete: { age: 3_600 }, removeOnFail: { age: 24 * 3_600 } }),
    queues.quality.add(RECOMPUTE_SCORES, { sandboxId }, { ...RECOMPUTE_JOB_OPTIONS, jobId }),
  ]);
}

export interface AfterCommitSettings {
  /** Settlement is due this long after a contract's last interval ends. */
  settlementGraceMs: number;
}

/**
 * Turns a batch of internal events, in outbox order, into jobs. Per job id the last event decides
 * (a close moved twice, then closed early: clear now), so the jobs can be added in parallel; the
 * rescore requests of the whole batch make one job, named after the newest of them.
 */
/** The queues after-commit work adds to (webhooks for a sandbox's retries after an advance). */
export type AfterCommitQueues = Pick<Queues, 'clearing' | 'settlement' | 'quality'> & Partial<Pick<Queues, 'webhooks'>>;

export function afterCommit(queues: AfterCommitQueues, settings: AfterCommitSettings) {
  return async (events: readonly AnyInternalEvent[]): Promise<void> => {
    const work = new Map<string, () => Promise<void>>();
    let rescore: string | null = null;
    for (const event of events) {
      const sinceChange = (at: number) => at - Date.parse(event.createdAt);
      switch (event.type) {
        case 'spike.opened':
        case 'spike.close_moved': {
          const { spikeId, biddingClosesAt } = event.data;
          work.set(clearJobId(spikeId), () => clearSpikeAt(queues.clearing, spikeId, sinceChange(Date.parse(biddingClosesAt))));
          break;
        }
        case 'spike.closed_early': {
          const { spikeId } = event.data;
          work.set(clearJobId(spikeId), () => clearSpikeSoon(queues.clearing, spikeId));
          break;
        }
        case 'contract.created': {
          const { contractId, endsAt } = event.data;
          const delay = sinceChange(Date.parse(endsAt) + settings.settlementGraceMs);
          work.set(settleJobId(contractId), () => settleContractAt(queues.settlement, contractId, delay));
          break;
        }
        case 'delivery.reported': {
          const { contractId, adjustmentDue } = event.data;
          if (adjustmentDue) work.set(settleJobId(contractId), () => settleContractSoon(queues.settlement, contractId));
          rescore = event.id;
          break;
        }
        case 'quality.events_accepted':
        case 'quality.policy_changed':
          rescore = event.id;
          break;
        case 'sandbox.clock_advanced': {
          // The sweeps find what fell due on the test clock (their queries read each row's world clock)
          // and run it at once; the sandbox is rescored as of its new time (score decay).
          const { sandboxId, advance } = event.data;
          const id = advanceJobId(sandboxId, advance);
          work.set(id, () => afterAdvance(queues, sandboxId, id));
          break;
        }
        default: {
          // A type this version does not know (written by a newer one): fail the batch rather than lose the work.
          const unknown: never = event;
          throw new Error(`No after-commit work for internal event ${(unknown as { type: string }).type}`);
        }
      }
    }
    if (rescore) {
      const requestId = rescore;
      work.set(recomputeJobId(requestId), () => recomputeScoresSoon(queues.quality, requestId));
    }
    await Promise.all([...work.values()].map((add) => add()));
  };
}
