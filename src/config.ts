import { createHash } from 'node:crypto';
import { isIP } from 'node:net';
import { MAX_EVENTS_PER_BATCH } from './domain/quality/quality-events.js';
import { boolean, ConfigError, integer, oneOf, url, type Env } from './config-values.js';
import { embeddedUrl, isEmbeddedUrl } from './persistence/embedded/embedded-url.js';
import { DEFAULT_DATA_DIR, PROFILES, type Profile } from './platform/profile.js';

export { ConfigError } from './config-values.js';
export type { Profile } from './platform/profile.js';

/**
 * Process configuration from the environment, validated once at start-up. A bad value stops
 * the process with a message that names the variable, instead of failing later and obscurely.
 */

export interface Config {
  nodeEnv: 'development' | 'test' | 'production';
  /** BURST_PROFILE, or detected: `embedded` when neither DATABASE_URL nor REDIS_URL is set, else `redis`. */
  profile: Profile;
  /** The database: a PostgreSQL URL, or `pglite:<folder>` / `pglite:memory` in the embedded profile. */
  databaseUrl: string;
  redisUrl: string;
  port: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Optional operator key to create at start-up when none exists (see README). */
  bootstrapOperatorKey: string | null;
  /** Database pool size per process. */
  dbPoolMax: number;
  /** Prefix of every BullMQ key; use a hash tag such as {bx} on Redis Cluster. */
  queuePrefix: string;
  /** Jobs one worker process runs at once. */
  workerConcurrency: number;
  /** How often the sweeper looks for due work that has no job. */
  sweepIntervalMs: number;
  /** Port of the worker process's /healthz. */
  workerHealthPort: number;
  /** Time after a contract's last interval before it settles by itself. */
  settlementGraceMs: number;
  /** Marketplace fee in parts per million of the net (20,000 = 2%). */
  feePpm: number;
  /** BullMQ job lock: a crashed worker's jobs are retried after about this long. */
  workerLockMs: number;
  /** How often scores are recomputed without new data (time decay moves them). */
  scoreRefreshMs: number;
  /** When set, /metrics (API and workers) requires `Authorization: Bearer <token>`; when null it is open. */
  metricsToken: string | null;
  /** When set, the API serves /metrics on this port only, not on PORT (METRICS_PORT). */
  metricsPort: number | null;
  /** The address METRICS_PORT listens on (METRICS_HOST, default every interface, as a container needs). */
  metricsHost: string;
  /** How often the outbox relay looks for unpublished domain events. */
  outboxPollMs: number;
  /** Webhook delivery: attempts per event and endpoint, the first backoff (doubling), and the HTTP timeout. */
  webhookAttempts: number;
  webhookBackoffMs: number;
  webhookTimeoutMs: number;
  /** 32-byte key that seals webhook signing secrets at rest (AES-256-GCM). */
  webhookSecretKey: Buffer;
  /** True when WEBHOOK_SECRET_KEY was not set and the public development key is in use (never in production). */
  webhookSecretKeyIsDevelopmentDefault: boolean;
  /** Where webhook URLs may point: plain http and private networks only when allowed. */
  webhookUrlPolicy: { allowHttp: boolean; allowPrivateNetworks: boolean };
  /** Size limits of one GraphQL request (docs/security.md). */
  queryLimits: { maxDepth: number; maxAliases: number; maxFields: number; maxCost: number; maxTokens: number };
  /**
   * Token buckets per API key, per client address and, in events, per organisation for signed
   * quality ingestion; null (no rate limiting at all) when RATE_LIMIT_POINTS is 0.
   */
  rateLimit: { points: number; anonymousPoints: number; ingestPoints: number; windowMs: number } | null;
  /**
   * graphql-ws: concurrent connections per API key and per organisation (counted in Redis), active
   * subscriptions per connection, largest pushed message, sockets per client address waiting to
   * be initialised (per replica).
   */
  subscriptionLimits: {
    connectionsPerKey: number;
    connectionsPerOrganization: number;
    subscriptionsPerConnection: number;
    maxMessageBytes: number;
    pendingPerAddress: number;
    /** How often open connections are checked for an ended console session or a revoked key (SUBSCRIPTION_RECHECK_MS). */
    recheckMs: number;
  };
  /** Reverse-proxy hops whose X-Forwarded-For is trusted for the client address. */
  trustProxyHops: number;
  /** How long a web console session lasts from sign-in (CONSOLE_SESSION_TTL_MS). */
  consoleSessionTtlMs: number;
  /** GraphiQL at /graphiql (GRAPHIQL_ENABLED; default on, off in production). */
  graphiqlEnabled: boolean;
}

