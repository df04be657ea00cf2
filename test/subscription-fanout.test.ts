import type { Client } from 'graphql-ws';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { aMarket, anOpenSpike, type Market } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { eventually, resetState, startHarness, type Harness } from './support/harness.js';
import { scrape, valueOf, type Sample } from './support/metrics.js';
import * as op from './support/operations.js';
import { subscribeOn, wsClient, type Subscribed } from './support/ws-client.js';

/**
 * One event fanned out to many subscriptions (docs/scaling.md, "Fan-out of events"): the work
 * per event depends on who may see it, not on how many sockets listen; every pushed message is
 * bounded in size. Counted with the API's own metrics, never timed.
 */
const MAX_MESSAGE_BYTES = 2_048;
let h: Harness;
let m: Market;
let metricsUrl: string;
const clients: Client[] = [];
beforeAll(async () => {
  h = await startHarness({ realtime: true, subscriptionLimits: { maxMessageBytes: MAX_MESSAGE_BYTES } });
  metricsUrl = h.url.replace(/\/graphql$/, '/metrics');
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  await resetState(h);
  m = await aMarket(h.url, h.operatorKey);
});
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.dispose()));
});

const SMALL = 'subscription { demandSpikePosted { eventId spike { id title } } }';
const LARGE = 'subscription { demandSpikePosted { eventId spike { id intervals { index startsAt endsAt requiredSeats } } } }';
const HALF_HOUR = 30 * 60_000;

/** `count` subscriptions to `query` on one connection of `key`. */
function subscriptions(key: string, count: number, query = SMALL): Subscribed[] {
  const c = wsClient(h.wsUrl, key);
  clients.push(c);
  return Array.from({ length: count }, () => subscribeOn(c, query));
}

const delta = (before: Sample[], after: Sample[], name: string, labels: Record<string, string>) => valueOf(after, name, labels) - valueOf(before, name, labels);

