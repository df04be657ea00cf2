import { randomUUID } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApolloServer } from '@apollo/server';
import { expressMiddleware } from '@as-integrations/express5';
import express from 'express';
import { GraphQLError } from 'graphql';
import type { MikroORM } from '@mikro-orm/postgresql';
import { authenticate } from './domain/access/api-keys.js';
import type { ClearingScheduler } from './domain/clearing/clearing-scheduler.js';
import { DEFAULT_POLICY, type SettlementPolicy } from './domain/settlement/settle-contract.js';
import type { SettlementScheduler } from './domain/settlement/settlement-scheduler.js';
import type { Clock } from './domain/shared/clock.js';
import { storedQualityScores, type QualityScores } from './domain/quality/quality-scores.js';
import type { QualityScheduler } from './domain/quality/quality-scheduler.js';
import { qualityIngestRoute } from './http/quality-ingest.js';
import type { Context } from './graphql/context.js';
import { formatError, serviceUnavailable } from './graphql/common/errors.js';
import { isDatabaseUnavailable } from './persistence/db-errors.js';
import { getSchema } from './graphql/schema.js';
import type { Logger } from './logger.js';

export interface ApiDeps {
  orm: MikroORM;
  clock: Clock;
  logger: Logger;
  production: boolean;
  scores?: QualityScores;
  clearing?: ClearingScheduler;
  settlement?: SettlementScheduler;
  quality?: QualityScheduler;
  settlementPolicy?: SettlementPolicy;
  /** Extra readiness checks (e.g. Redis), each resolving when its dependency answers. */
  readiness?: Record<string, () => Promise<unknown>>;
}

export interface ApiServer {
  app: express.Express;
  listen(port: number, host?: string): Promise<string>;
  close(): Promise<void>;
}

const BEARER = /^Bearer\s+(\S+)$/i;

/** Builds the API process: Express with Apollo Server at /graphql, health and readiness probes. */
export async function createApiServer(deps: ApiDeps): Promise<ApiServer> {
  const app = express();
  app.disable('x-powered-by');
  let httpServer: Server | null = null;
  const apollo = new ApolloServer<Context>({
    schema: await getSchema(),
    introspection: !deps.production,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    // The process owns its signals: main.ts drains HTTP, then stops Apollo, queues and the pool in order.
    stopOnTerminationSignals: false,
    formatError: (formatted, error) => formatError(
      formatted, error,
      (err) => deps.logger.error({ err }, 'unexpected error'),
      (err) => deps.logger.warn({ err: (err as Error).message }, 'database unavailable; answered SERVICE_UNAVAILABLE'),
    ),
  });
  await apollo.start();

  app.get('/healthz', (_req, res) => { res.json({ status: 'ok' }); });
  app.get('/readyz', async (_req, res) => {
    const checks: Record<string, () => Promise<unknown>> = { postgres: () => deps.orm.em.getConnection().execute('select 1'), ...deps.readiness };
    const results = await Promise.all(Object.entries(checks).map(async ([name, check]) => {
      try { await withTimeout(check(), 2000); return [name, 'ok'] as const; } catch { return [name, 'unreachable'] as const; }
    }));
    const ready = results.every(([, s]) => s === 'ok');
    res.status(ready ? 200 : 503).json({ status: ready ? 'ready' : 'not ready', checks: Object.fromEntries(results) });
  });

  app.post('/ingest/quality', ...qualityIngestRoute(deps));

  app.use(
    '/graphql',
    express.json({ limit: '1mb' }),
    expressMiddleware(apollo, {
      context: async ({ req, res }): Promise<Context> => {
        const requestId = (typeof req.headers['x-request-id'] === 'string' && req.headers['x-request-id'].slice(0, 100)) || randomUUID();
        res.setHeader('x-request-id', requestId);
        const em = deps.orm.em.fork() as Context['em'];
        const header = req.headers.authorization;
        let principal = null;
        if (header) {
          const match = BEARER.exec(header);
          principal = match ? await authenticate(em, match[1]!).catch(unlessUnavailable) : null;
          if (!principal) {
            throw new GraphQLError('The API key is invalid or revoked', { extensions: { code: 'UNAUTHENTICATED', http: { status: 401 } } });
          }
        }
        return {
          em, principal, clock: deps.clock, scores: deps.scores ?? storedQualityScores, requestId,
          logger: deps.logger.child({ requestId }), clearing: deps.clearing ?? null,
          settlement: deps.settlement ?? null, quality: deps.quality ?? null, settlementPolicy: deps.settlementPolicy ?? DEFAULT_POLICY,
        };
      },
    }),
  );

  return {
    app,
    listen(port, host = '0.0.0.0') {
      return new Promise((resolve, reject) => {
        httpServer = app.listen(port, host, (err?: Error) => {
          if (err) return reject(err);
          const { port: actual } = httpServer!.address() as AddressInfo;
          resolve(`http://127.0.0.1:${actual}`);
        });
      });
    },
    /** Graceful stop: refuse new connections, let in-flight requests finish, then stop Apollo. */
    async close() {
      const server = httpServer;
      if (server) {
        const closed = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        await closed;
      }
      await apollo.stop();
    },
  };
}

/** Authentication reads PostgreSQL before any resolver runs: a lost database there is a 503, not a 500. */
function unlessUnavailable(err: unknown): never {
  throw isDatabaseUnavailable(err) ? serviceUnavailable() : err;
}

function withTimeout<T>(p: Promise<T>, ms: number): Promise<T> {
  return Promise.race([p, new Promise<T>((_, reject) => setTimeout(() => reject(new Error('timeout')), ms).unref())]);
}
