import { Queue, Worker } from 'bullmq';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearSpike } from '../src/domain/clearing/clear-spike.js';
import { neutralQualityScores } from '../src/domain/quality/quality-scores.js';
import { authenticate } from '../src/domain/access/api-keys.js';
import { accruals } from '../src/domain/settlement/finance-queries.js';
import { accountId } from '../src/domain/settlement/ledger.js';
import { DEFAULT_POLICY, settleContract, settleContracts } from '../src/domain/settlement/settle-contract.js';
import { aBid, aMarket, anOpenSpike, type Market } from './support/builders.js';
import {
  FAILED_RETRY_COOL_DOWN_MS,
  redisConnection,
  SETTLE_CONTRACT,
  SETTLE_JOB_OPTIONS,
  SETTLEMENT_QUEUE,
  settleJobId,
  type SettlementJobData,
} from '../workers/queues.js';
import { sweepSettlements } from '../workers/settlement.processor.js';
import { errorCode, gql, ok } from './support/client.js';
import { TEST_REDIS_URL } from './support/env.js';
import { resetState, rowCounts, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';

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

const usd = (amountMinor: string) => ({ amountMinor, currency: 'USD' });
const DAY = 86_400_000;

/** A contract for vendor A: 4 seats in each of four 30-minute intervals at 25.00 USD per seat-hour, all intervals over. */
async function aContract(overrides: Record<string, unknown> = {}): Promise<string> {
  const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key, overrides);
  await aBid(h.url, m.vendorA.key, spikeId, { rate: usd('2500'), offered: [0, 1, 2, 3].map((index) => ({ index, seats: 4 })) });
  ok(await gql(h.url, op.CLOSE, { id: spikeId }, m.brand.key));
  const awarded = await clearSpike(h.orm.em.fork() as never, h.clock, neutralQualityScores, spikeId);
  if (awarded.kind !== 'AWARDED') throw new Error('did not clear');
  h.clock.advance(3 * DAY);
  return awarded.contractIds[0]!;
}

const report = (contractId: string, key: string, reports: Record<string, unknown>[]) => gql(h.url, op.REPORT_DELIVERY, { input: { contractId, reports } }, key);
const full = (index: number, serviceLevelAchieved = 0.85) => ({ intervalIndex: index, staffedSeatHours: 2, contactsHandled: 40, serviceLevelAchieved });

