import pg from 'pg';
import { PgliteClient } from '../src/persistence/embedded/pglite-pool.js';
import { TEST_PROFILE } from './support/env.js';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from 'vitest';
import { placeBid } from '../src/domain/bidding/place-bid.js';
import { loadEligibility } from '../src/domain/demand/eligibility-facts.js';
import { eligibleVendorIds } from '../src/domain/demand/spike-queries.js';
import { DemandSpikeSchema } from '../src/persistence/entities/demand.js';
import { neutralQualityScores, storedQualityScores, type QualityScores } from '../src/domain/quality/quality-scores.js';
import { aBidInput, aMarket, anOpenSpike, anOrganization, type Market, type Party } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { resetState, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';

/**
 * Eligibility has one home (demand/eligibility-facts.ts): one statement reads a set of vendors,
 * a spike and the vendors' quality standing and audit state, and every failed rule comes back.
 * The SQL prefilters of the open list and the publish audience never keep out what the rule lets in.
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
afterEach(() => {
  vi.restoreAllMocks();
});

let seq = 0;
const audit = (vendor: Party, auditResult: string) => ({
  externalId: `e-${++seq}`,
  kind: 'AUDIT',
  vendorId: vendor.id,
  auditResult,
  occurredAt: new Date(h.clock.now().getTime() - 60_000).toISOString(),
  notes: 'site visit',
});
const record = async (events: unknown[], key: string) =>
  expect(ok(await gql(h.url, op.RECORD_EVENTS, { input: { events } }, key)).recordQualityEvents.accepted).toBe(events.length);

/** Statements sent to PostgreSQL by any pg client of this process while `run` runs. */
async function statementsOf<T>(run: () => Promise<T>): Promise<{ result: T; statements: string[] }> {
  // The embedded profile's clients (PGlite) or node-postgres's: every statement goes through one of them.
  const spy = vi.spyOn((TEST_PROFILE === 'embedded' ? PgliteClient.prototype : pg.Client.prototype) as typeof pg.Client.prototype, 'query');
  try {
    const result = await run();
    return { result, statements: spy.mock.calls.map((c) => String(typeof c[0] === 'string' ? c[0] : (c[0] as { text: string }).text)) };
  } finally {
    spy.mockRestore();
  }
}

/**
 * Vendors failing each rule for a spike of `m.brand` needing billing, PCI_DSS and a score of 46
 * (everyone scores the neutral 50 before any scoring run; a CONDITIONAL audit makes it 45).
 */
async function aFieldOfVendors() {
  const unskilled = await anOrganization(h.url, h.operatorKey, { kind: 'VENDOR', vendorType: 'OUTSOURCER', skills: [], certifications: [] });
  await record([audit(m.vendorB, 'FAIL')], h.operatorKey);
  await record([audit(m.vendorB, 'FAIL')], m.brand.key);
  await record([audit(m.vendorC, 'CONDITIONAL')], h.operatorKey);
  ok(await gql(h.url, op.UPDATE_VENDOR, { input: { vendorId: m.vendorC.id, status: 'SUSPENDED' } }, h.operatorKey));
  return {
    expected: new Map<string, string[]>([
      [m.vendorA.id, []],
      [m.vendorB.id, ['AUDIT_FAILED', 'BRAND_AUDIT_FAILED']],
      [m.vendorC.id, ['VENDOR_SUSPENDED', 'BELOW_MIN_QUALITY_SCORE']],
      [unskilled.id, ['MISSING_SKILLS', 'MISSING_CERTIFICATIONS']],
      [m.inHouse.id, []],
      [m.otherInHouse.id, ['IN_HOUSE_FOR_OTHER_BRAND']],
      [m.brand.id, ['NOT_A_VENDOR']],
    ]),
    unskilled,
  };
}

describe('the eligibility loader', () => {
  it('returns every failed rule of a set of vendors for a spike, quality standing and audits included, in one round trip', async () => {
    const { expected } = await aFieldOfVendors();
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key, { minQualityScore: 46 });
    const { result, statements } = await statementsOf(() => loadEligibility(h.orm.em.fork() as never, storedQualityScores, spikeId, [...expected.keys()]));
    expect(statements).toHaveLength(1);
    expect(new Map([...result!.vendors].map(([id, v]) => [id, v.failures.map((f) => f.rule)]))).toEqual(expected);
    expect(result!.spike).toMatchObject({ id: spikeId, brandId: m.brand.id, status: 'OPEN', minQualityScore: 46, reserveRateMinor: 3000n });
    expect(result!.vendors.get(m.vendorC.id)!.standing).toMatchObject({ audit: 'CONDITIONAL', overall: 45, suspended: false });
    expect(result!.vendors.get(m.vendorB.id)!.standing).toMatchObject({ audit: 'FAIL', suspended: true, excludedByBrands: [m.brand.id] });
    // A spike that does not exist: nothing, in the same one statement.
    const missing = await statementsOf(() =>
      loadEligibility(h.orm.em.fork() as never, storedQualityScores, '01900000-0000-7000-8000-000000000001', [m.vendorA.id]),
    );
    expect(missing).toMatchObject({ result: null, statements: [expect.any(String)] });
  });

  it('reads the standing in the same statement from any source that says it in SQL, and in a second read from one that cannot', async () => {
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
    const ids = [m.vendorA.id, m.vendorB.id];
    expect((await statementsOf(() => loadEligibility(h.orm.em.fork() as never, neutralQualityScores, spikeId, ids))).statements).toHaveLength(1);
    const readOnItsOwn: QualityScores = { standingsOf: storedQualityScores.standingsOf };
    const twice = await statementsOf(() => loadEligibility(h.orm.em.fork() as never, readOnItsOwn, spikeId, ids));
    expect(twice.statements).toHaveLength(2);
    expect(twice.result!.vendors.get(m.vendorA.id)).toMatchObject({ failures: [], standing: { score: 50, overall: 50 } });
  });
});

