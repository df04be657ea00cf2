import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { expressMiddleware } from '@as-integrations/express5';
import type { Queue } from 'bullmq';
import express from 'express';
import type { MikroORM } from '@mikro-orm/postgresql';
import { authenticate } from './domain/access/api-keys.js';
import { DEFAULT_POLICY, type SettlementPolicy } from './domain/settlement/settle-contract.js';
import { clockForPrincipal, type Clock } from './domain/shared/clock.js';
import { storedQualityScores, type QualityScores } from './domain/quality/quality-scores.js';
import { qualityIngestRoute } from './http/quality-ingest.js';
import { CSRF_PREFLIGHT_HEADERS, graphqlBody } from './http/graphql-body.js';
import type { RateLimiter } from './http/rate-limit.js';
import type { Context } from './graphql/context.js';
import { errorLoggerPlugin, formatError, loggerOf, serviceUnavailable, withoutSuggestions } from './graphql/common/errors.js';
import { metricsPlugin } from './graphql/metrics.plugin.js';
import { invalidKeyRefusal } from './graphql/limits/operation-admission.js';
import { DEFAULT_QUERY_LIMITS, queryProtection, type QueryLimits } from './graphql/limits/query-protection.js';
import { isDatabaseUnavailable } from './persistence/db-errors.js';
import { getSchema } from './graphql/schema.js';
import { errorHandler, notFound } from './http/http-errors.js';
import { readiness } from './http/readiness.js';
import { QUEUE_BOARD_PATH, queueBoard } from './http/queue-board.js';
import { requestLocals, requestLog } from './http/request-log.js';
import { createConsoleSessions } from './http/console-session.js';
import { CONSOLE_PATH, consoleStatic, distDir } from './http/console-static.js';
import { EXPORTS_PATH, exportRoutes } from './http/exports.js';
import { GRAPHIQL_PATH, graphqlLandingPage } from './http/graphiql.js';
import { DEFAULT_SESSION_TTL_MS } from './domain/access/console-sessions.js';
import type { Logger } from './logger.js';
import { createApiMetrics } from './metrics/api-metrics.js';
import { createMetricsServer, type MetricsServer } from './metrics/metrics-server.js';
import { createRegistry, metricsHandler } from './metrics/registry.js';
import type { Principal } from './domain/access/principal.js';
import { createFanOut } from './domain/events/fan-out.js';
import type { EventSource } from './domain/events/watch-events.js';
import type { SecretBox } from './domain/webhooks/secret-box.js';
import type { WebhookUrlPolicy } from './domain/webhooks/url-policy.js';
import type { ConnectionSlots } from './realtime/connection-slots.js';
import {
  attachSubscriptionServer,
  DEFAULT_MAX_MESSAGE_BYTES,
  DEFAULT_PENDING_CONNECTIONS_PER_ADDRESS,
  DEFAULT_SUBSCRIPTIONS_PER_CONNECTION,
} from './realtime/ws-server.js';
import { clientAddress } from './http/client-address.js';

