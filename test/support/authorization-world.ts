import { clearSpike } from '../../src/domain/clearing/clear-spike.js';
import { ClearingError } from '../../src/domain/clearing/solve-clearing.js';
import { recordClearingFailure } from '../../src/domain/clearing/clearing-failure.js';
import { neutralQualityScores } from '../../src/domain/quality/quality-scores.js';
import { aBid, aMarket, anOpenSpike, type Market } from './builders.js';
import { gql, ok, type GqlResponse } from './client.js';
import { resetState, startHarness, type Harness } from './harness.js';
import * as op from './operations.js';

/**
 * The world of the authorisation tests (test/authorization*.test.ts): every role, and a foreign
 * organisation of the same role, with an open, a closed (cleared) and a failed spike, bids, a
 * delivered and settled contract, a webhook endpoint and an auditor. Each cell of their matrices
 * is the outcome a client sees: OK, or the error code.
 */
export type Actor =
  'anonymous' | 'operator' | 'brand' | 'otherBrand' | 'brandFinance' | 'otherBrandFinance' | 'vendor' | 'otherVendor' | 'vendorFinance' | 'auditor';
export const ACTORS: Actor[] = [
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
export type Outcome = 'OK' | 'UNAUTHENTICATED' | 'FORBIDDEN' | 'NOT_FOUND';

export interface World {
  h: Harness;
  m: Market;
  openSpike: string;
  closedSpike: string;
  failedSpike: string;
  bidOnOpen: string;
  bidOnClosed: string;
  contractId: string;
  endedContractId: string;
  invoiceId: string;
  brandAccountId: string;
  brandEndpointId: string;
  /** An AUDITOR key of an auditing firm the operator onboarded: it records audits and nothing else. */
  auditorKey: string;
}

/** Starts a harness and builds the world. */
export async function anAuthorizationWorld(): Promise<World> {
  // The outbox relay runs (subscriptions need events); nothing clears or settles by itself.
  const h = await startHarness({ realtime: true });
  await resetState(h);
  const m = await aMarket(h.url, h.operatorKey);
  const openSpike = await anOpenSpike(h.url, h.clock, m.brand.key);
  const bidOnOpen = (await aBid(h.url, m.vendorA.key, openSpike)).id;
  const closedSpike = await anOpenSpike(h.url, h.clock, m.brand.key);
  const bidOnClosed = (await aBid(h.url, m.vendorA.key, closedSpike)).id;
  ok(await gql(h.url, op.CLOSE, { id: closedSpike }, m.brand.key));
  const awarded = await clearSpike(h.orm.em.fork() as never, h.clock, neutralQualityScores, closedSpike);
  if (awarded.kind !== 'AWARDED') throw new Error('setup: the closed spike did not clear');
  const failedSpike = await anOpenSpike(h.url, h.clock, m.brand.key);
  ok(await gql(h.url, op.CLOSE, { id: failedSpike }, m.brand.key));
  await recordClearingFailure(h.orm.em.fork() as never, h.clock, failedSpike, new ClearingError('SOLVER_TIMEOUT', 'clearing hit its 120 s time limit (COST)'));
  const contractId = awarded.contractIds[0]!;

  // A contract whose intervals are over, with actuals and a settlement: set the clock back, then forward.
  const now = h.clock.now();
  h.clock.set(new Date(now.getTime() - 3 * 86_400_000));
  const past = await anOpenSpike(h.url, h.clock, m.brand.key);
  await aBid(h.url, m.vendorA.key, past);
  ok(await gql(h.url, op.CLOSE, { id: past }, m.brand.key));
  const endedContractId = ((await clearSpike(h.orm.em.fork() as never, h.clock, neutralQualityScores, past)) as { contractIds: string[] }).contractIds[0]!;
  h.clock.set(now);
  ok(
    await gql(
      h.url,
      op.REPORT_DELIVERY,
      { input: { contractId: endedContractId, reports: [{ intervalIndex: 0, staffedSeatHours: 2.5, contactsHandled: 50, serviceLevelAchieved: 0.8 }] } },
      m.vendorA.key,
    ),
  );
  const invoiceId = ok(await gql(h.url, op.SETTLE, { id: endedContractId }, m.brand.financeKey)).settleContract.invoice.id;
  const brandAccountId = ok(await gql(h.url, op.BALANCES, {}, m.brand.financeKey)).ledgerBalances.nodes[0].accountId;
  const brandEndpointId = (await aBrandEndpoint(h, m)).id;
  const auditor = ok(await gql(h.url, op.CREATE_ORG, { input: { name: 'Matrix auditor', kind: 'AUDITOR' } }, h.operatorKey)).createOrganization;
  const auditorKey = ok(await gql(h.url, op.ISSUE_KEY, { input: { organizationId: auditor.id, role: 'AUDITOR', label: 'matrix' } }, h.operatorKey)).issueApiKey
    .secret;
  // Vendor A alone speaks French: a spike needing it is one only vendor A may bid on.
  ok(await gql(h.url, op.UPDATE_VENDOR, { input: { vendorId: m.vendorA.id, skills: ['billing', 'es-ES', 'fr-FR'] } }, h.operatorKey));
  return {
    h,
    m,
    openSpike,
    closedSpike,
    failedSpike,
    bidOnOpen,
    bidOnClosed,
    contractId,
    endedContractId,
    invoiceId,
    brandAccountId,
    brandEndpointId,
    auditorKey,
  };
}

/** A webhook endpoint of the brand, for contract.settled. */
export async function aBrandEndpoint(h: Harness, m: Market) {
  const r = ok(
    await gql(h.url, op.REGISTER_WEBHOOK, { input: { url: 'https://hooks.example.com/brand', eventTypes: ['CONTRACT_SETTLED'] } }, m.brand.key),
  ).registerWebhookEndpoint;
  return r.endpoint as { id: string };
}

export function keyOf(w: World, actor: Actor): string | undefined {
  const { h, m, auditorKey } = w;
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

export function outcome(r: GqlResponse, field: string): string {
  if (r.errors?.length) return r.errors[0]!.extensions?.code ?? 'NO_CODE';
  const value = r.data?.[field];
  if (value && typeof value === 'object' && typeof value.__typename === 'string' && value.__typename.endsWith('Error'))
    return `${value.__typename}:${value.code}`;
  return value === null || value === undefined ? 'NO_DATA' : 'OK';
}

export const all = (o: Outcome, overrides: Partial<Record<Actor, Outcome>> = {}) =>
  Object.fromEntries(ACTORS.map((a) => [a, a === 'anonymous' ? 'UNAUTHENTICATED' : (overrides[a] ?? o)])) as Record<Actor, Outcome>;
