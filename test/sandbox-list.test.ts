import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { anOrganization, type Party } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { resetState, rowCounts, startHarness, type Harness } from './support/harness.js';
import { aSandbox, DELETE_SANDBOX, SANDBOXES } from './support/sandbox.js';

/**
 * `sandboxes` (the console's Sandboxes screen): a live key lists its organisation's undeleted
 * sandboxes, page by page; a sandbox key sees only the sandbox it lives in; nobody sees another
 * organisation's. It reads and never writes.
 */
let h: Harness;
let creator: Party;
let other: Party;
beforeAll(async () => {
  h = await startHarness();
  await resetState(h);
  creator = await anOrganization(h.url, h.operatorKey, { kind: 'BRAND' });
  other = await anOrganization(h.url, h.operatorKey, { kind: 'VENDOR', vendorType: 'OUTSOURCER' });
});
afterAll(async () => h?.close());

const list = async (key: string, first = 20, after?: string) => ok(await gql(h.url, SANDBOXES, { first, after }, key)).sandboxes;

describe('sandboxes', () => {
  it('lists the caller’s own, oldest first, in pages, without deleted ones, and never another organisation’s', async () => {
    const a = await aSandbox(h.url, creator.key, 'A');
    const b = await aSandbox(h.url, creator.key, 'B');
    const c = await aSandbox(h.url, creator.key, 'C');
    const theirs = await aSandbox(h.url, other.key, 'Theirs');
    ok(await gql(h.url, DELETE_SANDBOX, { id: b.id }, creator.key));

    const before = await rowCounts(h.orm);
    const first = await list(creator.key, 1);
    expect(first.nodes.map((s: { name: string }) => s.name)).toEqual(['A']);
    expect(first.pageInfo.hasNextPage).toBe(true);
    const second = await list(creator.key, 1, first.pageInfo.endCursor);
    expect(second.nodes.map((s: { id: string }) => s.id)).toEqual([c.id]);
    expect(second.pageInfo.hasNextPage).toBe(false);
    expect((await list(other.key)).nodes.map((s: { id: string }) => s.id)).toEqual([theirs.id]);

    // A sandbox key sees its own sandbox (the console's banner names it), with its clock.
    const own = await list(a.outsourcers[0].key);
    expect(own.nodes).toEqual([{ id: a.id, name: 'A', clockTime: expect.any(String), deletedAt: null }]);
    expect((await list(theirs.operator.key)).nodes.map((s: { id: string }) => s.id)).toEqual([theirs.id]);
    expect(await rowCounts(h.orm)).toEqual(before);
  });

  it('refuses a malformed cursor and a page over 100, naming the argument', async () => {
    const bad = await gql(h.url, SANDBOXES, { first: 5, after: 'nope' }, creator.key);
    expect(bad.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const big = await gql(h.url, SANDBOXES, { first: 101 }, creator.key);
    expect(big.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
  });
});
