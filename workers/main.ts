/**
 * Worker process entry point (`npm run start:workers`, or `npm run dev`): the worker stack
 * (worker-stack.ts: consumers of the clearing, settlement, quality and webhooks queues, the
 * sweepers on a schedule, the outbox relay in a loop) on the profile's queue backend, plus /healthz and
 * /metrics on WORKER_HEALTH_PORT. On SIGTERM it stops relaying and taking jobs, lets running ones
 * finish, then closes its connections.
 */
import { loadConfigOrExit } from '../src/config.js';
import { systemClock } from '../src/domain/shared/clock.js';
import { createSecretBox } from '../src/domain/webhooks/secret-box.js';
import { createLogger } from '../src/logger.js';
import { createRegistry } from '../src/metrics/registry.js';
import { createPlatform } from '../src/platform/platform.js';
import { createHealthServer } from './health.js';
import { createWorkerMetrics } from './metrics.js';
import { createSolverThread } from './solver.js';
import { workerSettings } from './worker-settings.js';
import { QUEUE_NAMES, startWorkerStack } from './worker-stack.js';

const config = loadConfigOrExit();
const logger = createLogger(config.logLevel, 'workers');
if (config.profile === 'embedded') {
  // PGlite lives in one process: the API process (npm start / npm run dev) runs the workers itself.
  console.error(
    'The embedded profile runs the workers inside the API process (npm start); set DATABASE_URL (and REDIS_URL or BURST_PROFILE=postgres) to run them apart.',
  );
  process.exit(1);
}
const platform = await createPlatform({
  profile: config.profile,
  databaseUrl: config.databaseUrl,
  redisUrl: config.redisUrl,
  prefix: config.queuePrefix,
  logger,
  poolMax: config.dbPoolMax,
});
logger.info({ profile: platform.profile, data: platform.dataLocation }, platform.describe);
const { orm, backend } = platform;
// Solves off the event loop, so a long clearing does not stop lock renewals, other jobs or /healthz.
const solver = createSolverThread(logger);
const stack = await startWorkerStack({
  orm,
  clock: systemClock,
  logger,
  backend,
  secrets: createSecretBox(config.webhookSecretKey),
  solve: solver.solve,
  settings: workerSettings(config),
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
  await health.close();
  await platform.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
