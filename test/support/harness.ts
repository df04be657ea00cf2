import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { pino, type Logger } from 'pino';
import type { QueryLimits } from '../../src/graphql/limits/query-protection.js';
import { createRedisRateLimiter } from '../../src/http/rate-limit.js';
import { createRedisConnectionSlots } from '../../src/realtime/connection-slots.js';
import { deleteKeys } from './redis-keys.js';
import { clearingProcessor } from '../../workers/clearing.processor.js';
import {
  CLEARING_QUEUE,
  createQueues,
  QUALITY_QUEUE,
  redisConnection,
  SETTLEMENT_QUEUE,
  WEBHOOKS_QUEUE,
  type Queues,
  type WebhookJobData,
  type WebhookRetryPolicy,
} from '../../workers/queues.js';
import { settlementProcessor } from '../../workers/settlement.processor.js';
import { startOutboxRelay } from '../../workers/outbox-relay.js';
import { webhookProcessor } from '../../workers/webhook.processor.js';
import { createSecretBox, type SecretBox } from '../../src/domain/webhooks/secret-box.js';
import type { WebhookUrlPolicy } from '../../src/domain/webhooks/url-policy.js';
import { createEventPublisher, createEventSubscriber, type EventSubscriber } from '../../src/realtime/event-bus.js';
import { DEFAULT_POLICY } from '../../src/domain/settlement/settle-contract.js';
import { storedQualityScores, type QualityScores } from '../../src/domain/quality/quality-scores.js';
import { qualityProcessor } from '../../workers/quality.processor.js';
import { bootstrapOperator } from '../../src/domain/access/organizations.js';
import { ManualClock } from '../../src/domain/shared/clock.js';
import { createOrm, type MikroORM } from '../../src/persistence/orm.js';
import { createApiServer, type ApiServer } from '../../src/server.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './env.js';

export interface HarnessOptions {
  /** Real BullMQ workers for clearing, settlement and webhooks, and the outbox relay, as workers/main.ts runs them. */
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
   * graphql-ws limits: connections per key counted in the real Redis under `<prefix>:ws` (only when
   * given), subscriptions per connection and the largest pushed message (default: the server's).
   */
  subscriptionLimits?: { connectionsPerKey?: number; subscriptionsPerConnection?: number; leaseMs?: number; maxMessageBytes?: number };
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
  /** Present with `{ workers: true }`: real BullMQ queues on a prefix of this harness's own. */
  queues?: Queues;
  workers?: Worker[];
  /** Present with `{ rateLimit }`: the key prefix of this harness's rate-limit buckets. */
  rateLimitPrefix?: string;
  /** Present with `{ subscriptionLimits: { connectionsPerKey } }`: the key prefix of the connection counts (`<prefix>:<apiKeyId>`). */
  connectionSlotsPrefix?: string;
  close(): Promise<void>;
}

/** Test key for sealing webhook secrets (any 32 bytes). */
export const TEST_WEBHOOK_KEY = Buffer.alloc(32, 0x42);

const TABLES = [
  'console_sign_in_link',
  'console_session',
  'webhook_delivery',
  'webhook_endpoint',
  'domain_event',
  'ingest_nonce',
  'ingest_secret',
  'vendor_score_history',
  'vendor_score',
  'scoring_run',
  'brand_vendor_audit',
  'vendor_audit',
  'contract_rating_tally',
  'quality_observation',
  'quality_event',
  'ledger_entry',
  'ledger_transaction',
  'settlement',
  'invoice_line',
  'invoice',
  'ledger_account',
  'invoice_number_counter',
  'delivery_report',
  'audit_record',
  'contract',
  'bid_outcome',
  'award',
  'clearing_failure',
  'clearing_result',
  'state_transition',
  'bid',
  'demand_spike',
  'api_key',
  'organization',
];

/**
 * Empties the tables in one transaction, so a quality job of the previous test that is still
 * running cannot write a scoring run between the truncate and the policy delete; the deadlock
 * such a job (or the outbox relay) can cause is retried.
 */
export async function truncateAll(orm: MikroORM): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    try {
      await orm.em.fork().transactional(async (em) => {
        await em.execute(`truncate ${TABLES.map((t) => `"${t}"`).join(', ')} cascade`);
        // Version 1 is the migration's default policy; tests may add versions.
        await em.execute('delete from scoring_policy where version > 1');
      });
      return;
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (attempt >= 5 || (code !== '40P01' && code !== '23503')) throw error;
    }
  }
}

