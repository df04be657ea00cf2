import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { EventType } from '../src/domain/events/event-types.js';
import { aBid, aMarket, anOpenSpike, type Market } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { eventually, resetState, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';
import { subscribe, type Subscribed } from './support/ws-client.js';

/**
 * Subscriptions end to end: a real graphql-ws client on a real socket, events written by the
 * real use cases into the outbox, relayed by the real relay over Redis, clearing and
 * settlement done by the real workers.
 */
let h: Harness;
let m: Market;
const open: Subscribed[] = [];
beforeAll(async () => {
  h = await startHarness({ workers: true });
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  await resetState(h);
  m = await aMarket(h.url, h.operatorKey);
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.dispose()));
});

const usd = (amountMinor: string) => ({ amountMinor, currency: 'USD' });
const everyInterval = (seats: number) => [0, 1, 2, 3].map((index) => ({ index, seats }));
const DAY = 86_400_000;

function sub(key: string | undefined, query: string): Subscribed {
  const s = subscribe(h.wsUrl, key, query);
  open.push(s);
  return s;
}

/** Subscriptions register with the API's event subscriber asynchronously: wait until `n` listen before triggering. */
const listening = (type: EventType, n: number) => eventually(async () => (h.events.listenerCount(type) >= n ? true : null), 5_000);

describe('demandSpikePosted', () => {
  it('reaches the vendors eligible for the spike and the operator, nobody else', async () => {
    ok(await gql(h.url, op.UPDATE_VENDOR, { input: { vendorId: m.vendorA.id, skills: ['billing', 'es-ES', 'fr-FR'] } }, h.operatorKey));
    const [a, b, operator] = [sub(m.vendorA.key, op.SPIKE_POSTED), sub(m.vendorB.key, op.SPIKE_POSTED), sub(h.operatorKey, op.SPIKE_POSTED)];
    await listening('demand_spike.posted', 3);
    const french = await anOpenSpike(h.url, h.clock, m.brand.key, { requiredSkills: ['fr-FR'] });
    const billing = await anOpenSpike(h.url, h.clock, m.brand.key);
    const spikeIds = (s: Subscribed) => s.received.map((r) => r.data?.demandSpikePosted.spike.id);
    // Each stream is in order, so once the second spike arrived the first would have, had it been sent.
    for (const s of [a, b, operator]) await s.waitFor((r) => r.data?.demandSpikePosted.spike.id === billing);
    expect(spikeIds(a)).toEqual([french, billing]);
    expect(spikeIds(b)).toEqual([billing]);
    expect(spikeIds(operator)).toEqual([french, billing]);

    const event = a.received[0]!.data!.demandSpikePosted;
    expect(event.spike).toMatchObject({ id: french, brandId: m.brand.id, status: 'OPEN', requiredSkills: ['fr-FR'], reserveRate: usd('3000') });
    const [row] = await h.orm.em.getConnection().execute('select id, type, published_at from domain_event where id = ?', [event.eventId]);
    expect(row).toMatchObject({ type: 'demand_spike.posted', published_at: expect.anything() });
    expect(operator.received[0]!.data!.demandSpikePosted.eventId).toBe(event.eventId);
  });

  it('is refused to brands and finance keys when they subscribe', async () => {
    for (const key of [m.brand.key, m.vendorA.financeKey]) {
      const s = sub(key, op.SPIKE_POSTED);
      expect(await s.first()).toMatchObject({ errors: [{ extensions: { code: 'FORBIDDEN' } }] });
      expect(await s.ended).toEqual({ kind: 'complete' });
    }
  });
});

