import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { awardSpike } from '../src/domain/clearing/award-spike.js';
import { ClearingError } from '../src/domain/clearing/clear-spike.js';
import { recordClearingFailure } from '../src/domain/clearing/clearing-failure.js';
import type { EventType } from '../src/domain/events/event-types.js';
import { neutralQualityScores } from '../src/domain/quality/quality-scores.js';
import { recomputeScores } from '../src/domain/quality/recompute-scores.js';
import { DEFAULT_POLICY, settleContract } from '../src/domain/settlement/settle-contract.js';
import { getSchema } from '../src/graphql/schema.js';
import { aBid, aBidInput, aMarket, anOpenSpike, aSpikeInput, type Market } from './support/builders.js';
import { gql, ok, type GqlResponse } from './support/client.js';
import { eventually, resetState, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';
import { aStaffingInput } from './support/console-builders.js';
import { subscribe, type Ended, type Received } from './support/ws-client.js';

/**
 * The authorisation matrix: every query, mutation and subscription, for every role, and for a
 * foreign organisation of the same role. Each cell is the outcome a client sees: OK (for a
 * subscription: RECEIVES the event, or stays SILENT while others receive it), or the error code.
 * An operation in the schema without a row here fails the suite.
 */
type Actor = 'anonymous' | 'operator' | 'brand' | 'otherBrand' | 'brandFinance' | 'otherBrandFinance' | 'vendor' | 'otherVendor' | 'vendorFinance' | 'auditor';
const ACTORS: Actor[] = [
  'anonymous',
  'operator',
  'brand',
  'otherBrand',
  'brandFinance',
  'otherBrandFinance',
  'vendor',
  'otherVendor',
  'vendorFinance',
  'auditor',
];
type Outcome = 'OK' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND';

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
/** An AUDITOR key of an auditing firm the operator onboarded: it records audits and nothing else. */
let auditorKey: string;
beforeAll(async () => {
  // The outbox relay runs (subscriptions need events); nothing clears or settles by itself.
  h = await startHarness({ realtime: true });
  await resetState(h);
  m = await aMarket(h.url, h.operatorKey);
  openSpike = await anOpenSpike(h.url, h.clock, m.brand.key);
  bidOnOpen = (await aBid(h.url, m.vendorA.key, openSpike)).id;
  closedSpike = await anOpenSpike(h.url, h.clock, m.brand.key);
  bidOnClosed = (await aBid(h.url, m.vendorA.key, closedSpike)).id;
  ok(await gql(h.url, op.CLOSE, { id: closedSpike }, m.brand.key));
  const awarded = await awardSpike(h.orm.em.fork() as never, h.clock, neutralQualityScores, closedSpike);
  if (awarded.kind !== 'AWARDED') throw new Error('setup: the closed spike did not clear');
  failedSpike = await anOpenSpike(h.url, h.clock, m.brand.key);
  ok(await gql(h.url, op.CLOSE, { id: failedSpike }, m.brand.key));
  await recordClearingFailure(h.orm.em.fork() as never, h.clock, failedSpike, new ClearingError('SOLVER_TIMEOUT', 'clearing hit its 120 s time limit (COST)'));
  contractId = awarded.contractIds[0]!;

  // A contract whose intervals are over, with actuals and a settlement: set the clock back, then forward.
  const now = h.clock.now();
  h.clock.set(new Date(now.getTime() - 3 * 86_400_000));
  const past = await anOpenSpike(h.url, h.clock, m.brand.key);
  await aBid(h.url, m.vendorA.key, past);
  ok(await gql(h.url, op.CLOSE, { id: past }, m.brand.key));
  endedContractId = ((await awardSpike(h.orm.em.fork() as never, h.clock, neutralQualityScores, past)) as { contractIds: string[] }).contractIds[0]!;
  h.clock.set(now);
  ok(
    await gql(
      h.url,
      op.REPORT_DELIVERY,
      { input: { contractId: endedContractId, reports: [{ intervalIndex: 0, staffedSeatHours: 2.5, contactsHandled: 50, serviceLevelAchieved: 0.8 }] } },
      m.vendorA.key,
    ),
  );
  invoiceId = ok(await gql(h.url, op.SETTLE, { id: endedContractId }, m.brand.financeKey)).settleContract.invoice.id;
  brandAccountId = ok(await gql(h.url, op.BALANCES, {}, m.brand.financeKey)).ledgerBalances[0].accountId;
  brandEndpointId = (await aBrandEndpoint()).id;
  const auditor = ok(await gql(h.url, op.CREATE_ORG, { input: { name: 'Matrix auditor', kind: 'AUDITOR' } }, h.operatorKey)).createOrganization;
  auditorKey = ok(await gql(h.url, op.ISSUE_KEY, { input: { organizationId: auditor.id, role: 'AUDITOR', label: 'matrix' } }, h.operatorKey)).issueApiKey
    .secret;
  // Vendor A alone speaks French: a spike needing it is one only vendor A may bid on.
  ok(await gql(h.url, op.UPDATE_VENDOR, { input: { vendorId: m.vendorA.id, skills: ['billing', 'es-ES', 'fr-FR'] } }, h.operatorKey));
});

async function aBrandEndpoint() {
  const r = ok(
    await gql(h.url, op.REGISTER_WEBHOOK, { input: { url: 'https://hooks.example.com/brand', eventTypes: ['contract.settled'] } }, m.brand.key),
  ).registerWebhookEndpoint;
  return r.endpoint as { id: string };
}
afterAll(async () => {
  await h.close();
});

function keyOf(actor: Actor): string | undefined {
  switch (actor) {
    case 'anonymous':
      return undefined;
    case 'operator':
      return h.operatorKey;
    case 'brand':
      return m.brand.key;
    case 'otherBrand':
      return m.otherBrand.key;
    case 'brandFinance':
      return m.brand.financeKey;
    case 'otherBrandFinance':
      return m.otherBrand.financeKey;
    case 'vendor':
      return m.vendorA.key;
    case 'otherVendor':
      return m.vendorB.key;
    case 'vendorFinance':
      return m.vendorA.financeKey;
    case 'auditor':
      return auditorKey;
  }
}

function outcome(r: GqlResponse, field: string): string {
  if (r.errors?.length) return r.errors[0]!.extensions?.code ?? 'NO_CODE';
  const value = r.data?.[field];
  if (value && typeof value === 'object' && typeof value.__typename === 'string' && value.__typename.endsWith('Error'))
    return `${value.__typename}:${value.code}`;
  return value === null || value === undefined ? 'NO_DATA' : 'OK';
}

const all = (o: Outcome, overrides: Partial<Record<Actor, Outcome>> = {}) =>
  Object.fromEntries(ACTORS.map((a) => [a, a === 'anonymous' ? 'UNAUTHENTICATED' : (overrides[a] ?? o)])) as Record<Actor, Outcome>;

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
      gql(h.url, op.REGISTER_WEBHOOK, { input: { organizationId: m.brand.id, url: 'https://hooks.example.com/matrix', eventTypes: ['contract.settled'] } }, k),
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
  webhookDeliveries: {
    run: (k) => gql(h.url, op.WEBHOOK_DELIVERIES, { id: brandEndpointId }, k),
    expected: all('NOT_FOUND', { operator: 'OK', brand: 'OK', brandFinance: 'OK', auditor: 'FORBIDDEN' }),
  },
};

