import type { Queue } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import { relayOutbox } from '../src/domain/events/outbox.js';
import { webhookTargets } from '../src/domain/webhooks/deliveries.js';
import type { Clock } from '../src/domain/shared/clock.js';
import type { Logger } from '../src/logger.js';
import type { EventPublisher } from '../src/realtime/event-bus.js';
import type { WebhookJobData, WebhookRetryPolicy } from './queues.js';
import { enqueueDeliveries } from './webhook.processor.js';

export interface RelayDeps {
  orm: MikroORM;
  clock: Clock;
  logger: Logger;
  /** Redis pub/sub for the API instances' subscriptions. */
  publisher: EventPublisher;
  /** Producer of webhook jobs. Give it a connection that fails fast: the relay holds a transaction meanwhile. */
  webhooks: Queue<WebhookJobData>;
  retry: WebhookRetryPolicy;
  intervalMs: number;
  batchSize?: number;
}

const DEFAULT_BATCH = 100;

/**
 * Relays one batch of the outbox: enqueues each event's webhook deliveries, publishes the events
 * to Redis pub/sub, and only then marks them published (all under the row locks taken by
 * relayOutbox). Returns how many events it relayed.
 */
export async function relayOnce(deps: RelayDeps): Promise<number> {
  return relayOutbox(deps.orm.em.fork(), deps.clock, deps.batchSize ?? DEFAULT_BATCH, async (events, tem) => {
    await enqueueDeliveries(deps.webhooks, await webhookTargets(tem, events), deps.retry);
    await deps.publisher.publish(events);
  });
}

/**
 * Runs the relay until stopped: a full batch is followed at once by the next, otherwise it
 * sleeps `intervalMs`. Several worker processes may run it; SKIP LOCKED shares the rows out,
 * so events of different batches may then be published out of order (each carries its time).
 */
export function startOutboxRelay(deps: RelayDeps): { stop(): Promise<void> } {
  let stopped = false;
  let wake: () => void = () => {};
  let failing = false;
  const loop = (async () => {
    while (!stopped) {
      let relayed = 0;
      try {
        relayed = await relayOnce(deps);
        if (failing) deps.logger.info('outbox relay recovered');
        failing = false;
      } catch (err) {
        // Logged once per outage, not every poll; the events stay in the outbox meanwhile.
        if (!failing) deps.logger.warn({ err: (err as Error).message }, 'outbox relay failed; retrying every poll until it works');
        failing = true;
      }
      if (relayed >= (deps.batchSize ?? DEFAULT_BATCH) || stopped) continue;
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, deps.intervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();
  return {
    async stop() {
      stopped = true;
      wake();
      await loop;
    },
  };
}
