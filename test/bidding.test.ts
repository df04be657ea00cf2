import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { aBid, aBidInput, aMarket, anOpenSpike, type Market } from './support/builders.js';
import { errorCode, gql, ok } from './support/client.js';
import { resetState, rowCounts, startHarness, type Harness } from './support/harness.js';
import { BID, BIDS_FOR_SPIKE, CANCEL, CLOSE, MY_BIDS, PLACE_BID, REVISE_BID, UPDATE_VENDOR, WITHDRAW_BID } from './support/operations.js';

let h: Harness;
let m: Market;
let spikeId: string;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  await resetState(h);
  m = await aMarket(h.url, h.operatorKey);
  spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
});

const place = (key: string, input: Record<string, unknown>, idem: string) => gql(h.url, PLACE_BID, { input, key: idem }, key);

describe('placing bids', () => {
  it('places a bid at version 1 and returns the same bid for a retried idempotency key', async () => {
    const first = ok(await place(m.vendorA.key, aBidInput(spikeId), 'abc')).placeBid;
    expect(first).toMatchObject({ __typename: 'Bid', status: 'ACTIVE', version: 1, vendorId: m.vendorA.id, rate: { amountMinor: '2500', currency: 'USD' } });
    const retry = ok(await place(m.vendorA.key, aBidInput(spikeId), 'abc')).placeBid;
    expect(retry.id).toBe(first.id);
    const other = ok(await place(m.vendorA.key, aBidInput(spikeId, { rate: { amountMinor: '2400', currency: 'USD' } }), 'abc')).placeBid;
    expect(other).toMatchObject({ __typename: 'ConflictError', code: 'CONFLICT', field: 'idempotencyKey' });
    expect((await rowCounts(h.orm)).bid).toBe(1);
  });

  it('keeps one active bid per vendor and spike', async () => {
    await aBid(h.url, m.vendorA.key, spikeId);
    const second = ok(await place(m.vendorA.key, aBidInput(spikeId), 'second')).placeBid;
    expect(second).toMatchObject({ __typename: 'DuplicateBidError', code: 'DUPLICATE_BID' });
  });

  it('refuses rates above the reserve with a typed error naming the field', async () => {
    const r = ok(await place(m.vendorA.key, aBidInput(spikeId, { rate: { amountMinor: '3001', currency: 'USD' } }), 'x')).placeBid;
    expect(r).toMatchObject({ __typename: 'AboveReserveError', code: 'ABOVE_RESERVE', field: 'input.rate.amountMinor' });
  });

  it('says which eligibility rules fail on a spike the vendor sees (it has bid on it)', async () => {
    // A vendor sees a spike it is not eligible for only through its own bid (bid-integrity.test.ts
    // has the spikes it cannot see: NOT_FOUND, like demandSpike).
    const bid = await aBid(h.url, m.vendorB.key, spikeId);
    ok(await gql(h.url, WITHDRAW_BID, { id: bid.id }, m.vendorB.key));
    ok(await gql(h.url, UPDATE_VENDOR, { input: { vendorId: m.vendorB.id, status: 'SUSPENDED', certifications: [] } }, h.operatorKey));
    const before = await rowCounts(h.orm);
    const r = ok(await place(m.vendorB.key, aBidInput(spikeId), 'x')).placeBid;
    expect(r.__typename).toBe('NotEligibleError');
    expect(r.code).toBe('NOT_ELIGIBLE');
    expect(r.rules.map((f: any) => f.rule)).toEqual(['VENDOR_SUSPENDED', 'MISSING_CERTIFICATIONS']);
    const foreignTeam = await place(m.otherInHouse.key, aBidInput(spikeId), 'y');
    expect(errorCode(foreignTeam)).toBe('NOT_FOUND');
    expect(await rowCounts(h.orm)).toEqual(before);
  });

  it('lets the brand’s in-house team bid on the same rules as outsourcers', async () => {
    expect((await aBid(h.url, m.inHouse.key, spikeId)).vendorId).toBe(m.inHouse.id);
  });

  it('refuses bids after close, by close time or by closeBidding', async () => {
    h.clock.advance(3600_000);
    expect(ok(await place(m.vendorA.key, aBidInput(spikeId), 'late')).placeBid).toMatchObject({ code: 'BIDDING_CLOSED' });
    h.clock.set(new Date());
    await aBid(h.url, m.vendorA.key, spikeId);
    ok(await gql(h.url, CLOSE, { id: spikeId }, m.brand.key));
    expect(ok(await place(m.vendorA.key, aBidInput(spikeId), 'late2')).placeBid).toMatchObject({ code: 'BIDDING_CLOSED' });
    // A CLOSED spike is visible only to vendors that bid on it: to the others it does not exist.
    expect(errorCode(await place(m.vendorB.key, aBidInput(spikeId), 'late3'))).toBe('NOT_FOUND');
  });
});

