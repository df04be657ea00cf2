import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getSchema } from '../src/graphql/schema.js';
import { aBidInput, anOpenSpike, aSpikeInput, type Market } from './support/builders.js';
import { gql, ok, type GqlResponse } from './support/client.js';
import type { Harness } from './support/harness.js';
import * as op from './support/operations.js';
import {
  aBrandEndpoint as brandEndpointOf,
  ACTORS,
  all,
  anAuthorizationWorld,
  keyOf as keyIn,
  outcome,
  type Actor,
  type Outcome,
  type World,
} from './support/authorization-world.js';
import { aStaffingInput } from './support/console-builders.js';
import { sandboxRows } from './support/authorization-sandbox.js';

/**
 * The authorisation matrix: every query and mutation, for every role, and for a foreign
 * organisation of the same role (the world: support/authorization-world.ts). Each cell is the
 * outcome a client sees: OK, or the error code. An operation in the schema without a row here
 * fails the suite. (Subscriptions: authorization-subscriptions.test.ts; sensitive fields inside
 * operations: authorization-fields.test.ts.)
 */
let w: World;
let h: Harness;
let m: Market;
let openSpike: string;
let closedSpike: string;
let failedSpike: string;
let bidOnOpen: string;
let bidOnClosed: string;
let contractId: string;
let endedContractId: string;
let invoiceId: string;
let brandAccountId: string;
let brandEndpointId: string;
beforeAll(async () => {
  w = await anAuthorizationWorld();
  ({ h, m, openSpike, closedSpike, failedSpike, bidOnOpen, bidOnClosed, contractId, endedContractId, invoiceId, brandAccountId, brandEndpointId } = w);
});
afterAll(async () => {
  await h.close();
});

const keyOf = (actor: Actor) => keyIn(w, actor);
const aBrandEndpoint = () => brandEndpointOf(h, m);
const freshDraft = async () => ok(await gql(h.url, op.POST_SPIKE, { input: aSpikeInput(h.clock) }, m.brand.key)).postDemandSpike.id as string;
let n = 0;

interface Row {
  run: (key: string | undefined) => Promise<GqlResponse>;
  expected: Record<Actor, Outcome>;
}