/** Public and therefore insecure: only so that development and tests run without setup. */
export const DEVELOPMENT_WEBHOOK_KEY = createHash('sha256').update('burst-exchange development webhook key, never for production').digest();

/**
 * Keys published in this repository, which anyone can read: the development key above and the
 * test suite's (32 × 0x42, test/support/harness.ts). Production refuses them however they are
 * written (hex, base64, base64url).
 */
const PUBLISHED_WEBHOOK_KEYS: readonly Buffer[] = [DEVELOPMENT_WEBHOOK_KEY, Buffer.alloc(32, 0x42)];
const GENERATE_KEY = '32 random bytes as 64 hex characters (openssl rand -hex 32)';

function webhookKey(env: Env, nodeEnv: Config['nodeEnv']): { key: Buffer; isDefault: boolean } {
  const raw = env.WEBHOOK_SECRET_KEY?.trim();
  if (!raw) {
    if (nodeEnv === 'production') throw new ConfigError('WEBHOOK_SECRET_KEY', `is required in production: ${GENERATE_KEY}`);
    return { key: DEVELOPMENT_WEBHOOK_KEY, isDefault: true };
  }
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : /^[A-Za-z0-9+/_-]{43}=?$/.test(raw) ? Buffer.from(raw, 'base64url') : null;
  if (!key || key.length !== 32) throw new ConfigError('WEBHOOK_SECRET_KEY', 'must be 32 bytes as 64 hex characters or 43 base64 characters');
  if (nodeEnv === 'production') {
    if (PUBLISHED_WEBHOOK_KEYS.some((published) => published.equals(key))) {
      throw new ConfigError(
        'WEBHOOK_SECRET_KEY',
        `is a key published with the source code (development or tests), which anyone can read; production needs its own: ${GENERATE_KEY}`,
      );
    }
    // A generated key has about 28 distinct byte values; fewer than 8 is a typed pattern (all zeros, "abab…").
    if (new Set(key).size < 8)
      throw new ConfigError('WEBHOOK_SECRET_KEY', `looks typed rather than generated (fewer than 8 distinct bytes); production needs ${GENERATE_KEY}`);
  }
  return { key, isDefault: false };
}

function prefix(env: Env): string {
  const raw = env.QUEUE_PREFIX?.trim() || 'bx';
  if (!/^[A-Za-z0-9_{}-]{1,40}$/.test(raw)) throw new ConfigError('QUEUE_PREFIX', `must be 1-40 letters, digits, _ - { }, got "${raw}"`);
  return raw;
}

function metricsHost(env: Env): string {
  const raw = env.METRICS_HOST?.trim() || '0.0.0.0';
  if (!isIP(raw)) throw new ConfigError('METRICS_HOST', `must be an IP address to listen on, such as 127.0.0.1 or 10.0.0.5, got "${raw}"`);
  return raw;
}

/** Connections per key, and per organisation: at least as many as one key may hold (50 by default, or the key's limit if higher). */
function connectionLimits(env: Env): { connectionsPerKey: number; connectionsPerOrganization: number } {
  const connectionsPerKey = integer(env, 'SUBSCRIPTION_CONNECTIONS_PER_KEY', 10, 1, 100_000);
  const connectionsPerOrganization = integer(env, 'SUBSCRIPTION_CONNECTIONS_PER_ORGANIZATION', Math.max(50, connectionsPerKey), 1, 1_000_000);
  if (connectionsPerOrganization < connectionsPerKey) {
    throw new ConfigError(
      'SUBSCRIPTION_CONNECTIONS_PER_ORGANIZATION',
      `must be at least SUBSCRIPTION_CONNECTIONS_PER_KEY (${connectionsPerKey}), got "${connectionsPerOrganization}"`,
    );
  }
  return { connectionsPerKey, connectionsPerOrganization };
}

