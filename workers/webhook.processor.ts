import type { Job, Queue } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import { prepareDelivery, recordDeliveryAttempt, unfinishedDeliveries, type DeliveryTarget } from '../src/domain/webhooks/deliveries.js';
import type { SecretBox } from '../src/domain/webhooks/secret-box.js';
import { signatureHeader } from '../src/domain/webhooks/signing.js';
import type { Clock } from '../src/domain/shared/clock.js';
import type { Logger } from '../src/logger.js';
import { DELIVER_WEBHOOK, SWEEP, webhookJobId, webhookJobOptions, type DeliverWebhookJob, type WebhookJobData, type WebhookRetryPolicy } from './queues.js';
import { postWebhook, type PostOptions } from './webhook-http.js';

export interface WebhookDeps {
  orm: MikroORM;
  clock: Clock;
  logger: Logger;
  secrets: SecretBox;
  http: PostOptions;
  retry: WebhookRetryPolicy;
  /** Producer for the sweeper's re-enqueues (the queue the worker consumes). */
  queue: Queue<WebhookJobData>;
}

/** How far back the sweeper looks for deliveries that were handed over but never finished. */
export const WEBHOOK_SWEEP_WINDOW_MS = 24 * 3_600_000;

/** Enqueues deliveries by their deterministic job id: an existing job (waiting, delayed, active or failed) absorbs a duplicate. */
export async function enqueueDeliveries(queue: Queue<WebhookJobData>, targets: readonly DeliveryTarget[], retry: WebhookRetryPolicy): Promise<void> {
  if (!targets.length) return;
  const opts = webhookJobOptions(retry);
  await queue.addBulk(
    targets.map((t) => ({
      name: DELIVER_WEBHOOK,
      data: { eventId: t.eventId, endpointId: t.endpointId },
      opts: { ...opts, jobId: webhookJobId(t.eventId, t.endpointId) },
    })),
  );
}

/**
 * Processes the webhooks queue. `deliver-webhook` POSTs one event to one endpoint, signed,
 * and logs the attempt; anything but a 2xx within the timeout throws, so BullMQ retries with
 * exponential backoff until the attempts run out (the last failure is logged as FAILED). A
 * pair already delivered, or an endpoint disabled meanwhile, is skipped. `sweep` re-enqueues
 * deliveries that PostgreSQL says never finished, in case Redis lost their jobs.
 */
export function webhookProcessor(deps: WebhookDeps) {
  return async (job: Job<WebhookJobData>): Promise<unknown> => {
    if (job.name === SWEEP) return sweepWebhooks(deps);
    if (job.name !== DELIVER_WEBHOOK) throw new Error(`Unknown job ${job.name}`);
    const target = job.data as DeliverWebhookJob;
    const em = deps.orm.em.fork();
    const prepared = await prepareDelivery(em, deps.secrets, target);
    if (prepared.kind === 'SKIP') return prepared;

    const at = deps.clock.now();
    const result = await postWebhook(
      prepared.url,
      prepared.body,
      {
        'x-burst-event-id': prepared.eventId,
        'x-burst-event-type': prepared.eventType,
        'x-burst-signature': signatureHeader(prepared.secret, prepared.body, Math.floor(at.getTime() / 1000)),
      },
      deps.http,
    );
    const delivered = result.error === null;
    const isLastAttempt = job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const attempt = await recordDeliveryAttempt(em, target, {
      outcome: delivered ? 'DELIVERED' : isLastAttempt ? 'FAILED' : 'RETRYING',
      statusCode: result.statusCode,
      error: result.error,
      durationMs: result.durationMs,
      at,
    });
    if (!delivered) throw new Error(`Webhook attempt ${attempt} failed: ${result.error}`);
    return { delivered: true, attempt, statusCode: result.statusCode };
  };
}

/** Re-enqueues deliveries of the last day that have neither succeeded nor given up. Exported for tests. */
export async function sweepWebhooks(deps: WebhookDeps): Promise<{ enqueued: number }> {
  const targets = await unfinishedDeliveries(deps.orm.em.fork(), new Date(deps.clock.now().getTime() - WEBHOOK_SWEEP_WINDOW_MS), 1_000);
  await enqueueDeliveries(deps.queue, targets, deps.retry);
  return { enqueued: targets.length };
}
