import { Queue, type ConnectionOptions, type JobsOptions } from 'bullmq';
import { Redis } from 'ioredis';
import type { ClearingScheduler } from '../src/domain/clearing/clearing-scheduler.js';

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

export interface Queues {
  clearing: Queue<ClearingJobData>;
  scheduler: ClearingScheduler;
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
  return { clearing, scheduler, close: () => clearing.close() };
}
