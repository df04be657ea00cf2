import type { Worker } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import type { ClearingInput, ClearingResult } from '../src/domain/clearing/solve-clearing.js';
import { storedQualityScores, type QualityScores } from '../src/domain/quality/quality-scores.js';
import type { SettlementPolicy } from '../src/domain/settlement/settle-contract.js';
import type { Clock } from '../src/domain/shared/clock.js';
import type { SecretBox } from '../src/domain/webhooks/secret-box.js';
import type { Logger } from '../src/logger.js';
import { clearingProcessor } from './clearing.processor.js';
import { dispatchOnce, relayOnce, startOutboxRelay, type RelayDeps } from './outbox-relay.js';
import { qualityProcessor } from './quality.processor.js';
import type { QueueBackend } from './queue-backend.js';
import {
  CLEAN_CONSOLE_SESSIONS,
  CLEARING_QUEUE,
  MAINTENANCE_QUEUE,
  QUALITY_QUEUE,
  RECOMPUTE_SCORES,
  SETTLEMENT_QUEUE,
  SWEEP,
  WEBHOOKS_QUEUE,
  type Queues,
  type WebhookRetryPolicy,
} from './queues.js';
import { maintenanceProcessor } from './maintenance.processor.js';
import { settlementProcessor } from './settlement.processor.js';
import { webhookProcessor } from './webhook.processor.js';

export type QueueName = typeof CLEARING_QUEUE | typeof SETTLEMENT_QUEUE | typeof QUALITY_QUEUE | typeof WEBHOOKS_QUEUE | typeof MAINTENANCE_QUEUE;
export const QUEUE_NAMES: readonly QueueName[] = [CLEARING_QUEUE, SETTLEMENT_QUEUE, QUALITY_QUEUE, WEBHOOKS_QUEUE, MAINTENANCE_QUEUE];

/** Default of `consoleCleanupMs`: dead console sessions and links are deleted hourly. */
export const DEFAULT_CONSOLE_CLEANUP_MS = 3_600_000;

/** The workers' configuration (src/config.ts in production). */
export interface WorkerSettings {
  /** Jobs each consumer runs at once (the quality consumer runs one: each run rescores everyone). */
  concurrency: number;
  /** Job lock (BullMQ's default when absent): a crashed worker's jobs are retried after about this long. */
  lockMs?: number;
  sweepIntervalMs: number;
  scoreRefreshMs: number;
  /** How often dead console sessions and sign-in links are deleted (default DEFAULT_CONSOLE_CLEANUP_MS). */
  consoleCleanupMs?: number;
  outboxPollMs: number;
  settlementPolicy: SettlementPolicy;
  webhooks: { retry: WebhookRetryPolicy; timeoutMs: number; allowPrivateNetworks: boolean };
}

export interface WorkerStackDeps {
  orm: MikroORM;
  clock: Clock;
  logger: Logger;
  /** Builds every queue, consumer and publisher (queue-backend.ts); the caller closes it after the stack. */
  backend: QueueBackend;
  settings: WorkerSettings;
  /** Opens webhook signing secrets. */
  secrets: SecretBox;
  /** Quality standings for clearing (default: the stored scores). */
  scores?: QualityScores;
  /** Where the solver runs (default: in process; workers/main.ts gives it a thread). */
  solve?: (input: ClearingInput) => Promise<ClearingResult>;
  /** What runs (default: everything): the queues consumed, the outbox relay loop, the sweepers' and score refresh's schedules. */
  run?: { consume?: readonly QueueName[]; relay?: boolean; schedules?: boolean };
}

export interface WorkerStack {
  /** The producers' queues (for the dashboard, metrics and tests). */
  queues: Queues;
  /** The consumers, in the order of `run.consume`. */
  workers: Worker[];
  /** One turn of the relay by hand: internal events, then public ones. Returns how many it relayed. */
  relayOnce(): Promise<number>;
  /** Stops the relay, then stops taking jobs and lets running ones finish. */
  close(): Promise<void>;
}

/**
 * The workers, composed in one place from explicit dependencies: the consumers of every queue with
 * their processors, the sweepers and the score refresh as job schedules, and the outbox relay that
 * turns committed events into jobs and publishes public ones. Used by workers/main.ts, the test
 * harness, the fault tests and the demo, so they all run what production runs.
 */
