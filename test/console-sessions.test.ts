import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { Redis } from 'ioredis';
import { WebSocket } from 'ws';
import { aMarket, type Market } from './support/builders.js';
import { gql, ok, type GqlResponse } from './support/client.js';
import { CONSOLE_HEADERS, cookieGql, linkToken, signIn, signOut } from './support/console-client.js';
import { resetState, rowCounts, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';
import { TEST_REDIS_URL } from './support/env.js';
import { deleteKeys } from './support/redis-keys.js';
import { describeNeeding } from './support/requires.js';

/**
 * Console sessions (issue 14): an API key or a single-use link exchanged for an HttpOnly cookie,
 * the CSRF rule, revocation, sign-out, expiry, and the graphql-ws upgrade's Origin check.
 */
const LINK = 'mutation { createConsoleSignInLink { path expiresAt } }';

let h: Harness;
let base: string;
let m: Market;
let redis: Redis;
beforeAll(async () => {
  redis = new Redis(TEST_REDIS_URL);
  h = await startHarness({ rateLimit: { points: 100_000, anonymousPoints: 5, windowMs: 60_000 }, subscriptionLimits: { recheckMs: 200 } });
  base = h.url.replace(/\/graphql$/, '');
});
beforeEach(async () => {
  // Each test starts with a full budget for wrong keys (5 per address).
  await deleteKeys(redis, `${h.rateLimitPrefix}:*`);
  await resetState(h);
  m = await aMarket(h.url, h.operatorKey);
});
afterAll(async () => {
  redis.disconnect();
  await h.close();
});

const outcome = (r: GqlResponse, field: string) => (r.errors?.length ? (r.errors[0]!.extensions?.code ?? 'NO_CODE') : r.data?.[field] ? 'OK' : 'NO_DATA');

describeNeeding(import.meta.url, ['redis'])('signing in with a key', () => {
  it('sets an HttpOnly, SameSite=Strict session cookie and never echoes the key', async () => {
    const s = await signIn(base, { apiKey: m.brand.key });
    expect(s.status).toBe(200);
    expect(s.body).toMatchObject({ role: 'BRAND', organizationId: m.brand.id });
    expect(JSON.stringify(s.body)).not.toContain(m.brand.key);
    expect(s.setCookie).toMatch(/^bx_console=bxs_[A-Za-z0-9_-]{43}; Path=\/; HttpOnly; SameSite=Strict; Max-Age=28800$/);
    expect(s.setCookie).not.toContain(m.brand.key);
    // Only hashes are stored.
    const rows = await h.orm.em.getConnection().execute<{ token_hash: string }[]>('select token_hash from console_session');
    expect(rows).toHaveLength(1);
    expect(s.cookie).not.toContain(rows[0]!.token_hash);
    const me = ok(await cookieGql(base, s.cookie!, op.ME)).me;
    expect(me).toMatchObject({ role: 'BRAND', organization: { id: m.brand.id } });
  });

  it('refuses bad keys with 401, charging the address, then 429, and writes nothing', async () => {
    const before = await rowCounts(h.orm);
    const statuses: number[] = [];
    for (let i = 0; i < 7; i++) statuses.push((await signIn(base, { apiKey: `bx_abcdefgh_${'x'.repeat(43)}` })).status);
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(5)).toEqual([429, 429]);
    expect(await rowCounts(h.orm)).toEqual(before);
  });

  it('needs the console header and the API’s own origin (CSRF), and a JSON body naming a key or link', async () => {
    expect((await signIn(base, { apiKey: m.brand.key }, { 'content-type': 'application/json' })).status).toBe(403);
    expect((await signIn(base, { apiKey: m.brand.key }, { ...CONSOLE_HEADERS, origin: 'https://evil.example' })).status).toBe(403);
    expect((await signIn(base, { nothing: true })).status).toBe(400);
    expect(await h.orm.em.getConnection().execute('select 1 from console_session')).toHaveLength(0);
  });
});

