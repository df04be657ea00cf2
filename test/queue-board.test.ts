import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearSpikeAt } from '../workers/after-commit.js';
import { anOrganization } from './support/builders.js';
import { resetState, startHarness, type Harness } from './support/harness.js';

let h: Harness;
let board: string;
beforeAll(async () => {
  h = await startHarness({ workers: true });
  board = h.url.replace(/\/graphql$/, '/admin/queues');
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  await resetState(h);
});

const bearer = (key: string) => ({ authorization: `Bearer ${key}` });
const basic = (key: string, user = 'operator') => ({ authorization: `Basic ${Buffer.from(`${user}:${key}`).toString('base64')}` });
// The page, one of its assets and its JSON API: every path under the board is guarded alike.
const PATHS = ['', '/static/favicon-32x32.png', '/api/queues'];

describe('queue dashboard at /admin/queues', () => {
  it('asks for credentials (401 with a Basic challenge) without a key or with a bad one', async () => {
    const bad = `bx_nokey000_${'A'.repeat(43)}`;
    for (const path of PATHS) {
      for (const headers of [{}, bearer(bad), basic(bad), { authorization: 'Basic not-base64-at-all' }]) {
        const res = await fetch(`${board}${path}`, { headers });
        expect([path, res.status]).toEqual([path, 401]);
        expect(res.headers.get('www-authenticate')).toMatch(/^Basic realm="/);
      }
    }
  });

  it('refuses (403) brand and finance keys, by Bearer and by Basic', async () => {
    const brand = await anOrganization(h.url, h.operatorKey, { kind: 'BRAND' });
    for (const path of PATHS) {
      for (const headers of [bearer(brand.key), basic(brand.key), bearer(brand.financeKey)]) {
        const res = await fetch(`${board}${path}`, { headers });
        expect([path, res.status]).toEqual([path, 403]);
        expect(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('FORBIDDEN');
      }
    }
  });

  it('shows operators the clearing, settlement, quality, webhook and maintenance queues, by Bearer and by Basic', async () => {
    await clearSpikeAt(h.queues!.clearing, '0190a0a0-0000-7000-8000-0000000000a1', 3_600_000);
    for (const headers of [bearer(h.operatorKey), basic(h.operatorKey), basic(h.operatorKey, '')]) {
      const page = await fetch(board, { headers });
      expect(page.status).toBe(200);
      expect(await page.text()).toContain('<title>Burst Exchange queues</title>');
      const api = await fetch(`${board}/api/queues`, { headers });
      expect(api.status).toBe(200);
      const { queues } = (await api.json()) as { queues: { name: string; counts: Record<string, number> }[] };
      // The five queues, and the clearing job just added among the delayed ones (other work of this
      // harness may add its own under load; the board shows whatever is there).
      expect(queues.map((q) => q.name).sort()).toEqual(['clearing', 'maintenance', 'quality', 'settlement', 'webhooks']);
      expect(queues.find((q) => q.name === 'clearing')!.counts.delayed).toBeGreaterThanOrEqual(1);
    }
  });

  it('lets operators change queues from the board, but not from another site', async () => {
    const pause = `${board}/api/queues/settlement/pause`;
    const crossSite = [{ origin: 'https://evil.example' }, { 'sec-fetch-site': 'cross-site' }, { origin: 'null' }];
    for (const extra of crossSite) {
      expect((await fetch(pause, { method: 'PUT', headers: { ...basic(h.operatorKey), ...extra } })).status).toBe(403);
    }
    expect(await h.queues!.settlement.isPaused()).toBe(false);
    const own = await fetch(pause, { method: 'PUT', headers: { ...basic(h.operatorKey), origin: new URL(board).origin, 'sec-fetch-site': 'same-origin' } });
    expect(own.status).toBeLessThan(300);
    expect(await h.queues!.settlement.isPaused()).toBe(true);
    await h.queues!.settlement.resume();
  });
});

describe('failed authentication at /admin/queues', () => {
  let limited: Harness;
  // A day-long window: nothing refills while the test runs.
  beforeAll(async () => {
    limited = await startHarness({ workers: true, rateLimit: { points: 1_000, anonymousPoints: 3, windowMs: 86_400_000 } });
  });
  afterAll(async () => {
    await limited.close();
  });

  it('costs the client address 1 point each, the budget of wrong keys on /graphql, and is refused with 429 RATE_LIMITED once it is spent', async () => {
    await resetState(limited);
    const url = limited.url.replace(/\/graphql$/, '/admin/queues/api/queues');
    const bad = `bx_nokey000_${'A'.repeat(43)}`;
    for (const [headers, remaining] of [
      [bearer(bad), '2'],
      [basic(bad), '1'],
      [{}, '0'],
    ] as const) {
      const res = await fetch(url, { headers });
      expect([res.status, res.headers.get('x-ratelimit-remaining')]).toEqual([401, remaining]);
    }
    const refused = await fetch(url, { headers: bearer(bad) });
    expect(refused.status).toBe(429);
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect(((await refused.json()) as { errors: { extensions: { code: string } }[] }).errors[0]!.extensions.code).toBe('RATE_LIMITED');
    // One budget per address for failed authentication, whichever door it knocks on.
    const graphql = await fetch(limited.url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...bearer(bad) },
      body: JSON.stringify({ query: '{ me { role } }' }),
    });
    expect(graphql.status).toBe(429);
    // The operator's key still opens the board.
    expect((await fetch(url, { headers: bearer(limited.operatorKey) })).status).toBe(200);
  });
});
