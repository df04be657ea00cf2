/**
 * Domain events over Redis pub/sub: the workers' outbox relay publishes, every API instance
 * subscribes and fans events out to its open GraphQL subscriptions. Pub/sub is fire-and-forget:
 * an API instance that is disconnected from Redis misses what is published meanwhile. That is
 * acceptable for live notifications; webhooks are the durable path (see docs/decisions.md).
 */
import { Repeater, FixedBuffer } from '@repeaterjs/repeater';
import { GraphQLError } from 'graphql';
import { Redis } from 'ioredis';
import type { DomainEvent, EventType } from '../domain/events/event-types.js';
import type { EventSource } from '../domain/events/watch-events.js';
import type { Logger } from '../logger.js';

/** One channel per deployment prefix (QUEUE_PREFIX), so that deployments and test runs never hear each other. */
export const eventChannel = (prefix: string) => `${prefix}:domain-events`;

/** Events a subscriber may hold for a slow client before its subscription is ended. */
const SUBSCRIBER_BUFFER = 1_000;

export interface EventPublisher {
  /** Publishes in order; resolves once Redis has accepted every message, rejects otherwise. */
  publish(events: readonly DomainEvent[]): Promise<void>;
}

export function createEventPublisher(redis: Redis, prefix: string): EventPublisher {
  const channel = eventChannel(prefix);
  return {
    async publish(events) {
      if (!events.length) return;
      const pipeline = redis.pipeline();
      for (const event of events) pipeline.publish(channel, JSON.stringify(event));
      const results = (await pipeline.exec()) ?? [];
      const failed = results.find(([err]) => err);
      if (failed) throw failed[0];
    },
  };
}

export interface EventSubscriber extends EventSource {
  /** Resolves once the Redis SUBSCRIBE is acknowledged; events published before that are missed. */
  ready: Promise<void>;
  /** Open local subscriptions to a type (tests wait on it before they trigger events). */
  listenerCount(type: EventType): number;
  close(): Promise<void>;
}

/** Local subscriptions by event type, fed by whatever carries the events to this process. */
export interface EventListeners {
  subscribe: EventSubscriber['subscribe'];
  listenerCount: EventSubscriber['listenerCount'];
  /** Hands one published message (JSON of a DomainEvent) to the listeners of its type. */
  dispatch(message: string): void;
}

export function createEventListeners(logger: Logger, source: string): EventListeners {
  const listeners = new Map<EventType, Set<(event: DomainEvent) => void>>();
  return {
    dispatch(message) {
      let event: DomainEvent;
      try {
        event = JSON.parse(message) as DomainEvent;
      } catch {
        logger.warn({ source }, 'event subscriber: ignored a message that is not JSON');
        return;
      }
      for (const listener of listeners.get(event.type) ?? []) listener(event);
    },
    subscribe(type) {
      return new Repeater<DomainEvent>(async (push, stop) => {
        const listener = (event: DomainEvent) => {
          try {
            void push(event).catch(() => {});
          } catch {
            // More events pending than the buffer and queue hold: the client does not keep up. Its
            // doing, not ours: a code it can act on (resubscribe, catch up with queries), a warning here.
            logger.warn({ type, buffered: SUBSCRIBER_BUFFER }, 'subscription fell behind and was ended');
            stop(
              new GraphQLError(`The subscription fell more than ${SUBSCRIBER_BUFFER} events behind and was ended; subscribe again and catch up with queries`, {
                extensions: { code: 'SUBSCRIPTION_TOO_SLOW', limit: SUBSCRIBER_BUFFER },
              }),
            );
          }
        };
        const set = listeners.get(type) ?? new Set();
        listeners.set(type, set);
        set.add(listener);
        await stop;
        set.delete(listener);
      }, new FixedBuffer(SUBSCRIBER_BUFFER));
    },
    listenerCount(type) {
      return listeners.get(type)?.size ?? 0;
    },
  };
}

/**
 * Subscribes one dedicated Redis connection to the event channel (ioredis re-subscribes after a
 * reconnect) and fans each message out to the local listeners of its type. Each `subscribe`
 * is a Repeater whose `return()` removes its listener at once.
 */
export function createEventSubscriber(redisUrl: string, prefix: string, logger: Logger): EventSubscriber {
  const channel = eventChannel(prefix);
  const listeners = createEventListeners(logger, channel);
  const redis = new Redis(redisUrl, { maxRetriesPerRequest: null, lazyConnect: true });
  redis.on('error', (err) => logger.warn({ err: err.message }, 'event subscriber: Redis error'));
  redis.on('message', (from: string, message: string) => {
    if (from === channel) listeners.dispatch(message);
  });
  const ready = redis
    .connect()
    .then(() => redis.subscribe(channel))
    .then(() => undefined);
  ready.catch((err: Error) => logger.error({ err: err.message }, 'event subscriber: could not subscribe; subscriptions get no events until Redis answers'));

  return {
    ready,
    subscribe: listeners.subscribe,
    listenerCount: listeners.listenerCount,
    async close() {
      redis.disconnect();
    },
  };
}
