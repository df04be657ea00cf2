import { ManualClock } from '../../src/domain/shared/clock.js';
import { eventually } from './harness.js';
import { gql, ok } from './client.js';

export const CREATE_SANDBOX = `mutation($input: CreateSandboxInput) { createSandbox(input: $input) { __typename
  ... on CreatedSandbox { sandbox { id name clockTime } organizations { part organization { id name kind vendorType parentBrandId sandboxId } keys { id role secret } } }
  ... on UserError { code message field } } }`;
export const ADVANCE_CLOCK = `mutation($id: UUID!, $to: DateTimeISO!) { advanceTestClock(sandboxId: $id, to: $to) { __typename
  ... on TestClock { sandboxId time status } ... on UserError { code message field } } }`;
export const TEST_CLOCK = `query($id: UUID!) { testClock(sandboxId: $id) { sandboxId time status } }`;
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