export interface ApiDeps {
  orm: MikroORM;
  clock: Clock;
  logger: Logger;
  production: boolean;
  scores?: QualityScores;
  settlementPolicy?: SettlementPolicy;
  /** Extra readiness checks (e.g. Redis), each resolving when its dependency answers. */
  readiness?: Record<string, () => Promise<unknown>>;
  /** Queues on the operator dashboard at /admin/queues; without any, the dashboard is not mounted. */
  queues?: readonly Queue[];
  /** When set, GET /metrics requires `Authorization: Bearer <token>` (METRICS_TOKEN). */
  metricsToken?: string | null;
  /** When set, /metrics is served on this port only (METRICS_PORT; 0: any free port), not on the API's. */
  metricsPort?: number | null;
  /** The address of the METRICS_PORT server (METRICS_HOST; default: the API's own). */
  metricsHost?: string;
  /** Published domain events (the Redis subscriber); without it subscriptions answer SERVICE_UNAVAILABLE. */
  events?: EventSource;
  /** Seals webhook signing secrets; where webhook URLs may point. */
  webhooks: { secrets: SecretBox; urlPolicy: WebhookUrlPolicy };
  /** Depth, alias, field, cost and token limits per request (default DEFAULT_QUERY_LIMITS). */
  queryLimits?: QueryLimits;
  /** Per-key (and per-address) rate limiting; without one, requests are not rate-limited. */
  rateLimiter?: RateLimiter;
  /** Proxy hops in front of the API whose X-Forwarded-For is trusted for the client address (0: none). */
  trustProxyHops?: number;
  /** Most active subscriptions per graphql-ws connection (default DEFAULT_SUBSCRIPTIONS_PER_CONNECTION). */
  subscriptionsPerConnection?: number;
  /** Concurrent graphql-ws connections per key; without it they are not limited. The API closes it on close(). */
  connectionSlots?: ConnectionSlots;
  /** Largest message pushed to a subscription, in bytes (default DEFAULT_MAX_MESSAGE_BYTES). */
  subscriptionMaxMessageBytes?: number;
  /** graphql-ws sockets per client address not yet initialised, per replica (default DEFAULT_PENDING_CONNECTIONS_PER_ADDRESS). */
  subscriptionPendingPerAddress?: number;
  /** The web console: its built files (default dist/console) and its session lifetime (default 8 h). */
  console?: { dir?: string; sessionTtlMs?: number };
  /** GraphiQL at /graphiql (GRAPHIQL_ENABLED; default: on outside production), its built files (default dist/graphiql). */
  graphiql?: { enabled?: boolean; dir?: string };
}

export interface ApiServer {
  app: express.Express;
  listen(port: number, host?: string): Promise<string>;
  /** Where /metrics is served once listening: the API's own URL, or the METRICS_PORT server's. */
  metricsUrl(): string | null;
  close(): Promise<void>;
}

const BEARER = /^Bearer\s+(\S+)$/i;

/** The paths the API serves: the `route` label of the HTTP metrics takes only these values. */
const MOUNTS = ['/graphql', '/healthz', '/readyz', '/metrics', QUEUE_BOARD_PATH, '/ingest/quality', '/console/session', CONSOLE_PATH, '/exports', '/graphiql'];

/**
 * Builds the API process: Express with Apollo Server at /graphql (POST), graphql-ws
 * subscriptions on the same path (WebSocket upgrade), health and readiness probes, signed quality
 * ingestion, Prometheus metrics at /metrics and, when queues are given, the operator queue dashboard.
 */
