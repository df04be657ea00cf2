/** API process entry point: `npm start` (built) or `npm run dev`. */
import { Redis } from 'ioredis';
import { checkApiConfig, loadConfigOrExit } from './config.js';
import { bootstrapOperator } from './domain/access/organizations.js';
import { systemClock } from './domain/shared/clock.js';
import { createSecretBox } from './domain/webhooks/secret-box.js';
import { createLogger } from './logger.js';
import { createOrm } from './persistence/orm.js';
import { createRedisConnectionSlots } from './realtime/connection-slots.js';
import { createEventSubscriber } from './realtime/event-bus.js';
import { createApiServer } from './server.js';
import { createRedisRateLimiter } from './http/rate-limit.js';
import { redisQueueBackend } from '../workers/queue-backend.js';

const config = loadConfigOrExit(process.env, checkApiConfig);
const logger = createLogger(config.logLevel, 'api');
const orm = await createOrm(config.databaseUrl, config.dbPoolMax);
const redis = new Redis(config.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
redis.on('error', () => {}); // /readyz reports it; the producers' connection logs the outage
// The API enqueues nothing (use cases write outbox events; the workers' relay makes the jobs): its
// queues are for the operator dashboard, and fail at once while Redis is down.
const backend = redisQueueBackend({ url: config.redisUrl, prefix: config.queuePrefix, logger });
const queues = backend.queues('api');
// Domain events from the workers' outbox relay, for this instance's subscriptions.
const events = createEventSubscriber(config.redisUrl, config.queuePrefix, logger);
if (config.webhookSecretKeyIsDevelopmentDefault) logger.warn('WEBHOOK_SECRET_KEY is not set: webhook secrets are sealed with the public development key');

if (config.bootstrapOperatorKey) {
  const issued = await bootstrapOperator(orm.em.fork(), systemClock, config.bootstrapOperatorKey);
  logger.info({ created: issued !== null }, 'bootstrap operator key from BOOTSTRAP_OPERATOR_KEY');
}

// Rate-limit buckets share the readiness connection; if Redis is down the limiter fails open.
const rateLimiter = config.rateLimit ? createRedisRateLimiter({ redis, prefix: `${config.queuePrefix}:rl`, logger, ...config.rateLimit }) : undefined;
// So do the subscription connection counts of every replica; they fail open too.
const connectionSlots = createRedisConnectionSlots({
  redis,
  prefix: `${config.queuePrefix}:ws`,
  limit: config.subscriptionLimits.connectionsPerKey,
  organizationLimit: config.subscriptionLimits.connectionsPerOrganization,
  logger,
});

const api = await createApiServer({
  orm,
  clock: systemClock,
  logger,
  production: config.nodeEnv === 'production',
  settlementPolicy: { feePpm: config.feePpm, graceMs: config.settlementGraceMs },
  readiness: { redis: () => redis.ping() },
  queues: queues.all,
  metricsToken: config.metricsToken,
  metricsPort: config.metricsPort,
  metricsHost: config.metricsHost,
  events,
  webhooks: { secrets: createSecretBox(config.webhookSecretKey), urlPolicy: config.webhookUrlPolicy },
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
logger.info({ url: `${url}/graphql`, metrics: api.metricsUrl() }, 'API listening');

let stopping = false;
async function shutdown(signal: string) {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, 'shutting down: closing subscriptions, no new requests, finishing in-flight ones');
  await api.close();
  await events.close();
  await backend.close();
  await orm.close();
  redis.disconnect();
  process.exit(0);
}
process.on('SIGTERM', () => void shutdown('SIGTERM'));
process.on('SIGINT', () => void shutdown('SIGINT'));
