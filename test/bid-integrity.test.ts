import fc from 'fast-check';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearSpike } from '../src/domain/clearing/clear-spike.js';
import { neutralQualityScores } from '../src/domain/quality/quality-scores.js';
import { aBid, aBidInput, aMarket, anOpenSpike, aSpikeInput, type Market } from './support/builders.js';
import { gql, ok, type GqlResponse } from './support/client.js';
import { resetState, rowCounts, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';

/**
 * Bidding cannot be used to learn about spikes a vendor may not see, and a revision stores
 * exactly the terms its documentation promises. End to end over HTTP.
 */
let h: Harness;
let m: Market;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  await resetState(h);
  m = await aMarket(h.url, h.operatorKey);
});

const MISSING = '01900000-0000-7000-8000-000000000001';

/** What a client can tell from a refusal: HTTP status, data, and each error's message and extensions, the id masked. */
function shape(r: GqlResponse, id: string) {
  return { status: r.status, data: r.data, errors: r.errors?.map((e) => ({ message: e.message.replaceAll(id, '<id>'), extensions: e.extensions })) };
}

const draft = async (overrides: Record<string, unknown> = {}) =>
  ok(await gql(h.url, op.POST_SPIKE, { input: aSpikeInput(h.clock, overrides) }, m.brand.key)).postDemandSpike.id as string;
let n = 0;
const place = (key: string, spikeId: string, overrides: Record<string, unknown> = {}) =>
  gql(h.url, op.PLACE_BID, { input: aBidInput(spikeId, overrides), key: `k-${++n}` }, key);

