import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { recomputeScores } from '../src/domain/quality/recompute-scores.js';
import type { Market } from './support/builders.js';
import { gql, type GqlResponse } from './support/client.js';
import type { Harness } from './support/harness.js';
import * as op from './support/operations.js';
import { ACTORS, anAuthorizationWorld, keyOf as keyIn, type Actor, type Outcome, type World } from './support/authorization-world.js';

let w: World;
let h: Harness;
let m: Market;
let openSpike: string;
let endedContractId: string;
let contractId: string;
let invoiceId: string;
let closedSpike: string;
let bidOnClosed: string;
beforeAll(async () => {
  w = await anAuthorizationWorld();
  ({ h, m, openSpike, endedContractId, contractId, invoiceId, closedSpike, bidOnClosed } = w);
});
afterAll(async () => {
  await h.close();
});
const keyOf = (actor: Actor) => keyIn(w, actor);
let n = 0;

type FieldOutcome = Outcome | 'VISIBLE' | 'HIDDEN';
const fields = (o: FieldOutcome, overrides: Partial<Record<Actor, FieldOutcome>> = {}) =>
  Object.fromEntries(ACTORS.map((a) => [a, a === 'anonymous' ? 'UNAUTHENTICATED' : (overrides[a] ?? o)])) as Record<Actor, FieldOutcome>;

/**
 * Sensitive fields inside operations a role may call: what each actor sees of them. VISIBLE and
 * HIDDEN are the field's own answer (a value, or null); anything else is the operation's refusal.
 */
const fieldMatrix: Record<
  string,
  { run: (key: string | undefined) => Promise<GqlResponse>; pick: (data: Record<string, any>) => unknown; expected: Record<Actor, FieldOutcome> }
> = {
  'VendorScorecard.auditNotes (the vendor itself and the operator only)': {
    run: async (k) => {
      await gql(
        h.url,
        op.RECORD_EVENTS,
        { input: { events: [{ externalId: `audit-${++n}`, kind: 'AUDIT', vendorId: m.vendorA.id, auditResult: 'PASS', notes: 'fire exits checked' }] } },
        h.operatorKey,
      );
      return gql(h.url, op.SCORECARD, { id: m.vendorA.id }, k);
    },
    pick: (d) => d.vendorScorecard.auditNotes,
    expected: fields('FORBIDDEN', { operator: 'VISIBLE', vendor: 'VISIBLE', brand: 'HIDDEN', otherBrand: 'HIDDEN', otherVendor: 'NOT_FOUND' }),
  },
  'MetricScore.priorMean (the vendor itself and the operator only)': {
    run: (k) => gql(h.url, op.SCORE_HISTORY, { id: m.vendorA.id }, k),
    pick: (d) => d.scoreHistory.nodes[0]?.metrics[0]?.priorMean,
    expected: fields('FORBIDDEN', { operator: 'VISIBLE', vendor: 'VISIBLE', brand: 'HIDDEN', otherBrand: 'HIDDEN', otherVendor: 'NOT_FOUND' }),
  },
  'invoices(filter: { contractId }) (the contract’s parties’ finance; another organisation’s is empty)': {
    run: (k) => gql(h.url, 'query($c: UUID) { invoices(filter: { contractId: $c }) { nodes { id contractId } } }', { c: endedContractId }, k),
    pick: (d) => (d.invoices.nodes.length ? d.invoices.nodes : null),
    expected: fields('FORBIDDEN', { brandFinance: 'VISIBLE', vendorFinance: 'VISIBLE', otherBrandFinance: 'HIDDEN' }),
  },
  ...consoleFieldRows(),
  'Bid.rate of an open spike (sealed: nobody but the bidder)': {
    run: (k) => gql(h.url, op.BIDS_FOR_SPIKE, { id: openSpike }, k),
    pick: (d) => d.bidsForSpike.nodes[0]?.rate,
    expected: fields('FORBIDDEN', { otherBrand: 'NOT_FOUND' }),
  },
};

describe('sensitive fields', () => {
  beforeAll(async () => {
    // A score history for vendor A, so the metric breakdown exists.
    await recomputeScores(h.orm.em.fork() as never, h.clock);
  });
  for (const [name, row] of Object.entries(fieldMatrix)) {
    it(`${name}: every role sees exactly what it may`, async () => {
      const actual: Record<string, string> = {};
      for (const actor of ACTORS) {
        const r = await row.run(keyOf(actor));
        if (r.errors?.length) actual[actor] = r.errors[0]!.extensions?.code ?? 'NO_CODE';
        else {
          const value = row.pick(r.data!);
          actual[actor] = value === null ? 'HIDDEN' : value === undefined ? 'NO_DATA' : 'VISIBLE';
        }
      }
      expect(actual).toEqual(row.expected);
    });
  }
});