/**
 * Subscriptions. Each row triggers the event under test (`target`), then a `sentinel` event of
 * the same type that every actor allowed to subscribe but not entitled to the target does
 * receive. Streams are ordered, so an actor whose first relevant event is the sentinel never
 * got the target: SILENT is proven, not guessed from a timeout.
 */
type SubscriptionOutcome = 'RECEIVES' | 'SILENT' | 'UNAUTHENTICATED' | 'FORBIDDEN';
interface SubscriptionRow {
  query: string;
  type: EventType;
  trigger: () => Promise<{ target: string; sentinel: string }>;
  idOf: (data: Record<string, any>) => string;
  expected: Record<Actor, SubscriptionOutcome>;
}

const subscriptions = (o: SubscriptionOutcome, overrides: Partial<Record<Actor, SubscriptionOutcome>> = {}) =>
  Object.fromEntries(ACTORS.map((a) => [a, a === 'anonymous' ? 'UNAUTHENTICATED' : (overrides[a] ?? o)])) as Record<Actor, SubscriptionOutcome>;

/** A spike of `brandKey` with one bid of `vendorKey`, closed and cleared; returns the bid and contract ids. */
async function aClearedBid(brandKey: string, vendorKey: string): Promise<{ bidId: string; contractId: string }> {
  const spikeId = await anOpenSpike(h.url, h.clock, brandKey);
  const bidId = (await aBid(h.url, vendorKey, spikeId)).id as string;
  ok(await gql(h.url, op.CLOSE, { id: spikeId }, brandKey));
  const awarded = await awardSpike(h.orm.em.fork() as never, h.clock, neutralQualityScores, spikeId);
  if (awarded.kind !== 'AWARDED') throw new Error('did not clear');
  return { bidId, contractId: awarded.contractIds[0]! };
}