describeNeeding(import.meta.url, ['redis'])('requests with the cookie', () => {
  it('are refused without the console header or from another origin, with nothing run', async () => {
    const { cookie } = await signIn(base, { apiKey: m.brand.key });
    const noHeader = await cookieGql(base, cookie!, op.ME, {}, { 'content-type': 'application/json' });
    expect(noHeader.status).toBe(403);
    expect(outcome(noHeader, 'me')).toBe('FORBIDDEN');
    const foreign = await cookieGql(base, cookie!, op.POST_SPIKE, { input: {} }, { ...CONSOLE_HEADERS, origin: 'https://evil.example' });
    expect(foreign.status).toBe(403);
  });

  it('are authorised exactly as the key itself, operation by operation', async () => {
    const operations: [string, string, Record<string, unknown>][] = [
      ['me', op.ME, {}],
      ['demandSpikes', op.SPIKES, {}],
      ['openDemandSpikes', op.OPEN_SPIKES, {}],
      ['invoices', op.INVOICES, {}],
      ['reconciliation', op.RECONCILIATION, {}],
      ['apiKeys', op.API_KEYS, { org: m.brand.id }],
      ['organizations', 'query { organizations { nodes { id } } }', {}],
      ['scoringPolicy', op.SCORING_POLICY, {}],
    ];
    for (const key of [h.operatorKey, m.brand.key, m.brand.financeKey, m.vendorA.key, m.vendorA.financeKey]) {
      const { cookie } = await signIn(base, { apiKey: key });
      for (const [field, query, variables] of operations) {
        const withKey = outcome(await gql(h.url, query, variables, key), field);
        expect([field, outcome(await cookieGql(base, cookie!, query, variables), field)]).toEqual([field, withKey]);
      }
    }
  });

  it('end when the key is revoked, at the very next request', async () => {
    const issued = ok(await gql(h.url, op.ISSUE_KEY, { input: { organizationId: m.vendorA.id, role: 'VENDOR', label: 'console' } }, h.operatorKey)).issueApiKey;
    const { cookie } = await signIn(base, { apiKey: issued.secret });
    expect(outcome(await cookieGql(base, cookie!, op.ME), 'me')).toBe('OK');
    ok(await gql(h.url, op.REVOKE_KEY, { id: issued.apiKey.id }, h.operatorKey));
    const after = await cookieGql(base, cookie!, op.ME);
    expect(after.status).toBe(401);
    expect(outcome(after, 'me')).toBe('UNAUTHENTICATED');
  });

  it('end at sign-out, and after the session’s lifetime', async () => {
    const first = await signIn(base, { apiKey: m.brand.key });
    const res = await signOut(base, first.cookie!);
    expect(res.status).toBe(204);
    expect(res.headers.get('set-cookie')).toContain('Max-Age=0');
    expect(outcome(await cookieGql(base, first.cookie!, op.ME), 'me')).toBe('UNAUTHENTICATED');
    // The key itself still works: signing out ends the session, not the key.
    expect(outcome(await gql(h.url, op.ME, {}, m.brand.key), 'me')).toBe('OK');

    const second = await signIn(base, { apiKey: m.brand.key });
    h.clock.advance(8 * 3_600_000 - 1_000);
    expect(outcome(await cookieGql(base, second.cookie!, op.ME), 'me')).toBe('OK');
    h.clock.advance(1_000);
    expect(outcome(await cookieGql(base, second.cookie!, op.ME), 'me')).toBe('UNAUTHENTICATED');
  });

  it('a forged or unknown cookie is UNAUTHENTICATED, never another session', async () => {
    const r = await cookieGql(base, `bx_console=bxs_${'A'.repeat(43)}`, op.ME);
    expect(r.status).toBe(401);
    expect(outcome(r, 'me')).toBe('UNAUTHENTICATED');
  });
});