export async function createApiServer(deps: ApiDeps): Promise<ApiServer> {
  const app = express();
  app.disable('x-powered-by');
  app.set('trust proxy', deps.trustProxyHops ?? 0);
  let httpServer: Server | null = null;
  const metrics = createApiMetrics(createRegistry());
  const limits = deps.queryLimits ?? DEFAULT_QUERY_LIMITS;
  const protection = queryProtection(limits, deps.rateLimiter, deps.production ? 'authenticated' : 'anyone');
  let subscriptions: { close(): Promise<void> } | null = null;
  const metricsServer: MetricsServer | null = deps.metricsPort == null ? null : createMetricsServer(metrics.registry, deps.metricsToken ?? null);
  let metricsUrl: string | null = null;
  const schema = await getSchema();
  const graphiql = { enabled: deps.graphiql?.enabled ?? !deps.production, dir: deps.graphiql?.dir };
  // One per process: every subscription's per-event reads go through it (domain/events/fan-out.ts).
  const fanOut = deps.events ? createFanOut({ fork: () => deps.orm.em.fork() as Context['em'], onRead: (read) => metrics.fanOutReads.inc({ read }) }) : null;
  /**
   * Every error either transport sends: formatError, then, in production, without "Did you mean"
   * hints. A client's mistake Apollo left without a code is logged at warn level, without a stack.
   */
  const shapeError = (formatted: Parameters<typeof formatError>[0], error: unknown, logger: Logger) => {
    const shaped = formatError(
      formatted,
      error,
      (err) => logger.error({ err }, 'unexpected error'),
      (err) => logger.warn({ err: (err as Error).message }, 'database unavailable; answered SERVICE_UNAVAILABLE'),
      (err) => logger.warn({ code: 'BAD_REQUEST', message: err.message }, 'client error'),
    );
    return deps.production ? withoutSuggestions(shaped) : shaped;
  };

  const consoleSessions = createConsoleSessions({
    fork: () => deps.orm.em.fork() as Context['em'],
    clock: deps.clock,
    production: deps.production,
    ttlMs: deps.console?.sessionTtlMs ?? DEFAULT_SESSION_TTL_MS,
    ...(deps.rateLimiter ? { rateLimiter: deps.rateLimiter } : {}),
  });
  /** The principal for an Authorization value, or null for a malformed, unknown or revoked key. */
  const principalFor = async (em: Context['em'], header: string): Promise<Principal | null> => {
    const match = BEARER.exec(header);
    return match ? authenticate(em, match[1]!) : null;
  };
  /** The caller of an HTTP request: its API key (Bearer), else the console's session cookie, else null; a bad key is 401 (or 429). */
  const requestPrincipal = async (em: Context['em'], req: express.Request): Promise<Principal | null> => {
    const header = req.headers.authorization;
    if (!header) return (await consoleSessions.graphqlPrincipal(em, req, clientIpOf(req)).catch(unlessUnavailable)) ?? null;
    const principal = await principalFor(em, header).catch(unlessUnavailable);
    if (!principal) throw await invalidKeyRefusal(deps.rateLimiter, clientIpOf(req));
    return principal;
  };
  const contextFor = (em: Context['em'], principal: Principal | null, requestId: string, logger: Logger = deps.logger.child({ requestId })): Context => ({
    em,
    principal,
    clock: clockForPrincipal(deps.clock, principal),
    scores: deps.scores ?? storedQualityScores,
    requestId,
    logger,
    settlementPolicy: deps.settlementPolicy ?? DEFAULT_POLICY,
    events: deps.events ?? null,
    fanOut,
    webhooks: deps.webhooks,
  });

  const apollo = new ApolloServer<Context>({
    schema,
    introspection: true, // production refuses it without a key in the admission plugin
    // Production answers do not suggest field names ("Did you mean ..."), which would leak the schema.
    hideSchemaDetailsFromClientErrors: deps.production,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: { requestHeaders: [...CSRF_PREFLIGHT_HEADERS] }, // a GET with a key passes (http/graphql-body.ts)
    allowBatchedHttpRequests: false,
    parseOptions: protection.parseOptions,
    // Apollo's own messages go through pino too: structured, and with the same redaction.
    logger: deps.logger,
    // The process owns its signals: main.ts drains HTTP, then stops Apollo, queues and the pool in order.
    stopOnTerminationSignals: false,
    formatError: (formatted, error) => shapeError(formatted, error, loggerOf(error, deps.logger)),
    // No Apollo landing page (it loads Apollo's CDN): a browser's GET of /graphql goes to GraphiQL, served from here.
    plugins: [...protection.plugins, errorLoggerPlugin, metricsPlugin(metrics), ApolloServerPluginLandingPageDisabled()],
  });
  await apollo.start();

  app.use(requestLog({ logger: deps.logger, metrics, mounts: MOUNTS }));
  // With METRICS_PORT, /metrics lives on that port only (and is an unknown path here).
  if (!metricsServer) app.get('/metrics', metricsHandler(metrics.registry, deps.metricsToken ?? null));

  app.get('/healthz', (_req, res) => {
    res.json({ status: 'ok' });
  });
  app.get('/readyz', readiness({ postgres: () => deps.orm.em.getConnection().execute('select 1'), ...deps.readiness }));

  app.post('/ingest/quality', ...qualityIngestRoute(deps));
  app.use(`${CONSOLE_PATH}/session`, consoleSessions.router);
  app.use(CONSOLE_PATH, consoleStatic(deps.console?.dir ?? distDir('console'), 'console'));
  app.use(EXPORTS_PATH, exportRoutes({ fork: () => deps.orm.em.fork() as Context['em'], principalFor: requestPrincipal, rateLimiter: deps.rateLimiter }));
  if (graphiql.enabled) app.use(GRAPHIQL_PATH, consoleStatic(graphiql.dir ?? distDir('graphiql'), 'GraphiQL page'));
  app.get('/graphql', graphqlLandingPage(graphiql.enabled));
  if (deps.queues?.length) {
    app.use(
      QUEUE_BOARD_PATH,
      queueBoard({
        queues: deps.queues,
        authenticate: (key) => authenticate(deps.orm.em.fork() as Context['em'], key),
        ...(deps.rateLimiter ? { rateLimiter: deps.rateLimiter } : {}),
      }),
    );
  }

  app.use(
    '/graphql',
    ...graphqlBody('1mb', limits),
    expressMiddleware(apollo, {
      context: async ({ req, res }): Promise<Context> => {
        const locals = requestLocals(res);
        const em = deps.orm.em.fork() as Context['em'];
        const principal = await requestPrincipal(em, req);
        if (principal) locals.apiKeyId = principal.apiKeyId;
        return { ...contextFor(em, principal, locals.requestId, locals.logger), clientIp: clientIpOf(req) };
      },
    }),
  );

  app.use(notFound);
  app.use(errorHandler);

  return {
    app,
    async listen(port, host = '0.0.0.0') {
      if (metricsServer && deps.metricsPort != null) metricsUrl = `${await metricsServer.listen(deps.metricsPort, deps.metricsHost ?? host)}/metrics`;
      const url = await new Promise<string>((resolve, reject) => {
        httpServer = app.listen(port, host, (err?: Error) => {
          if (err) return reject(err);
          const { port: actual } = httpServer!.address() as AddressInfo;
          resolve(`http://127.0.0.1:${actual}`);
        });
        subscriptions = attachSubscriptionServer(httpServer, {
          schema,
          production: deps.production,
          logger: deps.logger,
          limits,
          rateLimiter: deps.rateLimiter,
          authenticate: (header, request) => (header ? principalFor(deps.orm.em.fork() as Context['em'], header) : consoleSessions.upgradePrincipal(request)),
          context: (principal) => contextFor(deps.orm.em.fork() as Context['em'], principal, randomUUID()),
          // Apollo leaves `http` (status, headers) out of what clients see; so does this.
          formatError: (error, original) => {
            const { http: _http, ...extensions } = error.extensions;
            return shapeError({ ...error.toJSON(), extensions }, original, deps.logger);
          },
          clientAddress: (request) => clientAddress(request, deps.trustProxyHops ?? 0),
          subscriptionsPerConnection: deps.subscriptionsPerConnection ?? DEFAULT_SUBSCRIPTIONS_PER_CONNECTION,
          maxMessageBytes: deps.subscriptionMaxMessageBytes ?? DEFAULT_MAX_MESSAGE_BYTES,
          pendingConnectionsPerAddress: deps.subscriptionPendingPerAddress ?? DEFAULT_PENDING_CONNECTIONS_PER_ADDRESS,
          onMessage: (outcome) => metrics.subscriptionMessages.inc({ outcome }),
          ...(deps.connectionSlots ? { connectionSlots: deps.connectionSlots } : {}),
        });
      });
      metricsUrl ??= `${url}/metrics`;
      return url;
    },
    metricsUrl: () => metricsUrl,
    /**
     * Graceful stop: end every subscription (clients see 1001 Going away and may reconnect
     * elsewhere), refuse new connections, let in-flight requests finish, then stop Apollo.
     */
    async close() {
      await subscriptions?.close();
      const server = httpServer;
      if (server) {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await closed;
      }
      await apollo.stop();
      await metricsServer?.close();
    },
  };
}

/** Authentication reads PostgreSQL before any resolver runs: a lost database there is a 503, not a 500. */
function unlessUnavailable(err: unknown): never {
  throw isDatabaseUnavailable(err) ? serviceUnavailable() : err;
}

const clientIpOf = (req: express.Request) => req.ip ?? req.socket.remoteAddress ?? 'unknown';
