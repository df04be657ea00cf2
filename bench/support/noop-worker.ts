/** Baseline for the settlement benchmark: a BullMQ worker whose processor does nothing. */
import { Worker } from 'bullmq';
import { redisConnection } from '../../workers/queues.js';

const worker = new Worker('noop', async () => null, {
  connection: redisConnection(process.env.REDIS_URL ?? 'redis://127.0.0.1:6379', true),
  prefix: process.env.QUEUE_PREFIX ?? 'bx-bench',
  concurrency: Number(process.env.WORKER_CONCURRENCY ?? 8),
});
process.on('SIGTERM', async () => {
  await worker.close();
  process.exit(0);
});
