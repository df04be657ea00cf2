import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearSpike } from '../src/domain/clearing/clear-spike.js';
import { neutralQualityScores } from '../src/domain/quality/quality-scores.js';
import { aBidInput, aMarket, anOpenSpike, aSpikeInput, type Market } from './support/builders.js';
import { errorCode, gql, ok } from './support/client.js';
import { resetState, rowCounts, startHarness, type Harness } from './support/harness.js';
import { CANCEL, CLEARING_RESULT, CLOSE, flatPages, OPEN_SPIKES, PLACE_BID, POST_SPIKE, PUBLISH, SPIKE, SPIKES } from './support/operations.js';

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

describe('demand spikes over HTTP', () => {
  it('posts a DRAFT with forecast intervals converted by Erlang C', async () => {
    const input = aSpikeInput(h.clock, { channel: 'VOICE' });
    input.intervals[1] = { startsAt: input.intervals[1].startsAt, forecastContacts: 100, ahtSeconds: 180 };
    const r = ok(await gql(h.url, POST_SPIKE, { input: { ...input, shrinkage: 0.3 } }, m.brand.key)).postDemandSpike;
    expect(r.__typename).toBe('DemandSpike');
    expect(r.status).toBe('DRAFT');
    expect(r.intervals[1]).toMatchObject({ requiredSeats: 20, agents: 14 });
    expect(r.intervals[1].serviceLevelAtRequired).toBeCloseTo(0.888, 3);
    expect(r.reserveRate).toEqual({ amountMinor: '3000', currency: 'USD', amount: '30.00' });
  });

  it('is idempotent per key: same payload returns the same spike, another payload is a CONFLICT', async () => {
    const input = aSpikeInput(h.clock);
    const first = ok(await gql(h.url, POST_SPIKE, { input, key: 'k1' }, m.brand.key)).postDemandSpike;
    const again = ok(await gql(h.url, POST_SPIKE, { input, key: 'k1' }, m.brand.key)).postDemandSpike;
    expect(again.id).toBe(first.id);
    const changed = ok(await gql(h.url, POST_SPIKE, { input: { ...input, title: 'Other' }, key: 'k1' }, m.brand.key)).postDemandSpike;
    expect(changed).toMatchObject({ __typename: 'ConflictError', code: 'CONFLICT', field: 'idempotencyKey' });
  });

  it('walks DRAFT → OPEN → CLOSED and refuses transitions out of order with INVALID_STATE', async () => {
    const id = await anOpenSpike(h.url, h.clock, m.brand.key);
    expect(ok(await gql(h.url, PUBLISH, { id }, m.brand.key)).publishDemandSpike).toMatchObject({ code: 'INVALID_STATE' });
    expect(ok(await gql(h.url, CLOSE, { id }, m.brand.key)).closeBidding).toMatchObject({ status: 'CLOSED' });
    expect(ok(await gql(h.url, CANCEL, { id }, m.brand.key)).cancelDemandSpike).toMatchObject({ code: 'INVALID_STATE' });
    const transitions = await h.orm.em
      .getConnection()
      .execute(`select from_status, to_status, actor_organization_id from state_transition where entity_id = ? order by at, id`, [id]);
    expect(transitions.map((t: any) => `${t.from_status}->${t.to_status}`)).toEqual(['null->DRAFT', 'DRAFT->OPEN', 'OPEN->CLOSED']);
    expect(transitions.every((t: any) => t.actor_organization_id === m.brand.id)).toBe(true);
  });

  it('cancels a DRAFT or OPEN spike', async () => {
    const id = await anOpenSpike(h.url, h.clock, m.brand.key);
    expect(ok(await gql(h.url, CANCEL, { id }, m.brand.key)).cancelDemandSpike).toMatchObject({ status: 'CANCELLED' });
  });

  it('refuses to cancel an OPEN spike once its close time has passed (the bids are unsealed then), changing nothing', async () => {
    const id = await anOpenSpike(h.url, h.clock, m.brand.key);
    h.clock.advance(2 * 3600_000);
    const refused = ok(await gql(h.url, CANCEL, { id }, m.brand.key)).cancelDemandSpike;
    expect(refused).toMatchObject({ code: 'INVALID_STATE', field: 'spikeId' });
    expect(refused.message).toContain('can no longer be cancelled');
    expect(ok(await gql(h.url, SPIKE, { id }, m.brand.key)).demandSpike).toMatchObject({ status: 'OPEN' });
    const transitions = await h.orm.em.getConnection().execute(`select to_status from state_transition where entity_id = ?`, [id]);
    expect(transitions.map((t: any) => t.to_status)).not.toContain('CANCELLED');
  });

  it('refuses to publish once the close time has passed', async () => {
    const posted = ok(await gql(h.url, POST_SPIKE, { input: aSpikeInput(h.clock) }, m.brand.key)).postDemandSpike;
    h.clock.advance(2 * 3600_000);
    expect(ok(await gql(h.url, PUBLISH, { id: posted.id }, m.brand.key)).publishDemandSpike).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('lists only the brand’s own spikes, paginated with cursors', async () => {
    for (let i = 0; i < 5; i++) await gql(h.url, POST_SPIKE, { input: aSpikeInput(h.clock) }, m.brand.key);
    await gql(h.url, POST_SPIKE, { input: aSpikeInput(h.clock) }, m.otherBrand.key);
    const page1 = ok(await gql(h.url, SPIKES, { first: 3 }, m.brand.key)).demandSpikes;
    expect(page1.nodes).toHaveLength(3);
    expect(page1.pageInfo.hasNextPage).toBe(true);
    const page2 = ok(await gql(h.url, SPIKES, { first: 3, after: page1.pageInfo.endCursor }, m.brand.key)).demandSpikes;
    expect(page2.nodes).toHaveLength(2);
    expect(page2.pageInfo.hasNextPage).toBe(false);
    const all = [...page1.nodes, ...page2.nodes];
    expect(new Set(all.map((s: any) => s.id)).size).toBe(5);
    expect(all.every((s: any) => s.brandId === m.brand.id)).toBe(true);
    expect(ok(await gql(h.url, SPIKES, { first: 100 }, h.operatorKey)).demandSpikes.nodes).toHaveLength(6);
    expect(errorCode(await gql(h.url, SPIKES, { first: 101 }, m.brand.key))).toBe('BAD_USER_INPUT');
  });

  it('shows a vendor only the open spikes it is eligible for', async () => {
    const open = await anOpenSpike(h.url, h.clock, m.brand.key);
    const needsSpanishCert = await anOpenSpike(h.url, h.clock, m.brand.key, { requiredCertifications: ['ISO_27001'] });
    await gql(h.url, POST_SPIKE, { input: aSpikeInput(h.clock) }, m.brand.key); // a draft
    const otherBrands = await anOpenSpike(h.url, h.clock, m.otherBrand.key);
    const ids = async (key: string) =>
      ok(await gql(h.url, OPEN_SPIKES, {}, key))
        .openDemandSpikes.nodes.map((n: any) => n.id)
        .sort();
    expect(await ids(m.vendorA.key)).toEqual([open, otherBrands].sort());
    expect(await ids(m.inHouse.key)).toEqual([open]);
    expect(await ids(m.otherInHouse.key)).toEqual([otherBrands]);
    expect(ok(await gql(h.url, SPIKE, { id: open }, m.vendorA.key)).demandSpike.id).toBe(open);
    expect(errorCode(await gql(h.url, SPIKE, { id: needsSpanishCert }, m.vendorA.key))).toBe('NOT_FOUND');
    h.clock.advance(2 * 3600_000);
    expect(await ids(m.vendorA.key)).toEqual([]);
  });
});

describe('an interval with no traffic', () => {
  it('needs 0 agents and 0 seats (PRODUCT.md 3): derived, shown, unbiddable and cleared as fully served', async () => {
    const input = aSpikeInput(h.clock, { channel: 'VOICE' });
    const at = (i: number) => input.intervals[i].startsAt;
    input.intervals = [
      { startsAt: at(0), forecastContacts: 100, ahtSeconds: 180 },
      { startsAt: at(1), forecastContacts: 0, ahtSeconds: 180 },
      { startsAt: at(2), seats: 3 },
      { startsAt: at(3), forecastContacts: 0, ahtSeconds: 600 },
    ];
    const spike = ok(await gql(h.url, POST_SPIKE, { input: { ...input, shrinkage: 0.3 } }, m.brand.key)).postDemandSpike;
    expect(spike.__typename).toBe('DemandSpike');
    expect(spike.intervals.map((i: any) => [i.requiredSeats, i.agents, i.serviceLevelAtRequired])).toEqual([
      [20, 14, expect.closeTo(0.888, 3)],
      [0, 0, 1],
      [3, null, null],
      [0, 0, 1],
    ]);
    expect(spike.totalRequiredSeats).toBe(23);

    ok(await gql(h.url, PUBLISH, { id: spike.id }, m.brand.key));
    const before = await rowCounts(h.orm);
    const offer = (offered: { index: number; seats: number }[]) =>
      gql(h.url, PLACE_BID, { input: aBidInput(spike.id, { offered }), key: `zero-${offered.length}` }, m.vendorA.key);
    // Nothing can be offered where nothing is needed.
    expect(
      ok(
        await offer([
          { index: 0, seats: 5 },
          { index: 1, seats: 1 },
        ]),
      ).placeBid,
    ).toMatchObject({ __typename: 'ValidationError', code: 'BAD_USER_INPUT', field: 'input.offered[1].seats' });
    expect(await rowCounts(h.orm)).toEqual(before);
    expect(
      ok(
        await offer([
          { index: 0, seats: 5 },
          { index: 2, seats: 3 },
        ]),
      ).placeBid.__typename,
    ).toBe('Bid');
    ok(await gql(h.url, CLOSE, { id: spike.id }, m.brand.key));
    expect((await clearSpike(h.orm.em.fork() as never, h.clock, neutralQualityScores, spike.id)).kind).toBe('AWARDED');
    const result = flatPages(ok(await gql(h.url, CLEARING_RESULT, { id: spike.id }, m.brand.key)).clearingResult);
    expect(result.intervals.map((i: any) => [i.index, i.requiredSeats, i.awardedSeats, i.unfilledSeats])).toEqual([
      [0, 20, 5, 15],
      [1, 0, 0, 0],
      [2, 3, 3, 0],
      [3, 0, 0, 0],
    ]);
    expect(result.intervals[1].serviceLevelAtAwarded).toBe(1);
    expect(result.intervals[3].serviceLevelAtAwarded).toBe(1);
  });
});

describe('decimal terms of a spike', () => {
  const TERMS = `query($id: UUID!) { demandSpike(id: $id) { serviceLevelTarget maxOccupancy shrinkage minQualityScore maxVendorShare qualityWeight } }`;

  it('refuses more decimals than a term is used with as a ValidationError naming it, writing nothing', async () => {
    const before = await rowCounts(h.orm);
    const cases: [string, number][] = [
      ['serviceLevelTarget', 0.8000001],
      ['maxOccupancy', 0.8500001],
      ['shrinkage', 0.1 + 0.2],
      ['maxVendorShare', 1 / 3],
      ['qualityWeight', 0.1234567],
      ['minQualityScore', 72.12345],
    ];
    for (const [field, value] of cases) {
      const r = ok(await gql(h.url, POST_SPIKE, { input: aSpikeInput(h.clock, { channel: 'VOICE', [field]: value }) }, m.brand.key)).postDemandSpike;
      expect([field, r]).toEqual([
        field,
        { __typename: 'ValidationError', code: 'BAD_USER_INPUT', field: `input.${field}`, message: expect.stringMatching(/has at most [46] decimals/) },
      ]);
    }
    expect(await rowCounts(h.orm)).toEqual(before);
  });

  it('stores terms of up to six decimals (four for the score floor) exactly, and sizes seats for that very target', async () => {
    const terms = {
      serviceLevelTarget: 0.812345,
      maxOccupancy: 0.850001,
      shrinkage: 0.123456,
      maxVendorShare: 0.333333,
      qualityWeight: 0.000001,
      minQualityScore: 12.3456,
    };
    const input = aSpikeInput(h.clock, { channel: 'VOICE', ...terms });
    input.intervals[0] = { startsAt: input.intervals[0].startsAt, forecastContacts: 100, ahtSeconds: 180 };
    const spike = ok(await gql(h.url, POST_SPIKE, { input }, m.brand.key)).postDemandSpike;
    expect(spike.__typename).toBe('DemandSpike');
    expect(ok(await gql(h.url, TERMS, { id: spike.id }, m.brand.key)).demandSpike).toEqual(terms);
    const stored = await h.orm.em
      .getConnection()
      .execute<{ ppm: number }[]>('select round(service_level_target * 1000000)::int as ppm from demand_spike where id = ?', [spike.id]);
    expect(stored[0]!.ppm).toBe(812_345);
    expect(spike.intervals[0].serviceLevelAtRequired).toBeGreaterThanOrEqual(0.812345);
  });
});