describe('revising and withdrawing', () => {
  it('revises with the expected version and refuses a stale one as a CONFLICT', async () => {
    const bid = await aBid(h.url, m.vendorA.key, spikeId);
    const revised = ok(
      await gql(h.url, REVISE_BID, { input: { bidId: bid.id, expectedVersion: 1, rate: { amountMinor: '2200', currency: 'USD' } } }, m.vendorA.key),
    ).reviseBid;
    expect(revised).toMatchObject({ __typename: 'Bid', version: 2, rate: { amountMinor: '2200' }, offered: bid.offered });
    const stale = ok(await gql(h.url, REVISE_BID, { input: { bidId: bid.id, expectedVersion: 1, note: 'x' } }, m.vendorA.key)).reviseBid;
    expect(stale).toMatchObject({ __typename: 'ConflictError', code: 'CONFLICT', field: 'expectedVersion' });
  });

  it('lets exactly one of 20 concurrent revisions with the same version win', async () => {
    const bid = await aBid(h.url, m.vendorA.key, spikeId);
    const results = await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        gql(h.url, REVISE_BID, { input: { bidId: bid.id, expectedVersion: 1, rate: { amountMinor: String(2000 + i), currency: 'USD' } } }, m.vendorA.key),
      ),
    );
    const outcomes = results.map((r) => ok(r).reviseBid.__typename);
    expect(outcomes.filter((t) => t === 'Bid')).toHaveLength(1);
    expect(outcomes.filter((t) => t === 'ConflictError')).toHaveLength(19);
    const stored = ok(await gql(h.url, BID, { id: bid.id }, m.vendorA.key)).bid;
    expect(stored.version).toBe(2);
    const winner = ok(results.find((r) => ok(r).reviseBid.__typename === 'Bid')!).reviseBid;
    expect(stored.rate.amountMinor).toBe(winner.rate.amountMinor);
  });

  it('makes exactly one bid from 20 concurrent placements with one idempotency key', async () => {
    const results = await Promise.all(Array.from({ length: 20 }, () => place(m.vendorA.key, aBidInput(spikeId), 'same-key')));
    const ids = new Set(results.map((r) => ok(r).placeBid.id));
    expect(ids.size).toBe(1);
    expect([...ids][0]).toBeTruthy();
    expect((await rowCounts(h.orm)).bid).toBe(1);
  });

  it('withdraws while open, and then allows a fresh bid', async () => {
    const bid = await aBid(h.url, m.vendorA.key, spikeId);
    const w = ok(await gql(h.url, WITHDRAW_BID, { id: bid.id, v: 1 }, m.vendorA.key)).withdrawBid;
    expect(w).toMatchObject({ status: 'WITHDRAWN', version: 2 });
    expect(ok(await gql(h.url, WITHDRAW_BID, { id: bid.id }, m.vendorA.key)).withdrawBid).toMatchObject({ code: 'INVALID_STATE' });
    expect((await aBid(h.url, m.vendorA.key, spikeId)).status).toBe('ACTIVE');
  });
});

