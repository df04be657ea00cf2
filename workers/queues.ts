import { isNotConnectionError, Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { Clock } from '../src/domain/shared/clock.js';
import type { Logger } from '../src/logger.js';

/**
 * The queues: names, job names, payloads, deterministic job ids and retry options, and the Queue
 * objects over one connection. Jobs are added by the outbox relay (workers/after-commit.ts) and by
 * the sweepers; which Redis connections they use is decided in workers/queue-backend.ts.
 */

export const CLEARING_QUEUE = 'clearing';

/** Job names on the clearing queue. */
export const CLEAR_SPIKE = 'clear-spike';
export const SWEEP = 'sweep';

/** Payloads carry ids only. */
export type ClearingJobData = ClearSpikeJob | { sweep: true };

export interface ClearSpikeJob {
  spikeId: string;
}

/** Deterministic job id: one live clearing job per spike (BullMQ ids may not contain ':'). */
export const clearJobId = (spikeId: string) => `clear-spike-${spikeId}`;

export const CLEAR_JOB_OPTIONS: JobsOptions = {
  attempts: 8,
  backoff: { type: 'exponential', delay: 1_000 },
  // Completed ids are kept for a while so duplicates are absorbed; PostgreSQL is the real guard.
  removeOnComplete: { age: 3_600, count: 10_000 },
  removeOnFail: { age: 7 * 24 * 3_600 },
};

/** A Redis connection for BullMQ. Workers block on Redis, so they need maxRetriesPerRequest null. */
export function redisConnection(url: string, forWorker: boolean): Redis {
  return new Redis(url, forWorker ? { maxRetriesPerRequest: null } : { maxRetriesPerRequest: 1, enableOfflineQueue: false, connectTimeout: 2_000 });
}

const CONNECTION_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EPIPE', 'EHOSTUNREACH', 'ENOTFOUND', 'EAI_AGAIN']);

/**
 * Reports a Redis outage once, as structured log lines, instead of once per reconnection attempt
 * on every queue and worker sharing the connection (without a listener BullMQ prints each one to
 * stderr with its stack, several times a second): a warning at the first connection error since
 * the connection was last ready, an info line when it is ready again. Other errors are logged
 * each time. Returns the listener for the queues' and workers' 'error' events.
 */
export function logRedisOutages(connection: Redis, logger: Logger, role: string): (err: Error) => void {
  let down = false;
  connection.on('ready', () => {
    if (down) logger.info({ role }, 'Redis reachable again');
    down = false;
  });
  const onError = (err: Error) => {
    if (isNotConnectionError(err) && !CONNECTION_CODES.has((err as NodeJS.ErrnoException).code ?? '')) {
      logger.error({ role, err: err.message }, 'queue error');
    } else if (!down) {
      down = true;
      logger.warn({ role, err: err.message }, 'Redis unreachable; retrying until it is back');
    }
  };
  connection.on('error', onError);
  return onError;
}

export const SETTLEMENT_QUEUE = 'settlement';
export const SETTLE_CONTRACT = 'settle-contract';

export interface SettleContractJob {
  contractId: string;
  /** Settle even before the end plus grace period (a settlement asked for by finance). */
  force?: boolean;
}
export type SettlementJobData = SettleContractJob | { sweep: true };

/** One pending settlement job per contract; removed on completion so a later adjustment can reuse the id. */
export const settleJobId = (contractId: string) => `settle-contract-${contractId}`;

export const SETTLE_JOB_OPTIONS: JobsOptions = {
  attempts: 10,
  backoff: { type: 'exponential', delay: 1_000 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 24 * 3_600 },
};
export const QUALITY_QUEUE = 'quality';
export const RECOMPUTE_SCORES = 'recompute-scores';
/** A rescore of every world, or (after a test clock advance) of one sandbox. */
export type QualityJobData = { sandboxId?: string };

/**
 * One recomputation per relay batch that asked for one, named after the newest event that asked:
 * relaying the same batch again makes no second job, and a request relayed while a run is under
 * way gets a run of its own after it (which sees every write made before the request).
 */
export const recomputeJobId = (eventId: string) => `recompute-scores-${eventId}`;

export const RECOMPUTE_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: 'exponential', delay: 500 },
  removeOnComplete: { age: 60 },
  removeOnFail: { age: 24 * 3_600 },
};
export const WEBHOOKS_QUEUE = 'webhooks';
export const DELIVER_WEBHOOK = 'deliver-webhook';

/** One delivery: an event to an endpoint. */
export interface DeliverWebhookJob {
  eventId: string;
  endpointId: string;
  /** A sandbox retry: the attempt it makes (retries of sandbox events follow the test clock, one job each). */
  attempt?: number;
}
/** A sweep; with `sandboxId`, the retries of that sandbox's deliveries that fell due on its test clock. */
export type WebhookJobData = DeliverWebhookJob | { sweep: true; sandboxId?: string };

/** Deterministic: one job per (event, endpoint), so the relay and the sweeper never make two; a sandbox retry per attempt. */
export const webhookJobId = (eventId: string, endpointId: string, attempt?: number) =>
  `webhook-${eventId}-${endpointId}${attempt && attempt > 1 ? `-a${attempt}` : ''}`;

