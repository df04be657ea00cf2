/**
 * Worker process entry point (`npm run start:workers`, or `npm run dev`): consumes the BullMQ
 * queues (clearing, settlement, quality, webhooks), runs the sweepers on a schedule and the outbox
 * relay in a loop, serves /healthz and /metrics on WORKER_HEALTH_PORT, and on SIGTERM stops
 * relaying and taking jobs, lets running ones finish, then closes its connections.
 */
import { Queue, Worker } from 'bullmq';
import { loadConfigOrExit } from '../src/config.js';
import { systemClock } from '../src/domain/shared/clock.js';
import { storedQualityScores } from '../src/domain/quality/quality-scores.js';
import { createLogger } from '../src/logger.js';
import { createRegistry } from '../src/metrics/registry.js';
import { createOrm } from '../src/persistence/orm.js';
import { createSecretBox } from '../src/domain/webhooks/secret-box.js';
import { createEventPublisher } from '../src/realtime/event-bus.js';
import { clearingProcessor } from './clearing.processor.js';
import { createHealthServer } from './health.js';
import { createWorkerMetrics } from './metrics.js';
import { startOutboxRelay } from './outbox-relay.js';
import { qualityProcessor } from './quality.processor.js';
import {
  CLEARING_QUEUE,
  createQueues,
  logRedisOutages,
  QUALITY_QUEUE,
  RECOMPUTE_SCORES,
  redisConnection,
  SETTLEMENT_QUEUE,
  SWEEP,
  WEBHOOKS_QUEUE,
  type WebhookJobData,
} from './queues.js';
import { settlementProcessor } from './settlement.processor.js';
import { createSolverThread } from './solver.js';
import { webhookProcessor } from './webhook.processor.js';

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel, 'workers');
const orm = await createOrm(config.databaseUrl, config.dbPoolMax);
const producerConnection = redisConnection(config.redisUrl, true);
const queues = createQueues(producerConnection, config.queuePrefix, logRedisOutages(producerConnection, logger, 'queue producers'));
const workerConnection = redisConnection(config.redisUrl, true);
const onWorkerError = logRedisOutages(workerConnection, logger, 'workers');

// The relay holds a transaction while it talks to Redis, so its connection fails fast instead of queueing.
const relayConnection = redisConnection(config.redisUrl, false);
const relayWebhooks = new Queue<WebhookJobData>(WEBHOOKS_QUEUE, { connection: relayConnection, prefix: config.queuePrefix });
relayWebhooks.on('error', logRedisOutages(relayConnection, logger, 'outbox relay'));

const policy = { feePpm: config.feePpm, graceMs: config.settlementGraceMs };
const retry = { attempts: config.webhookAttempts, backoffMs: config.webhookBackoffMs };
const workerOptions = {
  connection: workerConnection,
  prefix: config.queuePrefix,
  concurrency: config.workerConcurrency,
  // A worker that dies mid-job loses its lock after lockDuration; the job is then retried elsewhere.
  lockDuration: config.workerLockMs,
  stalledInterval: config.workerLockMs,
};
// Solves off the event loop, so a long clearing does not stop lock renewals, other jobs or /healthz.
const solver = createSolverThread(logger);
const workers = [
  new Worker(
    CLEARING_QUEUE,
    clearingProcessor({
      orm,
      clock: systemClock,
      scores: storedQualityScores,
      logger,
      queue: queues.clearing,
      settlement: queues.settlementScheduler,
      settlementGraceMs: config.settlementGraceMs,
      solve: solver.solve,
    }),
    workerOptions,
  ),
  new Worker(SETTLEMENT_QUEUE, settlementProcessor({ orm, clock: systemClock, logger, policy, queue: queues.settlement }), workerOptions),
  // Each run rescores everyone under an advisory lock, so one at a time per process is plenty.
  new Worker(QUALITY_QUEUE, qualityProcessor({ orm, clock: systemClock, logger }), { ...workerOptions, concurrency: 1 }),
  new Worker(
    WEBHOOKS_QUEUE,
    webhookProcessor({
      orm,
      clock: systemClock,
      logger,
      secrets: createSecretBox(config.webhookSecretKey),
      retry,
      queue: queues.webhooks,
      http: { timeoutMs: config.webhookTimeoutMs, allowPrivateNetworks: config.webhookUrlPolicy.allowPrivateNetworks },
    }),
    workerOptions,
  ),
];
const metrics = createWorkerMetrics(createRegistry(), queues.all);
for (const worker of workers) {
  metrics.observe(worker);
  // A receiver that is down is the receiver's problem: webhook failures are warnings (and in the delivery log).
  const level = worker.name === WEBHOOKS_QUEUE ? 'warn' : 'error';
  worker.on('failed', (job, err) => logger[level]({ queue: worker.name, jobId: job?.id, err: err.message }, 'job failed'));
  worker.on('error', onWorkerError);
}
/**
 * The sweepers and the score refresh are job schedulers stored in Redis. A Redis that comes back
 * empty (a new instance, a failover to a replica that had not caught up) has lost them, and with
 * them the sweeps that re-find everything else it lost; so they are registered again each time the
 * connection is ready. Upserting an existing scheduler is harmless.
 */
async function registerSchedules(): Promise<void> {
  await queues.clearing.upsertJobScheduler('clearing-sweeper', { every: config.sweepIntervalMs }, { name: SWEEP, data: { sweep: true } });
  await queues.settlement.upsertJobScheduler('settlement-sweeper', { every: config.sweepIntervalMs }, { name: SWEEP, data: { sweep: true } });
  await queues.quality.upsertJobScheduler('score-refresh', { every: config.scoreRefreshMs }, { name: RECOMPUTE_SCORES, data: {} });
  await queues.webhooks.upsertJobScheduler('webhooks-sweeper', { every: config.sweepIntervalMs }, { name: SWEEP, data: { sweep: true } });
}
await registerSchedules();
producerConnection.on('ready', () => {
  registerSchedules().catch((err: Error) => logger.warn({ err: err.message }, 'could not register the sweepers; retrying when Redis is ready again'));
});
const relay = startOutboxRelay({
  orm,
  clock: systemClock,
  logger,
  publisher: createEventPublisher(relayConnection, config.queuePrefix),
  webhooks: relayWebhooks,
  retry,
  intervalMs: config.outboxPollMs,
});

const health = createHealthServer({ workers, registry: metrics.registry, metricsToken: config.metricsToken });
await health.listen(config.workerHealthPort);
logger.info(
  { queues: [CLEARING_QUEUE, SETTLEMENT_QUEUE, QUALITY_QUEUE, WEBHOOKS_QUEUE], concurrency: config.workerConcurrency },
  'workers started, outbox relay running',
);

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down: finishing running jobs');
  await relay.stop();
  await Promise.all(workers.map((w) => w.close()));
  await solver.close();
  await queues.close();
  await relayWebhooks.close();
  producerConnection.disconnect();
  relayConnection.disconnect();
  await health.close();
  await orm.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
