import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { Logger } from '../src/logger.js';
import { createEventPublisher, type EventPublisher } from '../src/realtime/event-bus.js';
import { createQueues, logRedisOutages, redisConnection, type Queues } from './queues.js';

/**
 * Who talks to the queues, and how each one behaves while the backend is down:
 * - `producers`: the workers' own producers (sweeper re-enqueues, schedules, queue depths), which
 *   wait for the backend to come back;
 * - `relay`: the outbox relay and its event publisher, which fail at once, since the relay holds
 *   the outbox rows' locks meanwhile (the events stay unpublished and are tried again);
 * - `api`: the API's queues (the operator dashboard), which fail at once so a request never waits.
 */
export type ProducerRole = 'producers' | 'relay' | 'api';

export interface WorkerOptions {
  concurrency: number;
  /** Job lock: a crashed worker's jobs are retried after about this long (BullMQ's default when absent). */
  lockMs?: number;
}

/**
 * Everything that builds queue objects, behind one interface: the queues each role produces to,
 * the consumers, and the pub/sub publisher of domain events. The workers' composition
 * (worker-stack.ts), the API's dashboard and the tests get their queues here, so another backend
 * (BullMQ on PostgreSQL for an embedded profile) replaces this one function and nothing else.
 */
export interface QueueBackend {
  queues(role: ProducerRole): Queues;
  worker<T>(name: string, processor: (job: Job<T>, token?: string) => Promise<unknown>, options: WorkerOptions): Worker<T>;
  publisher(): EventPublisher;
  /** Runs `listener` each time the producers' connection is ready again: a backend that came back empty has lost its schedules. */
  onReady(listener: () => void): void;
  /** Closes the queues it built and its connections; close workers first (they finish their jobs). */
  close(): Promise<void>;
}

const CLOSE_WAIT_MS = 2_000;

const LOG_ROLE: Record<ProducerRole | 'workers', string> = {
  producers: 'queue producers',
  relay: 'outbox relay',
  api: 'queue producers',
  workers: 'workers',
};

/**
 * BullMQ on Redis at `url`, every key under `prefix`. One connection per role, opened on first use;
 * BullMQ duplicates the workers' for its blocking reads. A Redis outage is logged once per
 * connection and role (logRedisOutages), not once per retry.
 */
export function redisQueueBackend(options: { url: string; prefix: string; logger: Logger }): QueueBackend {
  const connections = new Map<ProducerRole | 'workers', { redis: Redis; onError: (err: Error) => void }>();
  const queues = new Map<ProducerRole, Queues>();
  const connection = (role: ProducerRole | 'workers') => {
    let c = connections.get(role);
    if (!c) {
      // Consumers block on Redis and producers that may wait need maxRetriesPerRequest null; the others fail fast.
      const redis = redisConnection(options.url, role === 'workers' || role === 'producers');
      c = { redis, onError: logRedisOutages(redis, options.logger, LOG_ROLE[role]) };
      connections.set(role, c);
    }
    return c;
  };
  return {
    queues(role) {
      let q = queues.get(role);
      if (!q) {
        const c = connection(role);
        q = createQueues(c.redis, options.prefix, c.onError);
        queues.set(role, q);
      }
      return q;
    },
    worker(name, processor, { concurrency, lockMs }) {
      const c = connection('workers');
      const worker = new Worker(name, processor, {
        connection: c.redis,
        prefix: options.prefix,
        concurrency,
        // A worker that dies mid-job loses its lock after lockDuration; the job is then retried elsewhere.
        ...(lockMs ? { lockDuration: lockMs, stalledInterval: lockMs } : {}),
      });
      worker.on('error', c.onError);
      return worker;
    },
    publisher() {
      return createEventPublisher(connection('relay').redis, options.prefix);
    },
    onReady(listener) {
      connection('producers').redis.on('ready', listener);
    },
    async close() {
      // A queue waiting on a Redis that is gone would hold the shutdown: its connection is cut after a while anyway.
      const closing = Promise.all([...queues.values()].map((q) => q.close()));
      await Promise.race([closing, new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS).unref())]);
      for (const c of connections.values()) c.redis.disconnect();
    },
  };
}
