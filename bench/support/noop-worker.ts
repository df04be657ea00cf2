/** Baseline for the settlement benchmark: a BullMQ worker whose processor does nothing (on the benchmark's profile). */
import { benchWorker, closeBenchQueues } from './bench-queues.js';

const worker = await benchWorker(
  'noop',
  process.env.QUEUE_PREFIX ?? 'bx-bench',
  process.env.DATABASE_URL ?? '',
  async () => null,
  Number(process.env.WORKER_CONCURRENCY ?? 8),
);
process.on('SIGTERM', async () => {
  await worker.close();
  await closeBenchQueues();
  process.exit(0);
});
