import { DelayedError, type Job, type Queue } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import { settleContract, settleContracts, type SettleOutcome, type SettlementPolicy, type SettleRequest } from '../src/domain/settlement/settle-contract.js';
import { dueContractIds } from '../src/domain/settlement/due-contracts.js';
import type { Clock } from '../src/domain/shared/clock.js';
import { clockFor } from '../src/domain/sandbox/world-clock.js';
import type { Logger } from '../src/logger.js';
import {
  FAILED_RETRY_COOL_DOWN_MS,
  inBatches,
  runAtTimestamp,
  runSoon,
  SETTLE_CONTRACT,
  SETTLE_JOB_OPTIONS,
  settleJobId,
  SWEEP,
  type SettleContractJob,
  type SettlementJobData,
} from './queues.js';

export interface SettlementDeps {
  orm: MikroORM;
  clock: Clock;
  logger: Logger;
  policy: SettlementPolicy;
  queue: Queue<SettlementJobData>;
}

/**
 * Processes the settlement queue: `settle-contract` settles one contract (exactly once in
 * effect, see settleContract) or posts its adjustment; a job that fires before the contract is
 * due waits in the delayed set. `sweep` enqueues every contract that PostgreSQL says is due
 * (past its end plus the grace period and unsettled, or flagged by late actuals).
 */
export function settlementProcessor(deps: SettlementDeps) {
  const commits = new GroupCommit(
    (requests) => settleContracts(deps.orm.em.fork(), deps.clock, requests, deps.policy),
    (request) => settleContract(deps.orm.em.fork(), deps.clock, request.contractId, deps.policy, { force: request.force }),
  );
  return async (job: Job<SettlementJobData>, token?: string): Promise<unknown> => {
    if (job.name === SWEEP) return sweepSettlements(deps);
    if (job.name !== SETTLE_CONTRACT) throw new Error(`Unknown job ${job.name}`);
    const { contractId, force } = job.data as SettleContractJob;
    // A sandbox contract settles on its test clock, on its own (group commit shares one live "now").
    const world = await clockFor(deps.orm.em.fork(), deps.clock, { contractId });
    const outcome = world.sandboxId
      ? await settleContract(deps.orm.em.fork(), world.clock, contractId, deps.policy, { force: force === true })
      : await commits.settle({ contractId, force: force === true });
    if (outcome.kind === 'NOT_DUE') {
      await job.moveToDelayed(runAtTimestamp(world.clock, outcome.dueAt), token);
      throw new DelayedError();
    }
    return outcome;
  };
}

/**
 * Makes sure every contract due for settlement or adjustment has a job that runs now (see the
 * clearing sweeper: an existing job under the same id is left running, promoted, or, once failed
 * for good, tried again after the cool-down). Exported for tests.
 */
export async function sweepSettlements(deps: SettlementDeps): Promise<{ enqueued: number }> {
  const due = await dueContractIds(deps.orm.em.fork(), deps.clock.now(), deps.policy.graceMs);
  const failedCoolDown = { ms: FAILED_RETRY_COOL_DOWN_MS, now: deps.clock.now().getTime() };
  const outcomes = await inBatches(due, (contractId) =>
    runSoon(deps.queue, SETTLE_CONTRACT, { contractId }, { ...SETTLE_JOB_OPTIONS, jobId: settleJobId(contractId) }, failedCoolDown),
  );
  const enqueued = outcomes.filter((o) => o === 'added' || o === 'promoted').length;
  if (enqueued) deps.logger.info({ enqueued, due: due.length }, 'settlement sweeper enqueued due contracts');
  return { enqueued };
}

interface Waiting {
  request: SettleRequest;
  resolve: (outcome: SettleOutcome) => void;
  reject: (error: unknown) => void;
}

/**
 * Group commit for the jobs one worker process runs at once: while a settlement transaction is
 * in flight, the jobs that arrive wait and then go together in the next transaction, so a busy
 * worker pays a few round trips per batch instead of five per contract. An idle worker settles a
 * lone job at once. If a batch fails as a whole (it wrote nothing), each of its contracts is
 * settled on its own, so one bad contract fails only its own job, which BullMQ retries.
 */
export class GroupCommit {
  private waiting: Waiting[] = [];
  private inFlight = 0;

  constructor(
    private readonly settleBatch: (requests: SettleRequest[]) => Promise<SettleOutcome[]>,
    private readonly settleOne: (request: SettleRequest) => Promise<SettleOutcome>,
    private readonly maxBatch = 50,
    private readonly maxInFlight = 2,
  ) {}

  settle(request: SettleRequest): Promise<SettleOutcome> {
    return new Promise((resolve, reject) => {
      this.waiting.push({ request, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.inFlight < this.maxInFlight && this.waiting.length) {
      const batch = this.waiting.splice(0, this.maxBatch);
      this.inFlight += 1;
      void this.flush(batch).finally(() => {
        this.inFlight -= 1;
        this.pump();
      });
    }
  }

  private async flush(batch: Waiting[]): Promise<void> {
    if (batch.length > 1) {
      try {
        const outcomes = await this.settleBatch(batch.map((w) => w.request));
        batch.forEach((w, i) => w.resolve(outcomes[i]!));
        return;
      } catch {
        // Fall through: settle one by one.
      }
    }
    await Promise.all(
      batch.map(async (w) => {
        try {
          w.resolve(await this.settleOne(w.request));
        } catch (error) {
          w.reject(error);
        }
      }),
    );
  }
}
