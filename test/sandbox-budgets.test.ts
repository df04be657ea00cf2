import { Redis } from 'ioredis';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { aMarket, type Market } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { TEST_REDIS_URL } from './support/env.js';
import { eventually, resetState, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';
import { deleteKeys } from './support/redis-keys.js';
import { aSandbox, type SandboxWorld } from './support/sandbox.js';
import { subscribe, type Subscribed } from './support/ws-client.js';

/**
 * Review of issue 16: an organisation holds at most 50 active keys because budgets and
 * connections are per key (docs/security.md, "one tenant multiplying its keys"). A sandbox gave
 * that back: 5 sandboxes × 6 organisations × 50 keys each, every one with a full rate budget and
 * its organisation's own connection allowance. A sandbox's keys now share one rate budget and
 * one connection allowance, the sandbox's, whichever of its organisations they belong to.
 */
const ME = `{ me { role } }`;
const remaining = async (url: string, key: string) => {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: JSON.stringify({ query: ME }),
  });
  await res.text();
  return Number(res.headers.get('x-ratelimit-remaining'));
};

describe('a sandbox’s keys share one rate budget', () => {
  let h: Harness;
  let m: Market;
  let s: SandboxWorld;
  beforeAll(async () => {
    // Refills about 1 point a minute: what one key spends shows in another's remaining budget.
    h = await startHarness({ rateLimit: { points: 100_000, windowMs: 60 * 86_400_000 } });
    await resetState(h);
    m = await aMarket(h.url, h.operatorKey);
    s = await aSandbox(h.url, m.brand.key);
  }, 60_000);
  afterAll(async () => h?.close());

  it('a request by one of its keys (a key it issued itself included) is paid from the budget the others see; live keys keep their own', async () => {
    const issued = ok(await gql(h.url, op.ISSUE_KEY, { input: { organizationId: s.outsourcers[1].id, role: 'VENDOR', label: 'extra' } }, s.operator.key))
      .issueApiKey.secret as string;
    const keys = [s.brand.key, s.outsourcers[0].key, s.operator.financeKey, issued];
    const liveBefore = await remaining(h.url, m.vendorB.key);
    const seen: number[] = [];
    for (const key of keys) seen.push(await remaining(h.url, key));
    const liveAfter = await remaining(h.url, m.vendorB.key);
    // Each request took the same points from one bucket, whichever key of the sandbox sent it.
    const cost = seen[0]! - seen[1]!;
    expect(cost).toBeGreaterThan(0);
    for (let i = 1; i < seen.length; i++) expect(seen[i - 1]! - seen[i]!).toBe(cost);
    // A live key is charged for its own request only, not for the sandbox's.
    expect(liveBefore - liveAfter).toBe(cost);
  });
});

describe('a sandbox’s graphql-ws connections are counted together', () => {
  let h: Harness;
  let m: Market;
  let s: SandboxWorld;
  const redis = new Redis(TEST_REDIS_URL, { lazyConnect: true });
  const subs: Subscribed[] = [];
  beforeAll(async () => {
    h = await startHarness({ realtime: true, subscriptionLimits: { connectionsPerKey: 2, connectionsPerOrganization: 3 } });
    await resetState(h);
    await deleteKeys(redis, `${h.connectionSlotsPrefix}:*`);
    m = await aMarket(h.url, h.operatorKey);
    s = await aSandbox(h.url, m.brand.key);
  }, 60_000);
  afterEach(async () => {
    await Promise.all(subs.splice(0).map((x) => x.dispose()));
  });
  afterAll(async () => {
    redis.disconnect();
    await h?.close();
  });
  const sub = (key: string) => {
    const x = subscribe(h.wsUrl, key, op.SPIKE_POSTED);
    subs.push(x);
    return x;
  };

  it('the sandbox’s fourth connection is refused with 4429 whichever organisation of it connects; the creator’s live connections are its own', async () => {
    sub(s.outsourcers[0].key);
    sub(s.outsourcers[1].key);
    sub(s.outsourcers[2].key);
    await eventually(async () => (h.events.listenerCount('demand_spike.posted') === 3 ? true : null), 5_000);
    expect(await sub(s.inHouse.key).ended).toEqual({
      kind: 'error',
      code: 4429,
      reason: 'TOO_MANY_CONNECTIONS: this sandbox (all its API keys together) already has 3 open connections',
    });
    // A live organisation is counted on its own.
    sub(m.vendorA.key);
    await eventually(async () => (h.events.listenerCount('demand_spike.posted') === 4 ? true : null), 5_000);
  });
});
