import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { aMarket, type Market, type Party } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { resetState, rowCounts, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';
import { aDeliveredSpike, clearedBetween, counterfactual, rateBetween, scorecardsNow, signedPoster, type Scorecard } from './support/quality-fixtures.js';

/**
 * Issue 12: each way of buying a score is refused with its typed code on every write path,
 * writes nothing, and leaves every score and the next award as they were. For each class the
 * test also works out the score the manipulation would have bought, and lets the manipulator bid
 * a rate that loses on its real score but would have won on the bought one: the award proves
 * the manipulation bought nothing.
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

let seq = 0;
const rating = (kind: string, vendor: Party, contractId: string, extra: Record<string, unknown> = {}) => ({
  externalId: `m-${++seq}`,
  kind,
  vendorId: vendor.id,
  contractId,
  ...extra,
});
const record = async (events: unknown[], key = m.brand.key) => ok(await gql(h.url, op.RECORD_EVENTS, { input: { events } }, key)).recordQualityEvents;
/** Everything but the signature nonce an accepted HTTP request leaves (replay protection), which is not evidence. */
const written = async () => {
  const { ingest_nonce: _n, ...rest } = await rowCounts(h.orm);
  return rest;
};
const codes = (receipts: { rejection: { code: string } | null }[]) => [...new Set(receipts.map((r) => r.rejection?.code ?? 'ACCEPTED'))];

function expectSameScores(before: Map<string, Scorecard>, after: Map<string, Scorecard>) {
  for (const [id, card] of before) {
    expect(after.get(id)!.composite).toBeCloseTo(card.composite, 9);
    expect(after.get(id)!.metrics.map((x) => x.value)).toEqual(card.metrics.map((x) => expect.closeTo(x.value, 9)));
  }
}

describe('manipulation classes (PRODUCT.md sections 6, 8 and 9)', () => {
  it('flooding after a tiny contract: every survey beyond the contacts handled is refused, on GraphQL and signed HTTP', async () => {
    const big = await aDeliveredSpike(h, m.brand, [
      { vendor: m.vendorA, seats: 6, rate: '2000' },
      { vendor: m.vendorB, seats: 10, rate: '2200' },
    ]);
    // C's tiny contract: 1 seat per interval and 1 contact each, so 4 contacts handled in all.
    const tiny = await aDeliveredSpike(h, m.brand, [{ vendor: m.vendorC, seats: 1, rate: '2000' }], 1);
    const contractC = tiny.contractOf.get(m.vendorC.id)!;
    const honest = [
      ...Array.from({ length: 30 }, () => rating('CSAT', m.vendorA, big.contractOf.get(m.vendorA.id)!, { score: 4 })),
      ...Array.from({ length: 4 }, () => rating('CSAT', m.vendorC, contractC, { score: 3 })),
    ];
    expect((await record(honest)).accepted).toBe(34);
    const vendors = [m.vendorA.id, m.vendorB.id, m.vendorC.id];
    const before = await scorecardsNow(h, vendors);

    const flood = () => Array.from({ length: 1_000 }, () => rating('CSAT', m.vendorC, contractC, { score: 5 }));
    const counts = await written();
    const viaGraphql = await record(flood());
    expect(viaGraphql).toMatchObject({ accepted: 0, rejected: 1_000 });
    expect(codes(viaGraphql.receipts)).toEqual(['EXCEEDS_CONTACTS_HANDLED']);
    expect(viaGraphql.receipts[0].rejection).toMatchObject({ field: 'events[0].contractId', message: expect.stringContaining('4 contacts handled') });
    const post = await signedPoster(h, m.brand);
    const baseline = await written();
    const viaHttp = await post(flood());
    expect(viaHttp.status).toBe(200);
    expect(viaHttp.body).toMatchObject({ accepted: 0, rejected: 1_000 });
    expect(codes(viaHttp.body.receipts)).toEqual(['EXCEEDS_CONTACTS_HANDLED']);
    expect(await written()).toEqual(baseline);
    expect({ ...baseline, ingest_secret: counts.ingest_secret }).toEqual(counts);

    // The scores did not move, and C's real score does not win what the flood would have bought.
    const after = await scorecardsNow(h, vendors);
    expectSameScores(before, after);
    const [sA, sC] = [before.get(m.vendorA.id)!.composite, before.get(m.vendorC.id)!.composite];
    const bought = counterfactual(before.get(m.vendorC.id)!, 'CSAT', { amount: 2_000, weight: 2_000 });
    expect(bought - sC).toBeGreaterThan(5);
    const result = (await clearedBetween(h, m.brand, [
      { vendor: m.vendorA, rate: 2000 },
      { vendor: m.vendorC, rate: rateBetween(2000, sA, sC, bought) },
    ]))!;
    expect(new Set(result.awards.map((a) => a.vendorId))).toEqual(new Set([m.vendorA.id]));
    expect(result.bids.find((b) => b.vendorId === m.vendorC.id)).toMatchObject({ status: 'LOST', score: expect.closeTo(sC, 9) });
  });

  it('self-rating through an in-house team: the brand’s ratings of its own team are refused, on GraphQL and signed HTTP', async () => {
    const d = await aDeliveredSpike(h, m.brand, [
      { vendor: m.vendorA, seats: 6, rate: '2000' },
      { vendor: m.inHouse, seats: 10, rate: '2200' },
    ]);
    const [contractA, contractTeam] = [d.contractOf.get(m.vendorA.id)!, d.contractOf.get(m.inHouse.id)!];
    expect(await record(Array.from({ length: 30 }, () => rating('CSAT', m.vendorA, contractA, { score: 4 })))).toMatchObject({ accepted: 30 });
    const vendors = [m.vendorA.id, m.inHouse.id, m.vendorB.id];
    const before = await scorecardsNow(h, vendors);

    const praise = () => [
      ...Array.from({ length: 100 }, () => rating('CSAT', m.inHouse, contractTeam, { score: 5 })),
      ...Array.from({ length: 100 }, () => rating('QA_SCORE', m.inHouse, contractTeam, { score: 100 })),
    ];
    const counts = await written();
    const viaGraphql = await record(praise());
    expect(viaGraphql).toMatchObject({ accepted: 0, rejected: 200 });
    expect(codes(viaGraphql.receipts)).toEqual(['SELF_RATING']);
    expect(viaGraphql.receipts[0].rejection).toMatchObject({ field: 'events[0].vendorId', message: expect.stringContaining('in-house') });
    // Not even the operator rates an in-house team: it is scored from its delivery data only.
    const byOperator = await record(praise().slice(0, 3), h.operatorKey);
    expect(codes(byOperator.receipts)).toEqual(['IN_HOUSE_NOT_RATED']);
    expect(await written()).toEqual(counts);
    const post = await signedPoster(h, m.brand);
    const baseline = await written();
    const viaHttp = await post(praise());
    expect(viaHttp.body).toMatchObject({ accepted: 0, rejected: 200 });
    expect(codes(viaHttp.body.receipts)).toEqual(['SELF_RATING']);
    expect(await written()).toEqual(baseline);

    const after = await scorecardsNow(h, vendors);
    expectSameScores(before, after);
    const [sA, sTeam] = [before.get(m.vendorA.id)!.composite, before.get(m.inHouse.id)!.composite];
    const bought = counterfactual(before.get(m.inHouse.id)!, 'CSAT', { amount: 200, weight: 200 });
    expect(bought - sTeam).toBeGreaterThan(5);
    const result = (await clearedBetween(h, m.brand, [
      { vendor: m.vendorA, rate: 2000 },
      { vendor: m.inHouse, rate: rateBetween(2000, sA, sTeam, bought) },
    ]))!;
    expect(new Set(result.awards.map((a) => a.vendorId))).toEqual(new Set([m.vendorA.id]));
    expect(result.bids.find((b) => b.vendorId === m.inHouse.id)).toMatchObject({ status: 'LOST', score: expect.closeTo(sTeam, 9) });
  });

  it('diluting escalations with impossible contact counts: the report is refused as ContactsExceedCapacityError', async () => {
    // NETWORK_DELIVERED: the vendor's own report decides the contacts handled.
    const d = await aDeliveredSpike(
      h,
      m.brand,
      [
        { vendor: m.vendorA, seats: 6, rate: '2000' },
        { vendor: m.vendorB, seats: 10, rate: '2200' },
      ],
      40,
      { outsourcingModel: 'NETWORK_DELIVERED' },
    );
    const contractA = d.contractOf.get(m.vendorA.id)!;
    expect(await record(Array.from({ length: 80 }, () => rating('ESCALATION', m.vendorA, contractA)))).toMatchObject({ accepted: 80 });
    const vendors = [m.vendorA.id, m.vendorB.id];
    const before = await scorecardsNow(h, vendors);

    // 3 staffed seat-hours in a seat interval handle at most 3 × 3,600 ÷ 30 = 360 contacts.
    const counts = await written();
    const dilute = (reports: unknown[]) => gql(h.url, op.REPORT_DELIVERY, { input: { contractId: contractA, reports } }, m.vendorA.key);
    const refused = ok(await dilute([{ intervalIndex: 0, staffedSeatHours: 3, contactsHandled: 100_000, serviceLevelAchieved: null }])).reportDelivery;
    expect(refused).toMatchObject({
      __typename: 'ContactsExceedCapacityError',
      code: 'CONTACTS_EXCEED_CAPACITY',
      field: 'input.reports[0].contactsHandled',
      maxContactsHandled: 360,
    });
    // One line over capacity refuses the whole batch, the valid lines with it.
    const mixed = ok(
      await dilute([
        { intervalIndex: 0, staffedSeatHours: 3, contactsHandled: 360, serviceLevelAchieved: null },
        { intervalIndex: 1, staffedSeatHours: 3, contactsHandled: 361, serviceLevelAchieved: null },
      ]),
    ).reportDelivery;
    expect(mixed).toMatchObject({ code: 'CONTACTS_EXCEED_CAPACITY', field: 'input.reports[1].contactsHandled', maxContactsHandled: 360 });
    expect(await written()).toEqual(counts);

    const after = await scorecardsNow(h, vendors);
    expectSameScores(before, after);
    const [sA, sB] = [before.get(m.vendorA.id)!.composite, before.get(m.vendorB.id)!.composite];
    const bought = counterfactual(before.get(m.vendorA.id)!, 'ESCALATION', { amount: 4 * 99_960, weight: 4 * 99_960 });
    expect(bought - sA).toBeGreaterThan(3);
    const result = (await clearedBetween(h, m.brand, [
      { vendor: m.vendorB, rate: 2000 },
      { vendor: m.vendorA, rate: rateBetween(2000, sB, sA, bought) },
    ]))!;
    expect(new Set(result.awards.map((a) => a.vendorId))).toEqual(new Set([m.vendorB.id]));
    expect(result.bids.find((b) => b.vendorId === m.vendorA.id)).toMatchObject({ status: 'LOST', score: expect.closeTo(sA, 9) });
  });
});
