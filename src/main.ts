/**
 * API process entry point: `npm start` (built) or `npm run dev`. In the embedded profile (no
 * DATABASE_URL or REDIS_URL) the database lives in this process, so the worker stack runs here
 * too; the other profiles run it in workers/main.ts.
 */
import { checkApiConfig, loadConfigOrExit } from './config.js';
import { bootstrapOperator } from './domain/access/organizations.js';
import { systemClock } from './domain/shared/clock.js';
import { createSecretBox } from './domain/webhooks/secret-box.js';
import { createLogger } from './logger.js';
import { createPlatform } from './platform/platform.js';
import { createApiServer } from './server.js';
import { createSolverThread } from '../workers/solver.js';
import { workerSettings } from '../workers/worker-settings.js';
import { startWorkerStack } from '../workers/worker-stack.js';

const config = loadConfigOrExit(process.env, checkApiConfig);
const logger = createLogger(config.logLevel, 'api');
const platform = await createPlatform({
  profile: config.profile,
  databaseUrl: config.databaseUrl,
  redisUrl: config.redisUrl,
  prefix: config.queuePrefix,
  logger,
  poolMax: config.dbPoolMax,
});
logger.info({ profile: platform.profile, data: platform.dataLocation }, platform.describe);
const { orm } = platform;
const secrets = createSecretBox(config.webhookSecretKey);
// The API enqueues nothing (use cases write outbox events; the workers' relay makes the jobs): its
// queues are for the operator dashboard, and fail at once while the backend is down.
const queues = platform.backend.queues('api');
// Domain events from the workers' outbox relay, for this instance's subscriptions.
const events = platform.events();
if (config.webhookSecretKeyIsDevelopmentDefault) logger.warn('WEBHOOK_SECRET_KEY is not set: webhook secrets are sealed with the public development key');

if (config.bootstrapOperatorKey) {
  const issued = await bootstrapOperator(orm.em.fork(), systemClock, config.bootstrapOperatorKey);
  logger.info({ created: issued !== null }, 'bootstrap operator key from BOOTSTRAP_OPERATOR_KEY');
}

const solver = config.profile === 'embedded' ? createSolverThread(logger) : null;
const stack = solver
  ? await startWorkerStack({ orm, clock: systemClock, logger, backend: platform.backend, secrets, solve: solver.solve, settings: workerSettings(config) })
  : null;

// Both fail open when their store does not answer.
const rateLimiter = config.rateLimit ? platform.rateLimiter({ prefix: `${config.queuePrefix}:rl`, ...config.rateLimit }) : undefined;
const connectionSlots = platform.connectionSlots({
  prefix: `${config.queuePrefix}:ws`,
  limit: config.subscriptionLimits.connectionsPerKey,
  organizationLimit: config.subscriptionLimits.connectionsPerOrganization,
});

const api = await createApiServer({
  orm,
  clock: systemClock,
  logger,
  production: config.nodeEnv === 'production',
  settlementPolicy: { feePpm: config.feePpm, graceMs: config.settlementGraceMs },
  readiness: platform.readiness,
  queues: queues.all,
  metricsToken: config.metricsToken,
  metricsPort: config.metricsPort,
  metricsHost: config.metricsHost,
  events,
  webhooks: { secrets, urlPolicy: config.webhookUrlPolicy },
  queryLimits: config.queryLimits,
  trustProxyHops: config.trustProxyHops,
  rateLimiter,
  subscriptionsPerConnection: config.subscriptionLimits.subscriptionsPerConnection,
  connectionSlots,
  subscriptionMaxMessageBytes: config.subscriptionLimits.maxMessageBytes,
  subscriptionPendingPerAddress: config.subscriptionLimits.pendingPerAddress,
  subscriptionRecheckMs: config.subscriptionLimits.recheckMs,
  console: { sessionTtlMs: config.consoleSessionTtlMs },
  graphiql: { enabled: config.graphiqlEnabled },
});
const url = await api.listen(config.port);
logger.info({ url: `${url}/graphql`, metrics: api.metricsUrl(), workers: stack ? 'in this process' : 'workers/main.ts' }, 'API listening');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down: closing subscriptions, no new requests, finishing in-flight ones');
  await api.close();
  await stack?.close();
  await solver?.close();
  await events.close();
  await platform.close();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
