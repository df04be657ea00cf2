import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearSpike } from '../src/domain/clearing/clear-spike.js';
import { neutralQualityScores } from '../src/domain/quality/quality-scores.js';
import { getSchema } from '../src/graphql/schema.js';
import { aBid, aBidInput, aMarket, anOpenSpike, aSpikeInput, type Market } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { resetState, rowCounts, startHarness, type Harness } from './support/harness.js';
import { hostileVariables } from './support/hostile-input.js';
import * as op from './support/operations.js';
import { ADVANCE_CLOCK, aSandbox, CREATE_SANDBOX, DELETE_SANDBOX, type SandboxWorld } from './support/sandbox.js';

/**
 * Property-based fuzzing of every mutation in the schema. Each run takes a valid request, breaks
 * it in one to three places with hostile values (wrong types, huge strings, odd numbers, deep
 * nesting, unknown enum values, malformed ids and dates, huge arrays, unicode, nulls, missing
 * and unknown fields), sends it over HTTP with a key allowed to call the mutation, and checks:
 * no 5xx, no INTERNAL_SERVER_ERROR, a typed code on every error, no internals in any message,
 * and nothing written when the answer was a refusal. A mutation added to the schema without an
 * entry here fails the suite.
 */
let h: Harness;
let m: Market;
let openSpike: string;
let bidOnOpen: string;
let endedContract: string;
let invoiceId: string;
let throwawayKeyId: string;
let endpointId: string;
let sandbox: SandboxWorld;
let doomedSandbox: string;
let advances = 0;

beforeAll(async () => {
  h = await startHarness();
  await resetState(h);
  m = await aMarket(h.url, h.operatorKey);
  openSpike = await anOpenSpike(h.url, h.clock, m.brand.key);
  bidOnOpen = (await aBid(h.url, m.vendorA.key, openSpike)).id;
  // A contract whose intervals are over, with actuals and an invoice (as in authorization.test.ts).
  const now = h.clock.now();
  h.clock.set(new Date(now.getTime() - 3 * 86_400_000));
  const past = await anOpenSpike(h.url, h.clock, m.brand.key);
  await aBid(h.url, m.vendorA.key, past);
  ok(await gql(h.url, op.CLOSE, { id: past }, m.brand.key));
  const awarded = await clearSpike(h.orm.em.fork() as never, h.clock, neutralQualityScores, past);
  if (awarded.kind !== 'AWARDED') throw new Error('setup: the past spike did not clear');
  endedContract = awarded.contractIds[0]!;
  h.clock.set(now);
  ok(
    await gql(
      h.url,
      op.REPORT_DELIVERY,
      { input: { contractId: endedContract, reports: [{ intervalIndex: 0, staffedSeatHours: 2.5, contactsHandled: 50, serviceLevelAchieved: 0.8 }] } },
      m.vendorA.key,
    ),
  );
  invoiceId = ok(await gql(h.url, op.SETTLE, { id: endedContract }, m.brand.financeKey)).settleContract.invoice.id;
  throwawayKeyId = ok(await gql(h.url, op.ISSUE_KEY, { input: { organizationId: m.vendorC.id, role: 'FINANCE', label: 'to revoke' } }, h.operatorKey))
    .issueApiKey.apiKey.id;
  endpointId = ok(await gql(h.url, op.REGISTER_WEBHOOK, { input: { url: 'https://hooks.example.com/fuzz', eventTypes: ['BID_OUTCOME'] } }, m.vendorB.key))
    .registerWebhookEndpoint.endpoint.id;
  sandbox = await aSandbox(h.url, m.otherBrand.key, 'Fuzz');
  doomedSandbox = (await aSandbox(h.url, m.otherBrand.key, 'Fuzz doomed')).id;
}, 120_000);
afterAll(async () => {
  await h.close();
});

/** A mutation's document, the key that may call it, and a valid request to break. */
interface Target {
  document: string;
  key: () => string;
  valid: () => Record<string, unknown>;
}