function metricsToken(env: Env): string | null {
  const raw = env.METRICS_TOKEN?.trim() || null;
  if (raw !== null && !/^[\x21-\x7e]{16,200}$/.test(raw)) throw new ConfigError('METRICS_TOKEN', 'must be 16-200 printable characters without spaces');
  return raw;
}

/** The embedded profile takes a `pglite:` DATABASE_URL or its data folder (BURST_DATA_DIR); the others a PostgreSQL URL. */
function databaseUrl(env: Env, profile: Profile): string {
  if (profile !== 'embedded') return url(env, 'DATABASE_URL', 'postgres://postgres@127.0.0.1:5432/burst_exchange', ['postgres:', 'postgresql:']);
  const raw = env.DATABASE_URL?.trim();
  if (raw && isEmbeddedUrl(raw)) return raw;
  if (raw)
    throw new ConfigError('DATABASE_URL', `must be unset or a pglite: location in the embedded profile, got "${raw}" (set BURST_PROFILE=redis or postgres)`);
  return embeddedUrl(env.BURST_DATA_DIR?.trim() || DEFAULT_DATA_DIR);
}

/** Reads and validates the configuration; throws ConfigError naming the first bad variable. */
export function loadConfig(env: Env = process.env): Config {
  const nodeEnv = oneOf(env, 'NODE_ENV', 'development', ['development', 'test', 'production'] as const);
  const bootstrap = env.BOOTSTRAP_OPERATOR_KEY?.trim() || null;
  const queryLimits = {
    maxDepth: integer(env, 'QUERY_MAX_DEPTH', 10, 2, 100),
    maxAliases: integer(env, 'QUERY_MAX_ALIASES', 30, 0, 1_000),
    maxFields: integer(env, 'QUERY_MAX_FIELDS', 300, 10, 10_000),
    maxCost: integer(env, 'QUERY_MAX_COST', 10_000, 10, 10_000_000),
    maxTokens: integer(env, 'QUERY_MAX_TOKENS', 10_000, 100, 1_000_000),
  };
  const ratePoints = integer(env, 'RATE_LIMIT_POINTS', 50_000, 0, 1_000_000_000);
  // A bucket smaller than the dearest admissible query would refuse that query forever.
  if (ratePoints > 0 && ratePoints < queryLimits.maxCost) {
    throw new ConfigError('RATE_LIMIT_POINTS', `must be 0 (off) or at least QUERY_MAX_COST (${queryLimits.maxCost}), got "${ratePoints}"`);
  }
  if (bootstrap !== null && !/^bx_[a-z0-9]{8}_[A-Za-z0-9_-]{32,}$/.test(bootstrap)) {
    throw new ConfigError('BOOTSTRAP_OPERATOR_KEY', 'must look like bx_<8 lowercase letters or digits>_<at least 32 url-safe characters>');
  }
  const secretKey = webhookKey(env, nodeEnv);
  const profile = oneOf(env, 'BURST_PROFILE', env.DATABASE_URL?.trim() || env.REDIS_URL?.trim() ? 'redis' : 'embedded', PROFILES);
  return {
    nodeEnv,
    profile,
    databaseUrl: databaseUrl(env, profile),
    redisUrl: url(env, 'REDIS_URL', 'redis://127.0.0.1:6379', ['redis:', 'rediss:']),
    port: integer(env, 'PORT', 4000, 0, 65535),
    logLevel: oneOf(env, 'LOG_LEVEL', nodeEnv === 'test' ? 'silent' : 'info', ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const),
    bootstrapOperatorKey: bootstrap,
    dbPoolMax: integer(env, 'DB_POOL_MAX', 10, 1, 200),
    queuePrefix: prefix(env),
    workerConcurrency: integer(env, 'WORKER_CONCURRENCY', 4, 1, 256),
    sweepIntervalMs: integer(env, 'SWEEP_INTERVAL_MS', 15_000, 100, 3_600_000),
    workerHealthPort: integer(env, 'WORKER_HEALTH_PORT', 4100, 0, 65535),
    settlementGraceMs: integer(env, 'SETTLEMENT_GRACE_MS', 2 * 3_600_000, 0, 30 * 86_400_000),
    consoleSessionTtlMs: integer(env, 'CONSOLE_SESSION_TTL_MS', 8 * 3_600_000, 5 * 60_000, 7 * 86_400_000),
    feePpm: integer(env, 'MARKETPLACE_FEE_PPM', 20_000, 0, 500_000),
    workerLockMs: integer(env, 'WORKER_LOCK_MS', 30_000, 1_000, 600_000),
    scoreRefreshMs: integer(env, 'SCORE_REFRESH_MS', 300_000, 1_000, 86_400_000),
    metricsToken: metricsToken(env),
    metricsPort: env.METRICS_PORT?.trim() ? integer(env, 'METRICS_PORT', 0, 1, 65535) : null,
    metricsHost: metricsHost(env),
    outboxPollMs: integer(env, 'OUTBOX_POLL_MS', 250, 10, 60_000),
    webhookAttempts: integer(env, 'WEBHOOK_ATTEMPTS', 8, 1, 25),
    webhookBackoffMs: integer(env, 'WEBHOOK_BACKOFF_MS', 30_000, 10, 3_600_000),
    webhookTimeoutMs: integer(env, 'WEBHOOK_TIMEOUT_MS', 5_000, 100, 60_000),
    webhookSecretKey: secretKey.key,
    webhookSecretKeyIsDevelopmentDefault: secretKey.isDefault,
    webhookUrlPolicy: { allowHttp: boolean(env, 'WEBHOOK_ALLOW_HTTP', false), allowPrivateNetworks: boolean(env, 'WEBHOOK_ALLOW_PRIVATE_NETWORKS', false) },
    queryLimits,
    rateLimit:
      ratePoints === 0
        ? null
        : {
            points: ratePoints,
            anonymousPoints: integer(env, 'RATE_LIMIT_ANONYMOUS_POINTS', 1_000, 1, 1_000_000_000),
            // At least one full batch, or the largest batch could never be paid for.
            ingestPoints: integer(env, 'INGEST_RATE_LIMIT_EVENTS', 60_000, MAX_EVENTS_PER_BATCH, 1_000_000_000),
            windowMs: integer(env, 'RATE_LIMIT_WINDOW_MS', 60_000, 1_000, 86_400_000),
          },
    trustProxyHops: integer(env, 'TRUST_PROXY_HOPS', 0, 0, 10),
    graphiqlEnabled: boolean(env, 'GRAPHIQL_ENABLED', nodeEnv !== 'production'),
    subscriptionLimits: {
      ...connectionLimits(env),
      subscriptionsPerConnection: integer(env, 'SUBSCRIPTIONS_PER_CONNECTION', 20, 1, 1_000),
      maxMessageBytes: integer(env, 'SUBSCRIPTION_MAX_MESSAGE_BYTES', 256 * 1024, 1_024, 16 * 1024 * 1024),
      pendingPerAddress: integer(env, 'SUBSCRIPTION_PENDING_CONNECTIONS_PER_ADDRESS', 10, 1, 10_000),
      recheckMs: integer(env, 'SUBSCRIPTION_RECHECK_MS', 5_000, 100, 300_000),
    },
  };
}

