import type { SimulatedClock } from '../../src/domain/shared/clock.js';
import { expectType, USER_ERROR, type Call } from './client.js';
import { money, padEnd, say, step, waitFor } from './output.js';

const HALF_HOUR = 30 * 60_000;
const DAY = 86_400_000;

/** What every part of the demo shares: the client, the simulated clock and this run's id (in names and idempotency keys). */
export interface Demo {
  call: Call;
  clock: SimulatedClock;
  run: string;
}

export interface Vendor {
  id: string;
  name: string;
  key: string;
  vendorType: string;
  rate: number;
  cap: number;
  minSeats?: number;
  underDelivery: number;
  serviceLevel: number;
  csat: number[];
  qa: number;
  escalationsPerHundred: number;
}

/** The organisations of the demo and their keys. */
export interface Market {
  brandKey: string;
  brandFinance: string;
  operatorFinance: string;
  vendors: Vendor[];
  nameOf: Map<string, string>;
}

export type Spike = Awaited<ReturnType<typeof postSpike>>;

/** Step 1: the operator onboards a brand, its in-house team and three outsourcers, each with its own keys. */
export async function onboard(demo: Demo, operatorKey: string): Promise<Market> {
  const { call, run } = demo;
  step(1, 'The operator onboards a brand, its in-house team and three outsourcers');
  const ORG = `mutation($input: CreateOrganizationInput!) { createOrganization(input: $input) { __typename ... on Organization { id name } ${USER_ERROR} } }`;
  const KEY = `mutation($input: IssueApiKeyInput!) { issueApiKey(input: $input) { __typename ... on IssuedApiKey { secret } ${USER_ERROR} } }`;
  const org = async (input: Record<string, unknown>) =>
    expectType((await call(operatorKey, ORG, { input })).createOrganization, 'Organization') as { id: string; name: string };
  const key = async (organizationId: string, role: string) =>
    expectType((await call(operatorKey, KEY, { input: { organizationId, role, label: 'demo' } })).issueApiKey, 'IssuedApiKey').secret as string;
  const brand = await org({ name: `Acme Telecom (${run})`, kind: 'BRAND' });
  const brandKey = await key(brand.id, 'BRAND');
  const brandFinance = await key(brand.id, 'FINANCE');
  const operatorFinance = await key((await call(operatorKey, 'query { me { organization { id } } }')).me.organization.id, 'FINANCE');
  const vendorSpecs = [
    {
      name: 'Northwind BPO',
      vendorType: 'OUTSOURCER',
      rate: 2150,
      cap: 30,
      underDelivery: 0.82,
      serviceLevel: 0.84,
      csat: [1, 2, 2, 3, 1],
      qa: 62,
      escalationsPerHundred: 6,
    },
    {
      name: 'Bluebird Contact',
      vendorType: 'OUTSOURCER',
      rate: 2300,
      cap: 30,
      underDelivery: 1,
      serviceLevel: 0.66,
      csat: [4, 4, 5, 3, 4],
      qa: 81,
      escalationsPerHundred: 2,
    },
    {
      name: 'Crestline Gig Agents',
      vendorType: 'OUTSOURCER',
      rate: 2450,
      cap: 40,
      minSeats: 3,
      underDelivery: 1,
      serviceLevel: 0.86,
      csat: [5, 4, 5, 4, 5],
      qa: 88,
      escalationsPerHundred: 1,
    },
    {
      name: 'Acme In-house Care',
      vendorType: 'IN_HOUSE',
      rate: 2250,
      cap: 12,
      underDelivery: 0.97,
      serviceLevel: 0.83,
      csat: [4, 5, 4, 4, 5],
      qa: 90,
      escalationsPerHundred: 1,
    },
  ];
  const vendors: Vendor[] = [];
  for (const spec of vendorSpecs) {
    const created = await org({
      name: `${spec.name} (${run})`,
      kind: 'VENDOR',
      vendorType: spec.vendorType,
      skills: ['billing', 'en-US'],
      certifications: ['PCI_DSS'],
      ...(spec.vendorType === 'IN_HOUSE' ? { parentBrandId: brand.id } : {}),
    });
    vendors.push({ ...spec, id: created.id, name: spec.name, key: await key(created.id, 'VENDOR') });
  }
  for (const v of vendors)
    say(`   ${padEnd(v.name, 22)} ${v.id}  ${v.cap} seats max at ${money({ amount: (v.rate / 100).toFixed(2), currency: 'USD' })}/seat-hour`);
  const nameOf = new Map<string, string>([[brand.id, 'Acme Telecom'], ...vendors.map((v) => [v.id, v.name] as [string, string])]);
  return { brandKey, brandFinance, operatorFinance, vendors, nameOf };
}

