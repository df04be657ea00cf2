import { createServer } from 'node:net';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { STRICT_URL_POLICY } from '../src/domain/webhooks/url-policy.js';
import { DELIVER_WEBHOOK } from '../workers/queues.js';
import { deliveryErrorText, postWebhook, type PostOptions, type Resolver } from '../workers/webhook-http.js';
import { webhookProcessor } from '../workers/webhook.processor.js';
import { aMarket, anOpenSpike, type Market } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { resetState, rowCounts, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';
import { startReceiver, type Receiver } from './support/webhook-receiver.js';

/**
 * Webhooks cannot be turned against the marketplace: the endpoint cap holds under concurrency
 * because PostgreSQL holds it, no spelling of a private host passes registration or delivery,
 * and the delivery log never tells a tenant what a host name resolves to or where a socket went.
 * The API here runs the production URL policy (https only, no private networks).
 */
let h: Harness;
let m: Market;
let receiver: Receiver | null = null;
beforeAll(async () => {
  h = await startHarness({ webhookUrlPolicy: STRICT_URL_POLICY });
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  await resetState(h);
  m = await aMarket(h.url, h.operatorKey);
});
afterEach(async () => {
  await receiver?.close();
  receiver = null;
});

let n = 0;
const register = (key: string, url = `https://hooks.example.com/${++n}`) =>
  gql(h.url, op.REGISTER_WEBHOOK, { input: { url, eventTypes: ['DEMAND_SPIKE_POSTED'] } }, key);
const activeCount = async (organizationId: string) =>
  (
    await h.orm.em
      .getConnection()
      .execute<{ n: number }[]>(`select count(*)::int as n from webhook_endpoint where organization_id = ? and status = 'ACTIVE'`, [organizationId])
  )[0]!.n;

describe('the cap of 20 active endpoints per organisation', () => {
  it('holds under 40 concurrent registrations from two keys of one organisation, and a disabled endpoint frees its place', async () => {
    const before = await rowCounts(h.orm);
    const results = await Promise.all(Array.from({ length: 40 }, (_, i) => register(i % 2 ? m.vendorA.key : m.vendorA.financeKey)));
    const answers = results.map((r) => ok(r).registerWebhookEndpoint);
    expect(answers.filter((a) => a.__typename === 'RegisteredWebhookEndpoint')).toHaveLength(20);
    const refused = answers.filter((a) => a.__typename !== 'RegisteredWebhookEndpoint');
    expect(refused).toHaveLength(20);
    for (const r of refused)
      expect(r).toMatchObject({
        __typename: 'ValidationError',
        code: 'BAD_USER_INPUT',
        field: 'input.url',
        message: expect.stringContaining('at most 20 active endpoints'),
      });
    expect(await activeCount(m.vendorA.id)).toBe(20);
    expect(await rowCounts(h.orm)).toEqual({ ...before, webhook_endpoint: before.webhook_endpoint! + 20 });

    const one = answers.find((a) => a.__typename === 'RegisteredWebhookEndpoint').endpoint.id;
    ok(await gql(h.url, op.DISABLE_WEBHOOK, { id: one }, m.vendorA.key));
    const again = await Promise.all(Array.from({ length: 6 }, () => register(m.vendorA.key)));
    expect(again.map((r) => ok(r).registerWebhookEndpoint.__typename).sort()).toEqual(['RegisteredWebhookEndpoint', ...Array(5).fill('ValidationError')]);
    expect(await activeCount(m.vendorA.id)).toBe(20);
    // Another organisation's cap is its own.
    expect(ok(await register(m.vendorB.key)).registerWebhookEndpoint.__typename).toBe('RegisteredWebhookEndpoint');
  });

  it('is PostgreSQL’s: concurrent inserts and re-activations that skip the API are refused beyond 20', async () => {
    const conn = () => h.orm.em.fork().getConnection();
    const insert = () =>
      conn().execute(
        `insert into webhook_endpoint (id, organization_id, url, event_types, secret_ciphertext, secret_hint, status, created_at)
       values (gen_random_uuid(), ?, 'https://hooks.example.com/direct', '{demand_spike.posted}', 'x', 'whsec_x', 'ACTIVE', now())`,
        [m.vendorB.id],
      );
    const results = await Promise.allSettled(Array.from({ length: 30 }, insert));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(20);
    for (const r of results.filter((x): x is PromiseRejectedResult => x.status === 'rejected')) expect(String(r.reason)).toMatch(/active webhook endpoints/);
    expect(await activeCount(m.vendorB.id)).toBe(20);
    await conn().execute(
      `update webhook_endpoint set status = 'DISABLED', disabled_at = now() where id = (select id from webhook_endpoint where organization_id = ? limit 1)`,
      [m.vendorB.id],
    );
    await insert();
    await expect(
      conn().execute(`update webhook_endpoint set status = 'ACTIVE', disabled_at = null where organization_id = ? and status = 'DISABLED'`, [m.vendorB.id]),
    ).rejects.toThrow(/active webhook endpoints/);
    expect(await activeCount(m.vendorB.id)).toBe(20);
  });
});

/** Loopback, link-local and private hosts in every notation a resolver or URL parser accepts. */
const PRIVATE_SPELLINGS = [
  'localhost.',
  'LOCALHOST',
  'LocalHost.',
  'hooks.localhost.',
  '2130706433',
  '0x7f.1',
  '0177.0.0.1',
  '127.1',
  '0x7f000001',
  '127.0.0.1.',
  '[::1]',
  '[0:0:0:0:0:0:0:1]',
  '[::ffff:127.0.0.1]',
  '[::FFFF:7F00:1]',
  '[::127.0.0.1]',
  '[64:ff9b::127.0.0.1]',
  '[64:ff9b:1::a00:5]',
  '[2002:7f00:1::]',
  '[2001:0:4136:e378:8000:63bf:80ff:fffe]',
  '[FE80::1]',
  '2852039166',
  '0xa9.0xfe.0xa9.0xfe',
  '0251.0376.0251.0376',
  '10.1',
  '0',
];

describe('private hosts in any notation', () => {
  it('are refused at registration with a typed error, writing nothing', async () => {
    const before = await rowCounts(h.orm);
    for (const host of PRIVATE_SPELLINGS) {
      expect(ok(await register(m.vendorA.key, `https://${host}/hooks`)).registerWebhookEndpoint, host).toMatchObject({
        __typename: 'ValidationError',
        code: 'BAD_USER_INPUT',
        field: 'input.url',
        message: expect.stringContaining('private network'),
      });
    }
    // A zone id is not even a valid URL.
    expect(ok(await register(m.vendorA.key, 'https://[fe80::1%25eth0]/hooks')).registerWebhookEndpoint).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'input.url',
    });
    expect(await rowCounts(h.orm)).toEqual(before);
  });

  it('are refused at delivery before any connection, while the same receiver is reachable when private networks are allowed', async () => {
    receiver = await startReceiver();
    const port = new URL(receiver.url).port;
    const strict: PostOptions = { timeoutMs: 2_000, allowPrivateNetworks: false };
    for (const host of PRIVATE_SPELLINGS) {
      expect(await postWebhook(`http://${host}:${port}/hooks`, '{}', {}, strict), host).toMatchObject({
        statusCode: null,
        error: expect.stringContaining('private network'),
      });
    }
    expect(receiver.requests).toEqual([]);
    expect(await postWebhook(`http://2130706433:${port}/hooks`, '{}', {}, { ...strict, allowPrivateNetworks: true })).toMatchObject({ statusCode: 200 });
    expect(receiver.requests).toHaveLength(1);
  });
});