describe('a spike the vendor cannot see', () => {
  it('is NOT_FOUND to every bidding operation, exactly as demandSpike answers and as for an id that does not exist', async () => {
    const reference = shape(await gql(h.url, op.SPIKE, { id: MISSING }, m.vendorB.key), MISSING);
    expect(reference).toMatchObject({ data: null, errors: [{ extensions: { code: 'NOT_FOUND' } }] });
    expect(shape(await place(m.vendorB.key, MISSING), MISSING)).toEqual(reference);

    const closed = await anOpenSpike(h.url, h.clock, m.brand.key);
    await aBid(h.url, m.vendorA.key, closed);
    ok(await gql(h.url, op.CLOSE, { id: closed }, m.brand.key));
    const cancelled = await anOpenSpike(h.url, h.clock, m.brand.key);
    ok(await gql(h.url, op.CANCEL, { id: cancelled }, m.brand.key));
    const suspendedVendor = m.vendorC;
    ok(await gql(h.url, op.UPDATE_VENDOR, { input: { vendorId: suspendedVendor.id, status: 'SUSPENDED' } }, h.operatorKey));
    const cases: [string, string, string][] = [
      ['a draft', m.vendorB.key, await draft()],
      ['an open spike needing a skill the vendor lacks', m.vendorB.key, await anOpenSpike(h.url, h.clock, m.brand.key, { requiredSkills: ['fr-FR'] })],
      [
        'an open spike needing a certification the vendor lacks',
        m.vendorB.key,
        await anOpenSpike(h.url, h.clock, m.brand.key, { requiredCertifications: ['ISO_27001'] }),
      ],
      ['an open spike above the vendor’s quality score', m.vendorB.key, await anOpenSpike(h.url, h.clock, m.brand.key, { minQualityScore: 99 })],
      ['another brand’s spike, to an in-house team', m.inHouse.key, await anOpenSpike(h.url, h.clock, m.otherBrand.key)],
      ['an open spike, to a suspended vendor', suspendedVendor.key, await anOpenSpike(h.url, h.clock, m.brand.key)],
      ['a closed spike the vendor never bid on', m.vendorB.key, closed],
      ['a cancelled spike the vendor never bid on', m.vendorB.key, cancelled],
    ];
    const before = await rowCounts(h.orm);
    for (const [name, key, spikeId] of cases) {
      const asQuery = shape(await gql(h.url, op.SPIKE, { id: spikeId }, key), spikeId);
      expect(asQuery, name).toEqual(reference);
      // Valid terms, and terms that would break the spike's rules (reserve, intervals): neither
      // may reveal the reserve, the intervals, the status or the rules the vendor fails.
      for (const terms of [
        {},
        { rate: { amountMinor: '999999', currency: 'USD' } },
        { offered: [{ index: 99, seats: 1 }] },
        { rate: { amountMinor: '100', currency: 'EUR' } },
      ]) {
        expect(shape(await place(key, spikeId, terms), spikeId), `${name} ${JSON.stringify(terms)}`).toEqual(reference);
      }
      expect(ok(await gql(h.url, op.MY_BIDS, { spikeId }, key)).myBids.nodes, name).toEqual([]);
    }
    expect(await rowCounts(h.orm)).toEqual(before);
  });

  it('still tells a vendor what it may know about spikes it sees: closed bidding, and its own failed rules where it has bid', async () => {
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
    const bid = await aBid(h.url, m.vendorB.key, spikeId);
    ok(await gql(h.url, op.WITHDRAW_BID, { id: bid.id }, m.vendorB.key));
    ok(await gql(h.url, op.UPDATE_VENDOR, { input: { vendorId: m.vendorB.id, certifications: [] } }, h.operatorKey));
    expect(ok(await place(m.vendorB.key, spikeId)).placeBid).toMatchObject({ __typename: 'NotEligibleError', rules: [{ rule: 'MISSING_CERTIFICATIONS' }] });
    h.clock.advance(2 * 3_600_000); // past the close time: an eligible vendor still sees the OPEN spike
    expect(ok(await place(m.vendorA.key, spikeId)).placeBid).toMatchObject({ __typename: 'BiddingClosedError', code: 'BIDDING_CLOSED' });
  });

  it('keeps other vendors’ bids as unknown as bids that do not exist, to every bid operation', async () => {
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
    const theirs = (await aBid(h.url, m.vendorA.key, spikeId)).id as string;
    const cleared = await anOpenSpike(h.url, h.clock, m.brand.key);
    const theirCleared = (await aBid(h.url, m.vendorA.key, cleared)).id as string;
    ok(await gql(h.url, op.CLOSE, { id: cleared }, m.brand.key));
    expect((await clearSpike(h.orm.em.fork() as never, h.clock, neutralQualityScores, cleared)).kind).toBe('AWARDED');
    const operations: [string, (id: string) => Promise<GqlResponse>][] = [
      ['bid', (id) => gql(h.url, op.BID, { id }, m.vendorB.key)],
      ['bidOutcome', (id) => gql(h.url, op.BID_OUTCOME, { id }, m.vendorB.key)],
      [
        'reviseBid',
        (id) => gql(h.url, op.REVISE_BID, { input: { bidId: id, expectedVersion: 1, rate: { amountMinor: '1', currency: 'USD' } } }, m.vendorB.key),
      ],
      ['withdrawBid', (id) => gql(h.url, op.WITHDRAW_BID, { id, v: 1 }, m.vendorB.key)],
    ];
    const before = await rowCounts(h.orm);
    for (const [name, run] of operations) {
      const reference = shape(await run(MISSING), MISSING);
      expect(reference.errors?.[0]?.extensions?.code, name).toBe('NOT_FOUND');
      expect(shape(await run(theirs), theirs), name).toEqual(reference);
      expect(shape(await run(theirCleared), theirCleared), name).toEqual(reference);
    }
    expect(await rowCounts(h.orm)).toEqual(before);
  });
});

/** Terms as a client sends and reads them. */
interface Terms {
  rate: number;
  currency: string;
  offered: { index: number; seats: number }[];
  minSeatsPerInterval: number | null;
  minTotalSeatHours: number | null;
  note: string | null;
}
interface Revision {
  rate: number | null;
  currency: string;
  offered: Terms['offered'] | null;
  minSeatsPerInterval: number | null;
  minTotalSeatHours: number | null;
  note: string | null;
  clearMinimums: boolean;
}

