import { Queue, Worker } from 'bullmq';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { authenticate } from '../src/domain/access/api-keys.js';
import { clearSpike } from '../src/domain/clearing/clear-spike.js';
import { neutralQualityScores } from '../src/domain/quality/quality-scores.js';
import { accruals, type Accrual } from '../src/domain/settlement/finance-queries.js';
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
import { aDeliveredContract, DAY, fullInterval, reportDelivery, usd } from './support/settlement-fixtures.js';
import { describeNeeding } from './support/requires.js';

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
    const balances = ok(await gql(h.url, op.BALANCES, { currency: 'USD' }, m.brand.financeKey)).ledgerBalances.nodes;
    expect(balances).toEqual([expect.objectContaining({ organizationId: m.brand.id, kind: 'ORGANIZATION', balance: usd('18544') })]);
    const vendorBalances = ok(await gql(h.url, op.BALANCES, {}, m.vendorA.financeKey)).ledgerBalances.nodes;
    expect(vendorBalances).toEqual([expect.objectContaining({ organizationId: m.vendorA.id, balance: usd('-18173') })]);
    const recon = ok(await gql(h.url, op.RECONCILIATION, {}, h.operatorKey)).reconciliation;
    expect(recon).toEqual({ balanced: true, discrepancies: [], discrepancyCount: 0, sums: [usd('0')] });
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
    const brand = ok(await gql(h.url, op.BALANCES, {}, m.brand.financeKey)).ledgerBalances.nodes[0];
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
    expect(ok(await gql(h.url, op.BALANCES, {}, m.brand.financeKey)).ledgerBalances.nodes[0].balance).toEqual(usd('0'));
    expect(ok(await gql(h.url, op.RECONCILIATION, {}, h.operatorKey)).reconciliation.balanced).toBe(true);
    expect(errorCode(await gql(h.url, op.PAY, { input: { invoiceId: invoice.id, amount: usd('1') }, key: 'x' }, m.vendorA.financeKey))).toBe('NOT_FOUND');
  });

  it('reports accruals, statements with CSV, and invoices filtered and scoped', async () => {
    const contractId = await aContract();
    ok(await report(contractId, m.vendorA.key, [full(0)]));
    expect(ok(await gql(h.url, op.ACCRUALS, {}, m.brand.financeKey)).accruals.nodes).toEqual([{ contractId, unsettledNet: usd('5000') }]);
    expect(ok(await gql(h.url, op.ACCRUALS, {}, m.otherBrand.financeKey)).accruals.nodes).toEqual([]);
    ok(await gql(h.url, op.SETTLE, { id: contractId }, m.brand.financeKey));
    expect(ok(await gql(h.url, op.ACCRUALS, {}, m.brand.financeKey)).accruals.nodes).toEqual([]);
    const [account] = ok(await gql(h.url, op.BALANCES, {}, m.brand.financeKey)).ledgerBalances.nodes;
    const statement = op.flatPages(
      ok(
        await gql(
          h.url,
          op.STATEMENT,
          { id: account.accountId, from: new Date(0).toISOString(), to: new Date(h.clock.now().getTime() + 1000).toISOString() },
          m.brand.financeKey,
        ),
      ).accountStatement,
    );
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
  it('lists every contract with unsettled value, page by page, for each party', async () => {
    const ids = [await aContract(), await aContract(), await aContract()];
    for (const id of ids) ok(await report(id, m.vendorA.key, [full(0)]));
    const brand = await authenticate(h.orm.em.fork() as never, m.brand.financeKey);
    for (const first of [1, 2, 3, 100]) {
      const listed: Accrual[] = [];
      for (let after: string | null = null; ;) {
        const page = await accruals(h.orm.em.fork() as never, brand, DEFAULT_POLICY, { first, after });
        listed.push(...page.items);
        if (!page.hasNextPage) break;
        after = page.items.at(-1)!.contractId;
      }
      expect(
        listed.map((a) => a.contractId),
        `first ${first}`,
      ).toEqual([...ids].sort());
      expect(listed.every((a) => a.unsettledNetMinor === 5000n)).toBe(true);
    }
  });

  it('pages accruals over GraphQL with cursors and PageInfo both ways', async () => {
    const ids = [await aContract(), await aContract(), await aContract()].sort();
    const page = (after?: string) => gql(h.url, op.ACCRUALS_PAGE, { first: 2, after }, m.brand.financeKey).then((r) => ok(r).accruals);
    const one = await page();
    expect(one.nodes.map((a: any) => a.contractId)).toEqual(ids.slice(0, 2));
    expect(one.pageInfo).toMatchObject({ hasNextPage: true, hasPreviousPage: false, startCursor: one.edges[0].cursor, endCursor: one.edges[1].cursor });
    const two = await page(one.pageInfo.endCursor);
    expect(two.nodes.map((a: any) => a.contractId)).toEqual(ids.slice(2));
    expect(two.pageInfo).toMatchObject({ hasNextPage: false, hasPreviousPage: true, startCursor: two.edges[0].cursor, endCursor: two.edges[0].cursor });
  });
});

describeNeeding(import.meta.url, ['redis'])('settlement sweeper', () => {
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
