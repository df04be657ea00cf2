import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearSpike } from '../src/domain/clearing/clear-spike.js';
import { storedQualityScores } from '../src/domain/quality/quality-scores.js';
import { aBid, aBidInput, aMarket, anOpenSpike, type Market, type Party } from './support/builders.js';
import { errorCode, gql, ok } from './support/client.js';
import { resetState, rowCounts, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';
import { signedPoster } from './support/quality-fixtures.js';

/**
 * Audit authority (PRODUCT.md section 8): AUDIT events from the operator, or an AUDITOR key the
 * operator issues, decide the marketplace audit state; a brand's own audit excludes the vendor
 * from that brand's spikes only, and its PASS never lifts the operator's FAIL.
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

let seq = 0;
const audit = (vendor: Party, auditResult: string, minutesAgo: number, extra: Record<string, unknown> = {}) => ({
  externalId: `a-${++seq}`,
  kind: 'AUDIT',
  vendorId: vendor.id,
  auditResult,
  occurredAt: new Date(h.clock.now().getTime() - minutesAgo * 60_000).toISOString(),
  notes: 'site visit',
  ...extra,
});
const record = async (events: unknown[], key: string) => ok(await gql(h.url, op.RECORD_EVENTS, { input: { events } }, key)).recordQualityEvents;
const bidOn = async (spikeId: string, vendor: Party) =>
  ok(await gql(h.url, op.PLACE_BID, { input: aBidInput(spikeId), key: `k-${++seq}` }, vendor.key)).placeBid;
const card = async (vendor: Party, key: string) => op.flatPages(ok(await gql(h.url, op.SCORECARD, { id: vendor.id }, key)).vendorScorecard);
/**
 * A spike the vendor has bid on and withdrawn from: it stays visible to the vendor, so a refused
 * bid on it says which rules fail (a spike it never bid on and may not bid on is NOT_FOUND).
 */
const aSeenSpike = async (brand: Party, vendor: Party) => {
  const spikeId = await anOpenSpike(h.url, h.clock, brand.key);
  ok(await gql(h.url, op.WITHDRAW_BID, { id: (await aBid(h.url, vendor.key, spikeId)).id }, vendor.key));
  return spikeId;
};
const hidden = async (spikeId: string, vendor: Party) =>
  errorCode(await gql(h.url, op.PLACE_BID, { input: aBidInput(spikeId), key: `k-${++seq}` }, vendor.key));
const openIds = async (vendor: Party) => ok(await gql(h.url, op.OPEN_SPIKES, {}, vendor.key)).openDemandSpikes.nodes.map((n: any) => n.id);

/** An auditing firm the operator onboards, with the AUDITOR key the operator issues it. */
async function anAuditor(): Promise<Party> {
  const org = ok(await gql(h.url, op.CREATE_ORG, { input: { name: `Auditor ${++seq}`, kind: 'AUDITOR' } }, h.operatorKey)).createOrganization;
  const issued = ok(await gql(h.url, op.ISSUE_KEY, { input: { organizationId: org.id, role: 'AUDITOR', label: 'audits' } }, h.operatorKey)).issueApiKey;
  expect(issued).toMatchObject({ __typename: 'IssuedApiKey', apiKey: { role: 'AUDITOR' } });
  return { id: org.id, key: issued.secret, financeKey: '' };
}

describe('a brand’s own audit', () => {
  it('FAIL excludes the vendor from that brand’s spikes only, at bidding and at clearing, until the brand’s PASS', async () => {
    const mine = await anOpenSpike(h.url, h.clock, m.brand.key);
    const earlier = await aBid(h.url, m.vendorA.key, mine);
    const seen = await aSeenSpike(m.brand, m.vendorA);
    expect((await record([audit(m.vendorA, 'FAIL', 1)], m.brand.key)).accepted).toBe(1);

    const refused = await bidOn(seen, m.vendorA);
    expect(refused).toMatchObject({ __typename: 'NotEligibleError', code: 'NOT_ELIGIBLE', rules: [{ rule: 'BRAND_AUDIT_FAILED' }] });
    expect(await hidden(await anOpenSpike(h.url, h.clock, m.brand.key), m.vendorA)).toBe('NOT_FOUND');
    const theirs = await anOpenSpike(h.url, h.clock, m.otherBrand.key);
    expect(await bidOn(theirs, m.vendorA)).toMatchObject({ __typename: 'Bid', status: 'ACTIVE' });
    expect(await openIds(m.vendorA)).toEqual([theirs]);
    expect(await card(m.vendorA, m.vendorA.key)).toMatchObject({ auditState: 'NONE', suspended: false, brandAudits: [{ brandId: m.brand.id, state: 'FAIL' }] });
    expect((await card(m.vendorA, m.otherBrand.key)).brandAudits).toEqual([]);

    // The bid placed before the FAIL is not cleared either.
    ok(await gql(h.url, op.CLOSE, { id: mine }, m.brand.key));
    await clearSpike(h.orm.em.fork() as never, h.clock, storedQualityScores, mine);
    const result = op.flatPages(ok(await gql(h.url, op.CLEARING_RESULT, { id: mine }, m.brand.key)).clearingResult);
    expect(result.bids.find((b: any) => b.bidId === earlier.id)).toMatchObject({
      status: 'LOST',
      reason: 'INELIGIBLE',
      reasonDetail: expect.stringContaining('BRAND_AUDIT_FAILED'),
    });

    // Another brand's PASS and the operator's PASS do not lift this brand's own FAIL; its own PASS does.
    await record([audit(m.vendorA, 'PASS', 0)], m.otherBrand.key);
    // Brand audits are a connection in brand id order: the vendor pages through both, a brand sees only its own.
    const AUDITS = `query($id: UUID!, $after: String) { vendorScorecard(vendorId: $id) { brandAudits(first: 1, after: $after) {
      nodes { brandId state } pageInfo { hasNextPage endCursor } } } }`;
    const audits = async (key: string, after: string | null = null) =>
      ok(await gql(h.url, AUDITS, { id: m.vendorA.id, after }, key)).vendorScorecard.brandAudits;
    const [low, high] = [m.brand.id, m.otherBrand.id].sort();
    const first = await audits(m.vendorA.key);
    expect(first).toMatchObject({ nodes: [{ brandId: low }], pageInfo: { hasNextPage: true } });
    expect(await audits(m.vendorA.key, first.pageInfo.endCursor)).toMatchObject({ nodes: [{ brandId: high }], pageInfo: { hasNextPage: false } });
    expect(await audits(m.otherBrand.key)).toMatchObject({ nodes: [{ brandId: m.otherBrand.id, state: 'PASS' }], pageInfo: { hasNextPage: false } });
    await record([audit(m.vendorA, 'PASS', 0)], h.operatorKey);
    expect(await bidOn(seen, m.vendorA)).toMatchObject({ rules: [{ rule: 'BRAND_AUDIT_FAILED' }] });
    await record([audit(m.vendorA, 'PASS', 0)], m.brand.key);
    expect(await bidOn(await anOpenSpike(h.url, h.clock, m.brand.key), m.vendorA)).toMatchObject({ __typename: 'Bid' });
  });

  it('PASS never lifts an operator’s FAIL', async () => {
    const seen = await aSeenSpike(m.brand, m.vendorA);
    expect((await record([audit(m.vendorA, 'FAIL', 2, { notes: 'locked fire exit' })], h.operatorKey)).accepted).toBe(1);
    expect((await record([audit(m.vendorA, 'PASS', 1)], m.brand.key)).accepted).toBe(1);
    expect(await bidOn(seen, m.vendorA)).toMatchObject({ rules: [{ rule: 'AUDIT_FAILED' }] });
    expect(await card(m.vendorA, h.operatorKey)).toMatchObject({
      auditState: 'FAIL',
      suspended: true,
      auditNotes: 'locked fire exit',
      brandAudits: [{ brandId: m.brand.id, state: 'PASS' }],
    });
    expect(await openIds(m.vendorA)).toEqual([]);
    await record([audit(m.vendorA, 'PASS', 0)], h.operatorKey);
    expect(await bidOn(await anOpenSpike(h.url, h.clock, m.brand.key), m.vendorA)).toMatchObject({ __typename: 'Bid' });
  });

  it('is refused about another brand’s in-house team (it cannot see it), about itself, and from a vendor', async () => {
    const before = await rowCounts(h.orm);
    const r = await record([audit(m.otherInHouse, 'FAIL', 0), audit({ id: m.brand.id } as Party, 'FAIL', 0)], m.brand.key);
    expect(r.receipts.map((x: any) => x.rejection.code)).toEqual(['UNKNOWN_VENDOR', 'SELF_RATING']);
    expect(errorCode(await gql(h.url, op.RECORD_EVENTS, { input: { events: [audit(m.vendorB, 'FAIL', 0)] } }, m.vendorA.key))).toBe('FORBIDDEN');
    expect(await rowCounts(h.orm)).toEqual(before);
  });
});

describe('AUDITOR keys', () => {
  it('record audits with the operator’s authority, over GraphQL', async () => {
    const auditor = await anAuditor();
    const seen = [await aSeenSpike(m.brand, m.vendorB), await aSeenSpike(m.otherBrand, m.vendorB)];
    expect((await record([audit(m.vendorB, 'FAIL', 0, { notes: 'unpaid overtime' })], auditor.key)).accepted).toBe(1);
    expect(await card(m.vendorB, h.operatorKey)).toMatchObject({ auditState: 'FAIL', suspended: true, auditNotes: 'unpaid overtime', brandAudits: [] });
    for (const spikeId of seen) expect(await bidOn(spikeId, m.vendorB)).toMatchObject({ rules: [{ rule: 'AUDIT_FAILED' }] });
    expect(await hidden(await anOpenSpike(h.url, h.clock, m.otherBrand.key), m.vendorB)).toBe('NOT_FOUND');
    // A brand's PASS does not lift it; the auditor's (or the operator's) does.
    await record([audit(m.vendorB, 'PASS', 0)], m.brand.key);
    expect((await card(m.vendorB, h.operatorKey)).suspended).toBe(true);
    await record([audit(m.vendorB, 'PASS', 0)], auditor.key);
    expect((await card(m.vendorB, h.operatorKey)).suspended).toBe(false);
  });

  it('do nothing else: no ratings, keys, contracts, secrets or scorecards (least privilege)', async () => {
    const auditor = await anAuditor();
    const before = await rowCounts(h.orm);
    const r = await record([{ externalId: 'x-1', kind: 'CSAT', vendorId: m.vendorA.id, contractId: m.vendorA.id, score: 5 }], auditor.key);
    expect(r.receipts[0].rejection).toMatchObject({ code: 'KIND_NOT_PERMITTED', field: 'events[0].kind' });
    expect(errorCode(await gql(h.url, op.ISSUE_KEY, { input: { organizationId: auditor.id, role: 'AUDITOR', label: 'more' } }, auditor.key))).toBe('FORBIDDEN');
    expect(errorCode(await gql(h.url, op.ROTATE_INGEST_SECRET, {}, auditor.key))).toBe('FORBIDDEN');
    expect(errorCode(await gql(h.url, op.CONTRACTS, {}, auditor.key))).toBe('FORBIDDEN');
    expect(errorCode(await gql(h.url, op.SCORECARD, { id: m.vendorA.id }, auditor.key))).toBe('FORBIDDEN');
    // Only the operator issues AUDITOR keys, and only to auditor organisations.
    expect(ok(await gql(h.url, op.ISSUE_KEY, { input: { organizationId: m.brand.id, role: 'AUDITOR', label: 'x' } }, m.brand.key)).issueApiKey).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'role',
    });
    expect(ok(await gql(h.url, op.ISSUE_KEY, { input: { organizationId: auditor.id, role: 'FINANCE', label: 'x' } }, h.operatorKey)).issueApiKey).toMatchObject(
      { code: 'BAD_USER_INPUT', field: 'role' },
    );
    expect(await rowCounts(h.orm)).toEqual(before);
  });
});

describe('audit times', () => {
  it('an audit dated beyond 5 minutes of clock skew is refused per event on GraphQL and signed HTTP, writing nothing', async () => {
    const post = await signedPoster(h, m.brand);
    const future = (minutes: number) => audit(m.vendorA, 'FAIL', -minutes);
    const before = await rowCounts(h.orm);
    const viaGraphql = await record([future(6), future(60 * 24 * 365)], h.operatorKey);
    expect(viaGraphql.receipts.map((x: any) => x.rejection.code)).toEqual(['INVALID_TIME', 'INVALID_TIME']);
    expect(viaGraphql.receipts[0].rejection.field).toBe('events[0].occurredAt');
    expect(await rowCounts(h.orm)).toEqual(before);
    const viaHttp = await post([future(6)]);
    expect(viaHttp.body.receipts[0].rejection.code).toBe('INVALID_TIME');
    const { ingest_nonce: _n, ...after } = await rowCounts(h.orm);
    const { ingest_nonce: _m, ...expected } = before;
    expect(after).toEqual(expected);
    // Within the skew it counts.
    expect((await record([future(4)], h.operatorKey)).accepted).toBe(1);
    expect((await card(m.vendorA, h.operatorKey)).suspended).toBe(true);
  });
});
