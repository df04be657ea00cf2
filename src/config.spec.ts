import { describe, expect, it } from 'vitest';
import { checkApiConfig, ConfigError, DEVELOPMENT_WEBHOOK_KEY, loadConfig } from './config.js';
import { DEFAULT_QUERY_LIMITS } from './graphql/limits/query-protection.js';

describe('configuration', () => {
  it('runs embedded when neither DATABASE_URL nor REDIS_URL is set, on .burst/data or BURST_DATA_DIR', () => {
    expect(loadConfig({})).toMatchObject({ profile: 'embedded', databaseUrl: expect.stringMatching(/^pglite:\/.*\/\.burst\/data$/) });
    expect(loadConfig({ BURST_DATA_DIR: '/tmp/x' }).databaseUrl).toBe('pglite:/tmp/x');
    expect(loadConfig({ REDIS_URL: 'redis://r:6379' }).profile).toBe('redis');
    expect(loadConfig({ DATABASE_URL: 'postgres://db/x' }).profile).toBe('redis');
    expect(loadConfig({ DATABASE_URL: 'postgres://db/x', BURST_PROFILE: 'postgres' }).profile).toBe('postgres');
    expect(() => loadConfig({ BURST_PROFILE: 'sqlite' })).toThrow(/BURST_PROFILE/);
    expect(() => loadConfig({ BURST_PROFILE: 'embedded', DATABASE_URL: 'postgres://db/x' })).toThrow(/DATABASE_URL/);
  });

  it('has local defaults for every variable', () => {
    expect(loadConfig({ BURST_PROFILE: 'redis' })).toMatchObject({
      databaseUrl: 'postgres://postgres@127.0.0.1:5432/burst_exchange',
      redisUrl: 'redis://127.0.0.1:6379',
      port: 4000,
      bootstrapOperatorKey: null,
      metricsToken: null,
    });
  });

  it('limits queries and rates by default, and turns rate limiting off with RATE_LIMIT_POINTS=0', () => {
    // The server's defaults (for callers without configuration, like tests) are the same numbers.
    expect(loadConfig({}).queryLimits).toEqual(DEFAULT_QUERY_LIMITS);
    expect(loadConfig({})).toMatchObject({
      queryLimits: { maxDepth: 10, maxAliases: 30, maxFields: 300, maxCost: 10_000, maxTokens: 10_000 },
      rateLimit: { points: 50_000, anonymousPoints: 1_000, ingestPoints: 60_000, windowMs: 60_000 },
      trustProxyHops: 0,
      subscriptionLimits: {
        connectionsPerKey: 10,
        connectionsPerOrganization: 50,
        subscriptionsPerConnection: 20,
        maxMessageBytes: 262_144,
        pendingPerAddress: 10,
        recheckMs: 5_000,
      },
    });
    // The organisation's default is never below what one key may hold.
    expect(loadConfig({ SUBSCRIPTION_CONNECTIONS_PER_KEY: '80' }).subscriptionLimits).toMatchObject({ connectionsPerKey: 80, connectionsPerOrganization: 80 });
    expect(loadConfig({ RATE_LIMIT_POINTS: '0' }).rateLimit).toBeNull();
    expect(loadConfig({ QUERY_MAX_COST: '200', RATE_LIMIT_POINTS: '200' }).rateLimit?.points).toBe(200);
  });

  it.each([
    ['DATABASE_URL', 'not a url'],
    ['DATABASE_URL', 'mysql://localhost/x'],
    ['REDIS_URL', 'http://localhost'],
    ['PORT', '70000'],
    ['PORT', 'abc'],
    ['NODE_ENV', 'staging'],
    ['BOOTSTRAP_OPERATOR_KEY', 'short'],
    ['DB_POOL_MAX', '0'],
    ['METRICS_TOKEN', 'too-short'],
    ['METRICS_TOKEN', 'has a space in the middle'],
    ['WEBHOOK_SECRET_KEY', 'abcd'],
    ['WEBHOOK_ALLOW_HTTP', 'yes'],
    ['WEBHOOK_ATTEMPTS', '0'],
    ['OUTBOX_POLL_MS', '1'],
    ['QUERY_MAX_DEPTH', '1'],
    ['QUERY_MAX_COST', '-5'],
    ['RATE_LIMIT_WINDOW_MS', '10'],
    ['RATE_LIMIT_POINTS', '500'],
    // Below one full batch of 5,000 events.
    ['INGEST_RATE_LIMIT_EVENTS', '4999'],
    ['SUBSCRIPTION_CONNECTIONS_PER_KEY', '0'],
    ['SUBSCRIPTIONS_PER_CONNECTION', '0'],
    ['SUBSCRIPTION_MAX_MESSAGE_BYTES', '1000'],
    ['METRICS_PORT', '0'],
    ['METRICS_PORT', '70000'],
    ['METRICS_HOST', 'localhost'],
    ['METRICS_HOST', '10.0.0'],
    // Below the per-key limit (10 by default).
    ['SUBSCRIPTION_CONNECTIONS_PER_ORGANIZATION', '5'],
    ['SUBSCRIPTION_PENDING_CONNECTIONS_PER_ADDRESS', '0'],
  ])('names %s when it is %j', (variable, value) => {
    expect(() => loadConfig({ [variable]: value })).toThrow(ConfigError);
    expect(() => loadConfig({ [variable]: value })).toThrow(new RegExp(`^Invalid configuration: ${variable} `));
  });

  it('requires a webhook key in production and reads hex or base64', () => {
    expect(() => loadConfig({ NODE_ENV: 'production' })).toThrow(/^Invalid configuration: WEBHOOK_SECRET_KEY is required in production/);
    const hex = 'c0ffee5eed1234567890abcdef0f1e2d3c4b5a69788796a5b4c3d2e1f0a1b2c3';
    expect(loadConfig({ NODE_ENV: 'production', WEBHOOK_SECRET_KEY: hex })).toMatchObject({
      webhookSecretKey: Buffer.from(hex, 'hex'),
      webhookSecretKeyIsDevelopmentDefault: false,
    });
    expect(loadConfig({ WEBHOOK_SECRET_KEY: Buffer.alloc(32, 7).toString('base64url') }).webhookSecretKey).toEqual(Buffer.alloc(32, 7));
    expect(loadConfig({}).webhookSecretKeyIsDevelopmentDefault).toBe(true);
    expect(loadConfig({}).webhookUrlPolicy).toEqual({ allowHttp: false, allowPrivateNetworks: false });
  });

  it('refuses, in production, a webhook key published with the source code or typed by hand, however it is written', () => {
    const published = [DEVELOPMENT_WEBHOOK_KEY, Buffer.alloc(32, 0x42)];
    for (const key of published) {
      for (const written of [key.toString('hex'), key.toString('hex').toUpperCase(), key.toString('base64url'), key.toString('base64')]) {
        expect(() => loadConfig({ NODE_ENV: 'production', WEBHOOK_SECRET_KEY: written })).toThrow(
          /^Invalid configuration: WEBHOOK_SECRET_KEY is a key published with the source code/,
        );
        // Development and tests may use them.
        expect(loadConfig({ WEBHOOK_SECRET_KEY: written }).webhookSecretKey).toEqual(key);
      }
    }
    for (const typed of ['0'.repeat(64), 'ab'.repeat(32), 'deadbeef'.repeat(8)]) {
      expect(() => loadConfig({ NODE_ENV: 'production', WEBHOOK_SECRET_KEY: typed })).toThrow(
        /^Invalid configuration: WEBHOOK_SECRET_KEY looks typed rather than generated/,
      );
    }
  });

  it('keeps the API’s /metrics off the public port in production: METRICS_TOKEN, or METRICS_PORT', () => {
    const production = { NODE_ENV: 'production', WEBHOOK_SECRET_KEY: 'c0ffee5eed1234567890abcdef0f1e2d3c4b5a69788796a5b4c3d2e1f0a1b2c3' };
    expect(() => checkApiConfig(loadConfig(production))).toThrow(/^Invalid configuration: METRICS_TOKEN is required in production unless METRICS_PORT/);
    expect(checkApiConfig(loadConfig({ ...production, METRICS_TOKEN: 'scrape-token-0123456789' })).metricsPort).toBeNull();
    expect(checkApiConfig(loadConfig({ ...production, METRICS_PORT: '9464' })).metricsPort).toBe(9464);
    expect(() => checkApiConfig(loadConfig({ METRICS_PORT: '4000' }))).toThrow(/^Invalid configuration: METRICS_PORT must differ from PORT/);
    // Development keeps /metrics on the API port, open unless METRICS_TOKEN is set; the workers' config is not checked.
    expect(checkApiConfig(loadConfig({})).metricsPort).toBeNull();
    expect(loadConfig(production).metricsToken).toBeNull();
  });

  it('binds METRICS_PORT to METRICS_HOST, every interface by default, and refuses METRICS_HOST without METRICS_PORT', () => {
    expect(loadConfig({}).metricsHost).toBe('0.0.0.0');
    expect(checkApiConfig(loadConfig({ METRICS_PORT: '9464', METRICS_HOST: '10.0.0.5' }))).toMatchObject({ metricsPort: 9464, metricsHost: '10.0.0.5' });
    expect(checkApiConfig(loadConfig({ METRICS_PORT: '9464', METRICS_HOST: '::1' })).metricsHost).toBe('::1');
    expect(() => checkApiConfig(loadConfig({ METRICS_HOST: '127.0.0.1' }))).toThrow(/^Invalid configuration: METRICS_HOST applies to METRICS_PORT only/);
  });

  it('reads the console session lifetime, within five minutes and a week', () => {
    expect(loadConfig({}).consoleSessionTtlMs).toBe(8 * 3_600_000);
    expect(loadConfig({ CONSOLE_SESSION_TTL_MS: '3600000' }).consoleSessionTtlMs).toBe(3_600_000);
    expect(() => loadConfig({ CONSOLE_SESSION_TTL_MS: '1000' })).toThrow(/CONSOLE_SESSION_TTL_MS/);
  });

  it('turns GraphiQL on outside production and off in production, unless GRAPHIQL_ENABLED says otherwise', () => {
    const production = { NODE_ENV: 'production', WEBHOOK_SECRET_KEY: 'a1b2c3d4e5f60718293a4b5c6d7e8f90a1b2c3d4e5f60718293a4b5c6d7e8f90' };
    expect(loadConfig({}).graphiqlEnabled).toBe(true);
    expect(loadConfig(production).graphiqlEnabled).toBe(false);
    expect(loadConfig({ ...production, GRAPHIQL_ENABLED: 'true' }).graphiqlEnabled).toBe(true);
    expect(loadConfig({ GRAPHIQL_ENABLED: 'false' }).graphiqlEnabled).toBe(false);
    expect(() => loadConfig({ GRAPHIQL_ENABLED: 'maybe' })).toThrow(/GRAPHIQL_ENABLED/);
  });
});
