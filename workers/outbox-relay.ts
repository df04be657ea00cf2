import type { Queue } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import { relayInternalEvents, relayOutbox } from '../src/domain/events/outbox.js';
import { webhookTargets } from '../src/domain/webhooks/deliveries.js';
import type { Clock } from '../src/domain/shared/clock.js';
import type { Logger } from '../src/logger.js';
import type { EventPublisher } from '../src/realtime/event-bus.js';
import { afterCommit, type AfterCommitSettings } from './after-commit.js';
import type { Queues, WebhookJobData, WebhookRetryPolicy } from './queues.js';
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
  /**
   * Where internal events become jobs (queues on a connection that fails fast, as `webhooks`), and
   * when settlement is due. Without it the relay leaves internal events alone.
   */
  work?: AfterCommitSettings & { queues: Pick<Queues, 'clearing' | 'settlement' | 'quality'> };
}

const DEFAULT_BATCH = 100;

/**
 * Relays one batch of public events: enqueues each event's webhook deliveries, publishes the
 * events to Redis pub/sub, and only then marks them published (all under the row locks taken by
 * relayOutbox). Returns how many events it relayed.
 */
export async function relayOnce(deps: RelayDeps): Promise<number> {
  return relayOutbox(deps.orm.em.fork(), deps.clock, deps.batchSize ?? DEFAULT_BATCH, async (events, tem) => {
    await enqueueDeliveries(deps.webhooks, await webhookTargets(tem, events), deps.retry);
    await deps.publisher.publish(events);
  });
}

/**
 * Relays one batch of internal events: adds the jobs they ask for (workers/after-commit.ts), then
 * marks them published. Returns how many events it relayed (0 without `work`).
 */
export async function dispatchOnce(deps: RelayDeps): Promise<number> {
  if (!deps.work) return 0;
  return relayInternalEvents(deps.orm.em.fork(), deps.clock, deps.batchSize ?? DEFAULT_BATCH, afterCommit(deps.work.queues, deps.work));
}

/**
 * Runs the relay until stopped: each turn relays a batch of internal events (jobs) and a batch of
 * public events (webhooks, pub/sub); a full batch is followed at once by the next turn, otherwise
 * it sleeps `intervalMs`. Several worker processes may run it; SKIP LOCKED shares the rows out,
 * so events of different batches may then be published out of order (each carries its time).
 */
export function startOutboxRelay(deps: RelayDeps): { stop(): Promise<void> } {
  let stopped = false;
  let wake: () => void = () => {};
  let failing = false;
  const batch = deps.batchSize ?? DEFAULT_BATCH;
  const loop = (async () => {
    while (!stopped) {
      let full = false;
      let failed: unknown = null;
      // One side failing does not hold the other back: each has its own claim.
      for (const pass of [dispatchOnce, relayOnce]) {
        try {
          full ||= (await pass(deps)) >= batch;
        } catch (err) {
          failed ??= err;
        }
      }
      if (failed) {
        // Logged once per outage, not every poll; the events stay in the outbox meanwhile.
        if (!failing) deps.logger.warn({ err: (failed as Error).message }, 'outbox relay failed; retrying every poll until it works');
        failing = true;
      } else if (failing) {
        deps.logger.info('outbox relay recovered');
        failing = false;
      }
      if (full || stopped) continue;
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
