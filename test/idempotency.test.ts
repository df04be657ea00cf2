import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearSpike } from '../src/domain/clearing/clear-spike.js';
import { neutralQualityScores } from '../src/domain/quality/quality-scores.js';
import { getSchema } from '../src/graphql/schema.js';
import { aBid, aBidInput, aMarket, anOpenSpike, aSpikeInput, type Market } from './support/builders.js';
import { gql, ok, type GqlResponse } from './support/client.js';
import { resetState, rowCounts, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';

/**
 * Every idempotency key in the API: the same key with the same payload is a harmless replay that
 * writes nothing; the same key with any other payload is a CONFLICT on `idempotencyKey` (for
 * quality events, whose key is the event's externalId, a per-event EXTERNAL_ID_REUSED), never a
 * silent success, and writes nothing either. A mutation with a key argument that is not listed
 * here fails the suite.
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
const usd = (amountMinor: string) => ({ amountMinor, currency: 'USD' });

/** An issued invoice of 50.00 USD from vendor A to the brand. */
async function anInvoice(): Promise<string> {
  const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
  await aBid(h.url, m.vendorA.key, spikeId);
  ok(await gql(h.url, op.CLOSE, { id: spikeId }, m.brand.key));
  const awarded = await clearSpike(h.orm.em.fork() as never, h.clock, neutralQualityScores, spikeId);
  if (awarded.kind !== 'AWARDED') throw new Error('did not clear');
  h.clock.advance(3 * DAY);
  const contractId = awarded.contractIds[0]!;
  ok(
    await gql(
      h.url,
      op.REPORT_DELIVERY,
      { input: { contractId, reports: [{ intervalIndex: 0, staffedSeatHours: 2, contactsHandled: 40, serviceLevelAchieved: 0.9 }] } },
      m.vendorA.key,
    ),
  );
  h.clock.advance(-3 * DAY);
  return ok(await gql(h.url, op.SETTLE, { id: contractId }, m.brand.financeKey)).settleContract.invoice.id;
}

/** The answer of a keyed mutation, reduced to what the test compares: a typename and id, or the refusal. */
function answer(r: GqlResponse, field: string): Record<string, unknown> {
  expect(r.errors, JSON.stringify(r.errors)).toBeUndefined();
  const v = r.data![field];
  return v.__typename.endsWith('Error') ? { __typename: v.__typename, code: v.code, field: v.field } : { __typename: v.__typename, id: v.id };
}

interface KeyedMutation {
  field: string;
  /** Sends the mutation with this key and payload. */
  send: (key: string, payload: Record<string, any>) => Promise<GqlResponse>;
  /** A valid payload, and payloads that differ from it in one respect each. */
  payloads: () => Promise<{ valid: Record<string, any>; others: [string, Record<string, any>][] }>;
}

const KEYED: Record<string, KeyedMutation> = {
  postDemandSpike: {
    field: 'postDemandSpike',
    send: (key, input) => gql(h.url, op.POST_SPIKE, { input, key }, m.brand.key),
    payloads: async () => {
      const valid = aSpikeInput(h.clock);
      return {
        valid,
        others: [
          ['another title', { ...valid, title: 'Cyber Monday' }],
          ['another reserve rate', { ...valid, reserveRate: usd('3100') }],
          ['another currency', { ...valid, reserveRate: { amountMinor: '3000', currency: 'EUR' } }],
          ['other seats in one interval', { ...valid, intervals: valid.intervals.map((iv: any, i: number) => (i === 2 ? { ...iv, seats: 9 } : iv)) }],
          ['another close time', { ...valid, biddingClosesAt: new Date(Date.parse(valid.biddingClosesAt) + 60_000).toISOString() }],
          ['another channel', { ...valid, channel: 'VOICE' }],
        ],
      };
    },
  },
  placeBid: {
    field: 'placeBid',
    send: (key, input) => gql(h.url, op.PLACE_BID, { input, key }, m.vendorA.key),
    payloads: async () => {
      const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
      const otherSpike = await anOpenSpike(h.url, h.clock, m.brand.key);
      const valid = aBidInput(spikeId, { minSeatsPerInterval: 2, note: 'team A' });
      return {
        valid,
        others: [
          ['another rate', { ...valid, rate: usd('2400') }],
          ['another currency', { ...valid, rate: { amountMinor: '2500', currency: 'EUR' } }],
          [
            'other seats',
            {
              ...valid,
              offered: [
                { index: 0, seats: 4 },
                { index: 1, seats: 5 },
              ],
            },
          ],
          ['another minimum', { ...valid, minSeatsPerInterval: 3 }],
          ['another note', { ...valid, note: 'team B' }],
          ['another spike', { ...valid, spikeId: otherSpike }],
        ],
      };
    },
  },
  recordPayment: {
    field: 'recordPayment',
    send: (key, input) => gql(h.url, op.PAY, { input, key }, m.brand.financeKey),
    payloads: async () => {
      const invoiceId = await anInvoice();
      const otherInvoice = await anInvoice();
      const valid = { invoiceId, amount: usd('1000') };
      return {
        valid,
        others: [
          ['another amount', { ...valid, amount: usd('1001') }],
          ['another currency', { ...valid, amount: { amountMinor: '1000', currency: 'EUR' } }],
          ['another invoice', { ...valid, invoiceId: otherInvoice }],
        ],
      };
    },
  },
};

describe('idempotency keys', () => {
  it('lists every mutation that takes an idempotency key', async () => {
    const schema = await getSchema();
    const keyed = Object.values(schema.getMutationType()!.getFields())
      .filter((f) => f.args.some((a) => a.name === 'idempotencyKey'))
      .map((f) => f.name);
    expect(keyed.sort()).toEqual(Object.keys(KEYED).sort());
  });

  for (const [name, mutation] of Object.entries(KEYED)) {
    it(`${name}: the same key replays the same payload, and any other payload is a CONFLICT that writes nothing`, async () => {
      const { valid, others } = await mutation.payloads();
      const first = answer(await mutation.send('key-1', valid), mutation.field);
      expect(first.__typename, JSON.stringify(first)).not.toMatch(/Error$/);
      const after = await rowCounts(h.orm);
      expect(answer(await mutation.send('key-1', valid), mutation.field)).toEqual(first);
      for (const [what, payload] of others) {
        expect(answer(await mutation.send('key-1', payload), mutation.field), what).toEqual({
          __typename: 'ConflictError',
          code: 'CONFLICT',
          field: 'idempotencyKey',
        });
      }
      expect(await rowCounts(h.orm)).toEqual(after);
      // The conflicts did not spoil the key: the original payload still replays.
      expect(answer(await mutation.send('key-1', valid), mutation.field)).toEqual(first);
    });
  }

  it('recordPayment: a replay changes nothing, and concurrent payments under one key record one payment whatever their amounts', async () => {
    const invoiceId = await anInvoice();
    const pay = (amountMinor: string, key: string, id = invoiceId) =>
      gql(h.url, op.PAY, { input: { invoiceId: id, amount: usd(amountMinor) }, key }, m.brand.financeKey);
    const first = ok(await pay('1000', 'bank-ref-1')).recordPayment;
    expect(first).toMatchObject({ __typename: 'Invoice', status: 'PARTIALLY_PAID', paid: usd('1000') });
    expect(ok(await pay('1000', 'bank-ref-1')).recordPayment).toMatchObject({ paid: usd('1000') });
    expect(ok(await pay('4000', 'bank-ref-1')).recordPayment).toMatchObject({ code: 'CONFLICT', field: 'idempotencyKey' });

    const otherInvoice = await anInvoice();
    const before = await rowCounts(h.orm);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) => (i % 3 === 2 ? pay('500', 'bank-ref-2', otherInvoice) : pay(i % 3 === 0 ? '700' : '800', 'bank-ref-2'))),
    );
    const outcomes = results.map((r) =>
      r.errors
        ? r.errors[0]!.extensions?.code
        : r.data!.recordPayment.__typename === 'Invoice'
          ? `paid ${r.data!.recordPayment.paid.amountMinor}`
          : r.data!.recordPayment.code,
    );
    expect(
      outcomes.every((o) => o === 'CONFLICT' || String(o).startsWith('paid ')),
      outcomes.join(),
    ).toBe(true);
    // Exactly one payment was recorded under the key: one ledger transaction of two entries.
    expect(await rowCounts(h.orm)).toMatchObject({ ledger_transaction: before.ledger_transaction! + 1, ledger_entry: before.ledger_entry! + 2 });
    const paidSum = async (id: string) => BigInt(ok(await gql(h.url, op.INVOICE, { id }, m.brand.financeKey)).invoice.paid.amountMinor);
    const recorded = (await paidSum(invoiceId)) - 1000n + (await paidSum(otherInvoice));
    expect(['700', '800', '500']).toContain(recorded.toString());
    expect(ok(await gql(h.url, op.RECONCILIATION, {}, h.operatorKey)).reconciliation.balanced).toBe(true);
  });

  it('recordQualityEvents: an externalId reused with other content is refused per event, and a true resubmission is a DUPLICATE', async () => {
    const at = new Date(h.clock.now().getTime() - 60_000).toISOString();
    const event = { externalId: 'audit-1', kind: 'AUDIT', vendorId: m.vendorA.id, auditResult: 'PASS', notes: 'fine', occurredAt: at };
    const send = async (e: Record<string, unknown>) =>
      ok(await gql(h.url, op.RECORD_EVENTS, { input: { events: [e] } }, h.operatorKey)).recordQualityEvents.receipts[0];
    expect(await send(event)).toMatchObject({ status: 'ACCEPTED' });
    const after = await rowCounts(h.orm);
    expect(await send(event)).toMatchObject({ status: 'DUPLICATE' });
    expect(await send({ ...event, auditResult: 'FAIL' })).toMatchObject({
      status: 'REJECTED',
      rejection: { code: 'EXTERNAL_ID_REUSED', field: 'events[0].externalId' },
    });
    expect(await send({ ...event, vendorId: m.vendorB.id })).toMatchObject({ status: 'REJECTED', rejection: { code: 'EXTERNAL_ID_REUSED' } });
    expect(await rowCounts(h.orm)).toEqual(after);
  });
});