describe('an event fanned out to many subscriptions', () => {
  it('costs one key read and one resource read per visibility class, ends revoked keys’ subscriptions, and bounds every message', async () => {
    const second = ok(await gql(h.url, op.ISSUE_KEY, { input: { organizationId: m.vendorA.id, role: 'VENDOR', label: 'second' } }, h.operatorKey)).issueApiKey;
    const revoked = ok(
      await gql(h.url, op.ISSUE_KEY, { input: { organizationId: m.vendorA.id, role: 'VENDOR', label: 'revoked' } }, h.operatorKey),
    ).issueApiKey;
    // One tenant, 50 subscriptions over three keys (one about to be revoked); two other vendors; the operator.
    const vendorA = [...subscriptions(m.vendorA.key, 20), ...subscriptions(m.vendorA.key, 20), ...subscriptions(second.secret, 10)];
    const ofRevoked = subscriptions(revoked.secret, 10);
    const [vendorB] = subscriptions(m.vendorB.key, 1, LARGE);
    const [vendorC] = subscriptions(m.vendorC.key, 1);
    const [operator] = subscriptions(h.operatorKey, 1);
    await eventually(async () => (h.events.listenerCount('demand_spike.posted') === 63 ? true : null), 10_000);
    ok(await gql(h.url, op.REVOKE_KEY, { id: revoked.apiKey.id }, h.operatorKey));

    const before = await scrape(metricsUrl);
    // A day of half hours: 48 intervals make the large selection a message of several kilobytes.
    const start = Math.ceil((h.clock.now().getTime() + 24 * 3600_000) / HALF_HOUR) * HALF_HOUR;
    const intervals = Array.from({ length: 48 }, (_, i) => ({ startsAt: new Date(start + i * HALF_HOUR).toISOString(), seats: 10 }));
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key, { intervals });
    // Another tenant's request while the event fans out is answered as usual.
    expect(ok(await gql(h.url, op.ME, {}, m.otherBrand.key)).me.role).toBe('BRAND');

    const receivers = [...vendorA, vendorC!, operator!];
    for (const s of receivers) await s.waitFor((r) => r.data?.demandSpikePosted.spike.id === spikeId);
    for (const s of ofRevoked) expect(await s.ended).toEqual({ kind: 'complete' });
    // The message the large selection would make is over the bound: an error in its place, then complete.
    expect(await vendorB!.ended).toEqual({ kind: 'complete' });
    expect(vendorB!.received).toEqual([
      {
        errors: [
          {
            message: expect.stringMatching(/^The message for this event would be \d+ bytes; at most 2048 are sent/),
            extensions: { code: 'MESSAGE_TOO_LARGE', bytes: expect.any(Number), limit: MAX_MESSAGE_BYTES },
          },
        ],
      },
    ]);
    expect(vendorB!.received[0]!.errors![0]!.extensions).toMatchObject({ bytes: expect.any(Number) });
    expect((vendorB!.received[0]!.errors![0]!.extensions as { bytes: number }).bytes).toBeGreaterThan(MAX_MESSAGE_BYTES);
    for (const s of receivers) {
      expect(s.received).toHaveLength(1);
      expect(Buffer.byteLength(JSON.stringify(s.received[0]))).toBeLessThanOrEqual(MAX_MESSAGE_BYTES);
    }

    const after = await eventually(async () => {
      const now = await scrape(metricsUrl);
      return delta(before, now, 'bx_subscription_messages_total', { outcome: 'sent' }) === receivers.length ? now : null;
    });
    // 63 subscriptions: one read of every key at once, one read per class (vendors A, B and C, the operator).
    expect(delta(before, after, 'bx_subscription_fanout_reads_total', { read: 'api_keys' })).toBe(1);
    expect(delta(before, after, 'bx_subscription_fanout_reads_total', { read: 'resource' })).toBe(4);
    expect(delta(before, after, 'bx_subscription_messages_total', { outcome: 'too_large' })).toBe(1);
    await eventually(async () => (h.events.listenerCount('demand_spike.posted') === receivers.length ? true : null), 5_000);
  });

  it('shares reads only between principals that see alike: a vendor not eligible is told nothing', async () => {
    ok(await gql(h.url, op.UPDATE_VENDOR, { input: { vendorId: m.vendorB.id, skills: ['es-ES'] } }, h.operatorKey));
    const vendorA = subscriptions(m.vendorA.key, 5);
    const vendorB = subscriptions(m.vendorB.key, 5);
    await eventually(async () => (h.events.listenerCount('demand_spike.posted') === 10 ? true : null), 5_000);
    const before = await scrape(metricsUrl);
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
    const second = await anOpenSpike(h.url, h.clock, m.brand.key, { requiredSkills: ['es-ES'] });
    // Each stream is in order: once the second spike arrived, the first would have, had it been sent.
    for (const s of vendorB) await s.waitFor((r) => r.data?.demandSpikePosted.spike.id === second);
    for (const s of vendorA) await s.waitFor((r) => r.data?.demandSpikePosted.spike.id === second);
    for (const s of vendorA) expect(s.received.map((r) => r.data?.demandSpikePosted.spike.id)).toEqual([spikeId, second]);
    for (const s of vendorB) expect(s.received.map((r) => r.data?.demandSpikePosted.spike.id)).toEqual([second]);
    const after = await scrape(metricsUrl);
    // Vendor B is not in the first spike's audience at all (no read); two events, two classes for the second.
    expect(delta(before, after, 'bx_subscription_fanout_reads_total', { read: 'resource' })).toBe(3);
    // Key checks are batched per turn of the event loop and remembered per event and key: one read per
    // event when every subscriber asks in the same turn, never more than one per distinct key (a
    // subscriber still sending the previous message under load may ask a turn later).
    const keyReads = delta(before, after, 'bx_subscription_fanout_reads_total', { read: 'api_keys' });
    expect(keyReads).toBeGreaterThanOrEqual(2);
    expect(keyReads).toBeLessThanOrEqual(3);
  });
});