const matrix: Record<string, Row> = {
  me: { run: (k) => gql(h.url, op.ME, {}, k), expected: all('OK') },
  organization: { run: (k) => gql(h.url, 'query($id: UUID!) { organization(id: $id) { id } }', { id: m.vendorA.id }, k), expected: all('OK') },
  apiKeys: { run: (k) => gql(h.url, op.API_KEYS, { org: m.brand.id }, k), expected: all('FORBIDDEN', { operator: 'OK', brand: 'OK' }) },
  createOrganization: {
    run: (k) => gql(h.url, op.CREATE_ORG, { input: { name: `Matrix ${++n}`, kind: 'BRAND' } }, k),
    expected: all('FORBIDDEN', { operator: 'OK' }),
  },
  updateVendorProfile: {
    run: (k) => gql(h.url, op.UPDATE_VENDOR, { input: { vendorId: m.vendorA.id, skills: ['billing', 'es-ES'] } }, k),
    expected: all('FORBIDDEN', { operator: 'OK', vendor: 'OK' }),
  },
  issueApiKey: {
    run: (k) => gql(h.url, op.ISSUE_KEY, { input: { organizationId: m.brand.id, role: 'FINANCE', label: 'matrix' } }, k),
    expected: all('FORBIDDEN', { operator: 'OK', brand: 'OK' }),
  },
  revokeApiKey: {
    run: async (k) => {
      const issued = ok(
        await gql(h.url, op.ISSUE_KEY, { input: { organizationId: m.brand.id, role: 'FINANCE', label: 'to revoke' } }, h.operatorKey),
      ).issueApiKey;
      return gql(h.url, op.REVOKE_KEY, { id: issued.apiKey.id }, k);
    },
    expected: all('NOT_FOUND', { operator: 'OK', brand: 'OK' }),
  },
  postDemandSpike: {
    run: (k) => gql(h.url, op.POST_SPIKE, { input: aSpikeInput(h.clock) }, k),
    expected: all('FORBIDDEN', { brand: 'OK', otherBrand: 'OK' }),
  },
  publishDemandSpike: {
    run: async (k) => gql(h.url, op.PUBLISH, { id: await freshDraft() }, k),
    expected: all('FORBIDDEN', { brand: 'OK', otherBrand: 'NOT_FOUND' }),
  },
  cancelDemandSpike: {
    run: async (k) => gql(h.url, op.CANCEL, { id: await freshDraft() }, k),
    expected: all('FORBIDDEN', { brand: 'OK', operator: 'OK', otherBrand: 'NOT_FOUND' }),
  },
  closeBidding: {
    run: async (k) => gql(h.url, op.CLOSE, { id: await anOpenSpike(h.url, h.clock, m.brand.key) }, k),
    expected: all('FORBIDDEN', { brand: 'OK', operator: 'OK', otherBrand: 'NOT_FOUND' }),
  },
  changeBiddingClose: {
    run: async (k) =>
      gql(h.url, op.CHANGE_CLOSE, { id: await anOpenSpike(h.url, h.clock, m.brand.key), at: new Date(h.clock.now().getTime() + 7_200_000).toISOString() }, k),
    expected: all('FORBIDDEN', { brand: 'OK', operator: 'OK', otherBrand: 'NOT_FOUND' }),
  },
  demandSpike: {
    run: (k) => gql(h.url, op.SPIKE, { id: openSpike }, k),
    expected: all('NOT_FOUND', { brand: 'OK', operator: 'OK', brandFinance: 'OK', vendor: 'OK', otherVendor: 'OK' }),
  },
  demandSpikes: { run: (k) => gql(h.url, op.SPIKES, {}, k), expected: all('FORBIDDEN', { brand: 'OK', otherBrand: 'OK', operator: 'OK' }) },
  openDemandSpikes: { run: (k) => gql(h.url, op.OPEN_SPIKES, {}, k), expected: all('FORBIDDEN', { vendor: 'OK', otherVendor: 'OK' }) },
  placeBid: {
    run: async (k) => gql(h.url, op.PLACE_BID, { input: aBidInput(await anOpenSpike(h.url, h.clock, m.brand.key)), key: `matrix-${++n}` }, k),
    expected: all('FORBIDDEN', { vendor: 'OK', otherVendor: 'OK' }),
  },
  reviseBid: {
    run: (k) => gql(h.url, op.REVISE_BID, { input: { bidId: bidOnOpen, expectedVersion: 999, note: 'x' } }, k),
    // The vendor's own bid is found and only the stale version is refused: authorisation passed.
    expected: all('FORBIDDEN', { vendor: 'ConflictError:CONFLICT' as Outcome, otherVendor: 'NOT_FOUND' }),
  },
  withdrawBid: {
    run: (k) => gql(h.url, op.WITHDRAW_BID, { id: bidOnOpen, v: 999 }, k),
    expected: all('FORBIDDEN', { vendor: 'ConflictError:CONFLICT' as Outcome, otherVendor: 'NOT_FOUND' }),
  },
  bid: {
    run: (k) => gql(h.url, op.BID, { id: bidOnOpen }, k),
    // Sealed: before close only the bidding vendor sees it, whatever the role.
    expected: all('NOT_FOUND', { vendor: 'OK' }),
  },
  myBids: { run: (k) => gql(h.url, op.MY_BIDS, {}, k), expected: all('FORBIDDEN', { vendor: 'OK', otherVendor: 'OK' }) },
  bidsForSpike: {
    run: (k) => gql(h.url, op.BIDS_FOR_SPIKE, { id: closedSpike }, k),
    expected: all('FORBIDDEN', { brand: 'OK', operator: 'OK', otherBrand: 'NOT_FOUND' }),
  },
  clearingResult: {
    run: (k) => gql(h.url, op.CLEARING_RESULT, { id: closedSpike }, k),
    expected: all('FORBIDDEN', { brand: 'OK', operator: 'OK', otherBrand: 'NOT_FOUND' }),
  },
  clearingFailure: {
    run: (k) => gql(h.url, op.CLEARING_FAILURE, { id: failedSpike }, k),
    expected: all('FORBIDDEN', { brand: 'OK', operator: 'OK', otherBrand: 'NOT_FOUND' }),
  },
  auditRecord: {
    run: (k) => gql(h.url, op.AUDIT_RECORD, { id: closedSpike }, k),
    expected: all('FORBIDDEN', { brand: 'OK', operator: 'OK', otherBrand: 'NOT_FOUND' }),
  },
  routingPlan: {
    run: (k) => gql(h.url, op.ROUTING_PLAN, { id: closedSpike }, k),
    expected: all('FORBIDDEN', { brand: 'OK', operator: 'OK', otherBrand: 'NOT_FOUND' }),
  },
  bidOutcome: {
    run: (k) => gql(h.url, op.BID_OUTCOME, { id: bidOnClosed }, k),
    expected: all('FORBIDDEN', { vendor: 'OK', otherVendor: 'NOT_FOUND' }),
  },
  // Lists are scoped to the caller's organisation; the contents are checked in clearing.test.ts.
  contracts: { run: (k) => gql(h.url, op.CONTRACTS, {}, k), expected: all('OK', { auditor: 'FORBIDDEN' }) },
  contract: {
    run: (k) => gql(h.url, op.CONTRACT, { id: contractId }, k),
    expected: all('OK', { otherBrand: 'NOT_FOUND', otherBrandFinance: 'NOT_FOUND', otherVendor: 'NOT_FOUND', auditor: 'FORBIDDEN' }),
  },
  reportDelivery: {
    run: (k) =>
      gql(
        h.url,
        op.REPORT_DELIVERY,
        { input: { contractId: endedContractId, reports: [{ intervalIndex: 0, staffedSeatHours: 2.5, contactsHandled: 50, serviceLevelAchieved: 0.8 }] } },
        k,
      ),
    expected: all('FORBIDDEN', { vendor: 'OK', brand: 'OK', otherVendor: 'NOT_FOUND', otherBrand: 'NOT_FOUND' }),
  },
  settleContract: {
    run: (k) => gql(h.url, op.SETTLE, { id: endedContractId }, k),
    expected: all('FORBIDDEN', { brandFinance: 'OK', operator: 'OK', otherBrandFinance: 'NOT_FOUND', vendorFinance: 'NOT_FOUND' }),
  },
  recordPayment: {
    run: (k) => gql(h.url, op.PAY, { input: { invoiceId, amount: { amountMinor: '1', currency: 'USD' } }, key: `matrix-${++n}` }, k),
    expected: all('FORBIDDEN', { brandFinance: 'OK', otherBrandFinance: 'NOT_FOUND', vendorFinance: 'NOT_FOUND' }),
  },
  invoices: { run: (k) => gql(h.url, op.INVOICES, {}, k), expected: all('FORBIDDEN', { brandFinance: 'OK', otherBrandFinance: 'OK', vendorFinance: 'OK' }) },
  invoice: {
    run: (k) => gql(h.url, op.INVOICE, { id: invoiceId }, k),
    expected: all('FORBIDDEN', { brandFinance: 'OK', vendorFinance: 'OK', otherBrandFinance: 'NOT_FOUND' }),
  },
  ledgerBalances: {
    run: (k) => gql(h.url, op.BALANCES, {}, k),
    expected: all('FORBIDDEN', { brandFinance: 'OK', otherBrandFinance: 'OK', vendorFinance: 'OK' }),
  },
  accountStatement: {
    run: (k) => gql(h.url, op.STATEMENT, { id: brandAccountId, from: new Date(0).toISOString(), to: new Date(Date.now() + 86_400_000).toISOString() }, k),
    expected: all('FORBIDDEN', { brandFinance: 'OK', otherBrandFinance: 'NOT_FOUND', vendorFinance: 'NOT_FOUND' }),
  },
  accruals: { run: (k) => gql(h.url, op.ACCRUALS, {}, k), expected: all('FORBIDDEN', { brandFinance: 'OK', otherBrandFinance: 'OK', vendorFinance: 'OK' }) },
  reconciliation: { run: (k) => gql(h.url, op.RECONCILIATION, {}, k), expected: all('FORBIDDEN', { operator: 'OK' }) },
  recordQualityEvents: {
    // An audit and a survey on the brand's contract: the other brand's survey names a contract not
    // its own, and an AUDITOR key records the audit but not the survey. Each refusal is per event.
    run: async (k) => {
      const events = [
        { externalId: `matrix-${++n}`, kind: 'AUDIT', vendorId: m.vendorC.id, auditResult: 'PASS' },
        { externalId: `matrix-${++n}`, kind: 'CSAT', vendorId: m.vendorA.id, contractId: endedContractId, score: 4 },
      ];
      const r = await gql(h.url, op.RECORD_EVENTS, { input: { events } }, k);
      const receipt = r.data?.recordQualityEvents?.receipts?.find((x: any) => x.status === 'REJECTED');
      return receipt ? { ...r, errors: [{ message: receipt.rejection.message, extensions: { code: receipt.rejection.code } }] } : r;
    },
    expected: all('FORBIDDEN', { operator: 'OK', brand: 'OK', otherBrand: 'CONTRACT_MISMATCH' as Outcome, auditor: 'KIND_NOT_PERMITTED' as Outcome }),
  },
  rotateQualityIngestSecret: {
    run: (k) => gql(h.url, op.ROTATE_INGEST_SECRET, {}, k),
    expected: all('FORBIDDEN', { operator: 'OK', brand: 'OK', otherBrand: 'OK' }),
  },
  setScoringPolicy: {
    run: (k) => gql(h.url, op.SET_SCORING_POLICY, { input: { weights: op.DEFAULT_WEIGHTS, priorWeight: 20, halfLifeDays: 30 } }, k),
    expected: all('FORBIDDEN', { operator: 'OK' }),
  },
  scoringPolicy: { run: (k) => gql(h.url, op.SCORING_POLICY, {}, k), expected: all('OK') },
  vendorRankings: { run: (k) => gql(h.url, op.RANKINGS, {}, k), expected: all('FORBIDDEN', { operator: 'OK', brand: 'OK', otherBrand: 'OK' }) },
  vendorScorecard: {
    run: (k) => gql(h.url, op.SCORECARD, { id: m.vendorA.id }, k),
    expected: all('FORBIDDEN', { operator: 'OK', brand: 'OK', otherBrand: 'OK', vendor: 'OK', otherVendor: 'NOT_FOUND' }),
  },
  scoreHistory: {
    run: (k) => gql(h.url, op.SCORE_HISTORY, { id: m.vendorA.id }, k),
    expected: all('FORBIDDEN', { operator: 'OK', brand: 'OK', otherBrand: 'OK', vendor: 'OK', otherVendor: 'NOT_FOUND' }),
  },
  registerWebhookEndpoint: {
    run: (k) =>
      gql(h.url, op.REGISTER_WEBHOOK, { input: { organizationId: m.brand.id, url: 'https://hooks.example.com/matrix', eventTypes: ['CONTRACT_SETTLED'] } }, k),
    expected: all('FORBIDDEN', { operator: 'OK', brand: 'OK', brandFinance: 'OK' }),
  },
  disableWebhookEndpoint: {
    run: async (k) => gql(h.url, op.DISABLE_WEBHOOK, { id: (await aBrandEndpoint()).id }, k),
    expected: all('NOT_FOUND', { operator: 'OK', brand: 'OK', brandFinance: 'OK', auditor: 'FORBIDDEN' }),
  },
  webhookEndpoints: {
    run: (k) => gql(h.url, op.WEBHOOK_ENDPOINTS, { org: m.brand.id }, k),
    expected: all('FORBIDDEN', { operator: 'OK', brand: 'OK', brandFinance: 'OK' }),
  },
  // The web console's reads (issue 14).
  createConsoleSignInLink: { run: (k) => gql(h.url, op.SIGN_IN_LINK, {}, k), expected: all('OK') },
  previewStaffing: {
    run: (k) => gql(h.url, op.PREVIEW_STAFFING, { input: aStaffingInput(h.clock) }, k),
    expected: all('FORBIDDEN', { brand: 'OK', otherBrand: 'OK', operator: 'OK' }),
  },
  organizations: { run: (k) => gql(h.url, op.ORGANIZATIONS, {}, k), expected: all('FORBIDDEN', { operator: 'OK' }) },
  clearingFailures: { run: (k) => gql(h.url, op.CLEARING_FAILURES, {}, k), expected: all('FORBIDDEN', { brand: 'OK', otherBrand: 'OK', operator: 'OK' }) },
  ...sandboxRows(() => ({ h, m })),
  webhookDeliveries: {
    run: (k) => gql(h.url, op.WEBHOOK_DELIVERIES, { id: brandEndpointId }, k),
    expected: all('NOT_FOUND', { operator: 'OK', brand: 'OK', brandFinance: 'OK', auditor: 'FORBIDDEN' }),
  },
};