let n = 0;
const soon = () => new Date(h.clock.now().getTime() + 2 * 3_600_000).toISOString();
const TARGETS: Record<string, Target> = {
  createOrganization: {
    document: op.CREATE_ORG,
    key: () => h.operatorKey,
    valid: () => ({ input: { name: `Fuzz ${++n}`, kind: 'VENDOR', vendorType: 'OUTSOURCER', skills: ['billing'], certifications: ['PCI_DSS'] } }),
  },
  updateVendorProfile: {
    document: op.UPDATE_VENDOR,
    key: () => h.operatorKey,
    valid: () => ({ input: { vendorId: m.vendorB.id, skills: ['billing', 'es-ES'], certifications: ['PCI_DSS'], status: 'ACTIVE' } }),
  },
  issueApiKey: { document: op.ISSUE_KEY, key: () => h.operatorKey, valid: () => ({ input: { organizationId: m.vendorC.id, role: 'VENDOR', label: 'fuzz' } }) },
  revokeApiKey: { document: op.REVOKE_KEY, key: () => h.operatorKey, valid: () => ({ id: throwawayKeyId }) },
  postDemandSpike: { document: op.POST_SPIKE, key: () => m.brand.key, valid: () => ({ input: aSpikeInput(h.clock), key: `fuzz-${++n}` }) },
  publishDemandSpike: { document: op.PUBLISH, key: () => m.brand.key, valid: () => ({ id: openSpike }) },
  cancelDemandSpike: { document: op.CANCEL, key: () => m.brand.key, valid: () => ({ id: openSpike }) },
  closeBidding: { document: op.CLOSE, key: () => m.brand.key, valid: () => ({ id: openSpike }) },
  changeBiddingClose: { document: op.CHANGE_CLOSE, key: () => m.brand.key, valid: () => ({ id: openSpike, at: soon() }) },
  placeBid: {
    document: op.PLACE_BID,
    key: () => m.vendorB.key,
    valid: () => ({ input: { ...aBidInput(openSpike), minSeatsPerInterval: 2, minTotalSeatHours: 2, note: 'fuzz' }, key: `fuzz-${++n}` }),
  },
  reviseBid: {
    document: op.REVISE_BID,
    key: () => m.vendorA.key,
    valid: () => ({
      input: { bidId: bidOnOpen, expectedVersion: 1, rate: { amountMinor: '2400', currency: 'USD' }, offered: [{ index: 0, seats: 4 }], note: 'revised' },
    }),
  },
  withdrawBid: { document: op.WITHDRAW_BID, key: () => m.vendorA.key, valid: () => ({ id: bidOnOpen, v: 1 }) },
  reportDelivery: {
    document: op.REPORT_DELIVERY,
    key: () => m.vendorA.key,
    valid: () => ({
      input: { contractId: endedContract, reports: [{ intervalIndex: 0, staffedSeatHours: 2.5, contactsHandled: 50, serviceLevelAchieved: 0.8 }] },
    }),
  },
  settleContract: { document: op.SETTLE, key: () => m.brand.financeKey, valid: () => ({ id: endedContract }) },
  recordPayment: {
    document: op.PAY,
    key: () => m.brand.financeKey,
    valid: () => ({ input: { invoiceId, amount: { amountMinor: '1', currency: 'USD' } }, key: `fuzz-${++n}` }),
  },
  recordQualityEvents: {
    document: op.RECORD_EVENTS,
    key: () => h.operatorKey,
    valid: () => ({
      input: {
        events: [
          {
            externalId: `fuzz-${++n}`,
            kind: 'CSAT',
            vendorId: m.vendorA.id,
            contractId: endedContract,
            score: 4,
            skill: 'billing',
            occurredAt: h.clock.now().toISOString(),
          },
          { externalId: `fuzz-${++n}`, kind: 'AUDIT', vendorId: m.vendorC.id, auditResult: 'PASS', notes: 'fine' },
        ],
      },
    }),
  },
  rotateQualityIngestSecret: { document: op.ROTATE_INGEST_SECRET, key: () => m.brand.key, valid: () => ({}) },
  registerWebhookEndpoint: {
    document: op.REGISTER_WEBHOOK,
    key: () => m.vendorA.key,
    valid: () => ({ input: { url: `https://hooks.example.com/fuzz/${++n}`, eventTypes: ['BID_OUTCOME', 'DEMAND_SPIKE_POSTED'], description: 'fuzz' } }),
  },
  disableWebhookEndpoint: { document: op.DISABLE_WEBHOOK, key: () => m.vendorB.key, valid: () => ({ id: endpointId }) },
  createConsoleSignInLink: { document: op.SIGN_IN_LINK, key: () => m.vendorA.key, valid: () => ({}) },
  createSandbox: { document: CREATE_SANDBOX, key: () => m.vendorC.key, valid: () => ({ input: { name: `Fuzz ${++n}` } }) },
  advanceTestClock: {
    document: ADVANCE_CLOCK,
    key: () => sandbox.brand.key,
    valid: () => ({ id: sandbox.id, to: new Date(sandbox.clock.now().getTime() + ++advances * 3_600_000).toISOString() }),
  },
  deleteSandbox: { document: DELETE_SANDBOX, key: () => m.otherBrand.key, valid: () => ({ id: doomedSandbox }) },
  setScoringPolicy: {
    document: op.SET_SCORING_POLICY,
    key: () => h.operatorKey,
    valid: () => ({ input: { weights: { ...op.DEFAULT_WEIGHTS }, priorWeight: 20, halfLifeDays: 30 } }),
  },
};

