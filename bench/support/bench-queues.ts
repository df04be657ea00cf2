import { createPostgresBackend, withBackend, type PgPool, type Processor, type Queue, type Worker } from 'bullmq';
import pg from 'pg';
import { redisConnection } from '../../workers/queues.js';
import { migratePostgresQueues, queueName } from '../../workers/queue-backend-postgres.js';

/**
 * A queue and a bare worker by name on the benchmark's profile: BullMQ on Redis (default), or on
 * its PostgreSQL backend with BURST_PROFILE=postgres (as workers/main.ts builds them there).
 */
export const BENCH_PROFILE = process.env.BURST_PROFILE === 'postgres' ? 'postgres' : 'redis';
const REDIS = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const { Queue: PgQueue, Worker: PgWorker } = withBackend(createPostgresBackend);

let pool: pg.Pool | null = null;
async function pgPool(databaseUrl: string): Promise<PgPool> {
  if (!pool) {
    pool = new pg.Pool({ connectionString: databaseUrl, max: 16, options: '-c search_path=bullmq' });
    pool.setMaxListeners(0);
    await migratePostgresQueues(pool as unknown as PgPool, 'bullmq');
  }
  return pool as unknown as PgPool;
}

export async function benchQueue(name: string, prefix: string, databaseUrl: string): Promise<Queue> {
  if (BENCH_PROFILE === 'postgres') return new PgQueue(queueName(prefix, name), { connection: await pgPool(databaseUrl) }) as unknown as Queue;
  const { Queue: RedisQueue } = await import('bullmq');
  return new RedisQueue(name, { connection: redisConnection(REDIS, true), prefix });
}

export async function benchWorker(name: string, prefix: string, databaseUrl: string, processor: Processor, concurrency: number): Promise<Worker> {
  if (BENCH_PROFILE === 'postgres')
    return new PgWorker(queueName(prefix, name), processor, { connection: await pgPool(databaseUrl), concurrency, drainDelay: 0.5 }) as unknown as Worker;
  const { Worker: RedisWorker } = await import('bullmq');
  return new RedisWorker(name, processor, { connection: redisConnection(REDIS, true), prefix, concurrency });
}

export async function closeBenchQueues(): Promise<void> {
  await pool?.end();
  pool = null;
}
