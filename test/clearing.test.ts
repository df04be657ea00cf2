import { createHash } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { canonicalJson } from '../src/domain/shared/canonical-json.js';
import { aBid, aMarket, anOpenSpike, type Market } from './support/builders.js';
import { clearedResult } from './support/clearing-fixtures.js';
import { errorCode, gql, ok } from './support/client.js';
import { resetState, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';

let h: Harness;
let m: Market;
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

const everyInterval = (seats: number) => [0, 1, 2, 3].map((index) => ({ index, seats }));
const usd = (amountMinor: string) => ({ amountMinor, currency: 'USD' });
const cleared = (spikeId: string) => clearedResult(h, m, spikeId);

/** Three outsourcers and the in-house team bid on 4 × 10 seats with a 50% share cap. */
async function aClearedMarket() {
  const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key, { maxVendorShare: 0.5 });
  const bids = {
    a: await aBid(h.url, m.vendorA.key, spikeId, { rate: usd('2000'), offered: everyInterval(8) }),
    b: await aBid(h.url, m.vendorB.key, spikeId, { rate: usd('2500'), offered: everyInterval(10) }),
    c: await aBid(h.url, m.vendorC.key, spikeId, { rate: usd('2800'), offered: everyInterval(10) }),
    inHouse: await aBid(h.url, m.inHouse.key, spikeId, { rate: usd('2200'), offered: everyInterval(4) }),
  };
  ok(await gql(h.url, op.CLOSE, { id: spikeId }, m.brand.key));
  const result = await cleared(spikeId);
  return { spikeId, bids, result };
}

