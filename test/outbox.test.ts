import { Queue } from 'bullmq';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { clearSpike } from '../src/domain/clearing/clear-spike.js';
import type { DomainEvent } from '../src/domain/events/event-types.js';
import { neutralQualityScores } from '../src/domain/quality/quality-scores.js';
import { DEFAULT_POLICY, settleContract } from '../src/domain/settlement/settle-contract.js';
import { createEventPublisher } from '../src/realtime/event-bus.js';
import { relayOnce, type RelayDeps } from '../workers/outbox-relay.js';
import { redisConnection, WEBHOOKS_QUEUE, type WebhookJobData } from '../workers/queues.js';
import { aBid, aMarket, anOpenSpike, aSpikeInput, type Market } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { TEST_REDIS_URL } from './support/env.js';
import { resetState, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';
import { describeNeeding } from './support/requires.js';

/**
 * The outbox without a running relay: which changes write which events, in their own
 * transaction; and the relay driven by hand, against a reachable and an unreachable Redis.
 */
let h: Harness;
let m: Market;
let redis: Redis;
let webhooks: Queue<WebhookJobData>;
beforeAll(async () => {
  h = await startHarness();
  redis = redisConnection(TEST_REDIS_URL, false);
  webhooks = new Queue<WebhookJobData>(WEBHOOKS_QUEUE, { connection: redis, prefix: h.prefix });
});
afterAll(async () => {
  await webhooks.obliterate({ force: true });
  await webhooks.close();
  redis.disconnect();
  await h.close();
});
beforeEach(async () => {
  await resetState(h);
  await webhooks.obliterate({ force: true });
  m = await aMarket(h.url, h.operatorKey);
});

const usd = (amountMinor: string) => ({ amountMinor, currency: 'USD' });
/** The public events (subscriptions and webhooks); internal ones, work for the workers, are tested in after-commit.test.ts. */
const events = () =>
  h.orm.em
    .getConnection()
    .execute<{ id: string; type: string; audience: string[]; payload: any; published_at: unknown }[]>(
      `select id, type, audience::text[] as audience, payload, published_at from domain_event where kind = 'PUBLIC' order by id`,
    );
const audienceOf = (row: { audience: string[] }) => [...row.audience].sort();
const relayDeps = (publisherRedis: Redis, queue: Queue<WebhookJobData>): RelayDeps => ({
  orm: h.orm,
  clock: h.clock,
  logger: pino({ level: 'silent' }),
  publisher: createEventPublisher(publisherRedis, h.prefix),
  webhooks: queue,
  retry: { attempts: 3, backoffMs: 50 },
  intervalMs: 20,
});

describeNeeding(import.meta.url, ['redis'])('events written with the change', () => {
  it('publishing a spike writes one event for the vendors eligible now, and a draft writes none', async () => {
    ok(await gql(h.url, op.POST_SPIKE, { input: aSpikeInput(h.clock) }, m.brand.key));
    expect(await events()).toEqual([]);
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
    const [event, ...rest] = await events();
    expect(rest).toEqual([]);
    expect(event).toMatchObject({
      type: 'demand_spike.posted',
      published_at: null,
      payload: { spikeId, brandId: m.brand.id, totalRequiredSeats: 40, biddingClosesAt: expect.any(String) },
    });
    // The brand's in-house team and the three outsourcers, not the other brand's team.
    expect(audienceOf(event!)).toEqual([m.vendorA.id, m.vendorB.id, m.vendorC.id, m.inHouse.id].sort());
  });

  it('clearing writes one outcome event per bid, each for its own vendor only', async () => {
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
    const a = await aBid(h.url, m.vendorA.key, spikeId, { rate: usd('2000') });
    const b = await aBid(h.url, m.vendorB.key, spikeId, { rate: usd('2500') });
    ok(await gql(h.url, op.CLOSE, { id: spikeId }, m.brand.key));
    const awarded = await clearSpike(h.orm.em.fork() as never, h.clock, neutralQualityScores, spikeId);
    const outcomes = (await events()).filter((e) => e.type === 'bid.outcome');
    expect(outcomes.map((e) => [e.payload.bidId, audienceOf(e)])).toEqual([
      [a.id, [m.vendorA.id]],
      [b.id, [m.vendorB.id]],
    ]);
    expect(outcomes[0]!.payload).toMatchObject({ status: 'WON', contractId: (awarded as { contractIds: string[] }).contractIds[0] });
    expect(JSON.stringify(outcomes[1]!.payload)).not.toContain(m.vendorA.id);
    // A second run clears nothing and writes nothing.
    await clearSpike(h.orm.em.fork() as never, h.clock, neutralQualityScores, spikeId);
    expect((await events()).filter((e) => e.type === 'bid.outcome')).toHaveLength(2);
  });

  it('each settlement writes one event for both parties, and a settlement that posts nothing writes none', async () => {
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
    await aBid(h.url, m.vendorA.key, spikeId, { rate: usd('2500') });
    ok(await gql(h.url, op.CLOSE, { id: spikeId }, m.brand.key));
    const contractId = ((await clearSpike(h.orm.em.fork() as never, h.clock, neutralQualityScores, spikeId)) as { contractIds: string[] }).contractIds[0]!;
    const settled = () => events().then((rows) => rows.filter((e) => e.type === 'contract.settled'));
    const outcomes = await Promise.all([0, 1].map(() => settleContract(h.orm.em.fork() as never, h.clock, contractId, DEFAULT_POLICY, { force: true })));
    expect(outcomes.map((o) => o.kind).sort()).toEqual(['ALREADY_SETTLED', 'SETTLED']);
    const [first, ...others] = await settled();
    expect(others).toEqual([]);
    expect(audienceOf(first!)).toEqual([m.brand.id, m.vendorA.id].sort());
    expect(first!.payload).toMatchObject({ contractId, sequence: 1, kind: 'INITIAL', invoiceKind: 'INVOICE', currency: 'USD', netMinor: '0' });
    // Flagged for adjustment without any change in amounts: NOTHING_TO_ADJUST posts nothing, so no event either.
    await h.orm.em.getConnection().execute('update contract set needs_settlement = true where id = ?', [contractId]);
    expect((await settleContract(h.orm.em.fork() as never, h.clock, contractId, DEFAULT_POLICY)).kind).toBe('NOTHING_TO_ADJUST');
    expect(await settled()).toHaveLength(1);
  });
});

describeNeeding(import.meta.url, ['redis'])('the relay', () => {
  it('leaves events in the outbox while Redis is unreachable, then publishes each exactly once', async () => {
    const spikeIds = [await anOpenSpike(h.url, h.clock, m.brand.key), await anOpenSpike(h.url, h.clock, m.brand.key)];
    // Nothing listens on port 1: publishing fails as it does when Redis is down.
    const down = new Redis('redis://127.0.0.1:1', { lazyConnect: true, maxRetriesPerRequest: 0, enableOfflineQueue: false, retryStrategy: () => null });
    down.on('error', () => {});
    try {
      await expect(relayOnce(relayDeps(down, webhooks))).rejects.toThrow();
      expect((await events()).map((e) => e.published_at)).toEqual([null, null]);
    } finally {
      down.disconnect();
    }

    const heard: DomainEvent[] = [];
    const stream = h.events.subscribe('demand_spike.posted')[Symbol.asyncIterator]();
    const collecting = (async () => {
      for (;;) {
        const r = await stream.next();
        if (r.done) return;
        heard.push(r.value);
      }
    })();
    await new Promise((r) => setTimeout(r, 50));
    // Two relays at once: SKIP LOCKED shares the rows out, nothing is published twice.
    const counts = await Promise.all([relayOnce(relayDeps(redis, webhooks)), relayOnce(relayDeps(redis, webhooks))]);
    expect(counts.reduce((a, b) => a + b, 0)).toBe(2);
    expect(await relayOnce(relayDeps(redis, webhooks))).toBe(0);
    await new Promise((r) => setTimeout(r, 200));
    await stream.return?.();
    await collecting;
    expect(
      heard
        .map((e) => e.data)
        .map((d) => (d as { spikeId: string }).spikeId)
        .sort(),
    ).toEqual([...spikeIds].sort());
    expect((await events()).every((e) => e.published_at !== null)).toBe(true);
  });

  it('enqueues one webhook job per matching endpoint, by a deterministic id', async () => {
    const registered = ok(
      await gql(h.url, op.REGISTER_WEBHOOK, { input: { url: 'https://hooks.example.com/a', eventTypes: ['DEMAND_SPIKE_POSTED'] } }, m.vendorA.key),
    ).registerWebhookEndpoint;
    ok(await gql(h.url, op.REGISTER_WEBHOOK, { input: { url: 'https://hooks.example.com/b', eventTypes: ['BID_OUTCOME'] } }, m.vendorB.key));
    ok(await gql(h.url, op.REGISTER_WEBHOOK, { input: { url: 'https://hooks.example.com/c', eventTypes: ['CONTRACT_SETTLED'] } }, m.otherBrand.key));
    await anOpenSpike(h.url, h.clock, m.brand.key);
    expect(await relayOnce(relayDeps(redis, webhooks))).toBe(1);
    const [event] = await events();
    const jobs = await webhooks.getJobs(['waiting', 'delayed', 'prioritized']);
    expect(jobs.map((j) => [j.id, j.data])).toEqual([
      [`webhook-${event!.id}-${registered.endpoint.id}`, { eventId: event!.id, endpointId: registered.endpoint.id }],
    ]);
  });
});
