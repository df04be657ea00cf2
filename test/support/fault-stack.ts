/**
 * The processes a fault test breaks: an API wired as src/main.ts wires it (its dashboard queues
 * from the same queue backend, failing fast; it enqueues nothing), in this process so its logs can
 * be read, and worker processes started from workers/main.ts as in production.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { bootstrapOperator } from '../../src/domain/access/organizations.js';
import { systemClock } from '../../src/domain/shared/clock.js';
import { createOrm, type MikroORM } from '../../src/persistence/orm.js';
import { createApiServer, type ApiServer } from '../../src/server.js';
import { redisQueueBackend } from '../../workers/queue-backend.js';
import type { Queues } from '../../workers/queues.js';
import { exited, track } from './faults.js';
import { createSecretBox } from '../../src/domain/webhooks/secret-box.js';
import { TEST_WEBHOOK_KEY, truncateAll } from './harness.js';

export interface FaultApi {
  url: string;
  base: string;
  orm: MikroORM;
  queues: Queues;
  /** Parsed JSON log lines written so far. */
  logs: Record<string, any>[];
  close(): Promise<void>;
}

/** The API on an ephemeral port with real time, wired like src/main.ts. */
export async function startApi(options: { databaseUrl: string; redisUrl: string; prefix: string; connectTimeoutMs?: number }): Promise<FaultApi> {
  const logs: Record<string, any>[] = [];
  const logger = pino(
    { level: 'info' },
    {
      write: (line: string) => {
        logs.push(JSON.parse(line));
      },
    },
  );
  const orm = await createOrm(options.databaseUrl, 10, options.connectTimeoutMs); // DB_POOL_MAX's default
  const backend = redisQueueBackend({ url: options.redisUrl, prefix: options.prefix, logger });
  const queues = backend.queues('api');
  const redis = new Redis(options.redisUrl, { lazyConnect: true, maxRetriesPerRequest: 1 });
  redis.on('error', () => {}); // /readyz reports it; the queues' connection logs the outage
  const api: ApiServer = await createApiServer({
    orm,
    clock: systemClock,
    logger,
    production: false,
    readiness: { redis: () => redis.ping() },
    queues: queues.all,
    webhooks: { secrets: createSecretBox(TEST_WEBHOOK_KEY), urlPolicy: { allowHttp: true, allowPrivateNetworks: true } },
  });
  const base = await api.listen(0, '127.0.0.1');
  return {
    url: `${base}/graphql`,
    base,
    orm,
    queues,
    logs,
    async close() {
      await api.close();
      await backend.close();
      redis.disconnect();
      // A connection leaked by a failing test would hold pool.end() forever.
      await Promise.race([orm.close(), new Promise((resolve) => setTimeout(resolve, 5_000))]);
    },
  };
}

/** Empties the tables and returns a fresh operator key. */
export async function freshOperator(orm: MikroORM): Promise<string> {
  await truncateAll(orm);
  return (await bootstrapOperator(orm.em.fork() as never, systemClock))!.secret;
}

export interface WorkerProcess {
  child: ChildProcess;
  output(): string;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** workers/main.ts as a child process, with its logs kept for failure messages. */
export function startWorkerProcess(env: Record<string, string>): WorkerProcess {
  let output = '';
  const child = track(
    spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
      env: { ...process.env, LOG_LEVEL: 'info', WORKER_HEALTH_PORT: '0', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    }),
  );
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  return {
    child,
    output: () => output,
    async kill(signal = 'SIGKILL') {
      child.kill(signal);
      await exited(child);
    },
  };
}
