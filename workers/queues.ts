import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
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

/** The queues as used by the API (producers only). `prefix` isolates deployments and tests. */
export function createQueues(connection: ConnectionOptions, prefix: string): Queues {
  const clearing = new Queue<ClearingJobData>(CLEARING_QUEUE, { connection, prefix });
  const scheduler: ClearingScheduler = {
    async scheduleAt(spikeId, closesAt) {
      const id = clearJobId(spikeId);
      const existing = await clearing.getJob(id);
      if (existing && (await existing.isDelayed())) await existing.remove();
      await clearing.add(CLEAR_SPIKE, { spikeId }, { ...CLEAR_JOB_OPTIONS, jobId: id, delay: Math.max(0, closesAt.getTime() - Date.now()) });
    },
    async clearNow(spikeId) {
      const id = clearJobId(spikeId);
      const existing = await clearing.getJob(id);
      if (existing) {
        const state = await existing.getState();
        if (state === 'delayed') return void (await existing.promote());
        if (state === 'waiting' || state === 'active' || state === 'prioritized' || state === 'waiting-children') return;
        await existing.remove(); // completed or failed: the database decides whether there is work left
      }
      await clearing.add(CLEAR_SPIKE, { spikeId }, { ...CLEAR_JOB_OPTIONS, jobId: id });
    },
  };
  const settlement = new Queue<SettlementJobData>(SETTLEMENT_QUEUE, { connection, prefix });
  const settlementScheduler: SettlementScheduler = {
    async scheduleAt(contractId, at) {
      await settlement.add(SETTLE_CONTRACT, { contractId }, { ...SETTLE_JOB_OPTIONS, jobId: settleJobId(contractId), delay: Math.max(0, at.getTime() - Date.now()) });
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
  return {
    clearing, settlement, quality, webhooks, scheduler, settlementScheduler, qualityScheduler, all,
    close: async () => { await Promise.all(all.map((q) => q.close())); },
  };
}
