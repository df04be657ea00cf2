import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aBid, aMarket, anOpenSpike, type Market } from './support/builders.js';
import { errorCode, gql, ok } from './support/client.js';
import { signIn } from './support/console-client.js';
import { resetState, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';
import { aDeliveredContract, fullInterval, reportDelivery } from './support/settlement-fixtures.js';

/**
 * CSV downloads over HTTP (issue 16, item 5): each route answers text/csv with ids, names and
 * currency, and refuses exactly whom the matching GraphQL field refuses, with the same code
 * (401/403/404/400 as JSON in the GraphQL error shape).
 */
let h: Harness;
let m: Market;
let base: string;
let spikeId: string;
let openSpikeId: string;
let contractId: string;
let invoiceId: string;
let vendorAccountId: string;
const FROM = '2000-01-01T00:00:00Z';
const TO = '2100-01-01T00:00:00Z';

beforeAll(async () => {
  h = await startHarness();
  await resetState(h);
  m = await aMarket(h.url, h.operatorKey);
  base = h.url.replace(/\/graphql$/, '');
  contractId = await aDeliveredContract(h, m, { title: 'Black Friday, "chat"' });
  spikeId = ok(await gql(h.url, `query($id: UUID!) { contract(id: $id) { spikeId } }`, { id: contractId }, m.brand.key)).contract.spikeId;
  ok(
    await reportDelivery(
      h,
      contractId,
      m.vendorA.key,
      [0, 1, 2, 3].map((i) => fullInterval(i)),
    ),
  );
  invoiceId = ok(await gql(h.url, op.SETTLE, { id: contractId }, m.brand.financeKey)).settleContract.invoice.id;
  // The vendor's ledger account, straight from the table (the test is about the download, not about listing accounts).
  const [account] = await h.orm.em.getConnection().execute<{ id: string }[]>('select id from ledger_account where organization_id = ? limit 1', [m.vendorA.id]);
  vendorAccountId = account!.id;
  openSpikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
  await aBid(h.url, m.vendorB.key, openSpikeId);
}, 120_000);
afterAll(async () => {
  await h?.close();
});

async function download(path: string, key?: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${base}${path}`, { headers: { ...(key ? { authorization: `Bearer ${key}` } : {}), ...headers } });
  const text = await res.text();
  return {
    status: res.status,
    type: res.headers.get('content-type') ?? '',
    disposition: res.headers.get('content-disposition') ?? '',
    text,
    headers: res.headers,
  };
}

/** The CSV's rows as objects keyed by its header (RFC 4180 quotes, CRLF). */
function rowsOf(text: string): Record<string, string>[] {
  const records: string[][] = [];
  let cells: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (ch === '"') quoted = false;
      else cell += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ',') {
      cells.push(cell);
      cell = '';
    } else if (ch === '\r' && text[i + 1] === '\n') {
      cells.push(cell);
      records.push(cells);
      cells = [];
      cell = '';
      i++;
    } else cell += ch;
  }
  const [header, ...rows] = records;
  return rows.map((r) => Object.fromEntries(header!.map((name, i) => [name, r[i] ?? ''])));
}

describe('CSV downloads', () => {
  it('routing plan: one line per interval and vendor, with the spike and vendor by id and name', async () => {
    const r = await download(`/exports/routing-plan/${spikeId}.csv`, m.brand.key);
    expect(r.status).toBe(200);
    expect(r.type).toBe('text/csv; charset=utf-8');
    expect(r.disposition).toBe(`attachment; filename="routing-plan-${spikeId}.csv"`);
    expect(r.headers.get('cache-control')).toBe('private, no-store');
    const rows = rowsOf(r.text);
    const vendorName = ok(await gql(h.url, `query($id: UUID!) { organization(id: $id) { name } }`, { id: m.vendorA.id }, m.brand.key)).organization.name;
    expect(rows).toHaveLength(4);
    expect(rows[0]).toEqual({
      spike_id: spikeId,
      spike_title: 'Black Friday, "chat"',
      interval_index: '0',
      interval_start: expect.stringMatching(/Z$/),
      interval_end: expect.stringMatching(/Z$/),
      vendor_id: m.vendorA.id,
      vendor_name: vendorName,
      seats: '4',
      share_percent: '100.00',
    });
    // The operator may read it too, as it may read the GraphQL field.
    expect((await download(`/exports/routing-plan/${spikeId}.csv`, h.operatorKey)).status).toBe(200);
  });

  it('awards: each award with its bid, contract, rate per seat-hour and currency', async () => {
    const r = await download(`/exports/awards/${spikeId}.csv`, m.brand.key);
    expect(r.status).toBe(200);
    const rows = rowsOf(r.text);
    expect(rows).toHaveLength(4);
    expect(rows.map((row) => row.interval_index)).toEqual(['0', '1', '2', '3']);
    expect(rows[0]).toMatchObject({
      spike_id: spikeId,
      vendor_id: m.vendorA.id,
      contract_id: contractId,
      seats: '4',
      rate_per_seat_hour: '25.00',
      currency: 'USD',
    });
    expect(rows[0]!.vendor_name).not.toBe('');
    expect(rows[0]!.bid_id).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('invoice: every line with the invoice, its parties by id and name, amounts as decimals with the currency, then the totals', async () => {
    const r = await download(`/exports/invoices/${invoiceId}.csv`, m.brand.financeKey);
    expect(r.status).toBe(200);
    const rows = rowsOf(r.text);
    const invoice = ok(await gql(h.url, op.INVOICE, { id: invoiceId }, m.brand.financeKey)).invoice;
    const lines = rows.filter((row) => row.line_position !== '');
    expect(lines.map((l) => l.line_kind)).toEqual(invoice.lines.map((l: { kind: string }) => l.kind));
    for (const row of rows)
      expect(row).toMatchObject({
        invoice_id: invoiceId,
        invoice_number: String(invoice.number),
        vendor_id: m.vendorA.id,
        brand_id: m.brand.id,
        currency: 'USD',
      });
    expect(lines[0]).toMatchObject({ line_kind: 'BASE', interval_index: '0', billable_seat_hours: '2.0000', amount: '50.00' });
    const totals = Object.fromEntries(rows.filter((row) => row.line_position === '').map((row) => [row.line_kind, row.amount]));
    expect(totals).toEqual({ NET: '200.00', FEE: '4.00', VENDOR_PAYOUT: '196.00' });
    expect(invoice.net).toEqual({ amountMinor: '20000', currency: 'USD' });
    expect((await download(`/exports/invoices/${invoiceId}.csv`, m.vendorA.financeKey)).status).toBe(200);
  });

  it('statement: opening, entries with running balance and closing, the owner on every line, with the currency', async () => {
    const r = await download(`/exports/statement.csv?accountId=${vendorAccountId}&from=${FROM}&to=${TO}`, m.vendorA.financeKey);
    expect(r.status).toBe(200);
    const rows = rowsOf(r.text);
    expect(rows[0]).toMatchObject({ kind: 'OPENING', account_id: vendorAccountId, owner_id: m.vendorA.id, amount: '', balance: '0.00', currency: 'USD' });
    expect(rows.at(-1)).toMatchObject({ kind: 'CLOSING', owner_id: m.vendorA.id, currency: 'USD' });
    expect(rows.length).toBeGreaterThan(2);
    const statement = ok(await gql(h.url, op.STATEMENT, { id: vendorAccountId, from: FROM, to: TO }, m.vendorA.financeKey)).accountStatement;
    expect(rows.slice(1, -1).map((row) => row.kind)).toEqual(statement.entries.map((e: { kind: string }) => e.kind));
    expect(rows.at(-1)!.balance).toBe((Number(statement.closing.amountMinor) / 100).toFixed(2));
    for (const row of rows) expect(row.owner_name).not.toBe('');
  });
});

describe('CSV downloads refuse whom the GraphQL fields refuse, with the same code', () => {
  const routes = () => ({
    routingPlan: { path: (id: string) => `/exports/routing-plan/${id}.csv`, query: op.ROUTING_PLAN, vars: (id: string) => ({ id }), id: spikeId },
    awards: { path: (id: string) => `/exports/awards/${id}.csv`, query: op.CLEARING_RESULT, vars: (id: string) => ({ id }), id: spikeId },
    invoice: { path: (id: string) => `/exports/invoices/${id}.csv`, query: op.INVOICE, vars: (id: string) => ({ id }), id: invoiceId },
    statement: {
      path: (id: string) => `/exports/statement.csv?accountId=${id}&from=${FROM}&to=${TO}`,
      query: op.STATEMENT,
      vars: (id: string) => ({ id, from: FROM, to: TO }),
      id: vendorAccountId,
    },
  });
  const STATUS: Record<string, number> = { UNAUTHENTICATED: 401, FORBIDDEN: 403, NOT_FOUND: 404 };

  it('no key, a wrong key, the wrong role and another organisation: the same code as GraphQL, as a typed JSON body', async () => {
    const callers = () => ({
      'no key': undefined,
      'unknown key': 'bx_nosuchke_aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      'vendor A': m.vendorA.key,
      'vendor B finance': m.vendorB.financeKey,
      'other brand': m.otherBrand.key,
      'other brand finance': m.otherBrand.financeKey,
      'brand (not finance)': m.brand.key,
    });
    let refusals = 0;
    for (const [name, route] of Object.entries(routes())) {
      for (const [who, key] of Object.entries(callers())) {
        const viaGraphql = await gql(h.url, route.query, route.vars(route.id), key);
        const r = await download(route.path(route.id), key);
        const code = errorCode(viaGraphql);
        if (!code) {
          expect(r.status, `${name} as ${who}`).toBe(200);
          continue;
        }
        refusals += 1;
        expect(r.status, `${name} as ${who}: GraphQL says ${code}`).toBe(STATUS[code as string]);
        expect(r.type).toMatch(/^application\/json/);
        expect(JSON.parse(r.text)).toEqual({ errors: [{ message: expect.any(String), extensions: expect.objectContaining({ code }) }] });
      }
    }
    expect(refusals).toBeGreaterThan(15);
  });

  it('unknown ids are 404, malformed ones 400 BAD_USER_INPUT naming the parameter, a spike not cleared yet 404', async () => {
    const missing = '0193a0c4-0000-7000-8000-000000000000';
    expect((await download(`/exports/routing-plan/${missing}.csv`, m.brand.key)).status).toBe(404);
    expect((await download(`/exports/invoices/${missing}.csv`, m.brand.financeKey)).status).toBe(404);
    const notCleared = await download(`/exports/awards/${openSpikeId}.csv`, m.brand.key);
    expect(notCleared.status).toBe(404);
    expect(JSON.parse(notCleared.text).errors[0]).toMatchObject({ extensions: { code: 'NOT_FOUND' }, message: expect.stringContaining('not cleared') });
    const bad = await download('/exports/routing-plan/not-a-uuid.csv', m.brand.key);
    expect(bad.status).toBe(400);
    expect(JSON.parse(bad.text).errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'spikeId' });
    const badDate = await download(`/exports/statement.csv?accountId=${vendorAccountId}&from=yesterday&to=${TO}`, m.vendorA.financeKey);
    expect(JSON.parse(badDate.text).errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'from' });
    const backwards = await download(`/exports/statement.csv?accountId=${vendorAccountId}&from=${TO}&to=${FROM}`, m.vendorA.financeKey);
    expect(JSON.parse(backwards.text).errors[0].extensions).toEqual({ code: 'BAD_USER_INPUT', field: 'to' });
  });

  it('a console session works as its key does (cookie and console header); the cookie without the header is refused, as on /graphql', async () => {
    const session = await signIn(base, { apiKey: m.brand.key });
    expect(session.status).toBe(200);
    const viaCookie = await download(`/exports/routing-plan/${spikeId}.csv`, undefined, { cookie: session.cookie!, 'x-burst-console': '1' });
    expect(viaCookie.status).toBe(200);
    expect(viaCookie.text).toBe((await download(`/exports/routing-plan/${spikeId}.csv`, m.brand.key)).text);
    expect((await download(`/exports/invoices/${invoiceId}.csv`, undefined, { cookie: session.cookie!, 'x-burst-console': '1' })).status).toBe(403);
    expect((await download(`/exports/routing-plan/${spikeId}.csv`, undefined, { cookie: session.cookie! })).status).toBe(403);

    const r = await download(`/exports/routing-plan/${spikeId}.csv`, undefined, { cookie: 'bx_console=whatever' });
    expect(r.status).toBe(403);
    expect(JSON.parse(r.text).errors[0].extensions.code).toBe('FORBIDDEN');
  });
});
