import { DelayedError, type Job, type Queue } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import { settleContract, type SettlementPolicy } from '../src/domain/settlement/settle-contract.js';
import type { Clock } from '../src/domain/shared/clock.js';
import type { Logger } from '../src/logger.js';
import { FAILED_RETRY_COOL_DOWN_MS, inBatches, runSoon, SETTLE_CONTRACT, SETTLE_JOB_OPTIONS, settleJobId, SWEEP, type SettleContractJob, type SettlementJobData } from './queues.js';

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
  return async (job: Job<SettlementJobData>, token?: string): Promise<unknown> => {
    if (job.name === SWEEP) return sweepSettlements(deps);
    if (job.name !== SETTLE_CONTRACT) throw new Error(`Unknown job ${job.name}`);
    const { contractId, force } = job.data as SettleContractJob;
    const outcome = await settleContract(deps.orm.em.fork() as never, deps.clock, contractId, deps.policy, { force: force === true });
    if (outcome.kind === 'NOT_DUE') {
      await job.moveToDelayed(outcome.dueAt.getTime(), token);
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
  const rows = await deps.orm.em.fork().getConnection().execute<{ id: string }[]>(
    `select c.id from contract c
      where c.needs_settlement
         or (c.ends_at <= ? and not exists (select 1 from settlement s where s.contract_id = c.id))
      order by c.ends_at limit 5000`,
    [new Date(deps.clock.now().getTime() - deps.policy.graceMs)],
  );
  const now = deps.clock.now().getTime();
  const outcomes = await inBatches(rows, ({ id }) =>
    runSoon(deps.queue, SETTLE_CONTRACT, { contractId: id }, { ...SETTLE_JOB_OPTIONS, jobId: settleJobId(id) }, FAILED_RETRY_COOL_DOWN_MS, now));
  const enqueued = outcomes.filter((o) => o === 'added' || o === 'promoted').length;
  if (enqueued) deps.logger.info({ enqueued, due: rows.length }, 'settlement sweeper enqueued due contracts');
  return { enqueued };
}
