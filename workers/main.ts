/**
 * Worker process entry point (`npm run start:workers`, or `npm run dev`): consumes the BullMQ
 * queues, runs the sweeper on a schedule, serves /healthz on WORKER_HEALTH_PORT, and on SIGTERM
 * stops taking jobs, lets running ones finish, then closes its connections.
 */
import { createServer } from 'node:http';
import { Worker } from 'bullmq';
import { loadConfigOrExit } from '../src/config.js';
import { systemClock } from '../src/domain/shared/clock.js';
import { neutralQualityScores } from '../src/domain/quality/quality-scores.js';
import { createLogger } from '../src/logger.js';
import { createOrm } from '../src/persistence/orm.js';
import { clearingProcessor } from './clearing.processor.js';
import { CLEARING_QUEUE, createQueues, redisConnection, SWEEP } from './queues.js';

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel, 'workers');
const orm = await createOrm(config.databaseUrl, config.dbPoolMax);
const producerConnection = redisConnection(config.redisUrl, true);
const queues = createQueues(producerConnection, config.queuePrefix);

const worker = new Worker(CLEARING_QUEUE, clearingProcessor({ orm, clock: systemClock, scores: neutralQualityScores, logger, queue: queues.clearing }), {
  connection: redisConnection(config.redisUrl, true),
  prefix: config.queuePrefix,
  concurrency: config.workerConcurrency,
});
worker.on('failed', (job, err) => logger.error({ jobId: job?.id, err: err.message }, 'job failed'));
await queues.clearing.upsertJobScheduler('clearing-sweeper', { every: config.sweepIntervalMs }, { name: SWEEP, data: { sweep: true } });

const health = createServer((req, res) => {
  const ok = req.url === '/healthz' && worker.isRunning();
  res.writeHead(ok ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify({ status: ok ? 'ok' : 'stopping' }));
}).listen(config.workerHealthPort);
logger.info({ queue: CLEARING_QUEUE, concurrency: config.workerConcurrency }, 'workers started');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down: finishing running jobs');
  await worker.close();
  await queues.close();
  producerConnection.disconnect();
  health.close();
  await orm.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
