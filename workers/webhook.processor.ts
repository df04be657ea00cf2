import type { Job, Queue } from 'bullmq';
import type { MikroORM } from '@mikro-orm/postgresql';
import { dueSandboxRetries, prepareDelivery, recordDeliveryAttempt, unfinishedDeliveries, type DeliveryTarget } from '../src/domain/webhooks/deliveries.js';
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
    if (job.name === SWEEP) {
      const sandboxId = (job.data as { sandboxId?: string }).sandboxId;
      return sandboxId ? sweepSandboxRetries(deps, sandboxId) : sweepWebhooks(deps);
    }
    if (job.name !== DELIVER_WEBHOOK) throw new Error(`Unknown job ${job.name}`);
    const target = job.data as DeliverWebhookJob;
    const em = deps.orm.em.fork();
    const prepared = await prepareDelivery(em, deps.secrets, target);
    if (prepared.kind === 'SKIP') return prepared;

    // A sandbox event's attempt is dated on its test clock, and its retries wait for the clock (below).
    const sandbox = prepared.sandboxClock !== null;
    const at = prepared.sandboxClock ?? deps.clock.now();
    const result = await postWebhook(
      prepared.url,
      prepared.body,
      {
        'x-burst-event-id': prepared.eventId,
        'x-burst-event-type': prepared.eventType,
        // Signed at real time even for a sandbox (as Stripe's test mode does): receivers check it against their own clock.
        'x-burst-signature': signatureHeader(prepared.secret, prepared.body, Math.floor(deps.clock.now().getTime() / 1000)),
      },
      deps.http,
    );
    const delivered = result.error === null;
    const isLastAttempt = sandbox ? (target.attempt ?? 1) >= deps.retry.attempts : job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
    const attempt = await recordDeliveryAttempt(em, target, {
      outcome: delivered ? 'DELIVERED' : isLastAttempt ? 'FAILED' : 'RETRYING',
      statusCode: result.statusCode,
      error: result.error,
      durationMs: result.durationMs,
      at,
    });
    // A sandbox's failed attempt ends its job: the next falls due on the test clock (sweepSandboxRetries after an advance).
    if (!delivered && sandbox) return { delivered: false, attempt, retry: isLastAttempt ? 'NONE' : 'ON_TEST_CLOCK' };
    if (!delivered) throw new Error(`Webhook attempt ${attempt} failed: ${result.error}`);
    return { delivered: true, attempt, statusCode: result.statusCode };
  };
}

/**
 * After a sandbox's clock advanced: one job per delivery whose retry fell due on the test clock,
 * named after its attempt (so a second sweep adds nothing). Exported for tests.
 */
export async function sweepSandboxRetries(deps: WebhookDeps, sandboxId: string): Promise<{ enqueued: number }> {
  const due = await dueSandboxRetries(deps.orm.em.fork(), sandboxId, deps.retry.backoffMs);
  if (!due.length) return { enqueued: 0 };
  await deps.queue.addBulk(
    due.map((t) => ({
      name: DELIVER_WEBHOOK,
      data: { eventId: t.eventId, endpointId: t.endpointId, attempt: t.attempt },
      opts: { ...webhookJobOptions(deps.retry), attempts: 1, jobId: webhookJobId(t.eventId, t.endpointId, t.attempt) },
    })),
  );
  return { enqueued: due.length };
}

/** Re-enqueues deliveries of the last day that have neither succeeded nor given up. Exported for tests. */
export async function sweepWebhooks(deps: WebhookDeps): Promise<{ enqueued: number }> {
  const targets = await unfinishedDeliveries(deps.orm.em.fork(), new Date(deps.clock.now().getTime() - WEBHOOK_SWEEP_WINDOW_MS), 1_000);
  await enqueueDeliveries(deps.queue, targets, deps.retry);
  return { enqueued: targets.length };
}
