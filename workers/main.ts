/**
 * Worker process entry point (`npm run start:workers`, or `npm run dev`): the worker stack
 * (worker-stack.ts: consumers of the clearing, settlement, quality and webhooks queues, the
 * sweepers on a schedule, the outbox relay in a loop) on BullMQ over Redis, plus /healthz and
 * /metrics on WORKER_HEALTH_PORT. On SIGTERM it stops relaying and taking jobs, lets running ones
 * finish, then closes its connections.
 */
import { loadConfigOrExit } from '../src/config.js';
import { systemClock } from '../src/domain/shared/clock.js';
import { createSecretBox } from '../src/domain/webhooks/secret-box.js';
import { createLogger } from '../src/logger.js';
import { createRegistry } from '../src/metrics/registry.js';
import { createOrm } from '../src/persistence/orm.js';
import { createHealthServer } from './health.js';
import { createWorkerMetrics } from './metrics.js';
import { redisQueueBackend } from './queue-backend.js';
import { createSolverThread } from './solver.js';
import { QUEUE_NAMES, startWorkerStack } from './worker-stack.js';

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel, 'workers');
const orm = await createOrm(config.databaseUrl, config.dbPoolMax);
const backend = redisQueueBackend({ url: config.redisUrl, prefix: config.queuePrefix, logger });
// Solves off the event loop, so a long clearing does not stop lock renewals, other jobs or /healthz.
const solver = createSolverThread(logger);
const stack = await startWorkerStack({
  orm,
  clock: systemClock,
  logger,
  backend,
  secrets: createSecretBox(config.webhookSecretKey),
  solve: solver.solve,
  settings: {
    concurrency: config.workerConcurrency,
    lockMs: config.workerLockMs,
    sweepIntervalMs: config.sweepIntervalMs,
    scoreRefreshMs: config.scoreRefreshMs,
    outboxPollMs: config.outboxPollMs,
    settlementPolicy: { feePpm: config.feePpm, graceMs: config.settlementGraceMs },
    webhooks: {
      retry: { attempts: config.webhookAttempts, backoffMs: config.webhookBackoffMs },
      timeoutMs: config.webhookTimeoutMs,
      allowPrivateNetworks: config.webhookUrlPolicy.allowPrivateNetworks,
    },
  },
});
const metrics = createWorkerMetrics(createRegistry(), stack.queues.all);
for (const worker of stack.workers) metrics.observe(worker);

const health = createHealthServer({ workers: stack.workers, registry: metrics.registry, metricsToken: config.metricsToken });
await health.listen(config.workerHealthPort);
logger.info({ queues: QUEUE_NAMES, concurrency: config.workerConcurrency }, 'workers started, outbox relay running');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down: finishing running jobs');
  await stack.close();
  await solver.close();
  await backend.close();
  await health.close();
  await orm.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
