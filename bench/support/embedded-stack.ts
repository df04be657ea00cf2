/**
 * The embedded profile's API and workers in the benchmark's own process, as `npm start` runs them
 * there (src/main.ts): one PGlite serves one process, so a benchmark on that profile cannot spawn
 * them as it does on the others. Composed from the same parts as main.ts (platform, worker stack,
 * API server) with the configuration the benchmarks give their child processes.
 */
import { randomBytes } from 'node:crypto';
import { loadConfig } from '../../src/config.js';
import { systemClock } from '../../src/domain/shared/clock.js';
import { createSecretBox } from '../../src/domain/webhooks/secret-box.js';
import { createLogger } from '../../src/logger.js';
import { createPlatform, type Platform } from '../../src/platform/platform.js';
import { createApiServer, type ApiServer } from '../../src/server.js';
import { workerSettings } from '../../workers/worker-settings.js';
import { startWorkerStack, type WorkerStack } from '../../workers/worker-stack.js';

export interface EmbeddedStack {
  platform: Platform;
  workers: WorkerStack;
  api: ApiServer | null;
  /** Closes the API, then the workers, then the platform (the last user of PGlite closes it). */
  close(): Promise<void>;
}

/**
 * The platform and worker stack on `databaseUrl` (a `pglite:` location), and the API on `port` when
 * given. `schedules: false` leaves out the sweepers and the score refresh (a benchmark that empties
 * a queue would remove their jobs under them).
 */
export async function startEmbeddedStack(
  databaseUrl: string,
  options: { port?: number; env?: Record<string, string>; schedules?: boolean },
): Promise<EmbeddedStack> {
  // Rate limiting off: the benchmark measures the API, not one key's budget.
  const config = loadConfig({
    ...process.env,
    BURST_PROFILE: 'embedded',
    DATABASE_URL: databaseUrl,
    REDIS_URL: '',
    LOG_LEVEL: 'warn',
    NODE_ENV: 'production',
    RATE_LIMIT_POINTS: '0',
    WEBHOOK_SECRET_KEY: randomBytes(32).toString('hex'),
    METRICS_TOKEN: randomBytes(16).toString('hex'),
    ...options.env,
  });
  const logger = createLogger(config.logLevel, 'bench');
  const platform = await createPlatform({
    profile: 'embedded',
    databaseUrl,
    redisUrl: config.redisUrl,
    prefix: config.queuePrefix,
    logger,
    poolMax: config.dbPoolMax,
  });
  const { orm } = platform;
  const secrets = createSecretBox(config.webhookSecretKey);
  const workers = await startWorkerStack({
    orm,
    clock: systemClock,
    logger,
    backend: platform.backend,
    secrets,
    settings: workerSettings(config),
    run: { schedules: options.schedules ?? true },
  });
  let api: ApiServer | null = null;
  if (options.port !== undefined) {
    api = await createApiServer({
      orm,
      clock: systemClock,
      logger,
      production: true,
      settlementPolicy: { feePpm: config.feePpm, graceMs: config.settlementGraceMs },
      readiness: platform.readiness,
      queues: platform.backend.queues('api').all,
      metricsToken: config.metricsToken,
      metricsPort: null,
      events: platform.events(),
      webhooks: { secrets, urlPolicy: config.webhookUrlPolicy },
      queryLimits: config.queryLimits,
      trustProxyHops: 0,
      connectionSlots: platform.connectionSlots({
        prefix: `${config.queuePrefix}:ws`,
        limit: config.subscriptionLimits.connectionsPerKey,
        organizationLimit: config.subscriptionLimits.connectionsPerOrganization,
      }),
      subscriptionsPerConnection: config.subscriptionLimits.subscriptionsPerConnection,
      subscriptionMaxMessageBytes: config.subscriptionLimits.maxMessageBytes,
      subscriptionPendingPerAddress: config.subscriptionLimits.pendingPerAddress,
      subscriptionRecheckMs: config.subscriptionLimits.recheckMs,
      console: { sessionTtlMs: config.consoleSessionTtlMs },
      graphiql: { enabled: false },
    });
    await api.listen(options.port, '127.0.0.1');
  }
  return {
    platform,
    workers,
    api,
    async close() {
      await api?.close();
      await workers.close();
      await platform.close();
    },
  };
}