describeNeeding(import.meta.url, ['redis'])('sign-in links', () => {
  it('start a session once, as the key that made them, and never again', async () => {
    const link = ok(await gql(h.url, LINK, {}, m.vendorA.key)).createConsoleSignInLink;
    expect(link.path).toMatch(/^\/console\/sign-in#link=bxl_[A-Za-z0-9_-]{43}$/);
    expect(Date.parse(link.expiresAt) - h.clock.now().getTime()).toBe(15 * 60_000);
    const first = await signIn(base, { link: linkToken(link.path) });
    expect(first.status).toBe(200);
    expect(first.body.role).toBe('VENDOR');
    expect(ok(await cookieGql(base, first.cookie!, op.ME)).me.organization.id).toBe(m.vendorA.id);
    expect((await signIn(base, { link: linkToken(link.path) })).status).toBe(401);
  });

  it('of which exactly one of many concurrent uses wins', async () => {
    const link = ok(await gql(h.url, LINK, {}, m.brand.key)).createConsoleSignInLink;
    const results = await Promise.all(Array.from({ length: 8 }, () => signIn(base, { link: linkToken(link.path) })));
    expect(results.filter((r) => r.status === 200)).toHaveLength(1);
    expect(await h.orm.em.getConnection().execute('select 1 from console_session')).toHaveLength(1);
  });

  it('expire after 15 minutes, and die with their key', async () => {
    const stale = ok(await gql(h.url, LINK, {}, m.brand.key)).createConsoleSignInLink;
    h.clock.advance(15 * 60_000);
    expect((await signIn(base, { link: linkToken(stale.path) })).status).toBe(401);

    const issued = ok(await gql(h.url, op.ISSUE_KEY, { input: { organizationId: m.brand.id, role: 'FINANCE', label: 'link' } }, h.operatorKey)).issueApiKey;
    const link = ok(await gql(h.url, LINK, {}, issued.secret)).createConsoleSignInLink;
    ok(await gql(h.url, op.REVOKE_KEY, { id: issued.apiKey.id }, h.operatorKey));
    expect((await signIn(base, { link: linkToken(link.path) })).status).toBe(401);
  });
});

describeNeeding(import.meta.url, ['redis'])('open graphql-ws connections when the session ends', () => {
  const origin = () => `http://${new URL(base).host}`;

  it('are closed with 4401 promptly at sign-out, while another session of the same key stays open', async () => {
    const doomed = await signIn(base, { apiKey: m.vendorA.key });
    const other = await signIn(base, { apiKey: m.vendorA.key });
    const a = await aSubscribedSocket({ cookie: doomed.cookie!, origin: origin() });
    const b = await aSubscribedSocket({ cookie: other.cookie!, origin: origin() });
    const started = Date.now();
    await signOut(base, doomed.cookie!);
    expect(await a.closed).toBe(4401);
    expect(Date.now() - started).toBeLessThan(2_000);
    await new Promise((r) => setTimeout(r, 600)); // three rechecks
    expect(b.socket.readyState).toBe(WebSocket.OPEN);
    b.socket.close();
  });

  it('are closed with 4401 when the session’s key is revoked, or the session expires, with no event needed', async () => {
    const issued = ok(await gql(h.url, op.ISSUE_KEY, { input: { organizationId: m.vendorA.id, role: 'VENDOR', label: 'ws' } }, h.operatorKey)).issueApiKey;
    const revoked = await signIn(base, { apiKey: issued.secret });
    const bySession = await aSubscribedSocket({ cookie: revoked.cookie!, origin: origin() });
    const byBearer = await aSubscribedSocket({}, `Bearer ${issued.secret}`);
    const expiring = await aSubscribedSocket({ cookie: (await signIn(base, { apiKey: m.vendorB.key })).cookie!, origin: origin() });
    ok(await gql(h.url, op.REVOKE_KEY, { id: issued.apiKey.id }, h.operatorKey));
    expect(await bySession.closed).toBe(4401);
    expect(await byBearer.closed).toBe(4401);
    expect(expiring.socket.readyState).toBe(WebSocket.OPEN);
    h.clock.advance(8 * 3_600_000);
    expect(await expiring.closed).toBe(4401);
  });
});

/** A graphql-ws socket, acknowledged and holding one subscription (which sees no event); `closed` resolves with its close code. */
async function aSubscribedSocket(headers: Record<string, string>, authorization?: string): Promise<{ socket: WebSocket; closed: Promise<number> }> {
  const socket = new WebSocket(h.wsUrl, 'graphql-transport-ws', { headers });
  const closed = new Promise<number>((resolve) => socket.on('close', (code) => resolve(code)));
  await new Promise<void>((resolve, reject) => {
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: authorization ? { authorization } : {} })));
    socket.on('message', (data) => {
      if (JSON.parse(String(data)).type !== 'connection_ack') return;
      socket.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: 'subscription { demandSpikePosted { id } }' } }));
      resolve();
    });
    socket.on('error', reject);
    void closed.then((code) => reject(new Error(`closed ${code} before connection_ack`)));
  });
  return { socket, closed };
}

/** Opens a graphql-ws socket with these upgrade headers; resolves with the first message type or the close code. */
function wsHandshake(headers: Record<string, string>): Promise<string> {
  return new Promise((resolve) => {
    const socket = new WebSocket(h.wsUrl, 'graphql-transport-ws', { headers });
    socket.on('open', () => socket.send(JSON.stringify({ type: 'connection_init', payload: {} })));
    socket.on('message', (data) => {
      resolve(JSON.parse(String(data)).type);
      socket.close();
    });
    socket.on('close', (code) => resolve(`close ${code}`));
    socket.on('error', () => resolve('error'));
  });
}

describeNeeding(import.meta.url, ['redis'])('graphql-ws with the cookie', () => {
  it('is admitted from the API’s own origin only', async () => {
    const { cookie } = await signIn(base, { apiKey: m.vendorA.key });
    const host = new URL(base).host;
    expect(await wsHandshake({ cookie: cookie!, origin: `http://${host}` })).toBe('connection_ack');
    expect(await wsHandshake({ cookie: cookie!, origin: 'https://evil.example' })).toBe('close 4401');
    expect(await wsHandshake({ cookie: cookie! })).toBe('close 4401');
    await signOut(base, cookie!);
    expect(await wsHandshake({ cookie: cookie!, origin: `http://${host}` })).toBe('close 4401');
  });
});