describe('the delivery log', () => {
  /** DNS answers for the test: partner names that resolve into private networks, or not at all. */
  const answers: Record<string, { address: string; family: number }[]> = {
    'hooks.partner.example': [
      { address: '203.0.113.7', family: 4 },
      { address: '10.0.0.5', family: 4 },
    ],
    'v6.partner.example': [{ address: '64:ff9b::a00:5', family: 6 }],
    'loop.partner.example': [{ address: '127.0.0.1', family: 4 }],
  };
  const resolver: Resolver = (hostname, _options, callback) => {
    const found = answers[hostname];
    setImmediate(() => (found ? callback(null, found) : callback(Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' }), [])));
  };
  const deliver = async (eventId: string, endpointId: string, http: PostOptions) => {
    const process = webhookProcessor({
      orm: h.orm,
      clock: h.clock,
      logger: pino({ level: 'silent' }),
      secrets: h.secrets,
      http,
      retry: { attempts: 3, backoffMs: 50 },
      queue: undefined as never,
    });
    await process({ name: DELIVER_WEBHOOK, data: { eventId, endpointId }, attemptsMade: 0, opts: { attempts: 3 } } as never).catch(() => null);
  };
  const logOf = async (endpointId: string) =>
    ok(await gql(h.url, op.WEBHOOK_DELIVERIES, { id: endpointId }, m.vendorA.key)).webhookDeliveries.nodes as Record<string, any>[];

  it('never says what a host name resolves to, nor which address a connection went to', async () => {
    const endpoints: Record<string, string> = {};
    const closed = createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', () => r()));
    const closedPort = (closed.address() as { port: number }).port;
    await new Promise((r) => closed.close(r));
    for (const url of [
      'https://hooks.partner.example/in',
      'https://v6.partner.example/in',
      'https://gone.partner.example/in',
      `https://loop.partner.example:${closedPort}/in`,
    ]) {
      const r = ok(await register(m.vendorA.key, url)).registerWebhookEndpoint;
      expect(r.__typename, url).toBe('RegisteredWebhookEndpoint'); // names are only resolved when delivering
      endpoints[new URL(url).hostname] = r.endpoint.id;
    }
    await anOpenSpike(h.url, h.clock, m.brand.key);
    const [event] = await h.orm.em.getConnection().execute<{ id: string }[]>(`select id from domain_event where type = 'demand_spike.posted'`);

    const strict: PostOptions = { timeoutMs: 2_000, allowPrivateNetworks: false, resolver };
    for (const host of ['hooks.partner.example', 'v6.partner.example', 'gone.partner.example']) await deliver(event!.id, endpoints[host]!, strict);
    // Allowed to reach private networks (development), a refused connection still names no address.
    await deliver(event!.id, endpoints['loop.partner.example']!, { ...strict, allowPrivateNetworks: true });

    const logs = Object.fromEntries(await Promise.all(Object.entries(endpoints).map(async ([host, id]) => [host, await logOf(id)] as const)));
    // Resolving into a private network reads exactly like not resolving: the log is no oracle for internal names.
    for (const host of ['hooks.partner.example', 'v6.partner.example', 'gone.partner.example']) {
      expect(logs[host], host).toEqual([
        expect.objectContaining({ attempt: 1, outcome: 'RETRYING', statusCode: null, error: 'The host name did not resolve to a public address' }),
      ]);
    }
    expect(logs['loop.partner.example']).toEqual([expect.objectContaining({ outcome: 'RETRYING', statusCode: null, error: 'Connection refused' })]);
    const everything = JSON.stringify(logs);
    for (const leak of ['10.0.0.5', '203.0.113.7', 'a00:5', '127.0.0.1', 'resolves to', 'ENOTFOUND', String(closedPort)])
      expect(everything).not.toContain(leak);
  });

  it('keeps only a fixed text and the error code of any other failure', () => {
    const err = (code: string | undefined, message: string) => Object.assign(new Error(message), { code });
    expect(
      deliveryErrorText(err('ERR_TLS_CERT_ALTNAME_INVALID', "Hostname/IP does not match certificate's altnames: IP: 10.0.0.5 is not in the cert's list")),
    ).toBe('TLS handshake failed (ERR_TLS_CERT_ALTNAME_INVALID)');
    expect(deliveryErrorText(err('ECONNRESET', 'read ECONNRESET 10.0.0.5:443'))).toBe('Connection reset by the receiver');
    expect(deliveryErrorText(err('ETIMEDOUT', 'connect ETIMEDOUT 10.0.0.5:443'))).toBe('Connection timed out');
    expect(deliveryErrorText(err('HPE_INVALID_CONSTANT', 'Parse Error: Expected HTTP/'))).toBe('Invalid HTTP response (HPE_INVALID_CONSTANT)');
    expect(deliveryErrorText(err('EWEIRD', 'something about 10.0.0.5'))).toBe('Connection failed (EWEIRD)');
    expect(deliveryErrorText(err('10.0.0.5', 'x'))).toBe('Connection failed');
    expect(deliveryErrorText(err(undefined, 'connect to 10.0.0.5 failed'))).toBe('Connection failed');
  });
});
