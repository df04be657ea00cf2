import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearSpike } from '../src/domain/clearing/clear-spike.js';
import { neutralQualityScores } from '../src/domain/quality/quality-scores.js';
import { aBid, aMarket, anOpenSpike, type Market } from './support/builders.js';
import { errorCode, gql, ok } from './support/client.js';
import { resetState, rowCounts, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';
import { aDeliveredContract, fullInterval, reportDelivery, usd } from './support/settlement-fixtures.js';

/** Delivery reports, payments and settlements refused with typed errors, writing nothing. */
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

const aContract = (overrides: Record<string, unknown> = {}) => aDeliveredContract(h, m, overrides);
const report = (contractId: string, key: string, reports: Record<string, unknown>[]) => reportDelivery(h, contractId, key, reports);
const full = fullInterval;

describe('bad delivery reports', () => {
  it.each([
    // A valid report first in each batch: the whole batch must be refused, not just the bad line.
    ['an interval outside the contract', [full(1), { ...full(0), intervalIndex: 9 }], /^input\.reports\[1\]\.intervalIndex$/],
    ['negative seat-hours', [full(1), { ...full(0), staffedSeatHours: -1 }], /^input\.reports\[1\]\.staffedSeatHours$/],
    ['more than four decimals', [full(1), { ...full(0), staffedSeatHours: 1.00001 }], /^input\.reports\[1\]\.staffedSeatHours$/],
    ['an implausible number of seat-hours', [full(1), { ...full(0), staffedSeatHours: 50 }], /^input\.reports\[1\]\.staffedSeatHours$/],
    ['a service level above 1', [full(1), { ...full(0), serviceLevelAchieved: 1.2 }], /^input\.reports\[1\]\.serviceLevelAchieved$/],
    ['the same interval twice', [full(1), full(0), full(0)], /^input\.reports\[2\]\.intervalIndex$/],
    ['an empty batch', [], /^input\.reports$/],
    // Issue 12: the values the input type used to refuse at the edge come back in the same shape.
    ['a negative interval index', [full(1), { ...full(0), intervalIndex: -1 }], /^input\.reports\[1\]\.intervalIndex$/],
    ['more seat-hours than any contract could staff', [full(1), { ...full(0), staffedSeatHours: 5_000_000 }], /^input\.reports\[1\]\.staffedSeatHours$/],
    ['negative contacts', [full(1), { ...full(0), contactsHandled: -1 }], /^input\.reports\[1\]\.contactsHandled$/],
    ['over a million contacts', [full(1), { ...full(0), contactsHandled: 1_000_001 }], /^input\.reports\[1\]\.contactsHandled$/],
    ['a negative service level', [full(1), { ...full(0), serviceLevelAchieved: -0.1 }], /^input\.reports\[1\]\.serviceLevelAchieved$/],
    [
      'a service level finer than parts per million (not rounded)',
      [full(1), { ...full(0), serviceLevelAchieved: 0.8500001 }],
      /^input\.reports\[1\]\.serviceLevelAchieved$/,
    ],
    ['a thousand and one reports', Array.from({ length: 1_001 }, (_, i) => ({ ...full(0), intervalIndex: i })), /^input\.reports$/],
  ])('refuses %s as a ValidationError naming the field, and writes nothing', async (_name, reports, field) => {
    const contractId = await aContract();
    ok(await report(contractId, m.vendorA.key, [full(3)]));
    const before = await rowCounts(h.orm);
    const r = await report(contractId, m.vendorA.key, reports);
    // One shape for every input error: a result-union member, never a top-level error.
    expect(r.errors).toBeUndefined();
    expect(r.data?.reportDelivery).toMatchObject({ __typename: 'ValidationError', code: 'BAD_USER_INPUT', field: expect.stringMatching(field) });
    expect(await rowCounts(h.orm)).toEqual(before);
  });

  it('stores service levels with six decimals exactly, and seat-hours with four', async () => {
    const contractId = await aContract();
    ok(await report(contractId, m.vendorA.key, [{ intervalIndex: 0, staffedSeatHours: 1.2345, contactsHandled: 10, serviceLevelAchieved: 0.123457 }]));
    const [row] = await h.orm.em.getConnection().execute('select staffed_units, service_level_ppm from delivery_report where contract_id = ?', [contractId]);
    expect(row).toEqual({ staffed_units: '12345', service_level_ppm: 123457 });
  });

  it('refuses bad payments and settlements with typed errors, writing nothing', async () => {
    const contractId = await aContract();
    ok(await report(contractId, m.vendorA.key, [full(0)]));
    const invoice = ok(await gql(h.url, op.SETTLE, { id: contractId }, m.brand.financeKey)).settleContract.invoice;
    const before = await rowCounts(h.orm);
    const pay = (input: Record<string, unknown>, key = 'k') =>
      gql(h.url, op.PAY, { input: { invoiceId: invoice.id, amount: usd('100'), ...input }, key }, m.brand.financeKey);
    const refusal = (r: Awaited<ReturnType<typeof pay>>) => r.errors?.[0]?.extensions ?? r.data?.recordPayment;
    expect(refusal(await pay({ amount: usd('0') }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.amount.amountMinor' });
    expect(refusal(await pay({ amount: usd('-5') }))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.amount.amountMinor' });
    expect(refusal(await pay({ amount: { amountMinor: '1.5', currency: 'USD' } }))).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(refusal(await pay({ amount: { amountMinor: '100', currency: 'usd' } }))).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(refusal(await pay({ invoiceId: 'nope' }))).toMatchObject({ code: 'BAD_USER_INPUT' });
    expect(refusal(await pay({}, 'x'.repeat(201)))).toMatchObject({ code: 'BAD_USER_INPUT', field: 'idempotencyKey' });
    expect(errorCode(await gql(h.url, op.SETTLE, { id: 'not-a-uuid' }, m.brand.financeKey))).toBe('BAD_USER_INPUT');
    expect(errorCode(await gql(h.url, op.SETTLE, { id: '01a21078-f6e2-7004-9b30-6486ffc789df' }, m.brand.financeKey))).toBe('NOT_FOUND');
    expect(errorCode(await gql(h.url, op.STATEMENT, { id: invoice.id, from: '2026-02-01T00:00:00Z', to: '2026-01-01T00:00:00Z' }, m.brand.financeKey))).toBe(
      'BAD_USER_INPUT',
    );
    expect(errorCode(await gql(h.url, op.BALANCES, { currency: 'XXQ' }, m.brand.financeKey))).toBe('BAD_USER_INPUT');
    expect(await rowCounts(h.orm)).toEqual(before);
  });

  it('refuses intervals that have not ended yet, and foreign contracts', async () => {
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
    await aBid(h.url, m.vendorA.key, spikeId);
    ok(await gql(h.url, op.CLOSE, { id: spikeId }, m.brand.key));
    const { contractIds } = (await clearSpike(h.orm.em.fork() as never, h.clock, neutralQualityScores, spikeId)) as { contractIds: string[] };
    expect(ok(await report(contractIds[0]!, m.vendorA.key, [full(0)])).reportDelivery).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.reports[0].intervalIndex',
    });
    expect(errorCode(await report(contractIds[0]!, m.vendorB.key, [full(0)]))).toBe('NOT_FOUND');
    expect(errorCode(await report(contractIds[0]!, m.otherBrand.key, [full(0)]))).toBe('NOT_FOUND');
  });
});