export interface WebhookRetryPolicy {
  attempts: number;
  /** First retry after this long, then doubling (with 20% jitter so endpoints that come back are not stampeded). */
  backoffMs: number;
}

export function webhookJobOptions(policy: WebhookRetryPolicy): JobsOptions {
  return {
    attempts: policy.attempts,
    backoff: { type: 'exponential', delay: policy.backoffMs, jitter: 0.2 },
    removeOnComplete: { age: 24 * 3_600, count: 100_000 },
    removeOnFail: { age: 7 * 24 * 3_600 },
  };
}

export const MAINTENANCE_QUEUE = 'maintenance';
/** Deletes dead console sessions and sign-in links (workers/maintenance.processor.ts), on a schedule. */
export const CLEAN_CONSOLE_SESSIONS = 'clean-console-sessions';
export type MaintenanceJobData = Record<string, never>;

export interface Queues {
  clearing: Queue<ClearingJobData>;
  settlement: Queue<SettlementJobData>;
  quality: Queue<QualityJobData>;
  webhooks: Queue<WebhookJobData>;
  maintenance: Queue<MaintenanceJobData>;
  /** Every queue, for the operator dashboard and the queue-depth metrics: a new queue is added here. */
  all: readonly Queue[];
  close(): Promise<void>;
}

/**
 * How long a job that failed for good stays failed before a sweeper tries its work again: long
 * enough that work which can never succeed does not loop, short enough that work stranded by an
 * outage longer than the job's retries (about 2 minutes for clearing, 8 for settlement) resumes.
 */
export const FAILED_RETRY_COOL_DOWN_MS = 10 * 60_000;

export type RunSoonOutcome = 'added' | 'promoted' | 'pending' | 'failed-recently';

/**
 * Makes the job with this deterministic id run as soon as a worker is free. A plain `add` is a
 * no-op while any job with the id exists, in every state, so: a delayed job is promoted, a waiting
 * or active one is left alone, and a finished one is removed and added again (PostgreSQL decides
 * whether there is work left). With `failedCoolDown`, a job that failed for good less than `ms`
 * before `now` is left failed, so a job that can never succeed is not retried in a loop.
 */
export async function runSoon<Q extends Queue>(
  queue: Q,
  name: Parameters<Q['add']>[0],
  data: Parameters<Q['add']>[1],
  opts: JobsOptions & { jobId: string },
  failedCoolDown?: { ms: number; now: number },
): Promise<RunSoonOutcome> {
  const existing = await queue.getJob(opts.jobId);
  if (existing) {
    const state = await existing.getState();
    if (state === 'delayed') {
      // Promoting races with the job coming due by itself; either way it is about to run.
      await existing.promote().catch(() => undefined);
      return 'promoted';
    }
    if (state === 'waiting' || state === 'active' || state === 'prioritized' || state === 'waiting-children') return 'pending';
    if (state === 'failed' && failedCoolDown && failedCoolDown.now - (existing.finishedOn ?? 0) < failedCoolDown.ms) return 'failed-recently';
    if (state !== 'unknown') await existing.remove();
  }
  await queue.add(name, data, opts);
  return 'added';
}

/**
 * When a job put back in the delayed set (work not due yet) should run, as BullMQ needs it: a
 * timestamp of the host's clock. `at` is a time of the injected clock, so it becomes one by its
 * distance from that clock's now. The one place the two clocks meet; equal under the system clock.
 */
export function runAtTimestamp(clock: Clock, at: Date): number {
  return Date.now() + Math.max(0, at.getTime() - clock.now().getTime());
}

/** Runs `fn` over `items`, `size` at a time (a sweep may find thousands of rows). */
export async function inBatches<T, R>(items: T[], fn: (item: T) => Promise<R>, size = 50): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) results.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return results;
}

/** Builds one queue; the PostgreSQL backend passes its own (queue-backend-postgres.ts). */
export type QueueFactory = (name: string) => Queue;

/**
 * The five queues over one connection, under `prefix` (which isolates deployments and tests);
 * `onError` receives their connection errors (see logRedisOutages). Built by the queue backend.
 */
export function createQueues(connection: ConnectionOptions, prefix: string, onError?: (err: Error) => void): Queues {
  return queuesFrom((name) => new Queue(name, { connection, prefix }), onError);
}

/** The five queues, each made by `make`. */
export function queuesFrom(make: QueueFactory, onError?: (err: Error) => void): Queues {
  const clearing = make(CLEARING_QUEUE) as Queue<ClearingJobData>;
  const settlement = make(SETTLEMENT_QUEUE) as Queue<SettlementJobData>;
  const quality = make(QUALITY_QUEUE) as Queue<QualityJobData>;
  const webhooks = make(WEBHOOKS_QUEUE) as Queue<WebhookJobData>;
  const maintenance = make(MAINTENANCE_QUEUE) as Queue<MaintenanceJobData>;
  const all: Queue[] = [clearing, settlement, quality, webhooks, maintenance];
  if (onError) for (const queue of all) queue.on('error', onError);
  return {
    clearing,
    settlement,
    quality,
    webhooks,
    maintenance,
    all,
    close: async () => {
      await Promise.all(all.map((q) => q.close()));
    },
  };
}
