import { randomBytes } from 'node:crypto';
import type { Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import type { QueryLimits } from '../../src/graphql/limits/query-protection.js';
import { deleteKeys } from './redis-keys.js';
import { createPlatform } from '../../src/platform/platform.js';
import type { Queues, WebhookRetryPolicy } from '../../workers/queues.js';
import { startWorkerStack, type WorkerStack } from '../../workers/worker-stack.js';
import { createSecretBox, type SecretBox } from '../../src/domain/webhooks/secret-box.js';
import type { WebhookUrlPolicy } from '../../src/domain/webhooks/url-policy.js';
import type { EventSubscriber } from '../../src/realtime/event-bus.js';
import { DEFAULT_POLICY } from '../../src/domain/settlement/settle-contract.js';
import type { QualityScores } from '../../src/domain/quality/quality-scores.js';
import { bootstrapOperator } from '../../src/domain/access/organizations.js';
import { ManualClock } from '../../src/domain/shared/clock.js';
import type { MikroORM } from '../../src/persistence/orm.js';
import { createApiServer, type ApiServer } from '../../src/server.js';
import { TEST_DATABASE_URL, TEST_PROFILE, TEST_REDIS_URL } from './env.js';
import { truncateAll } from './tables.js';

export { rowCounts, truncateAll } from './tables.js';

export interface HarnessOptions {
  /** The worker stack as workers/main.ts composes it (every consumer and the outbox relay; no sweeper schedules). */
  workers?: boolean;
  /** Only the outbox relay and the webhook worker: events flow, nothing clears or settles by itself. */
  realtime?: boolean;
  /** Webhook retries; tests use a short backoff (default 3 attempts, 50 ms doubling). */
  webhookRetry?: WebhookRetryPolicy;
  webhookTimeoutMs?: number;
  /** Production configuration (no introspection, no schema hints in errors). */
  production?: boolean;
  queryLimits?: QueryLimits;
  /** Rate limiting against the real Redis, on buckets under a prefix of this harness's own (anonymous and ingestion budgets default to `points`). */
  rateLimit?: { points: number; anonymousPoints?: number; ingestPoints?: number; windowMs: number };
  /**
   * graphql-ws limits: connections per key (and per organisation) counted in the real Redis under
   * `<prefix>:ws` (only when connectionsPerKey is given), subscriptions per connection, the largest
   * pushed message and pending sockets per address (default: the server's).
   */
  subscriptionLimits?: {
    connectionsPerKey?: number;
    connectionsPerOrganization?: number;
    subscriptionsPerConnection?: number;
    leaseMs?: number;
    maxMessageBytes?: number;
    pendingPerAddress?: number;
    /** How often open connections are checked for an ended session or revoked key (default 5 s). */
    recheckMs?: number;
  };
  /** Where the API logs (default: silent, or TEST_LOG_LEVEL). */
  logger?: Logger;
  /** Quality standings for the API (default: the stored scores). */
  scores?: QualityScores;
  /** Where the API lets webhooks point (default: http and private networks allowed, for local receivers). */
  webhookUrlPolicy?: WebhookUrlPolicy;
}

/** A running API on an ephemeral port against the test database, with a clock tests can move. */
export interface Harness {
  url: string;
  /** The same /graphql path for graphql-ws clients. */
  wsUrl: string;
  /** This harness's Redis prefix (queues and the event channel). */
  prefix: string;
  /** The API's event subscriber (tests wait on its listener counts before triggering events). */
  events: EventSubscriber;
  secrets: SecretBox;
  orm: MikroORM;
  clock: ManualClock;
  api: ApiServer;
  operatorKey: string;
  /** Present with `{ workers: true }` or `{ realtime: true }`: the worker stack's queues, on a prefix of this harness's own. */
  queues?: Queues;
  /** Its consumers: clearing, settlement, quality and webhooks with `workers`, only webhooks with `realtime`. */
  workers?: Worker[];
  /** The worker stack itself (workers/worker-stack.ts), as workers/main.ts runs it. */
  stack?: WorkerStack;
  /** Present with `{ rateLimit }`: the key prefix of this harness's rate-limit buckets. */
  rateLimitPrefix?: string;
  /** Present with `{ subscriptionLimits: { connectionsPerKey } }`: the key prefix of the connection counts (`<prefix>:<apiKeyId>`). */
  connectionSlotsPrefix?: string;
  close(): Promise<void>;
}

/** Test key for sealing webhook secrets (any 32 bytes). */
export const TEST_WEBHOOK_KEY = Buffer.alloc(32, 0x42);

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const clock = new ManualClock(new Date());
  const logger = options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const prefix = `bx-test-${randomBytes(4).toString('hex')}`;
  // The one place the test profile is chosen: database, queues, fan-out, buckets and connection slots.
  const platform = await createPlatform({ profile: TEST_PROFILE, databaseUrl: TEST_DATABASE_URL, redisUrl: TEST_REDIS_URL, prefix, logger, poolMax: 20 });
  const { orm } = platform;
  const rateLimitPrefix = `${prefix}:rl`;
  const rateLimiter = options.rateLimit
    ? platform.rateLimiter({ prefix: rateLimitPrefix, anonymousPoints: options.rateLimit.points, ingestPoints: options.rateLimit.points, ...options.rateLimit })
    : undefined;
  const slotLimits = options.subscriptionLimits;
  const connectionSlotsPrefix = `${prefix}:ws`;
  const connectionSlots = slotLimits?.connectionsPerKey
    ? platform.connectionSlots({
        prefix: connectionSlotsPrefix,
        limit: slotLimits.connectionsPerKey,
        ...(slotLimits.connectionsPerOrganization ? { organizationLimit: slotLimits.connectionsPerOrganization } : {}),
        ...(slotLimits.leaseMs ? { leaseMs: slotLimits.leaseMs } : {}),
      })
    : undefined;
  // Keys the Redis profile leaves behind under this harness's prefix, removed at close.
  const redisKeys = TEST_PROFILE === 'redis' && (rateLimiter || connectionSlots) ? new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 }) : undefined;
  const secrets = createSecretBox(TEST_WEBHOOK_KEY);
  const backend = options.workers || options.realtime ? platform.backend : undefined;
  // What workers/main.ts runs, but with the harness's clock, a fast relay and no sweeper schedules
  // (tests run the sweepers by hand); `realtime` consumes only the webhooks queue.
  const stack = backend
    ? await startWorkerStack({
        orm,
        clock,
        logger,
        backend,
        secrets,
        settings: {
          concurrency: 2,
          sweepIntervalMs: 3_600_000,
          scoreRefreshMs: 3_600_000,
          outboxPollMs: 20,
          settlementPolicy: DEFAULT_POLICY,
          webhooks: {
            retry: options.webhookRetry ?? { attempts: 3, backoffMs: 50 },
            timeoutMs: options.webhookTimeoutMs ?? 2_000,
            allowPrivateNetworks: true,
          },
        },
        run: { consume: options.workers ? undefined : ['webhooks'], schedules: false },
      })
    : undefined;
  const events = platform.events();
  await events.ready;
  const api = await createApiServer({
    orm,
    clock,
    logger,
    production: options.production ?? false,
    events,
    webhooks: { secrets, urlPolicy: options.webhookUrlPolicy ?? { allowHttp: true, allowPrivateNetworks: true } },
    queryLimits: options.queryLimits,
    rateLimiter,
    scores: options.scores,
    connectionSlots,
    ...(slotLimits?.subscriptionsPerConnection ? { subscriptionsPerConnection: slotLimits.subscriptionsPerConnection } : {}),
    ...(slotLimits?.recheckMs ? { subscriptionRecheckMs: slotLimits.recheckMs } : {}),
    ...(slotLimits?.maxMessageBytes ? { subscriptionMaxMessageBytes: slotLimits.maxMessageBytes } : {}),
    ...(slotLimits?.pendingPerAddress ? { subscriptionPendingPerAddress: slotLimits.pendingPerAddress } : {}),
    ...(options.workers && stack ? { queues: stack.queues.all } : {}),
  });
  const url = await api.listen(0, '127.0.0.1');
  return {
    url: `${url}/graphql`,
    wsUrl: `${url.replace(/^http/, 'ws')}/graphql`,
    prefix,
    events,
    secrets,
    orm,
    clock,
    api,
    operatorKey: '',
    ...(stack ? { stack, queues: stack.queues, workers: stack.workers } : {}),
    ...(rateLimiter ? { rateLimitPrefix } : {}),
    ...(connectionSlots ? { connectionSlotsPrefix } : {}),
    async close() {
      await stack?.close();
      await api.close();
      if (redisKeys) {
        if (connectionSlots) await deleteKeys(redisKeys, `${connectionSlotsPrefix}:*`);
        if (rateLimiter) await deleteKeys(redisKeys, `${rateLimitPrefix}:*`);
        redisKeys.disconnect();
      }
      if (stack) for (const queue of stack.queues.all) await queue.obliterate({ force: true });
      await events.close();
      await platform.close();
    },
  };
}

/** Until the relay has relayed every committed event (with `workers` or `realtime`): their jobs exist from then on. */
export async function outboxRelayed(h: Harness, ms?: number): Promise<void> {
  const unpublished = async () =>
    Number((await h.orm.em.getConnection().execute<{ n: number }[]>('select count(*)::int as n from domain_event where published_at is null'))[0]!.n);
  await eventually(async () => ((await unpublished()) === 0 ? true : null), ms);
}

/** Polls until `check` returns a value (not null/undefined), or fails after `ms`. */
export async function eventually<T>(check: () => Promise<T | null | undefined>, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await check();
    if (value !== null && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`Condition not met within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** Empties every table and issues a fresh operator key: each test starts from a known state. */
export async function resetState(h: Harness): Promise<void> {
  await truncateAll(h.orm);
  h.clock.set(new Date());
  const issued = await bootstrapOperator(h.orm.em.fork() as never, h.clock);
  h.operatorKey = issued!.secret;
}
