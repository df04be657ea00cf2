import { afterAll, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { clearSpike } from '../src/domain/clearing/clear-spike.js';
import { storedQualityScores } from '../src/domain/quality/quality-scores.js';
import { aBid, aBidInput, aMarket, anOpenSpike, type Market } from './support/builders.js';
import { errorCode, gql, ok } from './support/client.js';
import { resetState, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';

/**
 * Eligibility has one home: a rule added to the pure function (`eligibilityFailures`) holds at
 * once in placeBid, reviseBid, demandSpike, the open list, the audience of a published spike and
 * clearing, with nothing else to change. The rule here is a test's own: "this vendor is blocked".
 */
const { blocked, BLOCKED } = vi.hoisted(() => ({ blocked: new Set<string>(), BLOCKED: 'Blocked by the single-home test rule' }));
vi.mock('../src/domain/demand/eligibility.js', async (importOriginal) => {
  const real = await importOriginal<typeof import('../src/domain/demand/eligibility.js')>();
  return {
    ...real,
    eligibilityFailures: (...args: Parameters<typeof real.eligibilityFailures>) => [
      ...real.eligibilityFailures(...args),
      // An existing rule name: the schema's enum of rules would refuse a new one; the detail is ours.
      ...(blocked.has(args[0].id) ? [{ rule: 'VENDOR_SUSPENDED' as const, detail: BLOCKED }] : []),
    ],
  };
});

let h: Harness;
let m: Market;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  blocked.clear();
  await resetState(h);
  m = await aMarket(h.url, h.operatorKey);
});

let seq = 0;
const place = (spikeId: string) => gql(h.url, op.PLACE_BID, { input: aBidInput(spikeId), key: `single-home-${++seq}` }, m.vendorA.key);
const openIds = async () => ok(await gql(h.url, op.OPEN_SPIKES, { first: 50 }, m.vendorA.key)).openDemandSpikes.nodes.map((n: { id: string }) => n.id);
const audienceOf = async (spikeId: string) => {
  const rows = await h.orm.em
    .fork()
    .getConnection()
    .execute<{ audience: string[] }[]>(`select audience from domain_event where type = 'demand_spike.posted' and payload::text like ?`, [`%${spikeId}%`]);
  return rows[0]!.audience;
};

describe('a new eligibility rule', () => {
  it('holds in placeBid, reviseBid, demandSpike, the open list, the publish audience and clearing alike', async () => {
    const revised = await anOpenSpike(h.url, h.clock, m.brand.key);
    const cleared = await anOpenSpike(h.url, h.clock, m.brand.key);
    const unseen = await anOpenSpike(h.url, h.clock, m.brand.key);
    const bid = await aBid(h.url, m.vendorA.key, revised);
    const clearedBid = await aBid(h.url, m.vendorA.key, cleared);
    expect((await openIds()).sort()).toEqual([revised, cleared, unseen].sort());
    expect(await audienceOf(unseen)).toContain(m.vendorA.id);

    blocked.add(m.vendorA.id);

    // reviseBid: the vendor's own failed rules, ours among them.
    const refusedRevision = ok(await gql(h.url, op.REVISE_BID, { input: { bidId: bid.id, expectedVersion: 1, note: 'cheaper' } }, m.vendorA.key)).reviseBid;
    expect(refusedRevision).toMatchObject({ __typename: 'NotEligibleError', code: 'NOT_ELIGIBLE', message: BLOCKED });
    // placeBid on a spike it has bid on (it sees it): NOT_ELIGIBLE with our rule; on one it never bid on: hidden.
    ok(await gql(h.url, op.WITHDRAW_BID, { id: bid.id }, m.vendorA.key));
    expect(ok(await place(revised)).placeBid).toMatchObject({ __typename: 'NotEligibleError', rules: [{ rule: 'VENDOR_SUSPENDED', detail: BLOCKED }] });
    expect(errorCode(await place(unseen))).toBe('NOT_FOUND');
    // demandSpike and the open list: the spike it may no longer bid on is gone.
    expect(errorCode(await gql(h.url, op.SPIKE, { id: unseen }, m.vendorA.key))).toBe('NOT_FOUND');
    expect(await openIds()).toEqual([]);
    // The audience of a spike published now leaves the vendor out.
    const published = await anOpenSpike(h.url, h.clock, m.brand.key);
    expect(await audienceOf(published)).not.toContain(m.vendorA.id);
    expect(await audienceOf(published)).toContain(m.vendorB.id);
    // Clearing: the bid placed before the rule loses as INELIGIBLE, with our rule as the reason.
    ok(await gql(h.url, op.CLOSE, { id: cleared }, m.brand.key));
    expect(await clearSpike(h.orm.em.fork() as never, h.clock, storedQualityScores, cleared)).toMatchObject({ kind: 'AWARDED' });
    const outcome = op
      .flatPages(ok(await gql(h.url, op.CLEARING_RESULT, { id: cleared }, m.brand.key)).clearingResult)
      .bids.find((b: { bidId: string }) => b.bidId === clearedBid.id);
    expect(outcome).toMatchObject({ status: 'LOST', reason: 'INELIGIBLE', reasonDetail: `VENDOR_SUSPENDED: ${BLOCKED}` });
  });
});
