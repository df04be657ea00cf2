import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aMarket, type Market } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { resetState, rowCounts, startHarness, type Harness } from './support/harness.js';
import { ADVANCE_CLOCK, aSandbox, TEST_CLOCK, type SandboxWorld } from './support/sandbox.js';

/**
 * Review of issue 16: every advance queues a clearing sweep, a settlement sweep, a rescore and a
 * webhook-retry sweep on the queues the live market shares, and an advance cost a mutation's few
 * points. A tenant's five sandboxes could queue tens of thousands of jobs a minute ahead of live
 * clearing. As Stripe's test clocks do, an advance is refused while the previous one is still
 * being applied (testClock.status ADVANCING): at most one advance's work per sandbox at a time.
 */
let h: Harness;
let m: Market;
let s: SandboxWorld;
beforeAll(async () => {
  // No workers: the first advance's work is never done, so the sandbox stays ADVANCING.
  h = await startHarness();
  await resetState(h);
  m = await aMarket(h.url, h.operatorKey);
  s = await aSandbox(h.url, m.brand.key);
}, 60_000);
afterAll(async () => h?.close());

const HOUR = 3_600_000;

describe('advancing a test clock that is still advancing', () => {
  it('is a ValidationError on `to` naming READY, and writes nothing; the clock stays where the first advance put it', async () => {
    const first = ok(await gql(h.url, ADVANCE_CLOCK, { id: s.id, to: new Date(s.clock.now().getTime() + HOUR).toISOString() }, s.brand.key)).advanceTestClock;
    expect(first.__typename).toBe('TestClock');
    expect(ok(await gql(h.url, TEST_CLOCK, { id: s.id }, s.brand.key)).testClock.status).toBe('ADVANCING');
    const before = await rowCounts(h.orm);
    for (const key of [s.brand.key, s.operator.key]) {
      const again = ok(await gql(h.url, ADVANCE_CLOCK, { id: s.id, to: new Date(s.clock.now().getTime() + 2 * HOUR).toISOString() }, key)).advanceTestClock;
      expect(again).toMatchObject({ __typename: 'ValidationError', field: 'to', message: expect.stringContaining('READY') });
    }
    expect(await rowCounts(h.orm)).toEqual(before);
    expect(ok(await gql(h.url, TEST_CLOCK, { id: s.id }, s.brand.key)).testClock.time).toBe(first.time);
  });
});
