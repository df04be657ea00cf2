import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { aMarket, anOpenSpike, type Market } from './support/builders.js';
import { resetState, startHarness, type Harness } from './support/harness.js';
import { advanceAndSettle, aSandbox, type SandboxWorld } from './support/sandbox.js';

/**
 * Review of issue 16: ids are UUIDv7, time-ordered, and lists page on them (keyset, "stable
 * under inserts"). The generator kept one sequence per process; an id made at a sandbox's test
 * clock (the rescore after every advance, a sandbox's ratings) moved that sequence to the
 * sandbox's time, and every live id the process made after it carried that time: a year ahead
 * after a one-year advance, sorting after the live ids other replicas make meanwhile, so a
 * client paging with `after` misses them. A sandbox's time must never reach live ids.
 */
let h: Harness;
let m: Market;
let s: SandboxWorld;
const msOf = (id: string) => parseInt(id.replace(/-/g, '').slice(0, 12), 16);
const DAY = 86_400_000;

beforeAll(async () => {
  h = await startHarness({ workers: true });
  await resetState(h);
  m = await aMarket(h.url, h.operatorKey);
  s = await aSandbox(h.url, m.brand.key);
}, 60_000);
afterAll(async () => h?.close());

describe('a sandbox’s clock never dates live ids', () => {
  it('after the sandbox’s clock moves a year ahead (and its rescore runs), live ids still carry real time', async () => {
    await advanceAndSettle(h.url, s, new Date(s.clock.now().getTime() + 365 * DAY));
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
    expect(Math.abs(msOf(spikeId) - Date.now())).toBeLessThan(60_000);
  });
});
