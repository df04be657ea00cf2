import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { aBid, aBidInput, aMarket, anOpenSpike, aSpikeInput, type Market } from './support/builders.js';
import { gql, type GqlResponse } from './support/client.js';
import { resetState, rowCounts, startHarness, type Harness } from './support/harness.js';
import {
  CREATE_ORG,
  DISABLE_WEBHOOK,
  ISSUE_KEY,
  PLACE_BID,
  POST_SPIKE,
  REGISTER_WEBHOOK,
  REVISE_BID,
  UPDATE_VENDOR,
  WEBHOOK_DELIVERIES,
  WITHDRAW_BID,
} from './support/operations.js';

/**
 * Bad input on every mutation of the core: each is refused with BAD_USER_INPUT (or a typed
 * UserError) that names the field, and the row counts prove that nothing was written.
 */
let h: Harness;
let m: Market;
let spikeId: string;
beforeAll(async () => {
  h = await startHarness();
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  await resetState(h);
  m = await aMarket(h.url, h.operatorKey);
  spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
});

/** The code and field of a refusal, whether a GraphQL error or a UserError in a result union. */
function refusal(r: GqlResponse, field: string): { code?: string; field?: string | null } {
  if (r.errors?.length) return { code: r.errors[0]!.extensions?.code, field: r.errors[0]!.extensions?.field ?? null };
  const v = r.data?.[field];
  return { code: v?.code, field: v?.field };
}

async function expectRefused(r: Promise<GqlResponse>, mutation: string, code: string, fieldPattern: RegExp) {
  const before = await rowCounts(h.orm);
  const result = refusal(await r, mutation);
  expect(result.code).toBe(code);
  expect(result.field ?? '').toMatch(fieldPattern);
  expect(await rowCounts(h.orm)).toEqual(before);
}

const spike = (overrides: Record<string, unknown>) => gql(h.url, POST_SPIKE, { input: aSpikeInput(h.clock, overrides) }, m.brand.key);
const interval = (i: number, extra: Record<string, unknown>) => {
  const base = aSpikeInput(h.clock).intervals;
  return base.map((iv: any, j: number) => (j === i ? { startsAt: iv.startsAt, ...extra } : iv));
};

describe('bad input to postDemandSpike', () => {
  it.each([
    ['negative seats', () => ({ intervals: interval(1, { seats: -5 }) }), 'BAD_USER_INPUT', /^input\.intervals\[1\]\.seats$/],
    ['absurd seats', () => ({ intervals: interval(0, { seats: 5_000_000 }) }), 'BAD_USER_INPUT', /intervals/],
    [
      'a misaligned interval',
      () => ({ intervals: interval(0, { startsAt: new Date(Date.parse(aSpikeInput(h.clock).intervals[0].startsAt) + 7 * 60_000).toISOString(), seats: 3 }) }),
      'BAD_USER_INPUT',
      /^input\.intervals\[0\]\.startsAt$/,
    ],
    ['an unknown currency', () => ({ reserveRate: { amountMinor: '3000', currency: 'XYZ' } }), 'BAD_USER_INPUT', /^input\.currency$/],
    ['a lower-case currency', () => ({ reserveRate: { amountMinor: '3000', currency: 'usd' } }), 'BAD_USER_INPUT', /reserveRate/],
    ['a fractional rate', () => ({ reserveRate: { amountMinor: 12.5, currency: 'USD' } }), 'BAD_USER_INPUT', /input/],
    [
      'thousands of intervals',
      () => ({
        intervals: Array.from({ length: 3000 }, (_, i) => ({
          startsAt: new Date(Date.parse(aSpikeInput(h.clock).intervals[0].startsAt) + i * 1_800_000).toISOString(),
          seats: 1,
        })),
      }),
      'BAD_USER_INPUT',
      /intervals/,
    ],
    ['a huge title', () => ({ title: 'x'.repeat(100_000) }), 'BAD_USER_INPUT', /^input\.title$/],
    ['an unknown time zone', () => ({ timeZone: 'Nowhere/Special' }), 'BAD_USER_INPUT', /^input\.timeZone$/],
    ['a 20-minute interval length', () => ({ intervalMinutes: 20 }), 'BAD_USER_INPUT', /intervalMinutes/],
    ['a service level above 100%', () => ({ serviceLevelTarget: 1.5 }), 'BAD_USER_INPUT', /serviceLevelTarget/],
    [
      'both seats and a forecast',
      () => ({ intervals: interval(0, { seats: 3, forecastContacts: 10, ahtSeconds: 100 }) }),
      'BAD_USER_INPUT',
      /^input\.intervals\[0\]$/,
    ],
    [
      'a close after the first interval',
      () => ({ biddingClosesAt: new Date(h.clock.now().getTime() + 3 * 86_400_000).toISOString() }),
      'BAD_USER_INPUT',
      /startsAt/,
    ],
  ])('refuses %s', async (_name, overrides, code, field) => {
    await expectRefused(spike(overrides()), 'postDemandSpike', code, field);
  });

  it('refuses a missing required field, naming it', async () => {
    const { title: _t, ...input } = aSpikeInput(h.clock);
    await expectRefused(gql(h.url, POST_SPIKE, { input }, m.brand.key), 'postDemandSpike', 'BAD_USER_INPUT', /title/);
  });
});

