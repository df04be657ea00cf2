import { createPostgresBackend, runMigrations, withBackend, type PgPool, type Processor, type Queue, type Worker } from 'bullmq';
import type { Logger } from '../src/logger.js';
import type { EventPublisher } from '../src/realtime/event-bus.js';
import type { QueueBackend, ProducerRole } from './queue-backend.js';
import { queuesFrom, type Queues } from './queues.js';

/**
 * BullMQ on its PostgreSQL backend (`createPostgresBackend`), for the embedded and the
 * PostgreSQL-only profiles: every queue and consumer over one `pg.Pool` (the PGlite adapter in the
 * embedded profile, a node-postgres pool on the real database otherwise) whose connections search
 * the backend's schema (`bullmq`: BullMQ's default, the only one a shared pool may use). Jobs, schedules and locks are rows: a schedule cannot be lost the way an
 * emptied Redis loses it, so `onReady` has nothing to do. Events go through `publisher`.
 */

const { Queue: PgQueue, Worker: PgWorker } = withBackend(createPostgresBackend);

/** How long an idle consumer waits before it looks again (seconds). */
const DRAIN_DELAY_S = 0.5;

/** Creates or upgrades the backend's tables and functions in `schema`, on one session of `pool`. */
export async function migratePostgresQueues(pool: PgPool, schema: string): Promise<void> {
  const client = await pool.connect();
  try {
    await runMigrations(client, schema);
  } finally {
    client.release();
  }
}

/**
 * The backend's schema is fixed for a shared pool (`bullmq`), so a deployment's QUEUE_PREFIX goes
 * into the queue names instead, as Redis puts it into the keys: tests and the demo stay apart from
 * each other and from a server on the same database. The default prefix keeps the plain names.
 */
export const queueName = (prefix: string | undefined, name: string) => (prefix === undefined || prefix === 'bx' ? name : `${prefix}.${name}`);

export function postgresQueueBackend(options: {
  pool: PgPool;
  /** Goes into the queue names (none in the embedded profile, whose database is the process's own). */
  prefix?: string;
  logger: Logger;
  publisher: EventPublisher;
  /** Closes the pool, when the backend owns it. */
  closePool?: () => Promise<void>;
}): QueueBackend {
  const { pool, logger } = options;
  const queues = new Map<ProducerRole, Queues>();
  const onError = (err: Error) => logger.error({ err: err.message }, 'queue error');
  return {
    queues(role) {
      let q = queues.get(role);
      if (!q) {
        q = queuesFrom((name) => new PgQueue(queueName(options.prefix, name), { connection: pool }) as unknown as Queue, onError);
        queues.set(role, q);
      }
      return q;
    },
    worker(name, processor, { concurrency, lockMs }) {
      const worker = new PgWorker(queueName(options.prefix, name), processor as unknown as Processor, {
        connection: pool,
        concurrency,
        // A job retried with backoff becomes delayed without a NOTIFY, so a consumer already waiting
        // learns of it only when its wait ends: wait half a second, not BullMQ's 5 s, so a retry
        // runs about when its backoff says (an idle consumer pays three cheap queries per wait).
        drainDelay: DRAIN_DELAY_S,
        ...(lockMs ? { lockDuration: lockMs, stalledInterval: lockMs } : {}),
      });
      worker.on('error', onError);
      return worker as unknown as Worker;
    },
    publisher: () => options.publisher,
    onReady() {},
    async close() {
      await Promise.all([...queues.values()].map((q) => q.close()));
      await options.closePool?.();
    },
  };
}
