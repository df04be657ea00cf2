import type { Job, Queue, Worker } from 'bullmq';
import { Counter, Gauge, Histogram, type Registry } from 'prom-client';

/** Queue states whose depth is exported; `waiting` and `delayed` growing is work falling behind. */
const STATES = ['waiting', 'delayed', 'active', 'failed'] as const;

/** A scrape must answer even when Redis does not: a queue that does not answer in time is reported unreachable. */
const COUNT_TIMEOUT_MS = 2_000;

export interface WorkerMetrics {
  registry: Registry;
  /** Starts timing a worker's jobs and counting its failures. */
  observe(worker: Worker): void;
}

/**
 * The worker process's metrics, in `registry`: queue depth per queue and state (read from Redis
 * on each scrape, so any worker replica reports the same totals), job duration by queue, job name
 * and outcome, and failed attempts by queue and job name (retries included: each attempt counts).
 */
export function createWorkerMetrics(registry: Registry, queues: readonly Queue[]): WorkerMetrics {
  const reachable = new Gauge({
    name: 'bx_queue_reachable',
    help: "1 when the queue's depth could be read at the last scrape, 0 otherwise.",
    labelNames: ['queue'],
    registers: [registry],
  });
  new Gauge({
    name: 'bx_queue_jobs',
    help: 'Jobs in the queue by state, read from Redis at scrape time.',
    labelNames: ['queue', 'state'],
    registers: [registry],
    async collect() {
      this.reset();
      await Promise.all(
        queues.map(async (queue) => {
          try {
            const counts = await withTimeout(queue.getJobCounts(...STATES), COUNT_TIMEOUT_MS);
            for (const state of STATES) this.set({ queue: queue.name, state }, counts[state] ?? 0);
            reachable.set({ queue: queue.name }, 1);
          } catch {
            reachable.set({ queue: queue.name }, 0);
          }
        }),
      );
    },
  });
  const duration = new Histogram({
    name: 'bx_job_duration_seconds',
    help: 'Job processing time (processedOn to finishedOn) by queue, job name and outcome.',
    labelNames: ['queue', 'name', 'outcome'],
    registers: [registry],
    buckets: [0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120],
  });
  const failures = new Counter({
    name: 'bx_job_failures_total',
    help: 'Failed job attempts by queue and job name (an attempt that will be retried counts too).',
    labelNames: ['queue', 'name'],
    registers: [registry],
  });

  const time = (queue: string, job: Job, outcome: 'completed' | 'failed') => {
    // A failed attempt that will be retried has no finishedOn; it ended just now.
    if (job.processedOn) duration.observe({ queue, name: job.name, outcome }, Math.max(0, (job.finishedOn ?? Date.now()) - job.processedOn) / 1000);
  };
  return {
    registry,
    observe(worker) {
      worker.on('completed', (job) => time(worker.name, job, 'completed'));
      worker.on('failed', (job) => {
        if (!job) return;
        time(worker.name, job, 'failed');
        failures.inc({ queue: worker.name, name: job.name });
      });
    },
  };
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);
}