/**
 * What the API process demands on top of loadConfig: in production its /metrics, which shows
 * traffic by operation, is never open on the public port, so METRICS_TOKEN protects it or
 * METRICS_PORT moves it to a port of its own for the internal network. (The workers serve
 * /metrics on WORKER_HEALTH_PORT, which is internal anyway.)
 */
export function checkApiConfig(config: Config): Config {
  if (config.metricsPort !== null && config.metricsPort === config.port) throw new ConfigError('METRICS_PORT', `must differ from PORT (${config.port})`);
  // Without METRICS_PORT, /metrics is on PORT and its address: a METRICS_HOST would be silently ignored.
  if (config.metricsPort === null && config.metricsHost !== '0.0.0.0')
    throw new ConfigError('METRICS_HOST', 'applies to METRICS_PORT only: set METRICS_PORT too');
  if (config.nodeEnv === 'production' && config.metricsToken === null && config.metricsPort === null) {
    throw new ConfigError('METRICS_TOKEN', 'is required in production unless METRICS_PORT serves /metrics on a port of its own for the internal network');
  }
  return config;
}

/** loadConfig (and `check`, e.g. checkApiConfig) for entry points: prints the problem and exits 1 instead of a stack trace. */
export function loadConfigOrExit(env: Env = process.env, check: (config: Config) => Config = (c) => c): Config {
  try {
    return check(loadConfig(env));
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(error.message);
      process.exit(1);
    }
    throw error;
  }
}
