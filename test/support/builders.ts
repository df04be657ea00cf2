import type { Clock } from '../../src/domain/shared/clock.js';
import { gql, ok } from './client.js';
import { CREATE_ORG, ISSUE_KEY, PLACE_BID, POST_SPIKE, PUBLISH } from './operations.js';

export interface Party {
  id: string;
  key: string;
  financeKey: string;
}

export interface Market {
  operator: string;
  brand: Party;
  otherBrand: Party;
  vendorA: Party;
  vendorB: Party;
  vendorC: Party;
  inHouse: Party;
  otherInHouse: Party;
}

let counter = 0;

/** Onboards an organisation through the API and issues its main key and a FINANCE key. */
export async function anOrganization(url: string, operatorKey: string, input: Record<string, unknown>): Promise<Party> {
  const created = ok(await gql(url, CREATE_ORG, { input: { name: `Org ${++counter}`, ...input } }, operatorKey)).createOrganization;
  if (created.__typename !== 'Organization') throw new Error(JSON.stringify(created));
  const role = input.kind as string;
  const issue = async (r: string) => {
    const res = ok(await gql(url, ISSUE_KEY, { input: { organizationId: created.id, role: r, label: `${r} key` } }, operatorKey)).issueApiKey;
    if (res.__typename !== 'IssuedApiKey') throw new Error(JSON.stringify(res));
    return res.secret as string;
  };
  return { id: created.id, key: await issue(role), financeKey: await issue('FINANCE') };
}

/** A brand with three outsourcers and its in-house team, plus a second brand with its own team. */
export async function aMarket(url: string, operator: string): Promise<Market> {
  const brand = await anOrganization(url, operator, { kind: 'BRAND' });
  const otherBrand = await anOrganization(url, operator, { kind: 'BRAND' });
  const vendor = (extra: Record<string, unknown> = {}) =>
    anOrganization(url, operator, { kind: 'VENDOR', vendorType: 'OUTSOURCER', skills: ['billing', 'es-ES'], certifications: ['PCI_DSS'], ...extra });
  return {
    operator,
    brand,
    otherBrand,
    vendorA: await vendor(),
    vendorB: await vendor(),
    vendorC: await vendor(),
    inHouse: await vendor({ vendorType: 'IN_HOUSE', parentBrandId: brand.id }),
    otherInHouse: await vendor({ vendorType: 'IN_HOUSE', parentBrandId: otherBrand.id }),
  };
}

const HALF_HOUR = 30 * 60_000;

/** A valid spike input: four 30-minute intervals starting on the first half-hour a day after `clock`. */
export function aSpikeInput(clock: Clock, overrides: Record<string, unknown> = {}): Record<string, any> {
  const now = clock.now().getTime();
  const start = Math.ceil((now + 24 * 3600_000) / HALF_HOUR) * HALF_HOUR;
  return {
    title: 'Black Friday chat',
    channel: 'CHAT',
    requiredSkills: ['billing'],
    requiredCertifications: ['PCI_DSS'],
    timeZone: 'UTC',
    intervalMinutes: 30,
    intervals: [0, 1, 2, 3].map((i) => ({ startsAt: new Date(start + i * HALF_HOUR).toISOString(), seats: 10 })),
    serviceLevelTarget: 0.8,
    serviceLevelSeconds: 20,
    reserveRate: { amountMinor: '3000', currency: 'USD' },
    biddingClosesAt: new Date(now + 3600_000).toISOString(),
    outsourcingModel: 'ENTERPRISE_ROUTED',
    ...overrides,
  };
}

/** Posts and publishes a spike for `brand`; returns its id. */
export async function anOpenSpike(url: string, clock: Clock, brandKey: string, overrides: Record<string, unknown> = {}): Promise<string> {
  const posted = ok(await gql(url, POST_SPIKE, { input: aSpikeInput(clock, overrides) }, brandKey)).postDemandSpike;
  if (posted.__typename !== 'DemandSpike') throw new Error(JSON.stringify(posted));
  const published = ok(await gql(url, PUBLISH, { id: posted.id }, brandKey)).publishDemandSpike;
  if (published.__typename !== 'DemandSpike') throw new Error(JSON.stringify(published));
  return posted.id;
}

export function aBidInput(spikeId: string, overrides: Record<string, unknown> = {}): Record<string, any> {
  return {
    spikeId,
    rate: { amountMinor: '2500', currency: 'USD' },
    offered: [
      { index: 0, seats: 5 },
      { index: 1, seats: 5 },
    ],
    ...overrides,
  };
}

/** Places a bid and returns it; fails the test on any refusal. */
export async function aBid(url: string, vendorKey: string, spikeId: string, overrides: Record<string, unknown> = {}, key = `bid-${++counter}`) {
  const r = ok(await gql(url, PLACE_BID, { input: aBidInput(spikeId, overrides), key }, vendorKey)).placeBid;
  if (r.__typename !== 'Bid') throw new Error(JSON.stringify(r));
  return r as Record<string, any>;
}
