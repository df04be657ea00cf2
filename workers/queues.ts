import { isNotConnectionError, Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { Logger } from '../src/logger.js';
import type { ClearingScheduler } from '../src/domain/clearing/clearing-scheduler.js';
import type { SettlementScheduler } from '../src/domain/settlement/settlement-scheduler.js';
import type { QualityScheduler } from '../src/domain/quality/quality-scheduler.js';

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
export type QualityJobData = Record<string, never>;

/**
 * Requests for a recomputation within one window share a job: its id names the window, and it
 * runs when the window ends, so it sees every write made before the request.
 */
export const RECOMPUTE_WINDOW_MS = 250;
export const recomputeJobId = (window: number) => `recompute-scores-${window}`;

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
}
export type WebhookJobData = DeliverWebhookJob | { sweep: true };

/** Deterministic: one job per (event, endpoint), so the relay and the sweeper never make two. */
export const webhookJobId = (eventId: string, endpointId: string) => `webhook-${eventId}-${endpointId}`;

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

export interface Queues {
  clearing: Queue<ClearingJobData>;
  settlement: Queue<SettlementJobData>;
  quality: Queue<QualityJobData>;
  webhooks: Queue<WebhookJobData>;
  scheduler: ClearingScheduler;
  settlementScheduler: SettlementScheduler;
  qualityScheduler: QualityScheduler;
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
 * whether there is work left). A job that failed for good less than `failedCoolDownMs` ago is left
 * failed, so a job that can never succeed is not retried in a loop (0: always retry).
 */
export async function runSoon<T>(
  queue: Queue<T>,
  name: string,
  data: T,
  opts: JobsOptions & { jobId: string },
  failedCoolDownMs = 0,
  now = Date.now(),
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
    if (state === 'failed' && now - (existing.finishedOn ?? 0) < failedCoolDownMs) return 'failed-recently';
    if (state !== 'unknown') await existing.remove();
  }
  await queue.add(name as never, data as never, opts);
  return 'added';
}

/** Runs `fn` over `items`, `size` at a time (a sweep may find thousands of rows). */
export async function inBatches<T, R>(items: T[], fn: (item: T) => Promise<R>, size = 50): Promise<R[]> {
  const results: R[] = [];
  for (let i = 0; i < items.length; i += size) results.push(...(await Promise.all(items.slice(i, i + size).map(fn))));
  return results;
}

/**
 * The queues as used by the API (producers only). `prefix` isolates deployments and tests;
 * `onError` receives the queues' connection errors (see logRedisOutages).
 */
export function createQueues(connection: ConnectionOptions, prefix: string, onError?: (err: Error) => void): Queues {
  const clearing = new Queue<ClearingJobData>(CLEARING_QUEUE, { connection, prefix });
  const scheduler: ClearingScheduler = {
    async scheduleAt(spikeId, closesAt) {
      const id = clearJobId(spikeId);
      const existing = await clearing.getJob(id);
      if (existing && (await existing.isDelayed())) await existing.remove();
      await clearing.add(CLEAR_SPIKE, { spikeId }, { ...CLEAR_JOB_OPTIONS, jobId: id, delay: Math.max(0, closesAt.getTime() - Date.now()) });
    },
    async clearNow(spikeId) {
      await runSoon(clearing, CLEAR_SPIKE, { spikeId }, { ...CLEAR_JOB_OPTIONS, jobId: clearJobId(spikeId) });
    },
  };
  const settlement = new Queue<SettlementJobData>(SETTLEMENT_QUEUE, { connection, prefix });
  const settlementScheduler: SettlementScheduler = {
    async scheduleAt(contractId, at) {
      await settlement.add(
        SETTLE_CONTRACT,
        { contractId },
        { ...SETTLE_JOB_OPTIONS, jobId: settleJobId(contractId), delay: Math.max(0, at.getTime() - Date.now()) },
      );
    },
    async settleNow(contractId) {
      const existing = await settlement.getJob(settleJobId(contractId));
      if (existing && (await existing.getState()) === 'delayed') return void (await existing.promote());
      if (existing && (await existing.getState()) === 'failed') await existing.remove();
      await settlement.add(SETTLE_CONTRACT, { contractId, force: true }, { ...SETTLE_JOB_OPTIONS, jobId: settleJobId(contractId) });
    },
  };
  const quality = new Queue<QualityJobData>(QUALITY_QUEUE, { connection, prefix });
  const qualityScheduler: QualityScheduler = {
    async recomputeSoon() {
      const now = Date.now();
      const window = Math.floor(now / RECOMPUTE_WINDOW_MS) + 1;
      await quality.add(RECOMPUTE_SCORES, {}, { ...RECOMPUTE_JOB_OPTIONS, jobId: recomputeJobId(window), delay: window * RECOMPUTE_WINDOW_MS - now });
    },
  };
  const webhooks = new Queue<WebhookJobData>(WEBHOOKS_QUEUE, { connection, prefix });
  const all: Queue[] = [clearing, settlement, quality, webhooks];
  if (onError) for (const queue of all) queue.on('error', onError);
  return {
    clearing,
    settlement,
    quality,
    webhooks,
    scheduler,
    settlementScheduler,
    qualityScheduler,
    all,
    close: async () => {
      await Promise.all(all.map((q) => q.close()));
    },
  };
}

/**
 * The API's producers, as src/main.ts runs them. No offline queue: while Redis is down an enqueue
 * fails at once (the mutation still answers and the sweepers take the work over) instead of
 * holding the request until Redis is back; an outage is logged once.
 */
export function createProducerQueues(redisUrl: string, prefix: string, logger: Logger): Queues & { connection: Redis } {
  const connection = redisConnection(redisUrl, false);
  return { ...createQueues(connection, prefix, logRedisOutages(connection, logger, 'queue producers')), connection };
}