describe('bad input to bidding', () => {
  const bid = (overrides: Record<string, unknown>, key = 'k') => gql(h.url, PLACE_BID, { input: aBidInput(spikeId, overrides), key }, m.vendorA.key);

  it.each([
    ['negative seats', { offered: [{ index: 0, seats: -1 }] }, 'BAD_USER_INPUT', /^input\.offered\[0\]\.seats$/],
    ['more seats than the interval requires', { offered: [{ index: 0, seats: 11 }] }, 'BAD_USER_INPUT', /^input\.offered\[0\]\.seats$/],
    ['an interval outside the spike', { offered: [{ index: 7, seats: 1 }] }, 'BAD_USER_INPUT', /^input\.offered\[0\]\.index$/],
    ['a rate above the reserve', { rate: { amountMinor: '999999', currency: 'USD' } }, 'ABOVE_RESERVE', /^input\.rate\.amountMinor$/],
    ['a rate in another currency', { rate: { amountMinor: '2000', currency: 'EUR' } }, 'BAD_USER_INPUT', /^input\.rate\.currency$/],
    ['a zero rate', { rate: { amountMinor: '0', currency: 'USD' } }, 'BAD_USER_INPUT', /^input\.rate\.amountMinor$/],
    ['a rate beyond 64 bits', { rate: { amountMinor: '99999999999999999999999', currency: 'USD' } }, 'BAD_USER_INPUT', /input/],
    ['no intervals', { offered: [] }, 'BAD_USER_INPUT', /offered/],
    ['a huge note', { note: 'n'.repeat(50_000) }, 'BAD_USER_INPUT', /note/],
    ['a minimum above the seats offered', { minSeatsPerInterval: 9 }, 'BAD_USER_INPUT', /^input\.minSeatsPerInterval$/],
    ['a malformed spike id', { spikeId: 'not-a-uuid' }, 'BAD_USER_INPUT', /input/],
  ])('placeBid refuses %s', async (_name, overrides, code, field) => {
    await expectRefused(bid(overrides), 'placeBid', code, field);
  });

  it('placeBid refuses an over-long idempotency key', async () => {
    await expectRefused(bid({}, 'k'.repeat(201)), 'placeBid', 'BAD_USER_INPUT', /^idempotencyKey$/);
  });

  it('reviseBid refuses bad terms and leaves the bid as it was', async () => {
    const b = await aBid(h.url, m.vendorA.key, spikeId);
    await expectRefused(
      gql(h.url, REVISE_BID, { input: { bidId: b.id, expectedVersion: 1, offered: [{ index: 9, seats: 1 }] } }, m.vendorA.key),
      'reviseBid',
      'BAD_USER_INPUT',
      /offered/,
    );
    await expectRefused(
      gql(h.url, REVISE_BID, { input: { bidId: b.id, expectedVersion: 0 } }, m.vendorA.key),
      'reviseBid',
      'BAD_USER_INPUT',
      /expectedVersion/,
    );
    const [row] = await h.orm.em.getConnection().execute('select version, rate_minor from bid where id = ?', [b.id]);
    expect(row).toMatchObject({ version: 1, rate_minor: '2500' });
  });
});

