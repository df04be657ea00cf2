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
beforeAll(async () => {
  w = await anAuthorizationWorld();
  ({ h, m, openSpike, endedContractId } = w);
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