/** Every field the web console added behind an id (issue 14): what each actor sees of it, through the same rules as the top-level queries. */
function consoleFieldRows() {
  const contractReaders = { operator: 'VISIBLE', brand: 'VISIBLE', brandFinance: 'VISIBLE', vendor: 'VISIBLE', vendorFinance: 'VISIBLE' } as const;
  const contractRefusals = { otherBrand: 'NOT_FOUND', otherBrandFinance: 'NOT_FOUND', otherVendor: 'NOT_FOUND', auditor: 'FORBIDDEN' } as const;
  const contractRow = (pick: (c: Record<string, any>) => unknown, overrides: Partial<Record<Actor, FieldOutcome>> = {}) => ({
    run: (k: string | undefined) => gql(h.url, op.CONTRACT_NAMES, { id: contractId }, k),
    pick: (d: Record<string, any>) => pick(d.contract),
    expected: fields('OK', { ...contractReaders, ...contractRefusals, ...overrides }),
  });
  const invoiceRow = (pick: (i: Record<string, any>) => unknown) => ({
    run: (k: string | undefined) => gql(h.url, op.INVOICE_NAMES, { id: invoiceId }, k),
    pick: (d: Record<string, any>) => pick(d.invoice),
    expected: fields('FORBIDDEN', { brandFinance: 'VISIBLE', vendorFinance: 'VISIBLE', otherBrandFinance: 'NOT_FOUND' }),
  });
  const clearingRow = (pick: (c: Record<string, any>) => unknown) => ({
    run: (k: string | undefined) => gql(h.url, op.AWARD_NAMES, { id: closedSpike }, k),
    pick: (d: Record<string, any>) => pick(d.clearingResult),
    expected: fields('FORBIDDEN', { brand: 'VISIBLE', operator: 'VISIBLE', otherBrand: 'NOT_FOUND' }),
  });
  const bidRow = (pick: (b: Record<string, any>) => unknown, expected: Partial<Record<Actor, FieldOutcome>>) => ({
    run: (k: string | undefined) => gql(h.url, op.BID_WITH_SPIKE, { id: bidOnClosed }, k),
    pick: (d: Record<string, any>) => pick(d.bid),
    expected: fields('NOT_FOUND', expected),
  });
  // Finance lists are scoped by their queries; every item the list shows carries its names.
  const financeList = { brandFinance: 'VISIBLE', vendorFinance: 'VISIBLE', otherBrandFinance: 'VISIBLE' } as const;
  const allNamed = (items: Record<string, any>[], names: (item: Record<string, any>) => unknown[]) =>
    items.every((item) => names(item).every((o: any) => typeof o?.name === 'string')) ? items : null;
  return {
    'Contract.spike (as demandSpike shows it: not to a vendor’s FINANCE keys)': contractRow((c) => c.spike, { vendorFinance: 'HIDDEN' }),
    'Contract.brand': contractRow((c) => c.brand),
    'Contract.vendor': contractRow((c) => c.vendor),
    'Contract.awardedValue': contractRow((c) => c.awardedValue),
    'Invoice.contract': invoiceRow((i) => i.contract),
    'Invoice.brand': invoiceRow((i) => i.brand),
    'Invoice.vendor': invoiceRow((i) => i.vendor),
    'AwardLine.vendor': clearingRow((c) => c.awards[0].vendor),
    'BidOutcome.vendor': clearingRow((c) => c.bids[0].vendor),
    'Bid.spike': bidRow((b) => b.spike, { vendor: 'VISIBLE', brand: 'VISIBLE', operator: 'VISIBLE' }),
    'Bid.outcome (the bidding vendor only; brands read outcomes in clearingResult)': bidRow((b) => b.outcome, {
      vendor: 'VISIBLE',
      brand: 'HIDDEN',
      operator: 'HIDDEN',
    }),
    'AccountBalance.organization': {
      run: (k: string | undefined) => gql(h.url, op.BALANCE_NAMES, {}, k),
      pick: (d: Record<string, any>) => allNamed(d.ledgerBalances.nodes, (b) => [b.organization]),
      expected: fields('FORBIDDEN', financeList),
    },
    'Accrual.brand and Accrual.vendor': {
      run: (k: string | undefined) => gql(h.url, op.ACCRUAL_NAMES, {}, k),
      pick: (d: Record<string, any>) => allNamed(d.accruals.nodes, (a) => [a.brand, a.vendor]),
      expected: fields('FORBIDDEN', financeList),
    },
  };
}