const subscriptionMatrix: Record<string, SubscriptionRow> = {
  demandSpikePosted: {
    query: op.SPIKE_POSTED,
    type: 'demand_spike.posted',
    trigger: async () => ({
      target: await anOpenSpike(h.url, h.clock, m.brand.key, { requiredSkills: ['fr-FR'] }),
      sentinel: await anOpenSpike(h.url, h.clock, m.brand.key),
    }),
    idOf: (d) => d.demandSpikePosted.spike.id,
    expected: subscriptions('FORBIDDEN', { operator: 'RECEIVES', vendor: 'RECEIVES', otherVendor: 'SILENT' }),
  },
  bidOutcome: {
    query: op.BID_OUTCOMES,
    type: 'bid.outcome',
    trigger: async () => ({ target: (await aClearedBid(m.brand.key, m.vendorA.key)).bidId, sentinel: (await aClearedBid(m.brand.key, m.vendorB.key)).bidId }),
    idOf: (d) => d.bidOutcome.outcome.bidId,
    expected: subscriptions('FORBIDDEN', { vendor: 'RECEIVES', otherVendor: 'SILENT' }),
  },
  contractSettled: {
    query: op.CONTRACT_SETTLED,
    type: 'contract.settled',
    trigger: async () => {
      const settled = async (brandKey: string, vendorKey: string) => {
        const { contractId } = await aClearedBid(brandKey, vendorKey);
        await settleContract(h.orm.em.fork() as never, h.clock, contractId, DEFAULT_POLICY, { force: true });
        return contractId;
      };
      return { target: await settled(m.brand.key, m.vendorA.key), sentinel: await settled(m.otherBrand.key, m.vendorB.key) };
    },
    idOf: (d) => d.contractSettled.contract.id,
    expected: subscriptions('RECEIVES', { otherBrand: 'SILENT', otherBrandFinance: 'SILENT', otherVendor: 'SILENT', auditor: 'FORBIDDEN' }),
  },
};

function subscriptionOutcome(
  first: Received | Ended,
  relevant: Received | null,
  ids: { target: string; sentinel: string },
  idOf: SubscriptionRow['idOf'],
): string {
  if ('kind' in first) return first.kind === 'error' && first.code === 4401 ? 'UNAUTHENTICATED' : `ENDED:${JSON.stringify(first)}`;
  if (first.errors?.length) return first.errors[0]!.extensions?.code ?? 'NO_CODE';
  const id = relevant?.data ? idOf(relevant.data) : null;
  return id === ids.target ? 'RECEIVES' : id === ids.sentinel ? 'SILENT' : 'NOTHING';
}

describe('authorisation matrix', () => {
  it('has a row for every query, mutation and subscription in the schema', async () => {
    const schema = await getSchema();
    const operations = [...Object.keys(schema.getQueryType()?.getFields() ?? {}), ...Object.keys(schema.getMutationType()?.getFields() ?? {})];
    expect(operations.filter((o) => !(o in matrix))).toEqual([]);
    const subscriptionFields = Object.keys(schema.getSubscriptionType()?.getFields() ?? {});
    expect(subscriptionFields.filter((o) => !(o in subscriptionMatrix))).toEqual([]);
  });

  for (const [name, row] of Object.entries(subscriptionMatrix)) {
    it(`subscription ${name}: every role receives, stays silent or is refused exactly as expected`, async () => {
      const subs = ACTORS.map((actor) => subscribe(h.wsUrl, keyOf(actor), row.query));
      try {
        // Wait until every subscription is either refused or listening, then cause the events.
        const refused = () => subs.filter((s) => s.received.some((r) => r.errors?.length) || s.endedNow() !== null).length;
        await eventually(async () => (refused() + h.events.listenerCount(row.type) === ACTORS.length ? true : null), 10_000);
        const ids = await row.trigger();
        const actual: Record<string, string> = {};
        await Promise.all(
          ACTORS.map(async (actor, i) => {
            const s = subs[i]!;
            const first = await s.first().catch(() => ({ kind: 'complete' as const }));
            const relevant =
              'kind' in first || first.errors?.length
                ? null
                : await s.waitFor((r) => !!r.data && [ids.target, ids.sentinel].includes(row.idOf(r.data)), 10_000).catch(() => null);
            actual[actor] = subscriptionOutcome(first, relevant, ids, row.idOf);
          }),
        );
        expect(actual).toEqual(row.expected);
      } finally {
        await Promise.all(subs.map((s) => s.dispose()));
      }
    });
  }

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
      pick: (d: Record<string, any>) => allNamed(d.ledgerBalances, (b) => [b.organization]),
      expected: fields('FORBIDDEN', financeList),
    },
    'Accrual.brand and Accrual.vendor': {
      run: (k: string | undefined) => gql(h.url, op.ACCRUAL_NAMES, {}, k),
      pick: (d: Record<string, any>) => allNamed(d.accruals, (a) => [a.brand, a.vendor]),
      expected: fields('FORBIDDEN', financeList),
    },
  };
}

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
