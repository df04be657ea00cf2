import pg from 'pg';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearSpike } from '../src/domain/clearing/clear-spike.js';
import { neutralQualityScores } from '../src/domain/quality/quality-scores.js';
import { DEFAULT_POLICY, settleContracts } from '../src/domain/settlement/settle-contract.js';
import { createOrm } from '../src/persistence/orm.js';
import { aBid, aMarket, anOpenSpike, type Market } from './support/builders.js';
import { errorCode, gql, ok } from './support/client.js';
import { TEST_DATABASE_URL } from './support/env.js';
import { resetState, rowCounts, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';
import { describeNeeding } from './support/requires.js';

/**
 * Finance that tells no tenant the market's volume: invoice numbers run per issuing vendor, held
 * by PostgreSQL under concurrent group-committed settlements and kept across the migration; and
 * the finance queries a team needs (invoices of one contract, every open contract's accrual).
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
const INVOICE_NUMBERS = `query($filter: InvoiceFilterInput, $first: Int) { invoices(filter: $filter, first: $first) { nodes { id number kind vendorId contractId net { amountMinor } } } }`;

/**
 * A spike each of `vendors` wins a share of (3 seats in each of its four intervals), cleared,
 * its intervals over: one contract per vendor, returned in vendor order.
 */
async function contractsOf(vendors: { key: string; id: string }[]): Promise<string[]> {
  const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
  for (const v of vendors) await aBid(h.url, v.key, spikeId, { offered: [0, 1, 2, 3].map((index) => ({ index, seats: 3 })) });
  ok(await gql(h.url, op.CLOSE, { id: spikeId }, m.brand.key));
  const awarded = await clearSpike(h.orm.em.fork() as never, h.clock, neutralQualityScores, spikeId);
  if (awarded.kind !== 'AWARDED' || awarded.contractIds.length !== vendors.length) throw new Error('did not clear');
  const rows = await h.orm.em.getConnection().execute<{ id: string; vendor_id: string }[]>('select id, vendor_id from contract where spike_id = ?', [spikeId]);
  return vendors.map((v) => rows.find((r) => r.vendor_id === v.id)!.id);
}

const report = (contractId: string, key: string, staffed = 1) =>
  gql(
    h.url,
    op.REPORT_DELIVERY,
    { input: { contractId, reports: [{ intervalIndex: 0, staffedSeatHours: staffed, contactsHandled: 30, serviceLevelAchieved: 0.9 }] } },
    key,
  );

describe('invoice numbers', () => {
  it('run per issuing vendor, shared by its invoices and notes, so no tenant learns anyone else’s volume', async () => {
    const [a1, b1] = await contractsOf([m.vendorA, m.vendorB]);
    const [a2] = await contractsOf([m.vendorA]);
    h.clock.advance(3 * DAY);
    for (const c of [a1!, a2!]) ok(await report(c, m.vendorA.key));
    ok(await report(b1!, m.vendorB.key));
    const settle = async (id: string) => ok(await gql(h.url, op.SETTLE, { id }, m.brand.financeKey)).settleContract;
    const number = async (invoiceId: string) => ok(await gql(h.url, op.INVOICE, { id: invoiceId }, m.brand.financeKey)).invoice.number;
    const first = await settle(a1!);
    expect(await number(first.invoice.id)).toBe('1');
    expect(await number((await settle(b1!)).invoice.id)).toBe('1');
    expect(await number((await settle(a2!)).invoice.id)).toBe('2');
    ok(await report(a1!, m.vendorA.key, 1.5)); // late actuals: a debit note, in vendor A's sequence
    const note = await settle(a1!);
    expect(note).toMatchObject({ outcome: 'ADJUSTED', invoice: { kind: 'DEBIT_NOTE' } });
    expect(await number(note.invoice.id)).toBe('3');
    // Vendor B sees only its own number 1; the brand sees both vendors' sequences.
    expect(ok(await gql(h.url, INVOICE_NUMBERS, {}, m.vendorB.financeKey)).invoices.nodes.map((i: any) => i.number)).toEqual(['1']);
    const brands = ok(await gql(h.url, INVOICE_NUMBERS, {}, m.brand.financeKey)).invoices.nodes.map(
      (i: any) => `${i.vendorId === m.vendorA.id ? 'A' : 'B'}${i.number}`,
    );
    expect(brands.sort()).toEqual(['A1', 'A2', 'A3', 'B1']);
    expect(ok(await gql(h.url, op.RECONCILIATION, {}, h.operatorKey)).reconciliation).toMatchObject({ balanced: true, discrepancies: [], discrepancyCount: 0 });
  });

  it('stay gapless and unique per vendor when overlapping batches settle concurrently, without deadlocks', async () => {
    const vendors = [m.vendorA, m.vendorB, m.vendorC];
    const bySpike: string[][] = [];
    for (let s = 0; s < 8; s++) bySpike.push(await contractsOf(vendors));
    h.clock.advance(3 * DAY);
    const [A, B, C] = [0, 1, 2];
    const c = (spike: number, vendor: number) => bySpike[spike]![vendor]!;
    // Each batch locks its contracts in id order (spike by spike here), so these pairs reach the
    // vendors in opposite orders: numbering invoice by invoice would deadlock them.
    const batches = [
      [c(0, A), c(1, B), c(2, C)],
      [c(0, C), c(1, B), c(2, A)],
      [c(3, B), c(4, A)],
      [c(3, A), c(4, B)],
      [c(5, C), c(6, A), c(7, B)],
      [c(5, B), c(6, C), c(7, A)],
      [c(5, A), c(6, B), c(7, C)],
      bySpike.flat().reverse(),
      bySpike.flat(),
    ];
    const results = await Promise.allSettled(
      batches.map((ids) =>
        settleContracts(
          h.orm.em.fork() as never,
          h.clock,
          ids.map((contractId) => ({ contractId, force: false })),
          DEFAULT_POLICY,
        ),
      ),
    );
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    const rows = await h.orm.em
      .getConnection()
      .execute<{ vendor_id: string; numbers: string[] }[]>(
        'select vendor_id, array_agg(number::text order by number) as numbers from invoice group by vendor_id',
      );
    expect(rows).toHaveLength(3);
    for (const r of rows) expect(r.numbers).toEqual(['1', '2', '3', '4', '5', '6', '7', '8']);
    expect(await rowCounts(h.orm)).toMatchObject({ invoice: 24, settlement: 24, invoice_number_counter: 3 });
  }, 60_000);

  it('are numbered by PostgreSQL itself and can never be changed', async () => {
    const [a1, a2] = [...(await contractsOf([m.vendorA])), ...(await contractsOf([m.vendorA]))];
    h.clock.advance(3 * DAY);
    await settleContracts(h.orm.em.fork() as never, h.clock, [{ contractId: a1!, force: false }], DEFAULT_POLICY);
    const conn = h.orm.em.getConnection();
    const [first] = await conn.execute<{ id: string; number: string }[]>('select id, number::text from invoice');
    await expect(conn.execute('update invoice set number = 7 where id = ?', [first!.id])).rejects.toThrow(/never change/);
    await expect(conn.execute('update invoice set vendor_id = ? where id = ?', [m.vendorB.id, first!.id])).rejects.toThrow(/never change/);
    // An insert that names its own number gets the vendor's next one all the same.
    await conn.execute(
      `insert into invoice (id, number, contract_id, brand_id, vendor_id, kind, status, currency, net_minor, fee_minor, vendor_payout_minor, period_start, period_end, issued_at)
       select gen_random_uuid(), 1, contract_id, brand_id, vendor_id, 'INVOICE', 'ISSUED', currency, 0, 0, 0, period_start, period_end, now() from invoice where id = ?`,
      [first!.id],
    );
    await settleContracts(h.orm.em.fork() as never, h.clock, [{ contractId: a2!, force: false }], DEFAULT_POLICY);
    const numbers = await conn.execute<{ number: string }[]>('select number::text from invoice order by number');
    expect(numbers.map((r) => r.number)).toEqual(['1', '2', '3']);
  });
});

describeNeeding(import.meta.url, ['postgres-server'])('the invoice numbering migration', () => {
  const scratch = new URL(TEST_DATABASE_URL);
  scratch.pathname = `${scratch.pathname}_invoice_numbers`;
  const admin = new URL(TEST_DATABASE_URL);
  admin.pathname = '/postgres';
  const adminQuery = async (sql: string) => {
    const client = new pg.Client({ connectionString: admin.toString() });
    await client.connect();
    try {
      await client.query(sql);
    } finally {
      await client.end();
    }
  };
  const dbName = scratch.pathname.slice(1).replace(/"/g, '');
  afterAll(async () => {
    await adminQuery(`drop database if exists "${dbName}"`);
  });

  it('keeps every issued number and continues each vendor’s sequence after its highest', async () => {
    await adminQuery(`drop database if exists "${dbName}"`);
    await adminQuery(`create database "${dbName}"`);
    const orm = await createOrm(scratch.toString(), 2);
    orm.config.set('logger', () => {});
    try {
      await orm.migrator.up({ to: 'Migration20261206000000' });
      const conn = orm.em.getConnection();
      const [brand, x, y, z] = [
        '01900000-0000-7000-8000-0000000000b1',
        '01900000-0000-7000-8000-0000000000a1',
        '01900000-0000-7000-8000-0000000000a2',
        '01900000-0000-7000-8000-0000000000a3',
      ];
      await conn.execute(
        `insert into organization (id, name, kind, vendor_type, status, created_at, updated_at) values
        (?, 'Brand', 'BRAND', null, 'ACTIVE', now(), now()), (?, 'X', 'VENDOR', 'OUTSOURCER', 'ACTIVE', now(), now()),
        (?, 'Y', 'VENDOR', 'OUTSOURCER', 'ACTIVE', now(), now()), (?, 'Z', 'VENDOR', 'OUTSOURCER', 'ACTIVE', now(), now())`,
        [brand, x, y, z],
      );
      // Invoices need contracts; the numbering does not, so this scratch database drops that key.
      await conn.execute('alter table invoice drop constraint invoice_contract_id_fkey');
      const issue = (vendor: string) =>
        conn.execute(
          `insert into invoice (id, contract_id, brand_id, vendor_id, kind, status, currency, net_minor, fee_minor, vendor_payout_minor, period_start, period_end, issued_at)
         values (gen_random_uuid(), gen_random_uuid(), ?, ?, 'INVOICE', 'ISSUED', 'USD', 0, 0, 0, now(), now(), now()) returning number::text`,
          [brand, vendor],
        );
      for (const v of [x, y, x, x, y]) await issue(v); // the old global sequence: X 1, 3, 4; Y 2, 5
      const before = await conn.execute<{ id: string; number: string }[]>('select id, number::text from invoice order by id');

      await orm.migrator.up();
      expect(await conn.execute<{ id: string; number: string }[]>('select id, number::text from invoice order by id')).toEqual(before);
      expect(await conn.execute('select vendor_id, last_number::text from invoice_number_counter order by vendor_id')).toEqual([
        { vendor_id: x, last_number: '4' },
        { vendor_id: y, last_number: '5' },
      ]);
      expect((await issue(x))[0]).toEqual({ number: '5' });
      expect((await issue(y))[0]).toEqual({ number: '6' });
      expect((await issue(z))[0]).toEqual({ number: '1' });
      expect((await issue(x))[0]).toEqual({ number: '6' });
    } finally {
      await orm.close();
    }
  }, 60_000);
});

describe('finance queries', () => {
  it('filters invoices by contract: its invoice and notes, within the caller’s own scope', async () => {
    const [a1, b1] = await contractsOf([m.vendorA, m.vendorB]);
    h.clock.advance(3 * DAY);
    ok(await report(a1!, m.vendorA.key));
    ok(await report(b1!, m.vendorB.key));
    for (const id of [a1!, b1!]) ok(await gql(h.url, op.SETTLE, { id }, m.brand.financeKey));
    ok(await report(a1!, m.vendorA.key, 1.5));
    ok(await gql(h.url, op.SETTLE, { id: a1 }, m.brand.financeKey));
    const byContract = async (key: string, filter: Record<string, unknown>) => ok(await gql(h.url, INVOICE_NUMBERS, { filter }, key)).invoices.nodes;
    expect((await byContract(m.brand.financeKey, { contractId: a1 })).map((i: any) => [i.contractId, i.kind])).toEqual([
      [a1, 'INVOICE'],
      [a1, 'DEBIT_NOTE'],
    ]);
    expect((await byContract(m.brand.financeKey, { contractId: a1, status: 'ADJUSTED' })).map((i: any) => i.kind)).toEqual(['INVOICE']);
    expect((await byContract(m.vendorB.financeKey, { contractId: b1 })).map((i: any) => i.contractId)).toEqual([b1]);
    // Another party's contract is as empty as one that does not exist.
    expect(await byContract(m.vendorB.financeKey, { contractId: a1 })).toEqual([]);
    expect(await byContract(m.otherBrand.financeKey, { contractId: a1 })).toEqual([]);
    expect(errorCode(await gql(h.url, INVOICE_NUMBERS, { filter: { contractId: 'not-a-uuid' } }, m.brand.financeKey))).toBe('BAD_USER_INPUT');
  });

  it('lists every open contract’s accrual, zero included, and drops a contract once it is settled', async () => {
    const [delivered, idle] = await contractsOf([m.vendorA, m.vendorB]);
    const accruals = async (key: string) =>
      Object.fromEntries(ok(await gql(h.url, op.ACCRUALS, {}, key)).accruals.nodes.map((a: any) => [a.contractId, a.unsettledNet.amountMinor]));
    expect(await accruals(m.brand.financeKey)).toEqual({ [delivered!]: '0', [idle!]: '0' });
    h.clock.advance(3 * DAY);
    ok(await report(delivered!, m.vendorA.key)); // 1 seat-hour at 25.00
    expect(await accruals(m.brand.financeKey)).toEqual({ [delivered!]: '2500', [idle!]: '0' });
    expect(await accruals(m.vendorB.financeKey)).toEqual({ [idle!]: '0' });
    expect(await accruals(m.otherBrand.financeKey)).toEqual({});
    ok(await gql(h.url, op.SETTLE, { id: delivered }, m.brand.financeKey));
    expect(await accruals(m.brand.financeKey)).toEqual({ [idle!]: '0' });
    // The same actuals again flag the settled contract for an adjustment worth nothing: listed with 0.
    ok(await report(delivered!, m.vendorA.key));
    expect(await accruals(m.brand.financeKey)).toEqual({ [delivered!]: '0', [idle!]: '0' });
  });
});