export async function startHarness(options: HarnessOptions = {}): Promise<Harness> {
  const orm = await createOrm(TEST_DATABASE_URL, 20);
  const clock = new ManualClock(new Date());
  const logger = options.logger ?? pino({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });
  const prefix = `bx-test-${randomBytes(4).toString('hex')}`;
  const rateLimitPrefix = `${prefix}:rl`;
  const limiterRedis = options.rateLimit ? new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 }) : undefined;
  const rateLimiter =
    limiterRedis && options.rateLimit
      ? createRedisRateLimiter({
          redis: limiterRedis,
          prefix: rateLimitPrefix,
          logger,
          anonymousPoints: options.rateLimit.points,
          ingestPoints: options.rateLimit.points,
          ...options.rateLimit,
        })
      : undefined;
  const slotLimits = options.subscriptionLimits;
  const connectionSlotsPrefix = `${prefix}:ws`;
  const slotsRedis = slotLimits?.connectionsPerKey ? new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 }) : undefined;
  const connectionSlots =
    slotsRedis && slotLimits?.connectionsPerKey
      ? createRedisConnectionSlots({
          redis: slotsRedis,
          prefix: connectionSlotsPrefix,
          limit: slotLimits.connectionsPerKey,
          logger,
          ...(slotLimits.leaseMs ? { leaseMs: slotLimits.leaseMs } : {}),
        })
      : undefined;
  const secrets = createSecretBox(TEST_WEBHOOK_KEY);
  const background = options.workers || options.realtime;
  const queues = background ? createQueues(redisConnection(TEST_REDIS_URL, true), prefix) : undefined;
  const workerOptions = { connection: redisConnection(TEST_REDIS_URL, true), prefix, concurrency: 2 };
  const retry = options.webhookRetry ?? { attempts: 3, backoffMs: 50 };
  const workers = queues
    ? [
        ...(options.workers
          ? [
              new Worker(
                CLEARING_QUEUE,
                clearingProcessor({
                  orm,
                  clock,
                  scores: storedQualityScores,
                  logger,
                  queue: queues.clearing,
                  settlement: queues.settlementScheduler,
                  settlementGraceMs: DEFAULT_POLICY.graceMs,
                }),
                workerOptions,
              ),
              new Worker(SETTLEMENT_QUEUE, settlementProcessor({ orm, clock, logger, policy: DEFAULT_POLICY, queue: queues.settlement }), workerOptions),
              new Worker(QUALITY_QUEUE, qualityProcessor({ orm, clock, logger }), { ...workerOptions, concurrency: 1 }),
            ]
          : []),
        new Worker(
          WEBHOOKS_QUEUE,
          webhookProcessor({
            orm,
            clock,
            logger,
            secrets,
            retry,
            queue: queues.webhooks,
            http: { timeoutMs: options.webhookTimeoutMs ?? 2_000, allowPrivateNetworks: true },
          }),
          workerOptions,
        ),
      ]
    : undefined;
  // As in workers/main.ts: the relay's Redis connection fails fast.
  const relayConnection = background ? redisConnection(TEST_REDIS_URL, false) : undefined;
  const relayWebhooks = relayConnection ? new Queue<WebhookJobData>(WEBHOOKS_QUEUE, { connection: relayConnection, prefix }) : undefined;
  const relay =
    relayConnection && relayWebhooks
      ? startOutboxRelay({ orm, clock, logger, publisher: createEventPublisher(relayConnection, prefix), webhooks: relayWebhooks, retry, intervalMs: 20 })
      : undefined;
  const events = createEventSubscriber(TEST_REDIS_URL, prefix, logger);
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
    ...(slotLimits?.maxMessageBytes ? { subscriptionMaxMessageBytes: slotLimits.maxMessageBytes } : {}),
    ...(options.workers && queues
      ? { clearing: queues.scheduler, settlement: queues.settlementScheduler, quality: queues.qualityScheduler, queues: queues.all }
      : {}),
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
    ...(queues ? { queues } : {}),
    ...(workers ? { workers } : {}),
    ...(limiterRedis ? { rateLimitPrefix } : {}),
    ...(slotsRedis ? { connectionSlotsPrefix } : {}),
    async close() {
      await relay?.stop();
      await api.close();
      if (slotsRedis) {
        await deleteKeys(slotsRedis, `${connectionSlotsPrefix}:*`);
        slotsRedis.disconnect();
      }
      if (limiterRedis) {
        await deleteKeys(limiterRedis, `${rateLimitPrefix}:*`);
        limiterRedis.disconnect();
      }
      await Promise.all((workers ?? []).map((w) => w.close()));
      if (queues) {
        await queues.clearing.obliterate({ force: true });
        await queues.settlement.obliterate({ force: true });
        await queues.quality.obliterate({ force: true });
        await queues.webhooks.obliterate({ force: true });
        await queues.close();
      }
      await relayWebhooks?.close();
      relayConnection?.disconnect();
      await events.close();
      await orm.close();
    },
  };
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

/** Row counts of every table, to prove that a refused request wrote nothing. */
export async function rowCounts(orm: MikroORM): Promise<Record<string, number>> {
  const rows = await orm.em
    .getConnection()
    .execute<{ t: string; n: string }[]>(TABLES.map((t) => `select '${t}' as t, count(*)::text as n from "${t}"`).join(' union all '));
  return Object.fromEntries(rows.map((r) => [r.t, Number(r.n)]));
}