describe('bidOutcome', () => {
  it('tells each vendor the outcome of its own bid after the worker clears, and nothing of the others', async () => {
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
    const bidA = await aBid(h.url, m.vendorA.key, spikeId, { rate: usd('2000'), offered: everyInterval(10) });
    const bidB = await aBid(h.url, m.vendorB.key, spikeId, { rate: usd('2900'), offered: everyInterval(10) });
    const [a, b] = [sub(m.vendorA.key, op.BID_OUTCOMES), sub(m.vendorB.key, op.BID_OUTCOMES)];
    await listening('bid.outcome', 2);
    ok(await gql(h.url, op.CLOSE, { id: spikeId }, m.brand.key));

    const won = (await a.waitFor((r) => !!r.data)).data!.bidOutcome;
    const contractId = ok(await gql(h.url, op.CONTRACTS, { spikeId }, m.vendorA.key)).contracts.nodes[0].id;
    expect(won).toMatchObject({ spikeId, contractId, outcome: { bidId: bidA.id, vendorId: m.vendorA.id, status: 'WON', reason: 'WON', awardedSeatHours: 20 } });
    const lost = (await b.waitFor((r) => !!r.data)).data!.bidOutcome;
    expect(lost).toMatchObject({ spikeId, contractId: null, outcome: { bidId: bidB.id, status: 'LOST', reason: 'LOST_TO_LOWER_ADJUSTED_RATE' } });
    expect(lost.outcome.bidToBeat[0]).toEqual({ index: 0, ownAdjustedRate: '5800.00', highestWinningAdjustedRate: '4000.00', awardedSeats: 0 });
    // Sealed: A's outcome was written first; had B been sent it, it would be in B's stream before B's own.
    expect(b.received).toHaveLength(1);
    const text = JSON.stringify(b.received);
    for (const secret of [m.vendorA.id, bidA.id, contractId]) expect(text).not.toContain(secret);
    // A's rate, looked for outside the ids (a UUID's hex digits can spell 2000).
    expect(text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>')).not.toContain('2000');
  });

  it('is for VENDOR keys only', async () => {
    const s = sub(h.operatorKey, op.BID_OUTCOMES);
    expect(await s.first()).toMatchObject({ errors: [{ extensions: { code: 'FORBIDDEN' } }] });
  });
});

describe('contractSettled', () => {
  it('reaches both parties’ keys on settlement and again on each adjustment', async () => {
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
    await aBid(h.url, m.vendorA.key, spikeId, { rate: usd('2500'), offered: everyInterval(4) });
    ok(await gql(h.url, op.CLOSE, { id: spikeId }, m.brand.key));
    const contractId = await eventually(async () => ok(await gql(h.url, op.CONTRACTS, { spikeId }, m.brand.key)).contracts.nodes[0]?.id as string | undefined);
    h.clock.advance(3 * DAY);
    const watchers = [m.brand.key, m.brand.financeKey, m.vendorA.key, m.vendorA.financeKey, h.operatorKey].map((k) => sub(k, op.CONTRACT_SETTLED));
    await listening('contract.settled', watchers.length);

    const full = (intervalIndex: number) => ({ intervalIndex, staffedSeatHours: 2, contactsHandled: 40, serviceLevelAchieved: 0.85 });
    ok(await gql(h.url, op.REPORT_DELIVERY, { input: { contractId, reports: [full(0), full(1)] } }, m.vendorA.key));
    const invoice = ok(await gql(h.url, op.SETTLE, { id: contractId }, m.brand.financeKey)).settleContract.invoice;
    for (const w of watchers) {
      const event = (await w.waitFor((r) => !!r.data)).data!.contractSettled;
      expect(event).toMatchObject({
        sequence: 1,
        kind: 'INITIAL',
        invoiceId: invoice.id,
        invoiceKind: 'INVOICE',
        net: usd('10000'),
        fee: usd('200'),
        vendorPayout: usd('9800'),
        contract: { id: contractId, brandId: m.brand.id, vendorId: m.vendorA.id, status: 'SETTLED' },
      });
    }

    // Late actuals: the settlement worker posts an adjustment, which is an event of its own.
    ok(await gql(h.url, op.REPORT_DELIVERY, { input: { contractId, reports: [full(2)] } }, m.vendorA.key));
    for (const w of watchers) {
      const event = (await w.waitFor((r) => r.data?.contractSettled.sequence === 2)).data!.contractSettled;
      expect(event).toMatchObject({ kind: 'ADJUSTMENT', invoiceKind: 'DEBIT_NOTE', net: usd('5000'), contract: { status: 'ADJUSTED' } });
      expect(w.received).toHaveLength(2);
    }
  });
});

describe('connections', () => {
  it('refuses a missing, malformed, unknown or revoked key at connection time with 4401', async () => {
    const issued = ok(
      await gql(h.url, op.ISSUE_KEY, { input: { organizationId: m.vendorC.id, role: 'VENDOR', label: 'to revoke' } }, h.operatorKey),
    ).issueApiKey;
    ok(await gql(h.url, op.REVOKE_KEY, { id: issued.apiKey.id }, h.operatorKey));
    for (const key of [undefined, 'nonsense', `bx_abcdefgh_${'x'.repeat(43)}`, issued.secret]) {
      expect(await sub(key, op.SPIKE_POSTED).ended).toMatchObject({ kind: 'error', code: 4401 });
    }
    expect(h.events.listenerCount('demand_spike.posted')).toBe(0);
  });

  it('ends an open subscription when its key is revoked', async () => {
    const issued = ok(
      await gql(h.url, op.ISSUE_KEY, { input: { organizationId: m.vendorC.id, role: 'VENDOR', label: 'soon revoked' } }, h.operatorKey),
    ).issueApiKey;
    const s = sub(issued.secret, op.SPIKE_POSTED);
    await listening('demand_spike.posted', 1);
    ok(await gql(h.url, op.REVOKE_KEY, { id: issued.apiKey.id }, h.operatorKey));
    await anOpenSpike(h.url, h.clock, m.brand.key);
    expect(await s.ended).toEqual({ kind: 'complete' });
    expect(s.received).toEqual([]);
  });

  it('serves only subscriptions: queries and mutations belong to POST', async () => {
    const s = sub(m.vendorA.key, op.ME);
    expect(await s.ended).toMatchObject({ kind: 'error', errors: [{ extensions: { code: 'BAD_REQUEST' } }] });
    expect(s.received).toEqual([]);
  });

  it('lets go of the listener when the client unsubscribes', async () => {
    const s = sub(m.vendorA.key, op.SPIKE_POSTED);
    await listening('demand_spike.posted', 1);
    await s.dispose();
    await eventually(async () => (h.events.listenerCount('demand_spike.posted') === 0 ? true : null), 5_000);
  });
});