/**
 * The documented order (ReviseBidInput.clearMinimums, docs/decisions.md "Bids"): clearMinimums
 * first removes both minimums, then every field given replaces the old value; a field not given
 * stays. Written here from the documentation, not from the code under test.
 */
function applyRevisionModel(old: Terms, r: Revision): Terms {
  const base = r.clearMinimums ? { ...old, minSeatsPerInterval: null, minTotalSeatHours: null } : { ...old };
  return {
    rate: r.rate ?? base.rate,
    currency: r.rate !== null ? r.currency : base.currency,
    offered: [...(r.offered ?? base.offered)].sort((a, b) => a.index - b.index),
    minSeatsPerInterval: r.minSeatsPerInterval ?? base.minSeatsPerInterval,
    minTotalSeatHours: r.minTotalSeatHours ?? base.minTotalSeatHours,
    note: r.note ?? base.note,
  };
}

/** The bid rules of decisions.md "Bids" for the test spike (four 30-minute intervals of 10 seats, reserve 30.00 USD). */
function acceptable(t: Terms): boolean {
  const most = Math.max(...t.offered.map((o) => o.seats));
  const seatHours = t.offered.reduce((s, o) => s + o.seats * 0.5, 0);
  return t.currency === 'USD' && t.rate <= 3000 && (t.minSeatsPerInterval ?? 1) <= most && (t.minTotalSeatHours ?? 0) <= seatHours;
}

const offeredArb = fc
  .subarray([0, 1, 2, 3], { minLength: 1 })
  .chain((indices) => fc.tuple(...indices.map((index) => fc.integer({ min: 1, max: 10 }).map((seats) => ({ index, seats })))))
  .chain((offers) => fc.shuffledSubarray(offers, { minLength: offers.length, maxLength: offers.length }));
const quarterHours = (max: number) => fc.integer({ min: 1, max: Math.max(1, max * 4) }).map((q) => q / 4);
const noteArb = fc.option(
  fc.string({ minLength: 1, maxLength: 20 }).filter((s) => s.trim().length > 0 && !s.includes('\u0000')),
  { nil: null },
);
const oldTermsArb: fc.Arbitrary<Terms> = offeredArb.chain((offered) => {
  const most = Math.max(...offered.map((o) => o.seats));
  const seatHours = offered.reduce((s, o) => s + o.seats * 0.5, 0);
  return fc.record({
    rate: fc.integer({ min: 1, max: 3000 }),
    currency: fc.constant('USD'),
    offered: fc.constant(offered),
    minSeatsPerInterval: fc.option(fc.integer({ min: 1, max: most }), { nil: null }),
    minTotalSeatHours: fc.option(
      quarterHours(seatHours).filter((x) => x <= seatHours),
      { nil: null },
    ),
    note: noteArb,
  });
});
const revisionArb: fc.Arbitrary<Revision> = fc.record({
  rate: fc.option(fc.integer({ min: 1, max: 3200 }), { nil: null }),
  currency: fc.constantFrom('USD', 'USD', 'USD', 'EUR'),
  offered: fc.option(offeredArb, { nil: null }),
  minSeatsPerInterval: fc.option(fc.integer({ min: 1, max: 12 }), { nil: null }),
  minTotalSeatHours: fc.option(quarterHours(22), { nil: null }),
  note: noteArb,
  clearMinimums: fc.boolean(),
});

const termsOf = (b: Record<string, any>): Terms => ({
  rate: Number(b.rate.amountMinor),
  currency: b.rate.currency,
  offered: b.offered,
  minSeatsPerInterval: b.minSeatsPerInterval,
  minTotalSeatHours: b.minTotalSeatHours,
  note: b.note,
});