describe('placeBid', () => {
  it('takes two round trips after the key lookup: the eligibility facts, and the insert with its transition', async () => {
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
    const me = ok(await gql(h.url, op.ME, {}, m.vendorA.key)).me;
    const vendor = {
      apiKeyId: me.apiKey.id,
      organizationId: m.vendorA.id,
      organizationKind: 'VENDOR',
      role: 'VENDOR',
      vendorType: 'OUTSOURCER',
      parentBrandId: null,
    } as const;
    const input = aBidInput(spikeId);
    const cmd = {
      spikeId,
      idempotencyKey: 'two-round-trips',
      rateMinor: BigInt(input.rate.amountMinor),
      currency: input.rate.currency,
      offered: input.offered,
      minSeatsPerInterval: null,
      minTotalSeatHours: null,
      note: null,
    };
    const placed = await statementsOf(() => placeBid(h.orm.em.fork() as never, h.clock, storedQualityScores, vendor, cmd));
    expect(placed.result).toMatchObject({ ok: true, value: { spikeId, vendorId: m.vendorA.id, status: 'ACTIVE' } });
    expect(placed.statements).toHaveLength(2);
    // A retry reads its bid as well: the key is looked up only when nothing was written.
    const retried = await statementsOf(() => placeBid(h.orm.em.fork() as never, h.clock, storedQualityScores, vendor, cmd));
    expect(retried.result).toMatchObject({ ok: true, value: { id: (placed.result as { value: { id: string } }).value.id } });
    expect(retried.statements).toHaveLength(3);
  });
});

describe('the prefilters', () => {
  it('let through every spike and every vendor the rule accepts: the open list and the publish audience agree with the loader', async () => {
    const { expected, unskilled } = await aFieldOfVendors();
    const spikes = [
      await anOpenSpike(h.url, h.clock, m.brand.key),
      await anOpenSpike(h.url, h.clock, m.brand.key, { minQualityScore: 46 }),
      await anOpenSpike(h.url, h.clock, m.brand.key, { requiredSkills: [], requiredCertifications: [] }),
      await anOpenSpike(h.url, h.clock, m.otherBrand.key, { requiredSkills: ['es-ES'], requiredCertifications: [] }),
      await anOpenSpike(h.url, h.clock, m.otherBrand.key, { requiredSkills: [], requiredCertifications: [], minQualityScore: 46 }),
    ];
    const vendorKeys = new Map([m.vendorA, m.vendorB, m.vendorC, unskilled, m.inHouse, m.otherInHouse].map((v) => [v.id, v.key]));
    const eligibleFor = new Map<string, string[]>();
    for (const spikeId of spikes) {
      const facts = (await loadEligibility(h.orm.em.fork() as never, storedQualityScores, spikeId, [...expected.keys()]))!;
      const eligible = [...facts.vendors.values()].filter((v) => v.failures.length === 0).map((v) => v.vendor.id);
      const spike = await h.orm.em.fork().findOneOrFail(DemandSpikeSchema, { id: spikeId });
      expect((await eligibleVendorIds(h.orm.em.fork() as never, storedQualityScores, spike)).sort()).toEqual(eligible.sort());
      for (const id of eligible) eligibleFor.set(id, [...(eligibleFor.get(id) ?? []), spikeId]);
    }
    // The rule is not trivially true or false here: some vendors see every spike, some a few, some none.
    expect(eligibleFor.get(m.vendorA.id)).toEqual(spikes);
    expect(eligibleFor.get(m.inHouse.id)).toEqual(spikes.slice(0, 3));
    expect(eligibleFor.get(m.otherInHouse.id)).toEqual(spikes.slice(3));
    expect(eligibleFor.get(unskilled.id)).toEqual([spikes[2], spikes[4]]);
    expect(eligibleFor.get(m.vendorB.id)).toBeUndefined();
    expect(eligibleFor.get(m.vendorC.id)).toBeUndefined();
    for (const [id, key] of vendorKeys) {
      const listed = ok(await gql(h.url, op.OPEN_SPIKES, { first: 50 }, key)).openDemandSpikes.nodes.map((n: { id: string }) => n.id);
      expect(listed.sort()).toEqual((eligibleFor.get(id) ?? []).sort());
    }
  });
});
