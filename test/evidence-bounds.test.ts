import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY, settleContract } from '../src/domain/settlement/settle-contract.js';
import { aMarket, type Market, type Party } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { resetState, rowCounts, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';
import { aDeliveredSpike, scorecardsNow, signedPoster } from './support/quality-fixtures.js';

/**
 * Evidence bounds (PRODUCT.md sections 6 and 8), over HTTP against the real PostgreSQL: every
 * rating names a contract of the rating brand, lies in its delivery period and dispute window,
 * and per contract and kind stays within the contacts handled, which stay within what the
 * staffing could handle. Each refusal is typed and writes nothing.
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

const DAY = 86_400_000;
let seq = 0;
const rating = (kind: string, vendor: Party, contractId: string | null, extra: Record<string, unknown> = {}) => ({
  externalId: `b-${++seq}`,
  kind,
  vendorId: vendor.id,
  ...(contractId ? { contractId } : {}),
  ...(kind === 'CSAT' ? { score: 4 } : kind === 'QA_SCORE' ? { score: 90 } : kind === 'FCR' ? { resolved: true } : {}),
  ...extra,
});
const record = async (events: unknown[], key = m.brand.key) => ok(await gql(h.url, op.RECORD_EVENTS, { input: { events } }, key)).recordQualityEvents;
const codes = (receipts: { rejection: { code: string } | null; status: string }[]) => receipts.map((r) => r.rejection?.code ?? r.status);
const written = async () => {
  const { ingest_nonce: _n, ...rest } = await rowCounts(h.orm);
  return rest;
};
/** A's contract with the brand, delivered with one contact per interval: 4 contacts handled. */
const smallContract = async (extra: Parameters<typeof aDeliveredSpike>[4] = {}) =>
  (await aDeliveredSpike(h, m.brand, [{ vendor: m.vendorA, seats: 2, rate: '2000' }], 1, extra)).contractOf.get(m.vendorA.id)!;

describe('evidence bounds on ratings', () => {
  it('every rating names a contract of the rating brand (GraphQL and signed HTTP)', async () => {
    const mine = await smallContract();
    const theirs = (await aDeliveredSpike(h, m.otherBrand, [{ vendor: m.vendorA, seats: 2, rate: '2000' }], 1)).contractOf.get(m.vendorA.id)!;
    const post = await signedPoster(h, m.brand);
    const batch = () => [
      rating('CSAT', m.vendorA, null),
      rating('CSAT', m.vendorA, theirs),
      rating('CSAT', m.vendorB, mine),
      rating('ESCALATION', m.vendorA, null),
    ];
    const before = await written();
    const r = await record(batch());
    expect(codes(r.receipts)).toEqual(['CONTRACT_REQUIRED', 'CONTRACT_MISMATCH', 'CONTRACT_MISMATCH', 'CONTRACT_REQUIRED']);
    expect(r.receipts.map((x: any) => x.rejection.field)).toEqual([
      'events[0].contractId',
      'events[1].contractId',
      'events[2].contractId',
      'events[3].contractId',
    ]);
    const viaHttp = await post(batch());
    expect(codes(viaHttp.body.receipts)).toEqual(['CONTRACT_REQUIRED', 'CONTRACT_MISMATCH', 'CONTRACT_MISMATCH', 'CONTRACT_REQUIRED']);
    expect(await written()).toEqual(before);
  });

  it('per contract and kind, ratings stop at the contacts handled (QA: one evaluation per contact), whoever files them', async () => {
    const contractId = await smallContract();
    const kinds = ['CSAT', 'QA_SCORE', 'FCR', 'ESCALATION', 'COMPLAINT'];
    const r = await record(kinds.flatMap((k) => Array.from({ length: 5 }, () => rating(k, m.vendorA, contractId))));
    expect(codes(r.receipts)).toEqual(kinds.flatMap(() => ['ACCEPTED', 'ACCEPTED', 'ACCEPTED', 'ACCEPTED', 'EXCEEDS_CONTACTS_HANDLED']));
    expect(r.receipts[4].rejection.message).toBe('The contract has 4 contacts handled (as its vendor reported them) and already 4 CSAT events');
    expect(r.receipts[9].rejection.message).toBe(
      'The contract has 4 contacts handled (as its vendor reported them) and already 4 QA evaluations (one per contact handled)',
    );
    // The bound is the contract's, not the submitter's: the operator cannot add a fifth survey either.
    const before = await written();
    expect(codes((await record([rating('CSAT', m.vendorA, contractId)], h.operatorKey)).receipts)).toEqual(['EXCEEDS_CONTACTS_HANDLED']);
    expect(await written()).toEqual(before);
  });

  it('two concurrent batches never both pass the bound (a lock per contract in PostgreSQL)', async () => {
    const contractId = await smallContract();
    const post = await signedPoster(h, m.brand);
    const four = () => Array.from({ length: 4 }, () => rating('CSAT', m.vendorA, contractId));
    const [viaGraphql, viaHttp, third] = await Promise.all([record(four()), post(four()), record(four(), h.operatorKey)]);
    expect(viaGraphql.accepted + viaHttp.body.accepted + third.accepted).toBe(4);
    expect(viaGraphql.rejected + viaHttp.body.rejected + third.rejected).toBe(8);
    const [{ n }] = (await h.orm.em
      .getConnection()
      .execute<{ n: number }[]>(`select count(*)::int as n from quality_event where contract_id = ?`, [contractId])) as [{ n: number }];
    expect(n).toBe(4);
  });

  it('a rating lies within the delivery period and the dispute window, and never beyond 5 minutes in the future', async () => {
    const contractId = await smallContract();
    const [{ starts_at: startsAt }] = (await h.orm.em
      .getConnection()
      .execute<{ starts_at: Date }[]>('select starts_at from contract where id = ?', [contractId])) as [{ starts_at: Date }];
    const at = (ms: number) => ({ occurredAt: new Date(ms).toISOString() });
    const now = h.clock.now().getTime();
    const before = await written();
    const r = await record([
      rating('CSAT', m.vendorA, contractId, at(new Date(startsAt).getTime() - 60_000)),
      rating('CSAT', m.vendorA, contractId, at(now + 6 * 60_000)),
      rating('CSAT', m.vendorA, contractId, at(now + 4 * 60_000)),
    ]);
    expect(codes(r.receipts)).toEqual(['OUTSIDE_CONTRACT_PERIOD', 'INVALID_TIME', 'ACCEPTED']);
    expect(r.receipts[0].rejection.field).toBe('events[0].occurredAt');
    expect((await written()).quality_event).toBe(before.quality_event! + 1);

    // Settled now: ratings are taken for 30 days, then the contract's evidence is closed.
    await settleContract(h.orm.em.fork() as never, h.clock, contractId, DEFAULT_POLICY, { force: true });
    h.clock.advance(29 * DAY);
    expect(codes((await record([rating('CSAT', m.vendorA, contractId)])).receipts)).toEqual(['ACCEPTED']);
    h.clock.advance(2 * DAY);
    const closed = await written();
    const late = await record([rating('CSAT', m.vendorA, contractId), rating('CSAT', m.vendorA, contractId, at(now))]);
    expect(codes(late.receipts)).toEqual(['OUTSIDE_CONTRACT_PERIOD', 'OUTSIDE_CONTRACT_PERIOD']);
    expect(await written()).toEqual(closed);
  });

  it('a corrected report that lowers the contacts handled stops the latest ratings counting, and a rise restores them', async () => {
    const contractId = await smallContract();
    expect(await record(Array.from({ length: 4 }, () => rating('CSAT', m.vendorA, contractId, { score: 5 })))).toMatchObject({ accepted: 4 });
    const csatSamples = async () =>
      (await scorecardsNow(h, [m.vendorA.id])).get(m.vendorA.id)!.metrics.find((x) => x.metric === 'CSAT') as unknown as { samples: number };
    expect((await csatSamples()).samples).toBe(4);
    const report = (key: string, contactsHandled: number) =>
      gql(
        h.url,
        op.REPORT_DELIVERY,
        {
          input: { contractId, reports: [{ intervalIndex: 3, staffedSeatHours: 1, contactsHandled, serviceLevelAchieved: null }] },
        },
        key,
      );

    // ENTERPRISE_ROUTED: the brand's platform sees the agents, so its report wins over the vendor's.
    ok(await report(m.brand.key, 0));
    expect((await csatSamples()).samples).toBe(3);
    const excluded = await h.orm.em
      .getConnection()
      .execute(`select o.excluded_reason, e.id from quality_observation o join quality_event e on e.id = o.event_id where e.contract_id = ? order by e.id`, [
        contractId,
      ]);
    expect(excluded.map((x: any) => x.excluded_reason)).toEqual([null, null, null, 'EXCEEDS_CONTACTS_HANDLED']);
    expect(codes((await record([rating('CSAT', m.vendorA, contractId)])).receipts)).toEqual(['EXCEEDS_CONTACTS_HANDLED']);
    ok(await report(m.vendorA.key, 50)); // the vendor's own report does not override the brand's here
    expect((await csatSamples()).samples).toBe(3);

    ok(await report(m.brand.key, 2));
    expect((await csatSamples()).samples).toBe(4);
    expect(codes((await record([rating('CSAT', m.vendorA, contractId)])).receipts)).toEqual(['ACCEPTED']);
  });
});

describe('contacts handled are bounded by the staffed seat-hours (PRODUCT.md section 6)', () => {
  it('uses a quarter of the forecast AHT and the chat concurrency', async () => {
    const contractId = (
      await aDeliveredSpike(h, m.brand, [{ vendor: m.vendorA, seats: 4, rate: '2000' }], 40, (base) => ({
        chatConcurrency: 2,
        intervals: base.intervals.map((iv: any) => ({ startsAt: iv.startsAt, forecastContacts: 100, ahtSeconds: 180 })),
      }))
    ).contractOf.get(m.vendorA.id)!;
    // 2 staffed seat-hours × 3,600 ÷ 45 s × 2 chats at once = 320.
    const report = (contactsHandled: number) =>
      gql(
        h.url,
        op.REPORT_DELIVERY,
        {
          input: { contractId, reports: [{ intervalIndex: 0, staffedSeatHours: 2, contactsHandled, serviceLevelAchieved: 0.8 }] },
        },
        m.vendorA.key,
      );
    const before = await rowCounts(h.orm);
    expect(ok(await report(321)).reportDelivery).toMatchObject({
      __typename: 'ContactsExceedCapacityError',
      maxContactsHandled: 320,
      field: 'input.reports[0].contactsHandled',
    });
    expect(await rowCounts(h.orm)).toEqual(before);
    expect(ok(await report(320)).reportDelivery).toMatchObject({ __typename: 'DeliveryReceipt', accepted: 1 });
  });
});
