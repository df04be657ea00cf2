import { Redis } from 'ioredis';
import pg from 'pg';
import type { PgPool } from 'bullmq';
import type { Profile } from '../config.js';
import { createRedisRateLimiter, type RateLimiter } from '../http/rate-limit.js';
import type { Logger } from '../logger.js';
import { embeddedDataDir, EMBEDDED_QUEUE_SCHEMA, isEmbeddedUrl, openEmbedded } from '../persistence/embedded/embedded-database.js';
import { createOrm, type MikroORM } from '../persistence/orm.js';
import { createRedisConnectionSlots, type ConnectionSlots } from '../realtime/connection-slots.js';
import { createEventSubscriber, type EventSubscriber } from '../realtime/event-bus.js';
import { migratePostgresQueues, postgresQueueBackend } from '../../workers/queue-backend-postgres.js';
import { redisQueueBackend, type QueueBackend } from '../../workers/queue-backend.js';
import { createLocalEventBus, createPostgresEventPublisher, createPostgresEventSubscriber } from './event-buses.js';
import { createMemoryConnectionSlots, createMemoryRateLimiter, type BucketLimits } from './memory-limits.js';
import { createPostgresConnectionSlots, createPostgresRateLimiter, preparePlatformTables, type Queryable } from './postgres-limits.js';

/**
 * Everything that differs between the profiles, chosen in this one place at start-up: the
 * database, the queue backend, the event fan-out to subscriptions, the rate-limit buckets and the
 * graphql-ws connection counts. Entry points (API, workers, demo) and the tests ask a Platform for
 * them; nothing else knows which profile runs.
 *
 * - embedded: PGlite in this process (migrated at start), BullMQ on its PostgreSQL backend over
 *   the same database, fan-out, buckets and counts in memory (one process, so exact).
 * - postgres: PostgreSQL only: BullMQ's PostgreSQL backend in a schema of its own, NOTIFY/LISTEN
 *   for fan-out, buckets and counts in unlogged tables (postgres-limits.ts).
 * - redis: PostgreSQL + Redis, as before this file existed.
 */
export interface Platform {
  profile: Profile;
  /** One line for the start-up log: the profile and where the data lives. */
  describe: string;
  /** Where the data lives: the data folder, `memory`, or the database's host and name. */
  dataLocation: string;
  orm: MikroORM;
  /** The queues, consumers and event publisher (the caller closes it after the worker stack). */
  backend: QueueBackend;
  /** Domain events for this process's subscriptions. */
  events(): EventSubscriber;
  rateLimiter(limits: BucketLimits & { prefix: string }): RateLimiter;
  connectionSlots(options: { prefix: string; limit: number; organizationLimit?: number; leaseMs?: number }): ConnectionSlots;
  /** Readiness checks beyond PostgreSQL (Redis in the redis profile). */
  readiness: Record<string, () => Promise<unknown>>;
  /** Closes what the platform opened (the backend, connections, the ORM); close the worker stack and the API first. */
  close(): Promise<void>;
}

export interface PlatformOptions {
  profile: Profile;
  databaseUrl: string;
  redisUrl: string;
  /** Queue keys (Redis), the queue schema's suffix (PostgreSQL), the event channel, bucket keys. */
  prefix: string;
  logger: Logger;
  poolMax?: number;
  /** Apply the committed migrations at start (always in the embedded profile, where nobody else could). */
  migrate?: boolean;
}

export async function createPlatform(options: PlatformOptions): Promise<Platform> {
  const { profile, logger, prefix } = options;
  if (profile === 'embedded' && !isEmbeddedUrl(options.databaseUrl))
    throw new Error(`The embedded profile needs a pglite: database, got ${options.databaseUrl}`);
  const orm = await createOrm(options.databaseUrl, options.poolMax ?? 10);
  if (options.migrate || profile === 'embedded') {
    orm.config.set('logger', () => {});
    await orm.migrator.up();
  }
  if (profile === 'embedded') return embeddedPlatform(options, orm);
  const where = new URL(options.databaseUrl);
  const dataLocation = `${where.host}${where.pathname}`;
  if (profile === 'postgres') return postgresPlatform(options, orm, dataLocation);

  const redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => {}); // /readyz reports it; the producers' connection logs the outage
  const backend = redisQueueBackend({ url: options.redisUrl, prefix, logger });
  return {
    profile,
    dataLocation,
    describe: `profile redis: PostgreSQL ${dataLocation}, Redis ${new URL(options.redisUrl).host}`,
    orm,
    backend,
    events: () => createEventSubscriber(options.redisUrl, prefix, logger),
    // Rate-limit buckets share the readiness connection; if Redis is down the limiter fails open.
    rateLimiter: (limits) => createRedisRateLimiter({ redis, logger, ...limits }),
    connectionSlots: (o) => createRedisConnectionSlots({ redis, logger, ...o }),
    readiness: { redis: () => redis.ping() },
    async close() {
      await backend.close();
      redis.disconnect();
      await orm.close();
    },
  };
}

async function embeddedPlatform(options: PlatformOptions, orm: MikroORM): Promise<Platform> {
  const embedded = await openEmbedded(options.databaseUrl);
  await migratePostgresQueues(embedded.pool as unknown as PgPool, EMBEDDED_QUEUE_SCHEMA);
  const bus = createLocalEventBus(options.logger);
  const backend = postgresQueueBackend({ pool: embedded.pool as unknown as PgPool, logger: options.logger, publisher: bus.publisher });
  const dataLocation = embeddedDataDir(options.databaseUrl) ?? 'memory';
  return {
    profile: 'embedded',
    dataLocation,
    describe: `profile embedded: PostgreSQL (PGlite) in this process, data in ${dataLocation}; queues on BullMQ's PostgreSQL backend`,
    orm,
    backend,
    events: () => bus.subscriber,
    rateLimiter: (limits) => createMemoryRateLimiter(limits),
    connectionSlots: (o) => createMemoryConnectionSlots(o),
    readiness: {},
    async close() {
      await backend.close();
      await orm.close();
      await embedded.close();
    },
  };
}

async function postgresPlatform(options: PlatformOptions, orm: MikroORM, dataLocation: string): Promise<Platform> {
  const { logger, prefix } = options;
  const schema = EMBEDDED_QUEUE_SCHEMA;
  // BullMQ's own pool: its connections search its schema. Each consumer holds one for LISTEN.
  const pool = new pg.Pool({ connectionString: options.databaseUrl, max: 16, options: `-c search_path=${schema}`, keepAlive: true });
  pool.on('error', (err) => logger.warn({ err: err.message }, 'queue pool: PostgreSQL connection error'));
  pool.setMaxListeners(0); // every queue and consumer on it listens for its errors
  await migratePostgresQueues(pool as unknown as PgPool, schema);
  const db = pool as unknown as Queryable;
  await preparePlatformTables(db);
  const backend = postgresQueueBackend({
    pool: pool as unknown as PgPool,
    prefix,
    logger,
    publisher: createPostgresEventPublisher(db, prefix, logger),
    closePool: () => pool.end(),
  });
  return {
    profile: 'postgres',
    dataLocation,
    describe: `profile postgres: PostgreSQL ${dataLocation} only (queues in schema ${schema}, no Redis)`,
    orm,
    backend,
    events: () => createPostgresEventSubscriber(options.databaseUrl, prefix, logger),
    rateLimiter: (limits) => createPostgresRateLimiter({ db, logger, ...limits }),
    connectionSlots: (o) => createPostgresConnectionSlots({ db, logger, ...o }),
    readiness: {},
    async close() {
      await backend.close();
      await orm.close();
    },
  };
}