/** Chats per half-hour over a peak day: a midday and an evening peak. */
const forecast = (hour: number) => Math.round(40 + 380 * Math.exp(-(((hour - 12) / 2.2) ** 2)) + 330 * Math.exp(-(((hour - 20) / 1.8) ** 2)));
export async function postSpike(
  demo: Demo,
  brandKey: string,
  title: string,
): Promise<{ id: string; intervals: { index: number; startsAt: string; requiredSeats: number; forecastContacts: number }[] }> {
  const { call, clock, run } = demo;
  const now = clock.now().getTime();
  const dayStart = Math.ceil((now + DAY) / DAY) * DAY; // next midnight UTC after a day from now
  const intervals = Array.from({ length: 48 }, (_, i) => ({
    startsAt: new Date(dayStart + i * HALF_HOUR).toISOString(),
    forecastContacts: forecast(i / 2),
    ahtSeconds: 420,
  }));
  const POST = `mutation($input: PostDemandSpikeInput!, $key: String!) { postDemandSpike(input: $input, idempotencyKey: $key) { __typename
    ... on DemandSpike { id totalRequiredSeats intervals { index startsAt requiredSeats forecastContacts } } ${USER_ERROR} } }`;
  const posted = expectType(
    (
      await call(brandKey, POST, {
        key: `${run}-${title}`,
        input: {
          title,
          channel: 'CHAT',
          requiredSkills: ['billing'],
          requiredCertifications: ['PCI_DSS'],
          timeZone: 'UTC',
          intervalMinutes: 30,
          serviceLevelTarget: 0.8,
          serviceLevelSeconds: 60,
          shrinkage: 0.3,
          chatConcurrency: 2,
          maxVendorShare: 0.5,
          qualityWeight: 1,
          reserveRate: { amountMinor: '2800', currency: 'USD' },
          biddingClosesAt: new Date(now + 2 * 3_600_000).toISOString(),
          outsourcingModel: 'ENTERPRISE_ROUTED',
          intervals,
        },
      })
    ).postDemandSpike,
    'DemandSpike',
  );
  expectType(
    (
      await call(brandKey, `mutation($id: UUID!) { publishDemandSpike(spikeId: $id) { __typename ... on DemandSpike { status } ${USER_ERROR} } }`, {
        id: posted.id,
      })
    ).publishDemandSpike,
    'DemandSpike',
  );
  return posted;
}

export async function bidAndClear(demo: Demo, market: Market, spike: Spike, label: string) {
  const { call, run } = demo;
  const { vendors, brandKey } = market;
  const PLACE = `mutation($input: PlaceBidInput!, $key: String!) { placeBid(input: $input, idempotencyKey: $key) { __typename ... on Bid { id } ${USER_ERROR} } }`;
  const bids = new Map<string, string>();
  for (const v of vendors) {
    const offered = spike.intervals.map((i) => ({ index: i.index, seats: Math.min(v.cap, i.requiredSeats) }));
    const bid = expectType(
      (
        await call(v.key, PLACE, {
          key: `${run}-${label}-${v.id}`,
          input: {
            spikeId: spike.id,
            rate: { amountMinor: String(v.rate), currency: 'USD' },
            offered,
            ...(v.minSeats ? { minSeatsPerInterval: v.minSeats } : {}),
          },
        })
      ).placeBid,
      'Bid',
    );
    bids.set(v.id, bid.id);
  }
  say(`   ${vendors.length} sealed bids placed, each vendor with its own API key`);
  expectType(
    (await call(brandKey, `mutation($id: UUID!) { closeBidding(spikeId: $id) { __typename ... on DemandSpike { status } ${USER_ERROR} } }`, { id: spike.id }))
      .closeBidding,
    'DemandSpike',
  );
  const RESULT = `query($id: UUID!) { clearingResult(spikeId: $id) { solver coveredSeatHours intervals { index startsAt requiredSeats awardedSeats unfilledSeats serviceLevelAtAwarded serviceLevelAtRequired }
    bids(first: 100) { nodes { bidId vendorId status reason score adjustedRate awardedSeatHours } } } }`;
  const cleared = await waitFor('clearing (the worker solves it with HiGHS)', async () => (await call(brandKey, RESULT, { id: spike.id })).clearingResult);
  // One page holds every bid of the demo's few vendors.
  const result = { ...cleared, bids: cleared.bids.nodes };
  return { bids, result };
}