describe('bad input to organisations and keys', () => {
  it.each([
    ['a vendor without a type', { name: 'V', kind: 'VENDOR' }, /vendorType/],
    ['an in-house team without a brand', { name: 'V', kind: 'VENDOR', vendorType: 'IN_HOUSE' }, /parentBrandId/],
    ['a brand with skills', { name: 'B', kind: 'BRAND', skills: ['billing'] }, /skills/],
    ['an empty name', { name: '', kind: 'BRAND' }, /name/],
    ['a tag with spaces', { name: 'V', kind: 'VENDOR', vendorType: 'OUTSOURCER', skills: ['bad tag'] }, /skills/],
  ])('createOrganization refuses %s', async (_name, input, field) => {
    await expectRefused(gql(h.url, CREATE_ORG, { input }, h.operatorKey), 'createOrganization', 'BAD_USER_INPUT', field);
  });

  it('createOrganization refuses a duplicate name as a CONFLICT', async () => {
    await gql(h.url, CREATE_ORG, { input: { name: 'Acme', kind: 'BRAND' } }, h.operatorKey);
    await expectRefused(gql(h.url, CREATE_ORG, { input: { name: 'ACME', kind: 'BRAND' } }, h.operatorKey), 'createOrganization', 'CONFLICT', /name/);
  });

  it('issueApiKey refuses a role that does not fit the organisation', async () => {
    await expectRefused(
      gql(h.url, ISSUE_KEY, { input: { organizationId: m.brand.id, role: 'VENDOR', label: 'x' } }, h.operatorKey),
      'issueApiKey',
      'BAD_USER_INPUT',
      /^role$/,
    );
  });

  it('updateVendorProfile refuses bad tags', async () => {
    await expectRefused(
      gql(h.url, UPDATE_VENDOR, { input: { vendorId: m.vendorA.id, skills: ['x'.repeat(500)] } }, h.operatorKey),
      'updateVendorProfile',
      'BAD_USER_INPUT',
      /skills/,
    );
  });
});

