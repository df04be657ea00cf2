import { createPostgresBackend, withBackend, type PgPool, type Processor, type Queue, type Worker } from 'bullmq';
import pg from 'pg';
import { redisConnection } from '../../workers/queues.js';
import { migratePostgresQueues, queueName } from '../../workers/queue-backend-postgres.js';
import { EMBEDDED_QUEUE_SCHEMA, openEmbedded } from '../../src/persistence/embedded/embedded-database.js';
import { BENCH_PROFILE } from './profile.js';

export { BENCH_PROFILE } from './profile.js';

/**
 * A queue and a bare worker by name on the benchmark's profile: BullMQ on Redis (default), or on
 * its PostgreSQL backend with BURST_PROFILE=postgres (as workers/main.ts builds them there), or in
 * the embedded profile on that backend over this process's PGlite pool (as the embedded platform
 * builds them: no prefix in the names, the database is the benchmark's own).
 */
const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const { Queue: PgQueue, Worker: PgWorker } = withBackend(createPostgresBackend);

let pool: PgPool | null = null;
let closePool: (() => Promise<void>) | null = null;
async function pgPool(databaseUrl: string): Promise<PgPool> {
  if (!pool) {
    if (BENCH_PROFILE === 'embedded') {
      const embedded = await openEmbedded(databaseUrl);
      pool = embedded.pool as unknown as PgPool;
      closePool = embedded.close;
    } else {
      const p = new pg.Pool({ connectionString: databaseUrl, max: 16, options: '-c search_path=bullmq' });
      p.setMaxListeners(0);
      pool = p as unknown as PgPool;
      closePool = () => p.end();
    }
    await migratePostgresQueues(pool, EMBEDDED_QUEUE_SCHEMA);
  }
  return pool;
}

const nameOf = (prefix: string, name: string) => (BENCH_PROFILE === 'embedded' ? name : queueName(prefix, name));

export async function benchQueue(name: string, prefix: string, databaseUrl: string): Promise<Queue> {
  if (BENCH_PROFILE !== 'redis') return new PgQueue(nameOf(prefix, name), { connection: await pgPool(databaseUrl) }) as unknown as Queue;
  const { Queue: RedisQueue } = await import('bullmq');
  return new RedisQueue(name, { connection: redisConnection(REDIS, true), prefix });
}

export async function benchWorker(name: string, prefix: string, databaseUrl: string, processor: Processor, concurrency: number): Promise<Worker> {
  if (BENCH_PROFILE !== 'redis')
    return new PgWorker(nameOf(prefix, name), processor, { connection: await pgPool(databaseUrl), concurrency, drainDelay: 0.5 }) as unknown as Worker;
  const { Worker: RedisWorker } = await import('bullmq');
  return new RedisWorker(name, processor, { connection: redisConnection(REDIS, true), prefix, concurrency });
}

export async function closeBenchQueues(): Promise<void> {
  await closePool?.();
  pool = null;
  closePool = null;
}
