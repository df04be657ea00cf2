import { ManualClock } from '../../src/domain/shared/clock.js';
import type { Clock } from '../../src/domain/shared/clock.js';
import { aBid, anOpenSpike } from './builders.js';
import { eventually, rowCounts, type Harness } from './harness.js';
import * as op from './operations.js';
import { gql, ok } from './client.js';

export const CREATE_SANDBOX = `mutation($input: CreateSandboxInput) { createSandbox(input: $input) { __typename
  ... on CreatedSandbox { sandbox { id name clockTime } organizations { part organization { id name kind vendorType parentBrandId sandboxId } keys { id role secret } } }
  ... on UserError { code message field } } }`;
export const ADVANCE_CLOCK = `mutation($id: UUID!, $to: DateTimeISO!) { advanceTestClock(sandboxId: $id, to: $to) { __typename
  ... on TestClock { sandboxId time status } ... on UserError { code message field } } }`;
export const TEST_CLOCK = `query($id: UUID!) { testClock(sandboxId: $id) { sandboxId time status } }`;
export const SANDBOXES = `query($first: Int, $after: String) { sandboxes(first: $first, after: $after) { nodes { id name clockTime deletedAt } pageInfo { hasNextPage endCursor } } }`;
export const DELETE_SANDBOX = `mutation($id: UUID!) { deleteSandbox(sandboxId: $id) { id deletedAt } }`;

export interface SandboxParty {
  id: string;
  key: string;
  financeKey: string;
}

export interface SandboxWorld {
  id: string;
  clock: ManualClock;
  brand: SandboxParty;
  inHouse: SandboxParty;
  outsourcers: [SandboxParty, SandboxParty, SandboxParty];
  operator: SandboxParty;
  secrets: string[];
}

/** Creates a sandbox with `creatorKey` and returns its parties; `clock` mirrors its test clock for building inputs. */
export async function aSandbox(url: string, creatorKey: string, name = 'Integration'): Promise<SandboxWorld> {
  const r = ok(await gql(url, CREATE_SANDBOX, { input: { name } }, creatorKey)).createSandbox;
  if (r.__typename !== 'CreatedSandbox') throw new Error(JSON.stringify(r));
  const part = (p: string): SandboxParty => {
    const o = r.organizations.find((x: { part: string }) => x.part === p);
    const key = (role: string) => o.keys.find((k: { role: string }) => k.role === role).secret as string;
    return { id: o.organization.id, key: key(p === 'BRAND' ? 'BRAND' : p === 'OPERATOR' ? 'OPERATOR' : 'VENDOR'), financeKey: key('FINANCE') };
  };
  return {
    id: r.sandbox.id,
    clock: new ManualClock(new Date(r.sandbox.clockTime)),
    brand: part('BRAND'),
    inHouse: part('IN_HOUSE'),
    outsourcers: [part('OUTSOURCER_1'), part('OUTSOURCER_2'), part('OUTSOURCER_3')],
    operator: part('OPERATOR'),
    secrets: r.organizations.flatMap((o: { keys: { secret: string }[] }) => o.keys.map((k) => k.secret)),
  };
}

/** Advances the sandbox's clock to `to` with one of its keys and waits until the clock says READY. */
export async function advanceAndSettle(url: string, world: SandboxWorld, to: Date, key = world.brand.key): Promise<void> {
  const r = ok(await gql(url, ADVANCE_CLOCK, { id: world.id, to: to.toISOString() }, key)).advanceTestClock;
  if (r.__typename !== 'TestClock') throw new Error(JSON.stringify(r));
  world.clock.set(to);
  await eventually(async () => {
    const c = ok(await gql(url, TEST_CLOCK, { id: world.id }, key)).testClock;
    return c.status === 'READY' ? c : null;
  }, 20_000);
}

/** One world's objects: a cleared and settled spike with its bid, contract, invoice and ledger account. */
export interface WorldObjects {
  spikeId: string;
  bidId: string;
  contractId: string;
  invoiceId: string;
  accountId: string;
  vendorId: string;
  endpointId: string;
}

/** Runs one world's cycle: a spike cleared after an early close, its contract settled at once, and an operator webhook endpoint. */
export async function aWorldCycle(w: {
  url: string;
  clock: Clock;
  brand: string;
  vendor: { id: string; key: string };
  operator: string;
  finance: string;
}): Promise<WorldObjects> {
  const spikeId = await anOpenSpike(w.url, w.clock, w.brand);
  const bid = await aBid(w.url, w.vendor.key, spikeId);
  ok(await gql(w.url, op.CLOSE, { id: spikeId }, w.brand));
  const contractId = await eventually(
    async () => ok(await gql(w.url, op.CONTRACTS, { spikeId, first: 1 }, w.brand)).contracts.nodes[0]?.id as string | undefined,
  );
  const settled = ok(await gql(w.url, op.SETTLE, { id: contractId }, w.operator)).settleContract;
  const balances = ok(await gql(w.url, op.BALANCES, {}, w.finance)).ledgerBalances.nodes;
  const endpoint = ok(
    await gql(w.url, op.REGISTER_WEBHOOK, { input: { url: 'http://127.0.0.1:9/hook', eventTypes: ['CONTRACT_SETTLED'] } }, w.operator),
  ).registerWebhookEndpoint;
  return {
    spikeId,
    bidId: bid.id,
    contractId,
    invoiceId: settled.invoice.id,
    accountId: balances[0].accountId,
    vendorId: w.vendor.id,
    endpointId: endpoint.endpoint.id,
  };
}

/** Row counts once they hold still for 400 ms (earlier work such as webhook retries has settled). */
export async function settledRowCounts(h: Harness): Promise<Record<string, number>> {
  return eventually(async () => {
    const first = JSON.stringify(await rowCounts(h.orm));
    await new Promise((r) => setTimeout(r, 400));
    const counts = await rowCounts(h.orm);
    return JSON.stringify(counts) === first ? counts : null;
  });
}

/**
 * Row counts without webhook delivery attempts: the earlier tests' events keep being retried to
 * their unreachable endpoints on the retry schedule, whenever the worker polls (every half second on
 * the PostgreSQL backends). A refused write cannot add one: every delivery is of an event, and
 * `domain_event` is compared exactly.
 */
export function withoutRetries(counts: Record<string, number>): Record<string, number> {
  const { webhook_delivery: _attempts, ...rest } = counts;
  return rest;
}