describe('revising a bid', () => {
  it('keeps a new minimum given together with clearMinimums, and clears only the other one', async () => {
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
    const bid = await aBid(h.url, m.vendorA.key, spikeId, { minSeatsPerInterval: 2, minTotalSeatHours: 2 });
    const revise = async (version: number, changes: Record<string, unknown>) =>
      ok(await gql(h.url, op.REVISE_BID, { input: { bidId: bid.id, expectedVersion: version, ...changes } }, m.vendorA.key)).reviseBid;
    expect(await revise(1, { clearMinimums: true, minSeatsPerInterval: 3 })).toMatchObject({
      __typename: 'Bid',
      version: 2,
      minSeatsPerInterval: 3,
      minTotalSeatHours: null,
    });
    expect(await revise(2, { clearMinimums: true, minTotalSeatHours: 1.5 })).toMatchObject({ version: 3, minSeatsPerInterval: null, minTotalSeatHours: 1.5 });
    expect(await revise(3, { clearMinimums: true, minSeatsPerInterval: 4, minTotalSeatHours: 2.5 })).toMatchObject({
      version: 4,
      minSeatsPerInterval: 4,
      minTotalSeatHours: 2.5,
    });
    expect(await revise(4, { clearMinimums: true })).toMatchObject({ version: 5, minSeatsPerInterval: null, minTotalSeatHours: null });
    expect(ok(await gql(h.url, op.BID, { id: bid.id }, m.vendorA.key)).bid).toMatchObject({ version: 5, minSeatsPerInterval: null, minTotalSeatHours: null });
  });

  it('stores, for any revision, the old terms with the revision applied in the documented order (or refuses it and keeps them)', async () => {
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
    await fc.assert(
      fc.asyncProperty(oldTermsArb, revisionArb, async (old, rev) => {
        const placed = ok(
          await gql(
            h.url,
            op.PLACE_BID,
            {
              input: {
                spikeId,
                rate: { amountMinor: String(old.rate), currency: old.currency },
                offered: old.offered,
                minSeatsPerInterval: old.minSeatsPerInterval,
                minTotalSeatHours: old.minTotalSeatHours,
                note: old.note,
              },
              key: `prop-${++n}`,
            },
            m.vendorA.key,
          ),
        ).placeBid;
        expect(placed.__typename).toBe('Bid');
        try {
          await reviseAndCompare(placed.id, old, rev);
        } finally {
          // Each run starts clean (one ACTIVE bid per vendor and spike), also after a failure, so that shrinking stays honest.
          ok(await gql(h.url, op.WITHDRAW_BID, { id: placed.id }, m.vendorA.key));
        }
      }),
      { numRuns: 60 },
    );
  }, 120_000);
});

/** Revises the bid (version 1, terms `old`) by `rev` over HTTP and checks what was stored against the model. */
async function reviseAndCompare(bidId: string, old: Terms, rev: Revision): Promise<void> {
  const input = {
    bidId,
    expectedVersion: 1,
    clearMinimums: rev.clearMinimums,
    ...(rev.rate !== null ? { rate: { amountMinor: String(rev.rate), currency: rev.currency } } : {}),
    ...(rev.offered !== null ? { offered: rev.offered } : {}),
    ...(rev.minSeatsPerInterval !== null ? { minSeatsPerInterval: rev.minSeatsPerInterval } : {}),
    ...(rev.minTotalSeatHours !== null ? { minTotalSeatHours: rev.minTotalSeatHours } : {}),
    ...(rev.note !== null ? { note: rev.note } : {}),
  };
  const revised = ok(await gql(h.url, op.REVISE_BID, { input }, m.vendorA.key)).reviseBid;
  const stored = ok(await gql(h.url, op.BID, { id: bidId }, m.vendorA.key)).bid;
  const expected = applyRevisionModel(old, rev);
  if (acceptable(expected)) {
    expect(revised.__typename).toBe('Bid');
    expect(stored.version).toBe(2);
    expect(termsOf(stored)).toEqual(expected);
  } else {
    // Refused as a whole: the old terms stay, offers in interval order as always stored.
    expect(revised.__typename).toMatch(/^(ValidationError|AboveReserveError)$/);
    expect(stored.version).toBe(1);
    expect(termsOf(stored)).toEqual({ ...old, offered: [...old.offered].sort((a, b) => a.index - b.index) });
  }
}