describe('settlement', () => {
  it('invoices per interval with a service credit and the fee, and posts a balanced transaction', async () => {
    const contractId = await aContract();
    const receipt = ok(
      await report(contractId, m.vendorA.key, [
        full(0),
        full(1),
        { intervalIndex: 2, staffedSeatHours: 1.5, contactsHandled: 30, serviceLevelAchieved: 0.745 },
        full(3),
      ]),
    ).reportDelivery;
    expect(receipt).toMatchObject({ source: 'VENDOR', accepted: 4, adjustmentDue: false });
    const settled = ok(await gql(h.url, op.SETTLE, { id: contractId }, m.brand.financeKey)).settleContract;
    // Base 5000 + 5000 + 3750 + 5000 = 18750; credit 5.5% of 3750 = 206.25 → 206; fee 2% of 18544 = 370.88 → 371.
    expect(settled).toMatchObject({
      outcome: 'SETTLED',
      invoice: { kind: 'INVOICE', status: 'ISSUED', net: usd('18544'), fee: usd('371'), vendorPayout: usd('18173') },
    });
    const invoice = ok(await gql(h.url, op.INVOICE, { id: settled.invoice.id }, m.vendorA.financeKey)).invoice;
    expect(invoice.lines.map((l: any) => [l.kind, l.intervalIndex, l.amount.amountMinor])).toEqual([
      ['BASE', 0, '5000'],
      ['BASE', 1, '5000'],
      ['BASE', 2, '3750'],
      ['CREDIT', 2, '-206'],
      ['BASE', 3, '5000'],
      ['FEE', null, '371'],
    ]);
    const balances = ok(await gql(h.url, op.BALANCES, { currency: 'USD' }, m.brand.financeKey)).ledgerBalances;
    expect(balances).toEqual([expect.objectContaining({ organizationId: m.brand.id, kind: 'ORGANIZATION', balance: usd('18544') })]);
    const vendorBalances = ok(await gql(h.url, op.BALANCES, {}, m.vendorA.financeKey)).ledgerBalances;
    expect(vendorBalances).toEqual([expect.objectContaining({ organizationId: m.vendorA.id, balance: usd('-18173') })]);
    const recon = ok(await gql(h.url, op.RECONCILIATION, {}, h.operatorKey)).reconciliation;
    expect(recon).toEqual({ balanced: true, discrepancies: [], sums: [usd('0')] });
  });

  it('lets the brand’s report take precedence under ENTERPRISE_ROUTED', async () => {
    const contractId = await aContract({ outsourcingModel: 'ENTERPRISE_ROUTED' });
    ok(await report(contractId, m.vendorA.key, [full(0)]));
    ok(await report(contractId, m.brand.key, [{ intervalIndex: 0, staffedSeatHours: 1, contactsHandled: 10, serviceLevelAchieved: 0.9 }]));
    const settled = ok(await gql(h.url, op.SETTLE, { id: contractId }, m.brand.financeKey)).settleContract;
    expect(settled.invoice.net).toEqual(usd('2500'));
  });

  it('lets the vendor’s report take precedence under NETWORK_DELIVERED', async () => {
    const contractId = await aContract({ outsourcingModel: 'NETWORK_DELIVERED' });
    ok(await report(contractId, m.vendorA.key, [full(0)]));
    ok(await report(contractId, m.brand.key, [{ intervalIndex: 0, staffedSeatHours: 1, contactsHandled: 10, serviceLevelAchieved: 0.9 }]));
    expect(ok(await gql(h.url, op.SETTLE, { id: contractId }, m.brand.financeKey)).settleContract.invoice.net).toEqual(usd('5000'));
  });

  it('settles exactly once when run twice at the same time, and again later', async () => {
    const contractId = await aContract();
    ok(await report(contractId, m.vendorA.key, [full(0), full(1)]));
    const outcomes = await Promise.all([0, 1, 2].map(() => settleContract(h.orm.em.fork() as never, h.clock, contractId, DEFAULT_POLICY)));
    expect(outcomes.map((o) => o.kind).sort()).toEqual(['ALREADY_SETTLED', 'ALREADY_SETTLED', 'SETTLED']);
    expect((await settleContract(h.orm.em.fork() as never, h.clock, contractId, DEFAULT_POLICY)).kind).toBe('ALREADY_SETTLED');
    const counts = await rowCounts(h.orm);
    expect(counts).toMatchObject({ settlement: 1, invoice: 1, ledger_transaction: 1, ledger_entry: 3 });
  });

  it('settles overlapping batches concurrently, each contract once, and leaves a contract that is not due', async () => {
    const [a, b, c] = [await aContract(), await aContract(), await aContract()];
    for (const id of [a, b, c]) ok(await report(id, m.vendorA.key, [full(0), full(1, 0.7)]));
    const notDue = await aContract();
    h.clock.advance(-3 * DAY); // back to before notDue's intervals: a, b and c are due, notDue is not
    const em = () => h.orm.em.fork() as never;
    const req = (contractId: string) => ({ contractId, force: false });
    const [first, second] = await Promise.all([
      settleContracts(em(), h.clock, [req(a), req(b), req(c), req(notDue)], DEFAULT_POLICY),
      settleContracts(em(), h.clock, [req(c), req(b), req(b)], DEFAULT_POLICY),
    ]);
    expect(first.map((o) => o.contractId)).toEqual([a, b, c, notDue]);
    expect(first[3]!.kind).toBe('NOT_DUE');
    expect(second[1]).toEqual(second[2]);
    const kinds = [...first.slice(0, 3), ...second.slice(0, 2)].map((o) => o.kind).sort();
    expect(kinds).toEqual(['ALREADY_SETTLED', 'ALREADY_SETTLED', 'SETTLED', 'SETTLED', 'SETTLED']);
    expect(await rowCounts(h.orm)).toMatchObject({ settlement: 3, invoice: 3, ledger_transaction: 3 });
    expect(ok(await gql(h.url, op.RECONCILIATION, {}, h.operatorKey)).reconciliation.balanced).toBe(true);
  });

  it('does not settle before the end plus the grace period unless finance asks', async () => {
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
    await aBid(h.url, m.vendorA.key, spikeId);
    ok(await gql(h.url, op.CLOSE, { id: spikeId }, m.brand.key));
    const awarded = await clearSpike(h.orm.em.fork() as never, h.clock, neutralQualityScores, spikeId);
    const contractId = (awarded as { contractIds: string[] }).contractIds[0]!;
    expect(await settleContract(h.orm.em.fork() as never, h.clock, contractId, DEFAULT_POLICY)).toMatchObject({ kind: 'NOT_DUE' });
    expect(ok(await gql(h.url, op.SETTLE, { id: contractId }, h.operatorKey)).settleContract.outcome).toBe('SETTLED');
  });

  it('posts exactly the difference when actuals arrive after settlement', async () => {
    const contractId = await aContract();
    ok(await report(contractId, m.vendorA.key, [full(0), full(1)]));
    const first = ok(await gql(h.url, op.SETTLE, { id: contractId }, m.brand.financeKey)).settleContract.invoice;
    expect(first.net).toEqual(usd('10000'));
    const late = ok(
      await report(contractId, m.vendorA.key, [{ intervalIndex: 1, staffedSeatHours: 1, contactsHandled: 20, serviceLevelAchieved: 0.85 }, full(2)]),
    ).reportDelivery;
    expect(late.adjustmentDue).toBe(true);
    const adjusted = ok(await gql(h.url, op.SETTLE, { id: contractId }, m.brand.financeKey)).settleContract;
    // Interval 1 drops by 2500, interval 2 adds 5000: +2500 net; fee 2% of 12500 = 250 against 200 before: +50.
    expect(adjusted).toMatchObject({ outcome: 'ADJUSTED', invoice: { kind: 'DEBIT_NOTE', net: usd('2500'), fee: usd('50'), vendorPayout: usd('2450') } });
    const original = ok(await gql(h.url, op.INVOICE, { id: first.id }, m.brand.financeKey)).invoice;
    expect(original.status).toBe('ADJUSTED');
    const brand = ok(await gql(h.url, op.BALANCES, {}, m.brand.financeKey)).ledgerBalances[0];
    expect(brand.balance).toEqual(usd('12500'));
    ok(await report(contractId, m.vendorA.key, [{ intervalIndex: 2, staffedSeatHours: 0, contactsHandled: 0, serviceLevelAchieved: null }]));
    const credit = ok(await gql(h.url, op.SETTLE, { id: contractId }, h.operatorKey)).settleContract;
    expect(credit).toMatchObject({ outcome: 'ADJUSTED', invoice: { kind: 'CREDIT_NOTE', net: usd('-5000'), fee: usd('-100') } });
    expect(ok(await gql(h.url, op.SETTLE, { id: contractId }, h.operatorKey)).settleContract.outcome).toBe('ALREADY_SETTLED');
    expect(ok(await gql(h.url, op.RECONCILIATION, {}, h.operatorKey)).reconciliation.balanced).toBe(true);
    expect((await rowCounts(h.orm)).settlement).toBe(3);
  });

  it('records payments, refusing overpayment, other currencies and replays with another invoice', async () => {
    const contractId = await aContract();
    ok(await report(contractId, m.vendorA.key, [full(0)]));
    const invoice = ok(await gql(h.url, op.SETTLE, { id: contractId }, m.brand.financeKey)).settleContract.invoice;
    const pay = (amountMinor: string, key: string, currency = 'USD') =>
      gql(h.url, op.PAY, { input: { invoiceId: invoice.id, amount: { amountMinor, currency } }, key }, m.brand.financeKey);
    expect(ok(await pay('1000', 'p1')).recordPayment).toMatchObject({ status: 'PARTIALLY_PAID', paid: usd('1000') });
    expect(ok(await pay('1000', 'p1')).recordPayment).toMatchObject({ paid: usd('1000') });
    expect(ok(await pay('4001', 'p2')).recordPayment).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.amount.amountMinor' });
    expect(ok(await pay('100', 'p3', 'EUR')).recordPayment).toMatchObject({ code: 'BAD_USER_INPUT', field: 'input.amount.currency' });
    expect(ok(await pay('4000', 'p4')).recordPayment).toMatchObject({ status: 'PAID', paid: usd('5000') });
    expect(ok(await gql(h.url, op.BALANCES, {}, m.brand.financeKey)).ledgerBalances[0].balance).toEqual(usd('0'));
    expect(ok(await gql(h.url, op.RECONCILIATION, {}, h.operatorKey)).reconciliation.balanced).toBe(true);
    expect(errorCode(await gql(h.url, op.PAY, { input: { invoiceId: invoice.id, amount: usd('1') }, key: 'x' }, m.vendorA.financeKey))).toBe('NOT_FOUND');
  });

  it('reports accruals, statements with CSV, and invoices filtered and scoped', async () => {
    const contractId = await aContract();
    ok(await report(contractId, m.vendorA.key, [full(0)]));
    expect(ok(await gql(h.url, op.ACCRUALS, {}, m.brand.financeKey)).accruals).toEqual([{ contractId, unsettledNet: usd('5000') }]);
    expect(ok(await gql(h.url, op.ACCRUALS, {}, m.otherBrand.financeKey)).accruals).toEqual([]);
    ok(await gql(h.url, op.SETTLE, { id: contractId }, m.brand.financeKey));
    expect(ok(await gql(h.url, op.ACCRUALS, {}, m.brand.financeKey)).accruals).toEqual([]);
    const [account] = ok(await gql(h.url, op.BALANCES, {}, m.brand.financeKey)).ledgerBalances;
    const statement = ok(
      await gql(
        h.url,
        op.STATEMENT,
        { id: account.accountId, from: new Date(0).toISOString(), to: new Date(h.clock.now().getTime() + 1000).toISOString() },
        m.brand.financeKey,
      ),
    ).accountStatement;
    expect(statement).toMatchObject({ opening: usd('0'), closing: usd('5000'), entries: [{ kind: 'SETTLEMENT', amount: usd('5000'), balance: usd('5000') }] });
    expect(statement.csv.split('\n')[0]).toBe('posted_at,transaction_id,kind,description,amount_minor,balance_minor');
    expect(
      errorCode(
        await gql(h.url, op.STATEMENT, { id: account.accountId, from: new Date(0).toISOString(), to: new Date().toISOString() }, m.otherBrand.financeKey),
      ),
    ).toBe('NOT_FOUND');
    expect(ok(await gql(h.url, op.INVOICES, { filter: { status: 'ISSUED' } }, m.vendorA.financeKey)).invoices.nodes).toHaveLength(1);
    expect(ok(await gql(h.url, op.INVOICES, { filter: { status: 'PAID' } }, m.vendorA.financeKey)).invoices.nodes).toHaveLength(0);
    expect(ok(await gql(h.url, op.INVOICES, {}, m.vendorB.financeKey)).invoices.nodes).toHaveLength(0);
  });
});