describe('sealed bids', () => {
  it('never shows a vendor another vendor’s bid, by id or in a list', async () => {
    const a = await aBid(h.url, m.vendorA.key, spikeId);
    await aBid(h.url, m.vendorB.key, spikeId);
    expect(errorCode(await gql(h.url, BID, { id: a.id }, m.vendorB.key))).toBe('NOT_FOUND');
    const bList = ok(await gql(h.url, MY_BIDS, { spikeId }, m.vendorB.key)).myBids.nodes;
    expect(bList.every((b: any) => b.vendorId === m.vendorB.id)).toBe(true);
    expect(bList).toHaveLength(1);
    expect(errorCode(await gql(h.url, BIDS_FOR_SPIKE, { id: spikeId }, m.vendorB.key))).toBe('FORBIDDEN');
    // still sealed after close for other vendors
    ok(await gql(h.url, CLOSE, { id: spikeId }, m.brand.key));
    expect(errorCode(await gql(h.url, BID, { id: a.id }, m.vendorB.key))).toBe('NOT_FOUND');
  });

  it('shows the brand no bids before close and all of them after', async () => {
    const a = await aBid(h.url, m.vendorA.key, spikeId);
    await aBid(h.url, m.vendorB.key, spikeId);
    expect(errorCode(await gql(h.url, BIDS_FOR_SPIKE, { id: spikeId }, m.brand.key))).toBe('FORBIDDEN');
    expect(errorCode(await gql(h.url, BID, { id: a.id }, m.brand.key))).toBe('NOT_FOUND');
    ok(await gql(h.url, CLOSE, { id: spikeId }, m.brand.key));
    const after = ok(await gql(h.url, BIDS_FOR_SPIKE, { id: spikeId }, m.brand.key)).bidsForSpike.nodes;
    expect(after.map((b: any) => b.vendorId).sort()).toEqual([m.vendorA.id, m.vendorB.id].sort());
    expect(ok(await gql(h.url, BID, { id: a.id }, m.brand.key)).bid.id).toBe(a.id);
    expect(errorCode(await gql(h.url, BIDS_FOR_SPIKE, { id: spikeId }, m.otherBrand.key))).toBe('NOT_FOUND');
  });

  it('keeps the bids of a spike the brand cancelled sealed to the brand (not to the operator)', async () => {
    const a = await aBid(h.url, m.vendorA.key, spikeId);
    expect(ok(await gql(h.url, CANCEL, { id: spikeId }, m.brand.key)).cancelDemandSpike).toMatchObject({ status: 'CANCELLED' });
    expect(errorCode(await gql(h.url, BIDS_FOR_SPIKE, { id: spikeId }, m.brand.key))).toBe('FORBIDDEN');
    expect(errorCode(await gql(h.url, BID, { id: a.id }, m.brand.key))).toBe('NOT_FOUND');
    h.clock.advance(2 * 3600_000); // past the original close time too
    expect(errorCode(await gql(h.url, BIDS_FOR_SPIKE, { id: spikeId }, m.brand.key))).toBe('FORBIDDEN');
    expect(ok(await gql(h.url, BIDS_FOR_SPIKE, { id: spikeId }, h.operatorKey)).bidsForSpike.nodes.map((b: any) => b.id)).toEqual([a.id]);
  });

  it('paginates a vendor’s bids', async () => {
    const spikes = [spikeId, await anOpenSpike(h.url, h.clock, m.brand.key), await anOpenSpike(h.url, h.clock, m.brand.key)];
    for (const s of spikes) await aBid(h.url, m.vendorA.key, s);
    const p1 = ok(await gql(h.url, MY_BIDS, { first: 2 }, m.vendorA.key)).myBids;
    const p2 = ok(await gql(h.url, MY_BIDS, { first: 2, after: p1.pageInfo.endCursor }, m.vendorA.key)).myBids;
    expect([...p1.nodes, ...p2.nodes].map((b: any) => b.spikeId).sort()).toEqual([...spikes].sort());
    expect(p2.pageInfo.hasNextPage).toBe(false);
  });
});
