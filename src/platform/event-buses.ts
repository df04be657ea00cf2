import pg from 'pg';
import type { Logger } from '../logger.js';
import { createEventListeners, eventChannel, type EventPublisher, type EventSubscriber } from '../realtime/event-bus.js';
import type { Queryable } from './postgres-limits.js';

/**
 * Domain-event fan-out to subscriptions without Redis. Embedded: the relay and the API are one
 * process, so the publisher hands events straight to the local listeners. PostgreSQL-only: NOTIFY
 * on the deployment's channel, each API process LISTENs on a connection of its own. Like Redis
 * pub/sub both are fire-and-forget (webhooks are the durable path).
 */

export function createLocalEventBus(logger: Logger): { publisher: EventPublisher; subscriber: EventSubscriber } {
  const listeners = createEventListeners(logger, 'in-process');
  return {
    publisher: {
      async publish(events) {
        for (const event of events) listeners.dispatch(JSON.stringify(event));
      },
    },
    subscriber: { ready: Promise.resolve(), subscribe: listeners.subscribe, listenerCount: listeners.listenerCount, close: async () => {} },
  };
}

/** NOTIFY carries at most 8000 bytes; a larger event reaches webhooks only (and is logged). */
const MAX_NOTIFY_BYTES = 7_999;

export function createPostgresEventPublisher(db: Queryable, prefix: string, logger: Logger): EventPublisher {
  const channel = eventChannel(prefix);
  return {
    async publish(events) {
      const messages = events.map((e) => JSON.stringify(e));
      const fits = messages.filter((m) => Buffer.byteLength(m) <= MAX_NOTIFY_BYTES);
      if (fits.length < messages.length)
        logger.warn({ dropped: messages.length - fits.length }, 'event larger than NOTIFY allows: not pushed to subscriptions');
      if (fits.length) await db.query('select pg_notify($1, m) from unnest($2::text[]) with ordinality as t(m, i) order by i', [channel, fits]);
    },
  };
}

export function createPostgresEventSubscriber(connectionString: string, prefix: string, logger: Logger): EventSubscriber {
  const channel = eventChannel(prefix);
  const listeners = createEventListeners(logger, channel);
  let client: pg.Client | null = null;
  let closed = false;
  let retry: NodeJS.Timeout | undefined;
  const connect = async (): Promise<void> => {
    const c = new pg.Client({ connectionString, keepAlive: true });
    c.on('notification', (msg) => {
      if (msg.channel === channel && msg.payload) listeners.dispatch(msg.payload);
    });
    c.on('error', (err) => {
      logger.warn({ err: err.message }, 'event subscriber: PostgreSQL connection lost; listening again');
      void c.end().catch(() => {});
      if (client === c) client = null;
      if (!closed) retry = setTimeout(() => void connect().catch(() => {}), 1_000);
    });
    await c.connect();
    await c.query(`listen ${pg.escapeIdentifier(channel)}`);
    client = c;
  };
  const ready = connect();
  ready.catch((err: Error) => {
    logger.error({ err: err.message }, 'event subscriber: could not LISTEN; retrying');
    if (!closed) retry = setTimeout(() => void connect().catch(() => {}), 1_000);
  });
  return {
    ready,
    subscribe: listeners.subscribe,
    listenerCount: listeners.listenerCount,
    async close() {
      closed = true;
      clearTimeout(retry);
      await client?.end().catch(() => {});
    },
  };
}
