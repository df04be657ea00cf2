import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { aBid, anOpenSpike, anOrganization, type Party } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { eventually, resetState, rowCounts, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';
import { ADVANCE_CLOCK, advanceAndSettle, aSandbox, TEST_CLOCK, type SandboxWorld } from './support/sandbox.js';
import { startReceiver } from './support/webhook-receiver.js';

/**
 * A whole market cycle in a sandbox (PRODUCT.md section 13), through the API and the real workers
 * (PostgreSQL, Redis, the outbox relay, clearing, settlement and quality consumers), driven only
 * by advancing the test clock: publish, bid, close and clear, deliver, settle, rescore. The
 * harness's live clock never moves; the sandbox lives through two days in seconds.
 */
let h: Harness;
let creator: Party;
beforeAll(async () => {
  h = await startHarness({ workers: true });
});
afterAll(async () => h?.close());
beforeEach(async () => {
  await resetState(h);
  creator = await anOrganization(h.url, h.operatorKey, { kind: 'BRAND' });
});

const HOUR = 3_600_000;

describe('a sandbox lives through a market cycle on its test clock', () => {
  it('retries webhooks on the test clock: a failed delivery waits for an advance, never for the wall clock', async () => {
    const s = await aSandbox(h.url, creator.key);
    const receiver = await startReceiver((n) => (n === 1 ? 500 : 200));
    try {
      const endpoint = ok(await gql(h.url, op.REGISTER_WEBHOOK, { input: { url: receiver.url, eventTypes: ['CONTRACT_SETTLED'] } }, s.brand.key))
        .registerWebhookEndpoint.endpoint;
      const spikeId = await anOpenSpike(h.url, s.clock, s.brand.key, { requiredCertifications: [] });
      await aBid(h.url, s.outsourcers[0].key, spikeId);
      const spike = ok(await gql(h.url, op.SPIKE, { id: spikeId }, s.brand.key)).demandSpike;
      await advanceAndSettle(h.url, s, new Date(Date.parse(spike.intervals[3].startsAt) + 7 * 24 * HOUR));
      const log = async () =>
        ok(await gql(h.url, op.WEBHOOK_DELIVERIES, { id: endpoint.id }, s.brand.key)).webhookDeliveries.nodes.map((d: { outcome: string }) => d.outcome);
      await eventually(async () => ((await log()).length === 1 ? true : null));
      expect(await log()).toEqual(['RETRYING']);
      // The live schedule would have retried after 50 ms; the sandbox's clock has not moved.
      await new Promise((r) => setTimeout(r, 600));
      expect(receiver.requests).toHaveLength(1);
      await advanceAndSettle(h.url, s, new Date(s.clock.now().getTime() + 60_000));
      await eventually(async () => ((await log()).includes('DELIVERED') ? true : null));
      expect(await log()).toEqual(['DELIVERED', 'RETRYING']);
      expect(receiver.requests).toHaveLength(2);
    } finally {
      await receiver.close();
    }
  });

  it('publish, bid, close, clear, deliver, settle and rescore, in seconds of wall time', async () => {
    const started = Date.now();
    const s: SandboxWorld = await aSandbox(h.url, creator.key);
    expect(s.secrets.every((k) => k.startsWith('bx_test_'))).toBe(true);
    const liveNow = h.clock.now().getTime();

    // Publish and bid: the close is an hour away on the sandbox clock.
    const spikeId = await anOpenSpike(h.url, s.clock, s.brand.key, { requiredCertifications: [] });
    const open = ok(await gql(h.url, op.OPEN_SPIKES, {}, s.outsourcers[0].key)).openDemandSpikes.nodes;
    expect(open.map((x: { id: string }) => x.id)).toEqual([spikeId]);
    const offered = [0, 1, 2, 3].map((index) => ({ index, seats: 5 }));
    await aBid(h.url, s.outsourcers[0].key, spikeId, { rate: { amountMinor: '2500', currency: 'USD' }, offered });
    await aBid(h.url, s.outsourcers[1].key, spikeId, { rate: { amountMinor: '2700', currency: 'USD' }, offered });
    await aBid(h.url, s.inHouse.key, spikeId, { rate: { amountMinor: '2000', currency: 'USD' }, offered: [{ index: 0, seats: 2 }] });

    // Nothing happens while the clock stands still, whatever the wall clock does.
    expect(ok(await gql(h.url, op.SPIKE, { id: spikeId }, s.brand.key)).demandSpike.status).toBe('OPEN');

    // Close and clear: advance past the close.
    const spike = ok(await gql(h.url, op.SPIKE, { id: spikeId }, s.brand.key)).demandSpike;
    await advanceAndSettle(h.url, s, new Date(Date.parse(spike.biddingClosesAt) + 1_000));
    const result = ok(await gql(h.url, op.CLEARING_RESULT, { id: spikeId }, s.brand.key)).clearingResult;
    expect(result.status).toBeDefined();
    const contracts = ok(await gql(h.url, op.CONTRACTS, { spikeId, first: 10 }, s.brand.key)).contracts.nodes;
    expect(contracts.length).toBeGreaterThan(0);

    // Deliver: once the intervals have ended on the sandbox clock (the report's rule reads it).
    const intervalsEnd = Date.parse(spike.intervals[3].startsAt) + 30 * 60_000;
    const early = ok(
      await gql(
        h.url,
        op.REPORT_DELIVERY,
        { input: { contractId: contracts[0].id, reports: [{ intervalIndex: 0, staffedSeatHours: 1, contactsHandled: 10 }] } },
        keyOf(s, contracts[0].vendorId),
      ),
    ).reportDelivery;
    expect(early.__typename).toBe('ValidationError');
    await advanceAndSettle(h.url, s, new Date(intervalsEnd + 60_000));
    for (const c of contracts) {
      const reports = c.seats.map((x: { index: number; seats: number }) => ({
        intervalIndex: x.index,
        staffedSeatHours: x.seats / 2,
        contactsHandled: 10,
        serviceLevelAchieved: 0.9,
      }));
      const r = ok(await gql(h.url, op.REPORT_DELIVERY, { input: { contractId: c.id, reports } }, keyOf(s, c.vendorId))).reportDelivery;
      expect(r.__typename).toBe('DeliveryReceipt');
    }

    // Settle: advance past the end plus the settlement grace period (and a week of score decay).
    await advanceAndSettle(h.url, s, new Date(intervalsEnd + 7 * 24 * HOUR));
    const invoices = ok(await gql(h.url, op.INVOICES, { first: 50 }, s.brand.financeKey)).invoices.nodes;
    expect(invoices.length).toBe(contracts.length);
    const settled = ok(await gql(h.url, op.CONTRACTS, { spikeId, first: 10 }, s.brand.key)).contracts.nodes;
    expect(settled.every((c: { status: string }) => c.status === 'SETTLED')).toBe(true);

    // Rescore: the vendors' delivery counted, scored at the sandbox's time.
    const card = ok(await gql(h.url, op.SCORECARD, { id: contracts[0].vendorId }, keyOf(s, contracts[0].vendorId))).vendorScorecard;
    expect(card.metrics.some((m: { samples: number }) => m.samples > 0)).toBe(true);
    expect(Date.parse(card.computedAt)).toBe(intervalsEnd + 7 * 24 * HOUR);

    // Sandbox money is in its own book: the sandbox operator sees the fees, the live book is empty.
    const sandboxBook = ok(await gql(h.url, op.BALANCES, {}, s.operator.financeKey)).ledgerBalances.nodes;
    expect(sandboxBook.length).toBeGreaterThan(0);
    const operatorOrg = ok(await gql(h.url, op.ME, {}, h.operatorKey)).me.organization.id;
    const liveFinance = ok(await gql(h.url, op.ISSUE_KEY, { input: { organizationId: operatorOrg, role: 'FINANCE', label: 'finance' } }, h.operatorKey))
      .issueApiKey.secret;
    expect(ok(await gql(h.url, op.BALANCES, {}, liveFinance)).ledgerBalances.nodes).toEqual([]);
    expect(ok(await gql(h.url, op.RECONCILIATION, {}, liveFinance)).reconciliation).toMatchObject({ balanced: true, sums: [] });
    expect(ok(await gql(h.url, op.RECONCILIATION, {}, s.operator.financeKey)).reconciliation.balanced).toBe(true);

    // The live clock never moved; the wall clock barely did.
    expect(h.clock.now().getTime()).toBe(liveNow);
    expect(Date.now() - started).toBeLessThan(30_000);
  });

  it('moves only forward, only with its own keys; a refused advance writes nothing', async () => {
    const s = await aSandbox(h.url, creator.key);
    const before = await rowCounts(h.orm);
    const back = ok(await gql(h.url, ADVANCE_CLOCK, { id: s.id, to: new Date(s.clock.now().getTime() - 1_000).toISOString() }, s.brand.key)).advanceTestClock;
    expect(back).toMatchObject({ __typename: 'TestClockBackwardsError', code: 'TEST_CLOCK_BACKWARDS', field: 'to' });
    const same = ok(await gql(h.url, ADVANCE_CLOCK, { id: s.id, to: s.clock.now().toISOString() }, s.brand.key)).advanceTestClock;
    expect(same.code).toBe('TEST_CLOCK_BACKWARDS');
    const far = ok(
      await gql(h.url, ADVANCE_CLOCK, { id: s.id, to: new Date(s.clock.now().getTime() + 400 * 24 * HOUR).toISOString() }, s.brand.key),
    ).advanceTestClock;
    expect(far.__typename).toBe('ValidationError');
    // The creator's live key, the live operator and another sandbox's keys: no such sandbox.
    const other = await aSandbox(h.url, creator.key, 'Other');
    for (const key of [creator.key, h.operatorKey, other.brand.key, other.operator.key]) {
      const r = await gql(h.url, ADVANCE_CLOCK, { id: s.id, to: new Date(s.clock.now().getTime() + HOUR).toISOString() }, key);
      expect(r.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    }
    const { sandbox: _s, organization: _o, api_key: _k, ...rest } = await rowCounts(h.orm);
    const { sandbox: _s2, organization: _o2, api_key: _k2, ...restBefore } = before;
    expect(rest).toEqual(restBefore);
    expect(ok(await gql(h.url, TEST_CLOCK, { id: s.id }, s.brand.key)).testClock).toMatchObject({ time: s.clock.now().toISOString(), status: 'READY' });
    // The creator reads the clock too; nobody else does.
    expect(ok(await gql(h.url, TEST_CLOCK, { id: s.id }, creator.key)).testClock.status).toBe('READY');
    expect((await gql(h.url, TEST_CLOCK, { id: s.id }, other.brand.key)).errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
  });
});

function keyOf(s: SandboxWorld, vendorId: string): string {
  const party = [s.inHouse, ...s.outsourcers].find((p) => p.id === vendorId);
  if (!party) throw new Error(`no sandbox vendor ${vendorId}`);
  return party.key;
}
