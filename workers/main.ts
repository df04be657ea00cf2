/**
 * Worker process entry point (`npm run start:workers`, or `npm run dev`): consumes the BullMQ
 * queues, runs the sweeper on a schedule, serves /healthz on WORKER_HEALTH_PORT, and on SIGTERM
 * stops taking jobs, lets running ones finish, then closes its connections.
 */
import { createServer } from 'node:http';
import { Worker } from 'bullmq';
import { loadConfigOrExit } from '../src/config.js';
import { systemClock } from '../src/domain/shared/clock.js';
import { storedQualityScores } from '../src/domain/quality/quality-scores.js';
import { createLogger } from '../src/logger.js';
import { createOrm } from '../src/persistence/orm.js';
import { clearingProcessor } from './clearing.processor.js';
import { qualityProcessor } from './quality.processor.js';
import { CLEARING_QUEUE, createQueues, logRedisOutages, QUALITY_QUEUE, RECOMPUTE_SCORES, redisConnection, SETTLEMENT_QUEUE, SWEEP } from './queues.js';
import { settlementProcessor } from './settlement.processor.js';
import { createSolverThread } from './solver.js';

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel, 'workers');
const orm = await createOrm(config.databaseUrl, config.dbPoolMax);
const producerConnection = redisConnection(config.redisUrl, true);
const queues = createQueues(producerConnection, config.queuePrefix, logRedisOutages(producerConnection, logger, 'queue producers'));
const workerConnection = redisConnection(config.redisUrl, true);
const onWorkerError = logRedisOutages(workerConnection, logger, 'workers');

const policy = { feePpm: config.feePpm, graceMs: config.settlementGraceMs };
const workerOptions = {
  connection: workerConnection, prefix: config.queuePrefix, concurrency: config.workerConcurrency,
  // A worker that dies mid-job loses its lock after lockDuration; the job is then retried elsewhere.
  lockDuration: config.workerLockMs, stalledInterval: config.workerLockMs,
};
// Solves off the event loop, so a long clearing does not stop lock renewals, other jobs or /healthz.
const solver = createSolverThread(logger);
const workers = [
  new Worker(CLEARING_QUEUE, clearingProcessor({
    orm, clock: systemClock, scores: storedQualityScores, logger, queue: queues.clearing,
    settlement: queues.settlementScheduler, settlementGraceMs: config.settlementGraceMs, solve: solver.solve,
  }), workerOptions),
  new Worker(SETTLEMENT_QUEUE, settlementProcessor({ orm, clock: systemClock, logger, policy, queue: queues.settlement }), workerOptions),
  // Each run rescores everyone under an advisory lock, so one at a time per process is plenty.
  new Worker(QUALITY_QUEUE, qualityProcessor({ orm, clock: systemClock, logger }), { ...workerOptions, concurrency: 1 }),
];
for (const worker of workers) {
  worker.on('failed', (job, err) => logger.error({ queue: worker.name, jobId: job?.id, err: err.message }, 'job failed'));
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
}
await registerSchedules();
producerConnection.on('ready', () => {
  registerSchedules().catch((err: Error) => logger.warn({ err: err.message }, 'could not register the sweepers; retrying when Redis is ready again'));
});

const health = createServer((req, res) => {
  const ok = req.url === '/healthz' && workers.every((w) => w.isRunning());
  res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: ok ? 'ok' : 'stopping' }));
}).listen(config.workerHealthPort);
logger.info({ queues: [CLEARING_QUEUE, SETTLEMENT_QUEUE, QUALITY_QUEUE], concurrency: config.workerConcurrency }, 'workers started');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down: finishing running jobs');
  await Promise.all(workers.map((w) => w.close()));
  await solver.close();
  await queues.close();
  producerConnection.disconnect();
  health.close();
  await orm.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
