import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import { MAX_ACTIVE_API_KEYS } from '../src/domain/access/api-keys.js';
import { createRedisRateLimiter } from '../src/http/rate-limit.js';
import { aMarket, anOpenSpike, type Market } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { TEST_REDIS_URL } from './support/env.js';
import { eventually, resetState, rowCounts, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';
import { deleteKeys } from './support/redis-keys.js';
import { rawSocket, subscribe, type RawSocket, type Subscribed } from './support/ws-client.js';
import { describeNeeding } from './support/requires.js';

/**
 * One tenant cannot multiply its share of the API by issuing itself keys, holding sockets without
 * a key, or hammering a socket without budget: active keys are capped per organisation by
 * PostgreSQL, graphql-ws connections per organisation as well as per key (in Redis), a key
 * without budget is refused before its key is read or its document parsed and then cut off, and
 * sockets waiting to initialise are capped per client address. Other tenants go on. Real sockets,
 * the real PostgreSQL and Redis.
 */
let redis: Redis;
beforeAll(() => {
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
});
afterAll(() => {
  redis.disconnect();
});

const sockets: RawSocket[] = [];
const subs: Subscribed[] = [];
afterEach(async () => {
  for (const s of sockets.splice(0)) s.ws.terminate();
  await Promise.all(subs.splice(0).map((s) => s.dispose()));
});
const open = async (url: string, localAddress?: string) => {
  const s = await rawSocket(url, localAddress ? { localAddress } : {});
  sockets.push(s);
  return s;
};
const keyIdOf = async (url: string, key: string) => ok(await gql(url, op.ME, {}, key)).me.apiKey.id as string;
const activeKeys = async (h: Harness, organizationId: string) =>
  (
    await h.orm.em
      .getConnection()
      .execute<{ n: number }[]>('select count(*)::int as n from api_key where organization_id = ? and revoked_at is null', [organizationId])
  )[0]!.n;

describeNeeding(import.meta.url, ['redis'])(`active API keys per organisation (at most ${MAX_ACTIVE_API_KEYS})`, () => {
  let h: Harness;
  let m: Market;
  beforeAll(async () => {
    h = await startHarness();
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await resetState(h);
    m = await aMarket(h.url, h.operatorKey);
  });
  const issue = (organizationId: string, by: string) => gql(h.url, op.ISSUE_KEY, { input: { organizationId, role: 'FINANCE', label: 'one more' } }, by);

  it('holds under 60 concurrent issues from the organisation and the operator; refusals name organizationId and write nothing; a revoked key frees its place', async () => {
    // The organisation already holds its VENDOR and FINANCE keys.
    expect(await activeKeys(h, m.vendorA.id)).toBe(2);
    const before = await rowCounts(h.orm);
    const answers = (await Promise.all(Array.from({ length: 60 }, (_, i) => issue(m.vendorA.id, i % 2 ? m.vendorA.key : h.operatorKey)))).map(
      (r) => ok(r).issueApiKey,
    );
    expect(answers.filter((a) => a.__typename === 'IssuedApiKey')).toHaveLength(48);
    const refused = answers.filter((a) => a.__typename !== 'IssuedApiKey');
    expect(refused).toHaveLength(12);
    for (const r of refused)
      expect(r).toEqual({
        __typename: 'ValidationError',
        code: 'BAD_USER_INPUT',
        field: 'organizationId',
        message: 'An organisation holds at most 50 active API keys; revoke one first',
      });
    expect(await activeKeys(h, m.vendorA.id)).toBe(50);
    expect(await rowCounts(h.orm)).toEqual({ ...before, api_key: before.api_key! + 48 });

    // Every key of the organisation still works; revoking one lets exactly one more in.
    const issued = answers.find((a) => a.__typename === 'IssuedApiKey');
    expect(ok(await gql(h.url, op.ME, {}, issued.secret)).me.role).toBe('FINANCE');
    ok(await gql(h.url, op.REVOKE_KEY, { id: issued.apiKey.id }, m.vendorA.key));
    const again = await Promise.all(Array.from({ length: 4 }, () => issue(m.vendorA.id, m.vendorA.key)));
    expect(again.map((r) => ok(r).issueApiKey.__typename).sort()).toEqual(['IssuedApiKey', 'ValidationError', 'ValidationError', 'ValidationError']);
    expect(await activeKeys(h, m.vendorA.id)).toBe(50);
    // Another organisation's cap is its own.
    expect(ok(await issue(m.vendorB.id, m.vendorB.key)).issueApiKey.__typename).toBe('IssuedApiKey');
  });

  it('is PostgreSQL’s: concurrent inserts and un-revocations that skip the API are refused beyond the cap', async () => {
    const conn = () => h.orm.em.fork().getConnection();
    const insert = (revoked = false) =>
      conn().execute(
        `insert into api_key (id, organization_id, role, prefix, hash, label, created_at, revoked_at)
         values (gen_random_uuid(), ?, 'FINANCE', substr(md5(random()::text), 1, 8), repeat('0', 64), 'direct', now(), ${revoked ? 'now()' : 'null'})`,
        [m.vendorB.id],
      );
    await insert(true);
    const results = await Promise.allSettled(Array.from({ length: 60 }, () => insert()));
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(48);
    for (const r of results.filter((x): x is PromiseRejectedResult => x.status === 'rejected')) expect(String(r.reason)).toMatch(/active API keys/);
    expect(await activeKeys(h, m.vendorB.id)).toBe(50);
    await expect(conn().execute(`update api_key set revoked_at = null where organization_id = ? and revoked_at is not null`, [m.vendorB.id])).rejects.toThrow(
      /active API keys/,
    );
    // Revoking stays possible, and frees a place.
    await conn().execute(
      `update api_key set revoked_at = now() where id = (select id from api_key where organization_id = ? and label = 'direct' and revoked_at is null limit 1)`,
      [m.vendorB.id],
    );
    await insert();
    expect(await activeKeys(h, m.vendorB.id)).toBe(50);
  });
});

describeNeeding(import.meta.url, ['redis'])('graphql-ws connections per organisation', () => {
  let h: Harness;
  let m: Market;
  beforeAll(async () => {
    h = await startHarness({ realtime: true, subscriptionLimits: { connectionsPerKey: 2, connectionsPerOrganization: 3 } });
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await resetState(h);
    await deleteKeys(redis, `${h.connectionSlotsPrefix}:*`);
    m = await aMarket(h.url, h.operatorKey);
  });
  const vendorKey = async (organizationId: string) =>
    ok(await gql(h.url, op.ISSUE_KEY, { input: { organizationId, role: 'VENDOR', label: 'another system' } }, h.operatorKey)).issueApiKey.secret as string;
  const sub = (key: string) => {
    const s = subscribe(h.wsUrl, key, op.SPIKE_POSTED);
    subs.push(s);
    return s;
  };
  const listening = (n: number) => eventually(async () => (h.events.listenerCount('demand_spike.posted') === n ? true : null), 5_000);

  it('closes the connection over the organisation’s limit with 4429 whichever key it uses; other tenants and the organisation’s open connections go on; a close frees a place', async () => {
    const [k2, k3] = [await vendorKey(m.vendorA.id), await vendorKey(m.vendorA.id)];
    const held = [sub(m.vendorA.key), sub(m.vendorA.key), sub(k2)];
    await listening(3);
    expect(await redis.zcard(`${h.connectionSlotsPrefix}:org:${m.vendorA.id}`)).toBe(3);
    // k3 has no connection of its own, yet its organisation is full.
    const refused = { kind: 'error', code: 4429, reason: 'TOO_MANY_CONNECTIONS: this organisation (all its API keys together) already has 3 open connections' };
    expect(await sub(k3).ended).toEqual(refused);
    expect(await sub(k2).ended).toEqual(refused);
    // The key's own limit is still checked first.
    expect(await sub(m.vendorA.key).ended).toEqual({ kind: 'error', code: 4429, reason: 'TOO_MANY_CONNECTIONS: this API key already has 2 open connections' });

    // Another vendor is unaffected, and everyone connected receives the next spike.
    const other = sub(m.vendorB.key);
    await listening(4);
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
    for (const s of [...held, other]) await s.waitFor((r) => r.data?.demandSpikePosted.spike.id === spikeId);

    await held[0]!.dispose();
    await eventually(async () => ((await redis.zcard(`${h.connectionSlotsPrefix}:org:${m.vendorA.id}`)) === 2 ? true : null));
    const k3Connected = sub(k3);
    await listening(4);
    const next = await anOpenSpike(h.url, h.clock, m.brand.key);
    await k3Connected.waitFor((r) => r.data?.demandSpikePosted.spike.id === next);
    expect(await redis.zcard(`${h.connectionSlotsPrefix}:${await keyIdOf(h.url, k3)}`)).toBe(1);
  });
});

describeNeeding(import.meta.url, ['redis'])('a key without budget, over graphql-ws', () => {
  const POINTS = 1_000;
  let h: Harness;
  let m: Market;
  beforeAll(async () => {
    // A day-long window: nothing refills noticeably while a test runs.
    h = await startHarness({ rateLimit: { points: POINTS, windowMs: 86_400_000 } });
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await resetState(h);
    m = await aMarket(h.url, h.operatorKey);
  });
  /** The API's own buckets (same prefix and size), to spend a key's budget as its other requests would. */
  const bucketsOf = (harness: Harness) =>
    createRedisRateLimiter({
      redis,
      prefix: harness.rateLimitPrefix!,
      points: POINTS,
      anonymousPoints: POINTS,
      ingestPoints: POINTS,
      windowMs: 86_400_000,
      logger: pino({ level: 'silent' }),
    });
  /** Resolves once `n` error messages have arrived (subscribe messages are handled concurrently, so in any order). */
  const errorsReceived = (s: RawSocket, n: number) =>
    eventually(async () => (s.messages.filter((msg) => msg.type === 'error').length >= n ? true : null), 10_000);

  it('is refused RATE_LIMITED before its key is read or its document parsed, and the fifth refusal in a row closes the socket with 4429', async () => {
    const s = await open(h.wsUrl);
    expect(await s.init(m.vendorA.key)).toBe('acked');
    // Spend the rest of the key's budget, as its other requests would.
    const limiter = bucketsOf(h);
    const subject = { kind: 'key' as const, apiKeyId: await keyIdOf(h.url, m.vendorA.key) };
    const left = await limiter.peek(subject, 1);
    expect((await limiter.consume(subject, left!.remaining))?.allowed).toBe(true);

    const refusal = (id: string) => s.until((msg) => msg.id === id && msg.type === 'error');
    // Not parsed: a syntax error would be GRAPHQL_PARSE_FAILED.
    s.subscribe('1', 'subscription {');
    expect(await refusal('1')).toMatchObject({ payload: [{ extensions: { code: 'RATE_LIMITED', cost: 1, limit: POINTS } }] });
    // Not authenticated: the revoked key would close the socket with 4401.
    ok(await gql(h.url, op.REVOKE_KEY, { id: subject.apiKeyId }, h.operatorKey));
    s.subscribe('2', op.SPIKE_POSTED);
    expect(await refusal('2')).toMatchObject({ payload: [{ extensions: { code: 'RATE_LIMITED' } }] });
    s.subscribe('3', op.SPIKE_POSTED);
    s.subscribe('4', op.SPIKE_POSTED);
    await errorsReceived(s, 4);
    s.subscribe('5', op.SPIKE_POSTED);
    expect(await s.closed).toEqual({
      code: 4429,
      reason: expect.stringMatching(/^RATE_LIMITED: 5 subscriptions in a row refused for want of budget; retry in \d+ s$/),
    });
    expect(s.messages.filter((msg) => msg.type === 'error').map((msg) => msg.payload[0].extensions.code)).toEqual(Array(4).fill('RATE_LIMITED'));
    // The refusals took nothing; another tenant is served.
    expect((await limiter.peek(subject, 1))?.remaining).toBe(0);
    expect(ok(await gql(h.url, op.ME, {}, m.vendorB.key)).me.role).toBe('VENDOR');
  });

  it('resets the count when a subscription is admitted', async () => {
    const s = await open(h.wsUrl);
    expect(await s.init(m.vendorA.key)).toBe('acked');
    const limiter = bucketsOf(h);
    const subject = { kind: 'key' as const, apiKeyId: await keyIdOf(h.url, m.vendorA.key) };
    // Four refusals, then an admitted subscription (cost 2: 1 + the spike) starts the count afresh.
    const spend = async (keep: number) => {
      const left = (await limiter.peek(subject, 1))!.remaining;
      if (left > keep) await limiter.consume(subject, left - keep);
    };
    await spend(0);
    for (const id of ['1', '2', '3', '4']) s.subscribe(id, op.SPIKE_POSTED);
    await errorsReceived(s, 4);
    await redis.del(`${h.rateLimitPrefix}:key:${subject.apiKeyId}`);
    await spend(3);
    s.subscribe('5', 'subscription { demandSpikePosted { eventId spike { id } } }');
    await eventually(async () => (h.events.listenerCount('demand_spike.posted') === 1 ? true : null), 5_000);
    // Each costs more than the 1 point left: refused by the charge, after the peek let them through.
    for (const id of ['6', '7', '8', '9']) s.subscribe(id, op.SPIKE_POSTED);
    await errorsReceived(s, 8);
    expect(s.ws.readyState).toBe(s.ws.OPEN);
    s.subscribe('10', op.SPIKE_POSTED);
    expect((await s.closed).code).toBe(4429);
  });
});

describeNeeding(import.meta.url, ['redis'])('graphql-ws sockets waiting to initialise, per client address', () => {
  let h: Harness;
  let m: Market;
  beforeAll(async () => {
    h = await startHarness({ subscriptionLimits: { pendingPerAddress: 3 } });
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await resetState(h);
    m = await aMarket(h.url, h.operatorKey);
  });

  it('closes one more than the limit at once with 4429; another address is unaffected; an initialised or closed socket frees its place', async () => {
    const waiting = [await open(h.wsUrl), await open(h.wsUrl), await open(h.wsUrl)];
    const over = await open(h.wsUrl);
    expect(await over.closed).toEqual({
      code: 4429,
      reason: 'TOO_MANY_PENDING_CONNECTIONS: this address already has 3 connections waiting to be initialised',
    });
    // Another loopback address is another client.
    const elsewhere = await open(h.wsUrl, '127.0.0.2');
    expect(await elsewhere.init(m.vendorB.key)).toBe('acked');

    // Initialised (admitted or refused) or gone: the place is free again.
    expect(await waiting[0]!.init(m.vendorA.key)).toBe('acked');
    expect(await waiting[1]!.init('bx_nokey000_' + 'A'.repeat(43))).toMatchObject({ code: 4401 });
    waiting[2]!.ws.terminate();
    await waiting[2]!.closed;
    const again = [await open(h.wsUrl), await open(h.wsUrl), await open(h.wsUrl)];
    for (const s of again) expect(await s.init(m.vendorA.key)).toBe('acked');
    // The admitted ones do not count: three more may wait.
    const more = [await open(h.wsUrl), await open(h.wsUrl), await open(h.wsUrl)];
    expect((await open(h.wsUrl).then((s) => s.closed)).code).toBe(4429);
    for (const s of more) expect(s.ws.readyState).toBe(s.ws.OPEN);
  });
});