describe('authorisation matrix', () => {
  it('has a row for every query and mutation in the schema', async () => {
    const schema = await getSchema();
    const operations = [...Object.keys(schema.getQueryType()?.getFields() ?? {}), ...Object.keys(schema.getMutationType()?.getFields() ?? {})];
    expect(operations.filter((o) => !(o in matrix))).toEqual([]);
  });

  for (const [name, row] of Object.entries(matrix)) {
    it(`${name}: every role gets exactly its expected outcome`, async () => {
      const actual: Record<string, string> = {};
      for (const actor of ACTORS) actual[actor] = outcome(await row.run(keyOf(actor)), name);
      expect(actual).toEqual(row.expected);
    });
  }

  it('refuses a revoked key on its very next request', async () => {
    const issued = ok(
      await gql(h.url, op.ISSUE_KEY, { input: { organizationId: m.vendorC.id, role: 'VENDOR', label: 'soon revoked' } }, h.operatorKey),
    ).issueApiKey;
    expect(outcome(await gql(h.url, op.ME, {}, issued.secret), 'me')).toBe('OK');
    ok(await gql(h.url, op.REVOKE_KEY, { id: issued.apiKey.id }, m.vendorC.key));
    const after = await gql(h.url, op.ME, {}, issued.secret);
    expect(after.status).toBe(401);
    expect(outcome(after, 'me')).toBe('UNAUTHENTICATED');
  });

  it('refuses malformed and unknown keys as UNAUTHENTICATED', async () => {
    for (const key of ['nonsense', 'bx_abcdefgh_' + 'x'.repeat(43), h.operatorKey.slice(0, -1) + (h.operatorKey.endsWith('A') ? 'B' : 'A')]) {
      expect(outcome(await gql(h.url, op.ME, {}, key), 'me')).toBe('UNAUTHENTICATED');
    }
  });
});