describe('clearing end to end with the real worker', () => {
  it('awards by value under the share cap and explains every bid', async () => {
    const { spikeId, bids, result } = await aClearedMarket();
    expect(result).toMatchObject({ status: 'OPTIMAL', coveredSeatHours: 20 });
    // Cheapest first: A is capped at 5 of 10, the in-house team gives its 4, B fills the last seat.
    const seatsOf = (vendorId: string) => result.awards.filter((a: any) => a.vendorId === vendorId).map((a: any) => a.seats);
    expect(seatsOf(m.vendorA.id)).toEqual([5, 5, 5, 5]);
    expect(seatsOf(m.inHouse.id)).toEqual([4, 4, 4, 4]);
    expect(seatsOf(m.vendorB.id)).toEqual([1, 1, 1, 1]);
    const reasonOf = (bidId: string) => result.bids.find((b: any) => b.bidId === bidId);
    expect(reasonOf(bids.a.id)).toMatchObject({ status: 'PARTIAL', reason: 'PARTIAL_SHARE_CAP' });
    expect(reasonOf(bids.inHouse.id)).toMatchObject({ status: 'WON', reason: 'WON' });
    expect(reasonOf(bids.b.id)).toMatchObject({ status: 'PARTIAL', reason: 'PARTIAL_DEMAND' });
    expect(reasonOf(bids.c.id)).toMatchObject({ status: 'LOST', reason: 'LOST_TO_LOWER_ADJUSTED_RATE', score: 50, adjustedRate: '5600.00' });
    expect(result.intervals.every((i: any) => i.unfilledSeats === 0 && i.highestWinningAdjustedRate === '5000.00')).toBe(true);

    const spike = ok(await gql(h.url, op.SPIKE, { id: spikeId }, m.brand.key)).demandSpike;
    expect(spike.status).toBe('AWARDED');
    const myBid = ok(await gql(h.url, op.BID, { id: bids.c.id }, m.vendorC.key)).bid;
    expect(myBid.status).toBe('LOST');
  });

  it('creates one contract per winning vendor, each visible only to its parties', async () => {
    const { spikeId } = await aClearedMarket();
    const brandContracts = ok(await gql(h.url, op.CONTRACTS, { spikeId }, m.brand.key)).contracts.nodes;
    expect(brandContracts.map((c: any) => c.vendorId).sort()).toEqual([m.vendorA.id, m.vendorB.id, m.inHouse.id].sort());
    const a = brandContracts.find((c: any) => c.vendorId === m.vendorA.id);
    expect(a).toMatchObject({ status: 'ACTIVE', rate: { amountMinor: '2000', currency: 'USD' }, totalSeatHours: 10 });
    const vendorA = ok(await gql(h.url, op.CONTRACTS, {}, m.vendorA.key)).contracts.nodes;
    expect(vendorA.map((c: any) => c.id)).toEqual([a.id]);
    expect(ok(await gql(h.url, op.CONTRACTS, {}, m.vendorA.financeKey)).contracts.nodes.map((c: any) => c.id)).toEqual([a.id]);
    expect(ok(await gql(h.url, op.CONTRACTS, {}, m.vendorC.key)).contracts.nodes).toEqual([]);
    expect(ok(await gql(h.url, op.CONTRACTS, {}, m.otherBrand.key)).contracts.nodes).toEqual([]);
    expect(errorCode(await gql(h.url, op.CONTRACT, { id: a.id }, m.vendorB.key))).toBe('NOT_FOUND');
    expect(errorCode(await gql(h.url, op.CONTRACT, { id: a.id }, m.otherBrand.key))).toBe('NOT_FOUND');
    expect(ok(await gql(h.url, op.CONTRACT, { id: a.id }, m.brand.financeKey)).contract.id).toBe(a.id);
  });

  it('tells each bidder its bid to beat without revealing anyone else', async () => {
    const { bids } = await aClearedMarket();
    const outcome = ok(await gql(h.url, op.BID_OUTCOME, { id: bids.c.id }, m.vendorC.key)).bidOutcome;
    expect(outcome).toMatchObject({ status: 'LOST', reason: 'LOST_TO_LOWER_ADJUSTED_RATE', awardedSeatHours: 0, adjustedRate: '5600.00' });
    expect(outcome.bidToBeat).toEqual(
      [0, 1, 2, 3].map((index) => ({ index, ownAdjustedRate: '5600.00', highestWinningAdjustedRate: '5000.00', awardedSeats: 0 })),
    );
    const text = JSON.stringify(outcome);
    for (const other of [m.vendorA.id, m.vendorB.id, m.inHouse.id, bids.a.id]) expect(text).not.toContain(other);
    // Other bidders' rates, looked for outside the ids (a UUIDv7's hex timestamp can spell 2500).
    const figures = text.replace(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/g, '<id>');
    for (const rate of ['2000', '2500']) expect(figures).not.toContain(rate);
    expect(errorCode(await gql(h.url, op.BID_OUTCOME, { id: bids.a.id }, m.vendorC.key))).toBe('NOT_FOUND');
    expect(errorCode(await gql(h.url, op.CLEARING_RESULT, { id: bids.a.spikeId }, m.vendorC.key))).toBe('FORBIDDEN');
    expect(errorCode(await gql(h.url, op.ROUTING_PLAN, { id: bids.a.spikeId }, m.vendorA.key))).toBe('FORBIDDEN');
  });

  it('publishes a routing plan summing to 100% per interval, with CSV, and a verifiable audit record', async () => {
    const { spikeId, result } = await aClearedMarket();
    const plan = ok(await gql(h.url, op.ROUTING_PLAN, { id: spikeId }, m.brand.key)).routingPlan;
    for (const interval of plan.intervals) expect(interval.shares.reduce((s: number, x: any) => s + x.basisPoints, 0)).toBe(10_000);
    expect(plan.intervals[0].shares.find((s: any) => s.vendorId === m.vendorA.id).basisPoints).toBe(5000);
    expect(plan.csv.split('\n')[0]).toBe('interval_index,interval_start,interval_end,vendor_id,vendor_name,seats,share_percent');
    expect(plan.csv.trim().split('\n')).toHaveLength(1 + 4 * 3);
    const audit = ok(await gql(h.url, op.AUDIT_RECORD, { id: spikeId }, h.operatorKey)).auditRecord;
    expect(createHash('sha256').update(audit.canonicalJson).digest('hex')).toBe(audit.sha256);
    expect(audit.sha256).toBe(result.auditSha256);
    const doc = JSON.parse(audit.canonicalJson);
    // Canonical: re-serialising the parsed record gives the same bytes, so anyone can verify the hash.
    expect(canonicalJson(doc)).toBe(audit.canonicalJson);
    expect(doc.bids).toHaveLength(4);
    expect(doc.version).toBe(2);
    // The inputs as they stood, service-level terms and forecasts included.
    expect(doc.spike).toMatchObject({
      qualityWeight: expect.any(Number),
      maxVendorShare: 0.5,
      serviceLevel: { target: expect.any(Number), seconds: expect.any(Number) },
    });
    expect(doc.spike.intervals[0]).toMatchObject({ index: 0, requiredSeats: 10, forecastContacts: null, ahtSeconds: null });
    expect(doc.solver.status).toBe('OPTIMAL');
    expect(Object.keys(doc.scores)).toHaveLength(4);
    expect(errorCode(await gql(h.url, op.AUDIT_RECORD, { id: spikeId }, m.otherBrand.key))).toBe('NOT_FOUND');
  });

  it('marks bids of vendors suspended before clearing as INELIGIBLE with the rule', async () => {
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
    const b = await aBid(h.url, m.vendorB.key, spikeId, { rate: usd('1000') });
    ok(await gql(h.url, op.UPDATE_VENDOR, { input: { vendorId: m.vendorB.id, status: 'SUSPENDED' } }, h.operatorKey));
    ok(await gql(h.url, op.CLOSE, { id: spikeId }, m.brand.key));
    const result = await cleared(spikeId);
    expect(result.bids.find((x: any) => x.bidId === b.id)).toMatchObject({
      status: 'LOST',
      reason: 'INELIGIBLE',
      reasonDetail: expect.stringContaining('VENDOR_SUSPENDED'),
    });
    expect(result.awards).toEqual([]);
    expect(result.intervals.every((i: any) => i.unfilledSeats === 10)).toBe(true);
  });

  it('reports the service level at risk for forecast intervals left short', async () => {
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key, {
      channel: 'VOICE',
      intervals: [
        { startsAt: new Date(Math.ceil((h.clock.now().getTime() + 86_400_000) / 1_800_000) * 1_800_000).toISOString(), forecastContacts: 100, ahtSeconds: 180 },
      ],
    });
    await aBid(h.url, m.vendorA.key, spikeId, { offered: [{ index: 0, seats: 12 }] });
    ok(await gql(h.url, op.CLOSE, { id: spikeId }, m.brand.key));
    const interval = (await cleared(spikeId)).intervals[0]!;
    expect(interval).toMatchObject({ requiredSeats: 14, awardedSeats: 12, unfilledSeats: 2 });
    expect(interval.serviceLevelAtRequired).toBeCloseTo(0.888, 3);
    // 12 agents for 10 Erlangs: Erlang C gives P(wait) = 0.44939, SL = 1 − 0.44939 × e^(−2 × 20 / 180) = 0.64016.
    expect(interval.serviceLevelAtAwarded).toBeCloseTo(0.64016, 4);
  });

  it('pages awards and bids: small pages walked with their cursors give the whole list once, in order', async () => {
    const { spikeId, result } = await aClearedMarket();
    const PAGE = `query($id: UUID!, $first: Int!, $a: String, $b: String) { clearingResult(spikeId: $id) {
      awards(first: $first, after: $a) { nodes { bidId index seats } pageInfo { hasNextPage hasPreviousPage startCursor endCursor } }
      bids(first: $first, after: $b) { nodes { bidId } pageInfo { hasNextPage hasPreviousPage endCursor } } } }`;
    const walk = async (list: 'awards' | 'bids') => {
      const seen: unknown[] = [];
      let after: string | null = null;
      for (let i = 0; i < 20; i++) {
        const page: any = ok(await gql(h.url, PAGE, { id: spikeId, first: 3, [list === 'awards' ? 'a' : 'b']: after }, m.brand.key)).clearingResult[list];
        expect(page.pageInfo.hasPreviousPage).toBe(after !== null);
        seen.push(...page.nodes);
        if (!page.pageInfo.hasNextPage) break;
        after = page.pageInfo.endCursor;
      }
      return seen;
    };
    const awards = await walk('awards');
    expect(awards).toEqual(result.awards.map((a: any) => ({ bidId: a.bidId, index: a.index, seats: a.seats })));
    expect(awards).toHaveLength(12);
    expect(awards.map((a: any) => a.index)).toEqual(awards.map((a: any) => a.index).sort());
    const bids = await walk('bids');
    expect(bids).toEqual(result.bids.map((b: any) => ({ bidId: b.bidId })));
    expect(bids.map((b: any) => b.bidId)).toEqual(bids.map((b: any) => b.bidId).sort());
    expect(errorCode(await gql(h.url, PAGE, { id: spikeId, first: 3, a: 'bm90LWEtY3Vyc29y' }, m.brand.key))).toBe('BAD_USER_INPUT');
    expect(errorCode(await gql(h.url, PAGE, { id: spikeId, first: 101 }, m.brand.key))).toBe('BAD_USER_INPUT');
  });
});
