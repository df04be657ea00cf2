import { createHmac } from 'node:crypto';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { verifySignature } from '../src/domain/webhooks/signing.js';
import { DELIVER_WEBHOOK, webhookJobOptions } from '../workers/queues.js';
import { sweepWebhooks } from '../workers/webhook.processor.js';
import { postWebhook } from '../workers/webhook-http.js';
import { aMarket, anOpenSpike, type Market } from './support/builders.js';
import { errorCode, gql, ok } from './support/client.js';
import { eventually, resetState, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';
import { startReceiver, type Receiver } from './support/webhook-receiver.js';

/**
 * Webhooks end to end: events from the real use cases, the real relay and the real webhook
 * worker, POSTed to a real HTTP receiver on this machine. Retries use a short backoff.
 */
const RETRY = { attempts: 3, backoffMs: 100 };
const TIMEOUT_MS = 400;
let h: Harness;
let m: Market;
let receiver: Receiver | null = null;
beforeAll(async () => {
  h = await startHarness({ realtime: true, webhookRetry: RETRY, webhookTimeoutMs: TIMEOUT_MS });
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  await resetState(h);
  m = await aMarket(h.url, h.operatorKey);
});
afterEach(async () => {
  await receiver?.close();
  receiver = null;
});

async function anEndpoint(key: string, url: string, eventTypes = ['DEMAND_SPIKE_POSTED'], organizationId?: string) {
  const r = ok(
    await gql(h.url, op.REGISTER_WEBHOOK, { input: { url, eventTypes, ...(organizationId ? { organizationId } : {}) } }, key),
  ).registerWebhookEndpoint;
  if (r.__typename !== 'RegisteredWebhookEndpoint') throw new Error(JSON.stringify(r));
  return { id: r.endpoint.id as string, secret: r.signingSecret as string, endpoint: r.endpoint };
}

const deliveries = async (endpointId: string, key = m.vendorA.key) =>
  ok(await gql(h.url, op.WEBHOOK_DELIVERIES, { id: endpointId }, key)).webhookDeliveries.nodes as Record<string, any>[];
const settle = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('webhook delivery', () => {
  it('POSTs the event signed with the endpoint’s secret and logs the attempt', async () => {
    receiver = await startReceiver();
    const { id, secret, endpoint } = await anEndpoint(m.vendorA.key, receiver.url);
    expect(endpoint).toMatchObject({ organizationId: m.vendorA.id, eventTypes: ['DEMAND_SPIKE_POSTED'], status: 'ACTIVE', secretHint: secret.slice(0, 10) });
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
    await eventually(async () => (receiver!.requests.length ? true : null));

    const [request] = receiver.requests;
    const body = JSON.parse(request!.body);
    expect(Object.keys(body).sort()).toEqual(['createdAt', 'data', 'id', 'type']);
    expect(body).toMatchObject({
      type: 'demand_spike.posted',
      data: { spikeId, brandId: m.brand.id, reserveRate: { amountMinor: '3000', currency: 'USD' }, intervalCount: 4 },
    });
    expect(request!.headers).toMatchObject({ 'content-type': 'application/json', 'x-burst-event-id': body.id, 'x-burst-event-type': 'demand_spike.posted' });
    // Verify as a receiver would, by hand: HMAC-SHA256(secret, "<t>.<raw body>").
    const [, t, v1] = /^t=(\d+),v1=([0-9a-f]{64})$/.exec(String(request!.headers['x-burst-signature']))!;
    expect(createHmac('sha256', secret).update(`${t}.${request!.body}`).digest('hex')).toBe(v1);
    expect(Math.abs(Number(t) - h.clock.now().getTime() / 1000)).toBeLessThan(60);
    const now = Number(t);
    expect(verifySignature(secret, request!.body, String(request!.headers['x-burst-signature']), now)).toBe(true);
    expect(verifySignature(secret, request!.body.replace('3000', '3001'), String(request!.headers['x-burst-signature']), now)).toBe(false);
    expect(verifySignature(secret, request!.body, String(request!.headers['x-burst-signature']), now + 301)).toBe(false);

    const log = await eventually(async () => {
      const d = await deliveries(id);
      return d.length ? d : null;
    });
    expect(log).toEqual([
      expect.objectContaining({
        eventId: body.id,
        eventType: 'DEMAND_SPIKE_POSTED',
        endpointId: id,
        attempt: 1,
        outcome: 'DELIVERED',
        statusCode: 200,
        error: null,
      }),
    ]);
    const stored = await h.orm.em.getConnection().execute<{ secret_ciphertext: string }[]>('select secret_ciphertext from webhook_endpoint where id = ?', [id]);
    expect(stored[0]!.secret_ciphertext).not.toContain(secret.slice(6));
    expect(JSON.stringify(ok(await gql(h.url, op.WEBHOOK_ENDPOINTS, {}, m.vendorA.key)))).not.toContain(secret);
  });

  it('retries a failing receiver with backoff and delivers once it recovers', async () => {
    receiver = await startReceiver((n) => (n <= 2 ? 500 : 200));
    const { id } = await anEndpoint(m.vendorA.key, receiver.url);
    await anOpenSpike(h.url, h.clock, m.brand.key);
    const log = await eventually(async () => {
      const d = await deliveries(id);
      return d[0]?.outcome === 'DELIVERED' ? d : null;
    });
    expect(log.map((d) => [d.attempt, d.outcome, d.statusCode])).toEqual([
      [3, 'DELIVERED', 200],
      [2, 'RETRYING', 500],
      [1, 'RETRYING', 500],
    ]);
    expect(log[2]!.error).toBe('HTTP 500: receiver says no');
    expect(new Set(receiver.requests.map((r) => r.body)).size).toBe(1);
    expect(new Set(receiver.requests.map((r) => r.headers['x-burst-event-id'])).size).toBe(1);
    // Exponential backoff: about 100 ms, then about 200 ms (±20% jitter), between attempts.
    const [first, second, third] = receiver.requests.map((r) => r.receivedAt);
    expect(second! - first!).toBeGreaterThanOrEqual(75);
    expect(third! - second!).toBeGreaterThanOrEqual(155);
  });

  it('times out a receiver that never answers, and gives up after the last attempt', async () => {
    receiver = await startReceiver(() => 'hang');
    const { id } = await anEndpoint(m.vendorA.key, receiver.url);
    await anOpenSpike(h.url, h.clock, m.brand.key);
    const log = await eventually(async () => {
      const d = await deliveries(id);
      return d[0]?.outcome === 'FAILED' ? d : null;
    });
    expect(log.map((d) => [d.attempt, d.outcome, d.statusCode, d.error])).toEqual([
      [3, 'FAILED', null, `Timed out after ${TIMEOUT_MS} ms`],
      [2, 'RETRYING', null, `Timed out after ${TIMEOUT_MS} ms`],
      [1, 'RETRYING', null, `Timed out after ${TIMEOUT_MS} ms`],
    ]);
    expect(log.every((d) => d.durationMs >= TIMEOUT_MS - 5)).toBe(true);
    await settle(500);
    expect(receiver.requests).toHaveLength(3);
  });

  it('sends an event once per endpoint even when its job is duplicated, to the operator too, and nothing to disabled endpoints', async () => {
    receiver = await startReceiver();
    const active = await anEndpoint(m.vendorA.key, `${receiver.url}/active`);
    const disabled = await anEndpoint(m.vendorA.key, `${receiver.url}/disabled`);
    const operator = await anEndpoint(h.operatorKey, `${receiver.url}/operator`, ['DEMAND_SPIKE_POSTED', 'CONTRACT_SETTLED']);
    const otherBrands = await anEndpoint(m.otherBrand.financeKey, `${receiver.url}/other-brand`, ['CONTRACT_SETTLED']);
    expect(ok(await gql(h.url, op.DISABLE_WEBHOOK, { id: disabled.id }, m.vendorA.financeKey)).disableWebhookEndpoint).toMatchObject({
      status: 'DISABLED',
      disabledAt: expect.any(String),
    });
    await anOpenSpike(h.url, h.clock, m.brand.key);
    for (const [endpoint, key] of [
      [active, m.vendorA.key],
      [operator, h.operatorKey],
    ] as const) {
      await eventually(async () => ((await deliveries(endpoint.id, key))[0]?.outcome === 'DELIVERED' ? true : null));
    }
    const eventId = String(receiver.requests[0]!.headers['x-burst-event-id']);

    await h.queues!.webhooks.add(DELIVER_WEBHOOK, { eventId, endpointId: active.id }, { ...webhookJobOptions(RETRY), jobId: `duplicate-${eventId}` });
    await eventually(async () => (await h.queues!.webhooks.getJob(`duplicate-${eventId}`))?.returnvalue ?? null);
    expect((await h.queues!.webhooks.getJob(`duplicate-${eventId}`))!.returnvalue).toEqual({ kind: 'SKIP', reason: 'ALREADY_DELIVERED' });
    expect(receiver.requests.map((r) => r.path).sort()).toEqual(['/hooks/active', '/hooks/operator']);
    expect(await deliveries(active.id)).toHaveLength(1);
    expect(await deliveries(disabled.id)).toEqual([]);
    expect(await deliveries(otherBrands.id, m.otherBrand.key)).toEqual([]);
    expect(await deliveries(operator.id, h.operatorKey)).toHaveLength(1);
  });

  it('the sweeper re-enqueues a delivery whose job Redis lost', async () => {
    receiver = await startReceiver();
    const { id } = await anEndpoint(m.vendorA.key, receiver.url);
    const worker = h.workers![0]!;
    await worker.pause();
    try {
      const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
      await eventually(async () => {
        const rows = await h.orm.em
          .getConnection()
          .execute(`select 1 from domain_event where kind = 'PUBLIC' and payload->>'spikeId' = ? and published_at is not null`, [spikeId]);
        return rows.length ? true : null;
      });
      await h.queues!.webhooks.obliterate({ force: true });
    } finally {
      worker.resume();
    }
    await settle(300);
    expect(receiver.requests).toEqual([]);
    const deps = {
      orm: h.orm,
      clock: h.clock,
      logger: pino({ level: 'silent' }),
      secrets: h.secrets,
      http: { timeoutMs: TIMEOUT_MS, allowPrivateNetworks: true },
      retry: RETRY,
      queue: h.queues!.webhooks,
    };
    expect(await sweepWebhooks(deps)).toEqual({ enqueued: 1 });
    await eventually(async () => (receiver!.requests.length ? true : null));
    await eventually(async () => ((await deliveries(id))[0]?.outcome === 'DELIVERED' ? true : null));
    expect(await sweepWebhooks(deps)).toEqual({ enqueued: 0 });
    expect(receiver.requests).toHaveLength(1);
  });
});

describe('the webhook HTTP client', () => {
  it('will not deliver into a private network unless allowed, by literal address or by what a name resolves to', async () => {
    receiver = await startReceiver();
    const port = new URL(receiver.url).port;
    const strict = { timeoutMs: TIMEOUT_MS, allowPrivateNetworks: false };
    expect(await postWebhook(`http://127.0.0.1:${port}/hooks`, '{}', {}, strict)).toMatchObject({
      statusCode: null,
      error: expect.stringContaining('private network'),
    });
    expect(await postWebhook(`http://localhost:${port}/hooks`, '{}', {}, strict)).toMatchObject({
      statusCode: null,
      error: expect.stringContaining('private network'),
    });
    expect(receiver.requests).toEqual([]);
    expect(await postWebhook(`http://localhost:${port}/hooks`, '{}', {}, { ...strict, allowPrivateNetworks: true })).toMatchObject({
      statusCode: 200,
      error: null,
    });
    expect(receiver.requests).toHaveLength(1);
  });
});

describe('webhook endpoints', () => {
  it('lists an organisation’s endpoints page by page and keeps other organisations out', async () => {
    for (const n of [1, 2, 3]) await anEndpoint(m.brand.key, `https://hooks.example.com/${n}`, ['CONTRACT_SETTLED']);
    await anEndpoint(m.vendorA.key, 'https://hooks.example.com/vendor');
    const first = ok(await gql(h.url, op.WEBHOOK_ENDPOINTS, { first: 2 }, m.brand.financeKey)).webhookEndpoints;
    expect(first.nodes.map((e: any) => e.url)).toEqual(['https://hooks.example.com/1', 'https://hooks.example.com/2']);
    const second = ok(await gql(h.url, op.WEBHOOK_ENDPOINTS, { first: 2, after: first.pageInfo.endCursor }, m.brand.financeKey)).webhookEndpoints;
    expect(second).toMatchObject({ nodes: [{ url: 'https://hooks.example.com/3' }], pageInfo: { hasNextPage: false } });
    expect(ok(await gql(h.url, op.WEBHOOK_ENDPOINTS, {}, h.operatorKey)).webhookEndpoints.nodes).toHaveLength(4);
    expect(ok(await gql(h.url, op.WEBHOOK_ENDPOINTS, { org: m.brand.id }, h.operatorKey)).webhookEndpoints.nodes).toHaveLength(3);
    expect(errorCode(await gql(h.url, op.WEBHOOK_ENDPOINTS, { org: m.brand.id }, m.otherBrand.key))).toBe('FORBIDDEN');
  });

  it('registers for another organisation only as the operator', async () => {
    const made = await anEndpoint(h.operatorKey, 'https://hooks.example.com/for-brand', ['CONTRACT_SETTLED'], m.brand.id);
    expect(made.endpoint.organizationId).toBe(m.brand.id);
    expect(
      errorCode(
        await gql(
          h.url,
          op.REGISTER_WEBHOOK,
          { input: { organizationId: m.brand.id, url: 'https://x.example.com', eventTypes: ['CONTRACT_SETTLED'] } },
          m.vendorA.key,
        ),
      ),
    ).toBe('FORBIDDEN');
    expect(errorCode(await gql(h.url, op.DISABLE_WEBHOOK, { id: made.id }, m.otherBrand.key))).toBe('NOT_FOUND');
  });
});