describe('accruals across many contracts', () => {
  it('lists every contract with unsettled value, across query batches, for each party', async () => {
    const ids = [await aContract(), await aContract(), await aContract()];
    for (const id of ids) ok(await report(id, m.vendorA.key, [full(0)]));
    const brand = await authenticate(h.orm.em.fork() as never, m.brand.financeKey);
    for (const batch of [1, 2, 3, 500]) {
      const listed = await accruals(h.orm.em.fork() as never, brand, DEFAULT_POLICY, batch);
      expect(listed.map((a) => a.contractId).sort(), `batch ${batch}`).toEqual([...ids].sort());
      expect(listed.every((a) => a.unsettledNetMinor === 5000n)).toBe(true);
    }
  });
});

describe('the ledger in the database', () => {
  it('does not remember an account created by a transaction that rolled back', async () => {
    const create = (em: never) => accountId(em, m.vendorC.id, 'EUR', 'ORGANIZATION', h.clock.now());
    // Asked twice in the same transaction, as a batch of settlements does: the second call finds
    // the row this transaction created, which must not be remembered either.
    await expect(
      h.orm.em.fork().transactional(async (em) => {
        await create(em as never);
        await create(em as never);
        throw new Error('rolled back');
      }),
    ).rejects.toThrow('rolled back');
    const id = await h.orm.em.fork().transactional((em) => create(em as never));
    const again = await h.orm.em.fork().transactional((em) => create(em as never));
    expect(again).toBe(id);
    expect((await h.orm.em.getConnection().execute('select count(*)::int as n from ledger_account where id = ?', [id]))[0]!.n).toBe(1);
  });

  it('refuses an unbalanced transaction at commit, and any update or delete of posted entries', async () => {
    const contractId = await aContract();
    ok(await report(contractId, m.vendorA.key, [full(0)]));
    ok(await gql(h.url, op.SETTLE, { id: contractId }, m.brand.financeKey));
    const conn = h.orm.em.getConnection();
    const account = (await conn.execute('select id from ledger_account limit 1'))[0]!;
    await expect(
      h.orm.em.fork().transactional(async (em) => {
        await em.execute(
          `insert into ledger_transaction (id, kind, idempotency_key, currency, description, posted_at) values ('00000000-0000-7000-8000-000000000001', 'PAYMENT', 'bad', 'USD', 'unbalanced', now())`,
        );
        await em.execute(
          `insert into ledger_entry (id, transaction_id, account_id, amount_minor, posted_at) values ('00000000-0000-7000-8000-000000000002', '00000000-0000-7000-8000-000000000001', ?, 5, now())`,
          [account.id],
        );
      }),
    ).rejects.toThrow(/does not balance/);
    await expect(conn.execute('update ledger_entry set amount_minor = amount_minor + 1')).rejects.toThrow(/append-only/);
    await expect(conn.execute('delete from ledger_transaction')).rejects.toThrow(/append-only/);
    expect(ok(await gql(h.url, op.RECONCILIATION, {}, h.operatorKey)).reconciliation.balanced).toBe(true);
  });
});

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

