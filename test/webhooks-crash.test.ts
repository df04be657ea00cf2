import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { aMarket, anOpenSpike } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './support/env.js';
import { eventually, resetState, startHarness, TEST_WEBHOOK_KEY, type Harness } from './support/harness.js';
import * as op from './support/operations.js';
import { startWorkerProcess } from './support/fault-stack.js';
import { pino } from 'pino';
import { redisQueueBackend } from '../workers/queue-backend.js';
import { startReceiver } from './support/webhook-receiver.js';
import { describeNeeding } from './support/requires.js';

/**
 * A webhook delivery survives a worker killed with SIGKILL in the middle of it: the relay and
 * the webhook worker run in a real workers process, which dies while the receiver holds the
 * request; a new process retries the stalled job and the event is delivered, once in the log.
 */
let h: Harness;
const prefix = `bx-whcrash-${process.pid}`;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});

function startWorker(): ChildProcess {
  return startWorkerProcess({
    DATABASE_URL: TEST_DATABASE_URL,
    REDIS_URL: TEST_REDIS_URL,
    QUEUE_PREFIX: prefix,
    LOG_LEVEL: 'silent',
    WORKER_LOCK_MS: '2000',
    SWEEP_INTERVAL_MS: '3600000',
    WORKER_HEALTH_PORT: '0',
    OUTBOX_POLL_MS: '50',
    WEBHOOK_SECRET_KEY: TEST_WEBHOOK_KEY.toString('hex'),
    WEBHOOK_ALLOW_PRIVATE_NETWORKS: 'true',
    WEBHOOK_TIMEOUT_MS: '30000',
    WEBHOOK_BACKOFF_MS: '100',
  }).child;
}

describeNeeding(import.meta.url, ['separate-processes'])('webhook worker killed mid-delivery', () => {
  it('delivers the event after a restart, and logs one delivery', async () => {
    await resetState(h);
    const m = await aMarket(h.url, h.operatorKey);
    const receiver = await startReceiver((n) => (n === 1 ? 'hang' : 200));
    let worker = startWorker();
    try {
      const endpoint = ok(await gql(h.url, op.REGISTER_WEBHOOK, { input: { url: receiver.url, eventTypes: ['DEMAND_SPIKE_POSTED'] } }, m.vendorA.key))
        .registerWebhookEndpoint.endpoint;
      await anOpenSpike(h.url, h.clock, m.brand.key);
      await eventually(async () => (receiver.requests.length === 1 ? true : null), 30_000);
      worker.kill('SIGKILL');
      await once(worker, 'exit');
      worker = startWorker();

      await eventually(async () => (receiver.requests.length === 2 ? true : null), 30_000);
      const log = await eventually(async () => {
        const d = ok(await gql(h.url, op.WEBHOOK_DELIVERIES, { id: endpoint.id }, m.vendorA.key)).webhookDeliveries.nodes;
        return d.length ? d : null;
      });
      expect(log).toEqual([expect.objectContaining({ attempt: 1, outcome: 'DELIVERED', statusCode: 200 })]);
      const [first, second] = receiver.requests;
      expect(second!.body).toBe(first!.body);
      expect(second!.headers['x-burst-event-id']).toBe(first!.headers['x-burst-event-id']);
    } finally {
      if (worker.exitCode === null && worker.signalCode === null) {
        worker.kill('SIGTERM');
        await once(worker, 'exit');
      }
      await receiver.close();
      const backend = redisQueueBackend({ url: TEST_REDIS_URL, prefix, logger: pino({ level: 'silent' }) });
      await Promise.all(backend.queues('producers').all.map((q) => q.obliterate({ force: true })));
      await backend.close();
    }
  }, 90_000);
});