// ---- The checks ------------------------------------------------------------------------------

/** What a message must never contain: SQL, database errors, stack frames, source paths. */
const LEAK =
  /(select\s.+\sfrom|insert into|update\s.+\sset|delete from|violates|duplicate key|syntax error at|relation "|column "|node_modules|\/work\/|\/src\/|\.ts:\d+|\.js:\d+|\n\s+at\s|TypeError|ReferenceError|Cannot read prop)/i;

interface Response {
  status: number;
  body: any;
}

async function send(target: Target, variables: Record<string, unknown>): Promise<Response> {
  const res = await fetch(h.url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${target.key()}` },
    body: JSON.stringify({ query: target.document, variables }),
  });
  const text = await res.text();
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    body = { unparsable: text.slice(0, 300) };
  }
  return { status: res.status, body };
}

/** Checks one answer; returns whether it was a refusal (so nothing may have been written). */
function check(name: string, r: Response): boolean {
  const where = `${name} → ${JSON.stringify(r.body).slice(0, 600)}`;
  expect(r.status, where).toBeLessThan(500);
  expect(r.body.unparsable, where).toBeUndefined();
  const errors: { message: string; extensions?: { code?: unknown } }[] = r.body.errors ?? [];
  for (const e of errors) {
    expect(typeof e.extensions?.code, where).toBe('string');
    expect(e.extensions?.code, where).not.toBe('INTERNAL_SERVER_ERROR');
    expect(e.message, where).not.toMatch(LEAK);
  }
  const result = r.body.data?.[name];
  const userError = typeof result?.__typename === 'string' && result.__typename.endsWith('Error');
  if (userError) {
    expect(typeof result.code, where).toBe('string');
    expect(result.message, where).not.toMatch(LEAK);
  }
  for (const receipt of result?.receipts ?? []) if (receipt.rejection) expect(receipt.rejection.message, where).not.toMatch(LEAK);
  const emptyBatch = result?.__typename === 'QualityEventBatchReceipt' && result.accepted === 0;
  return errors.length > 0 || userError || emptyBatch;
}

describe('fuzzing every mutation with hostile input', () => {
  it('has a target for every mutation in the schema', async () => {
    const mutations = Object.keys((await getSchema()).getMutationType()?.getFields() ?? {});
    expect(mutations.filter((name) => !(name in TARGETS))).toEqual([]);
    expect(Object.keys(TARGETS).filter((name) => !mutations.includes(name))).toEqual([]);
  });

  for (const [name, target] of Object.entries(TARGETS)) {
    it(`${name}: no 5xx, typed errors, no leaks, refusals write nothing`, async () => {
      await fc.assert(
        fc.asyncProperty(hostileVariables(target), async (variables) => {
          const before = await rowCounts(h.orm);
          const refused = check(name, await send(target, variables));
          if (refused) expect(await rowCounts(h.orm), `${name} wrote while refusing ${JSON.stringify(variables).slice(0, 300)}`).toEqual(before);
        }),
        // FUZZ_RUNS=500 fuzzes harder, by hand.
        { numRuns: Number(process.env.FUZZ_RUNS ?? 40) },
      );
    }, 600_000);
  }
});