export async function startWorkerStack(deps: WorkerStackDeps): Promise<WorkerStack> {
  const { orm, clock, logger, backend, settings } = deps;
  const queues = backend.queues('producers');
  const policy = settings.settlementPolicy;
  const retry = settings.webhooks.retry;
  const processors: Record<QueueName, () => Worker> = {
    [CLEARING_QUEUE]: () =>
      backend.worker(
        CLEARING_QUEUE,
        clearingProcessor({
          orm,
          clock,
          logger,
          scores: deps.scores ?? storedQualityScores,
          queue: queues.clearing,
          ...(deps.solve ? { solve: deps.solve } : {}),
        }),
        settings,
      ),
    [SETTLEMENT_QUEUE]: () => backend.worker(SETTLEMENT_QUEUE, settlementProcessor({ orm, clock, logger, policy, queue: queues.settlement }), settings),
    // Each run rescores everyone under an advisory lock, so one at a time per process is plenty.
    [QUALITY_QUEUE]: () => backend.worker(QUALITY_QUEUE, qualityProcessor({ orm, clock, logger }), { ...settings, concurrency: 1 }),
    [WEBHOOKS_QUEUE]: () =>
      backend.worker(
        WEBHOOKS_QUEUE,
        webhookProcessor({
          orm,
          clock,
          logger,
          secrets: deps.secrets,
          retry,
          queue: queues.webhooks,
          http: { timeoutMs: settings.webhooks.timeoutMs, allowPrivateNetworks: settings.webhooks.allowPrivateNetworks },
        }),
        settings,
      ),
    [MAINTENANCE_QUEUE]: () => backend.worker(MAINTENANCE_QUEUE, maintenanceProcessor({ orm, clock, logger }), { ...settings, concurrency: 1 }),
  };
  const workers = (deps.run?.consume ?? QUEUE_NAMES).map((name) => {
    const worker = processors[name]();
    // A receiver that is down is the receiver's problem: webhook failures are warnings (and in the delivery log).
    const level = name === WEBHOOKS_QUEUE ? 'warn' : 'error';
    worker.on('failed', (job, err) => logger[level]({ queue: name, jobId: job?.id, err: err.message }, 'job failed'));
    return worker;
  });

  if (deps.run?.schedules ?? true) {
    /**
     * The sweepers and the score refresh are job schedulers stored in Redis. A Redis that comes
     * back empty (a new instance, a failover to a replica that had not caught up) has lost them,
     * and with them the sweeps that re-find everything else it lost; so they are registered again
     * each time the connection is ready. Upserting an existing scheduler is harmless.
     */
    const registerSchedules = async () => {
      const sweep = { name: SWEEP, data: { sweep: true as const } };
      await queues.clearing.upsertJobScheduler('clearing-sweeper', { every: settings.sweepIntervalMs }, sweep);
      await queues.settlement.upsertJobScheduler('settlement-sweeper', { every: settings.sweepIntervalMs }, sweep);
      await queues.quality.upsertJobScheduler('score-refresh', { every: settings.scoreRefreshMs }, { name: RECOMPUTE_SCORES, data: {} });
      await queues.webhooks.upsertJobScheduler('webhooks-sweeper', { every: settings.sweepIntervalMs }, sweep);
      await queues.maintenance.upsertJobScheduler(
        'console-cleanup',
        { every: settings.consoleCleanupMs ?? DEFAULT_CONSOLE_CLEANUP_MS },
        { name: CLEAN_CONSOLE_SESSIONS, data: {} },
      );
    };
    await registerSchedules();
    backend.onReady(() => {
      registerSchedules().catch((err: Error) => logger.warn({ err: err.message }, 'could not register the sweepers; retrying when Redis is ready again'));
    });
  }

  // The relay's queues and publisher fail fast: it holds the outbox rows' locks while it talks to Redis.
  const relayQueues = backend.queues('relay');
  const relayDeps: RelayDeps = {
    orm,
    clock,
    logger,
    publisher: backend.publisher(),
    webhooks: relayQueues.webhooks,
    retry,
    intervalMs: settings.outboxPollMs,
    work: { queues: relayQueues, settlementGraceMs: policy.graceMs },
  };
  const relay = deps.run?.relay === false ? null : startOutboxRelay(relayDeps);

  return {
    queues,
    workers,
    relayOnce: async () => (await dispatchOnce(relayDeps)) + (await relayOnce(relayDeps)),
    async close() {
      await relay?.stop();
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}
