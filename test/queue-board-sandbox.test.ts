import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clearSpikeAt } from '../workers/after-commit.js';
import { clearJobId } from '../workers/queues.js';
import { aMarket, type Market } from './support/builders.js';
import { resetState, startHarness, type Harness } from './support/harness.js';
import { aSandbox, type SandboxWorld } from './support/sandbox.js';

/**
 * Review of issue 16: every live brand or vendor may create a sandbox, and a sandbox has an
 * "Operator view" organisation whose keys have the OPERATOR role, for the sandbox's own world.
 * The queue dashboard let any OPERATOR key in: a tenant's sandbox key saw the live queues' jobs
 * (ids and payloads of every tenant's work) and could retry, promote, clean or pause them. The
 * dashboard is the platform's: the live operator's keys only.
 */
let h: Harness;
let m: Market;
let s: SandboxWorld;
let board: string;
beforeAll(async () => {
  h = await startHarness({ workers: true });
  await resetState(h);
  board = h.url.replace(/\/graphql$/, '/admin/queues');
  m = await aMarket(h.url, h.operatorKey);
  s = await aSandbox(h.url, m.vendorA.key);
}, 60_000);
afterAll(async () => h?.close());

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const basic = (key: string) => ({ authorization: `Basic ${Buffer.from(`operator:${key}`).toString('base64')}` });

describe('the queue dashboard and sandbox keys', () => {
  it('refuses (403) a sandbox’s OPERATOR and FINANCE keys on the page, its assets, its API and its actions; nothing changes', async () => {
    const spikeId = '0190a0a0-0000-7000-8000-0000000000b2';
    await clearSpikeAt(h.queues!.clearing, spikeId, 3_600_000);
    for (const headers of [bearer(s.operator.key), basic(s.operator.key), bearer(s.operator.financeKey)]) {
      for (const path of ['', '/static/favicon-32x32.png', '/api/queues']) {
        const res = await fetch(`${board}${path}`, { headers });
        expect([path, res.status]).toEqual([path, 403]);
      }
      const pause = await fetch(`${board}/api/queues/clearing/pause`, { method: 'PUT', headers: { ...headers, origin: new URL(board).origin } });
      expect(pause.status).toBe(403);
    }
    expect(await h.queues!.clearing.isPaused()).toBe(false);
    expect(await (await h.queues!.clearing.getJob(clearJobId(spikeId)))?.isDelayed()).toBe(true);
    // The live operator still sees it.
    expect((await fetch(`${board}/api/queues`, { headers: bearer(h.operatorKey) })).status).toBe(200);
  });
});