describe('settlement sweeper', () => {
  it('settles a due contract whose job failed for good, once the cool-down has passed', async () => {
    const contractId = await aContract();
    // Due whatever the clock says (as after late actuals), so the test can set the clock by the job's real failure time.
    await h.orm.em.getConnection().execute('update contract set needs_settlement = true where id = ?', [contractId]);
    // A queue of its own without a consumer, so the job stays in the state the test puts it in.
    const prefix = `bx-settle-sweep-${process.pid}-${Date.now()}`;
    const queue = new Queue<SettlementJobData>(SETTLEMENT_QUEUE, { connection: redisConnection(TEST_REDIS_URL, true), prefix });
    const taker = new Worker<SettlementJobData>(SETTLEMENT_QUEUE, null, { connection: redisConnection(TEST_REDIS_URL, true), prefix, autorun: false });
    const deps = { orm: h.orm, clock: h.clock, logger: pino({ level: 'silent' }), policy: DEFAULT_POLICY, queue };
    const state = async () => (await queue.getJob(settleJobId(contractId)))!.getState();
    try {
      await queue.add(SETTLE_CONTRACT, { contractId }, { ...SETTLE_JOB_OPTIONS, jobId: settleJobId(contractId), attempts: 1 });
      const job = await taker.getNextJob('token');
      await job.moveToFailed(new Error('database unreachable'), 'token'); // its last attempt, during a long outage
      h.clock.set(new Date(job.finishedOn! + 60_000));
      expect(await sweepSettlements(deps)).toEqual({ enqueued: 0 });
      expect(await state()).toBe('failed');
      h.clock.set(new Date(job.finishedOn! + FAILED_RETRY_COOL_DOWN_MS + 1));
      expect(await sweepSettlements(deps)).toEqual({ enqueued: 1 });
      expect(await state()).toBe('waiting');
    } finally {
      await taker.close();
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
});