describe('bad input to webhooks', () => {
  const register = (input: Record<string, unknown>, key = m.vendorA.key) =>
    gql(h.url, REGISTER_WEBHOOK, { input: { url: 'https://hooks.example.com/x', eventTypes: ['BID_OUTCOME'], ...input } }, key);

  it.each([
    ['text that is not a URL', { url: 'not a url' }, 'BAD_USER_INPUT', /^input\.url$/],
    ['a relative URL', { url: '/hooks' }, 'BAD_USER_INPUT', /^input\.url$/],
    ['an ftp URL', { url: 'ftp://hooks.example.com/x' }, 'BAD_USER_INPUT', /^input\.url$/],
    ['a URL with credentials', { url: 'https://user:secret@hooks.example.com/x' }, 'BAD_USER_INPUT', /^input\.url$/],
    ['a URL with a fragment', { url: 'https://hooks.example.com/x#part' }, 'BAD_USER_INPUT', /^input\.url$/],
    ['an over-long URL', { url: `https://hooks.example.com/${'x'.repeat(3000)}` }, 'BAD_USER_INPUT', /^input\.url$/],
    ['an unknown event type', { eventTypes: ['BID_OUTCOME', 'spike.exploded'] }, 'BAD_USER_INPUT', /^input\.eventTypes\[1\]$/],
    ['no event types', { eventTypes: [] }, 'BAD_USER_INPUT', /^input\.eventTypes$/],
    ['too many event types', { eventTypes: Array.from({ length: 11 }, () => 'BID_OUTCOME') }, 'BAD_USER_INPUT', /^input\.eventTypes$/],
    ['a huge description', { description: 'd'.repeat(500) }, 'BAD_USER_INPUT', /^input\.description$/],
    ['a malformed organisation id', { organizationId: 'not-a-uuid' }, 'BAD_USER_INPUT', /organizationId/],
  ])('registerWebhookEndpoint refuses %s', async (_name, input, code, field) => {
    await expectRefused(register(input), 'registerWebhookEndpoint', code, field);
  });

  it('registerWebhookEndpoint refuses event types that never reach the organisation', async () => {
    await expectRefused(
      register({ eventTypes: ['CONTRACT_SETTLED', 'BID_OUTCOME'] }, m.brand.key),
      'registerWebhookEndpoint',
      'BAD_USER_INPUT',
      /^input\.eventTypes\[1\]$/,
    );
  });

  it('registerWebhookEndpoint refuses a 21st active endpoint', async () => {
    for (let i = 0; i < 20; i++)
      expect((await register({ url: `https://hooks.example.com/${i}` })).data?.registerWebhookEndpoint.__typename).toBe('RegisteredWebhookEndpoint');
    await expectRefused(register({ url: 'https://hooks.example.com/one-too-many' }), 'registerWebhookEndpoint', 'BAD_USER_INPUT', /^input\.url$/);
  });

  it('disableWebhookEndpoint and webhookDeliveries refuse malformed ids and cursors', async () => {
    await expectRefused(gql(h.url, DISABLE_WEBHOOK, { id: 'nope' }, m.vendorA.key), 'disableWebhookEndpoint', 'BAD_USER_INPUT', /id/);
    const made = (await register({})).data!.registerWebhookEndpoint.endpoint.id;
    await expectRefused(gql(h.url, WEBHOOK_DELIVERIES, { id: made, after: 'bogus' }, m.vendorA.key), 'webhookDeliveries', 'BAD_USER_INPUT', /^after$/);
  });
});

describe('input graphql-js and PostgreSQL would choke on (found by test/fuzz-mutations.test.ts)', () => {
  it('answers a list with more than 50 wrong items as BAD_USER_INPUT, never as an internal error', async () => {
    const before = await rowCounts(h.orm);
    const r = await gql(h.url, UPDATE_VENDOR, { input: { vendorId: m.vendorA.id, skills: Array.from({ length: 60 }, () => ['billing']) } }, h.operatorKey);
    expect(r.status).toBe(400);
    expect(r.errors?.length).toBeGreaterThan(50);
    expect(new Set(r.errors?.map((e) => e.extensions?.code))).toEqual(new Set(['BAD_USER_INPUT']));
    expect(await rowCounts(h.orm)).toEqual(before);
  });

  it('withdrawBid answers the largest Int as a stale version, not an overflow', async () => {
    const b = await aBid(h.url, m.vendorA.key, spikeId);
    await expectRefused(gql(h.url, WITHDRAW_BID, { id: b.id, v: 2_147_483_647 }, m.vendorA.key), 'withdrawBid', 'CONFLICT', /^expectedVersion$/);
  });

  it.each([
    [
      'a NUL in a variable',
      () => gql(h.url, CREATE_ORG, { input: { name: 'Acme\u0000', kind: 'BRAND' } }, h.operatorKey),
      'createOrganization',
      /^input\.name$/,
    ],
    [
      'an unpaired surrogate in a variable',
      () => gql(h.url, POST_SPIKE, { input: aSpikeInput(h.clock, { title: 'Black \ud800 Friday' }) }, m.brand.key),
      'postDemandSpike',
      /^input\.title$/,
    ],
    [
      'a NUL in a literal',
      () => gql(h.url, 'mutation { createOrganization(input: { name: "Acme\\u0000", kind: BRAND }) { __typename } }', {}, h.operatorKey),
      'createOrganization',
      /^input\.name$/,
    ],
    ['a NUL in an idempotency key', () => gql(h.url, PLACE_BID, { input: aBidInput(spikeId), key: 'k\u0000' }, m.vendorA.key), 'placeBid', /^key$/],
  ])('refuses text PostgreSQL cannot store: %s', async (_name, send, mutation, field) => {
    await expectRefused(send(), mutation, 'BAD_USER_INPUT', field);
  });
});
