import { once } from 'node:events';
import type { Client } from 'graphql-ws';
import { Redis } from 'ioredis';
import { pino } from 'pino';
import { afterAll, afterEach, beforeAll, beforeEach, expect, it } from 'vitest';
import WebSocket from 'ws';
import type { EventType } from '../src/domain/events/event-types.js';
import { createRedisConnectionSlots } from '../src/realtime/connection-slots.js';
import { createApiServer, type ApiServer } from '../src/server.js';
import { aMarket, anOpenSpike, type Market } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { TEST_REDIS_URL } from './support/env.js';
import { eventually, resetState, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';
import { deleteKeys } from './support/redis-keys.js';
import { subscribe, subscribeOn, wsClient, type Subscribed } from './support/ws-client.js';
import { describeNeeding } from './support/requires.js';

/**
 * Limits on graphql-ws: connections per API key, counted in the real Redis (so across replicas),
 * and active subscriptions per connection, over real sockets, with events flowing through the
 * real outbox relay. The slot counting on its own is in connection-slots.test.ts.
 */
let redis: Redis;
const silent = pino({ level: 'silent' });
beforeAll(() => {
  redis = new Redis(TEST_REDIS_URL, { maxRetriesPerRequest: 1 });
});
afterAll(() => {
  redis.disconnect();
});

/** A bare graphql-transport-ws connection: acknowledged, or closed with a code and reason. */
async function rawConnect(url: string, key: string): Promise<{ ws: WebSocket; acked: boolean; code?: number; reason?: string }> {
  const ws = new WebSocket(url, 'graphql-transport-ws');
  const closed = once(ws, 'close').then(([code, reason]) => ({ code: code as number, reason: String(reason) }));
  await once(ws, 'open');
  ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } }));
  const outcome = await Promise.race([once(ws, 'message').then(([data]) => JSON.parse(String(data)) as { type: string }), closed]);
  if ('type' in outcome) return { ws, acked: outcome.type === 'connection_ack' };
  return { ws, acked: false, ...outcome };
}

describeNeeding(import.meta.url, ['redis'])('limits over graphql-ws', () => {
  let h: Harness;
  let m: Market;
  const open: Subscribed[] = [];
  const sockets: WebSocket[] = [];
  const clients: Client[] = [];
  beforeAll(async () => {
    h = await startHarness({ realtime: true, subscriptionLimits: { connectionsPerKey: 2, subscriptionsPerConnection: 2 } });
  });
  afterAll(async () => {
    await h.close();
  });
  beforeEach(async () => {
    await resetState(h);
    await deleteKeys(redis, `${h.connectionSlotsPrefix}:*`);
    m = await aMarket(h.url, h.operatorKey);
  });
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.dispose()));
    await Promise.all(clients.splice(0).map((c) => c.dispose()));
    for (const ws of sockets.splice(0)) ws.terminate();
  });

  const sub = (key: string, query = op.SPIKE_POSTED, url = h.wsUrl) => {
    const s = subscribe(url, key, query);
    open.push(s);
    return s;
  };
  const client = (key: string) => {
    const c = wsClient(h.wsUrl, key);
    clients.push(c);
    return c;
  };
  const connect = async (key: string, url = h.wsUrl) => {
    const c = await rawConnect(url, key);
    sockets.push(c.ws);
    return c;
  };
  const listening = (n: number, type: EventType = 'demand_spike.posted') => eventually(async () => (h.events.listenerCount(type) === n ? true : null), 5_000);
  const keyId = async (key: string) => ok(await gql(h.url, op.ME, {}, key)).me.apiKey.id as string;
  const slotsOf = async (key: string) => redis.zcard(`${h.connectionSlotsPrefix}:${await keyId(key)}`);
  const spikeSeen = (s: Subscribed, spikeId: string) => s.waitFor((r) => r.data?.demandSpikePosted.spike.id === spikeId);

  it('closes a key’s connection over its limit with 4429 TOO_MANY_CONNECTIONS; its other connections and other keys go on; a normal close frees the slot', async () => {
    const [a1, a2] = [sub(m.vendorA.key), sub(m.vendorA.key)];
    await listening(2);
    expect(await sub(m.vendorA.key).ended).toEqual({ kind: 'error', code: 4429, reason: 'TOO_MANY_CONNECTIONS: this API key already has 2 open connections' });
    expect(await slotsOf(m.vendorA.key)).toBe(2);
    const b = sub(m.vendorB.key);
    await listening(3);
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
    for (const s of [a1, a2, b]) await spikeSeen(s, spikeId);

    await a1.dispose();
    await eventually(async () => ((await slotsOf(m.vendorA.key)) === 1 ? true : null));
    const a3 = sub(m.vendorA.key);
    await listening(3);
    await spikeSeen(a3, await anOpenSpike(h.url, h.clock, m.brand.key));
    expect(a2.endedNow()).toBeNull();
  });

  it('admits exactly the limit of connections that arrive together', async () => {
    const attempts = await Promise.all(Array.from({ length: 5 }, () => connect(m.vendorA.key)));
    expect(attempts.filter((c) => c.acked)).toHaveLength(2);
    expect(attempts.filter((c) => !c.acked).map((c) => c.code)).toEqual([4429, 4429, 4429]);
    expect(await slotsOf(m.vendorA.key)).toBe(2);
  });

  it('frees the slot of a connection that drops without a close handshake', async () => {
    const [first] = [await connect(m.vendorA.key), await connect(m.vendorA.key)];
    expect((await connect(m.vendorA.key)).code).toBe(4429);
    first!.ws.terminate();
    await eventually(async () => ((await slotsOf(m.vendorA.key)) === 1 ? true : null));
    expect((await connect(m.vendorA.key)).acked).toBe(true);
  });

  it('counts the connections a key holds on every replica together', async () => {
    const api2: ApiServer = await createApiServer({
      orm: h.orm,
      clock: h.clock,
      logger: silent,
      production: false,
      events: h.events,
      webhooks: { secrets: h.secrets, urlPolicy: { allowHttp: true, allowPrivateNetworks: true } },
      connectionSlots: createRedisConnectionSlots({ redis, prefix: h.connectionSlotsPrefix!, limit: 2, logger: silent }),
    });
    try {
      const url2 = `${(await api2.listen(0, '127.0.0.1')).replace(/^http/, 'ws')}/graphql`;
      const here = await connect(m.vendorA.key);
      expect((await connect(m.vendorA.key, url2)).acked).toBe(true);
      expect((await connect(m.vendorA.key, url2)).code).toBe(4429);
      expect((await connect(m.vendorA.key)).code).toBe(4429);
      here.ws.close();
      await eventually(async () => ((await slotsOf(m.vendorA.key)) === 1 ? true : null));
      expect((await connect(m.vendorA.key, url2)).acked).toBe(true);
    } finally {
      for (const ws of sockets.splice(0)) ws.terminate();
      await api2.close();
    }
    // Closing a replica releases the slots of its connections.
    expect(await slotsOf(m.vendorA.key)).toBe(0);
  });

  it('refuses a subscription over the connection’s limit with TOO_MANY_SUBSCRIPTIONS; the connection and its other subscriptions go on; completing one frees its place', async () => {
    const c = client(m.vendorA.key);
    const [s1, s2] = [subscribeOn(c, op.SPIKE_POSTED), subscribeOn(c, op.SPIKE_POSTED)];
    await listening(2);
    expect(await subscribeOn(c, op.SPIKE_POSTED).ended).toEqual({
      kind: 'error',
      errors: [
        {
          message: 'At most 2 subscriptions may be active on one connection; complete one first, or open another connection',
          extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', limit: 2 },
        },
      ],
    });
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
    for (const s of [s1, s2]) await spikeSeen(s, spikeId);

    await s1.dispose();
    await listening(1);
    const s3 = subscribeOn(c, op.SPIKE_POSTED);
    await listening(2);
    const next = await anOpenSpike(h.url, h.clock, m.brand.key);
    for (const s of [s2, s3]) await spikeSeen(s, next);
    // All on one connection, which holds one slot of its key.
    expect(await slotsOf(m.vendorA.key)).toBe(1);
  });

  it('admits exactly the limit of subscriptions sent together, and does not count those that were refused or ended', async () => {
    const c = client(m.brand.key);
    // Refused by role: each ends at once and leaves no place taken.
    for (let i = 0; i < 3; i++) expect(await subscribeOn(c, op.SPIKE_POSTED).ended).toMatchObject({ kind: 'complete' });
    const together = Array.from({ length: 5 }, () => subscribeOn(c, op.CONTRACT_SETTLED));
    await listening(2, 'contract.settled');
    const ended = await eventually(async () => {
      const done = together.map((s) => s.endedNow()).filter((e) => e !== null);
      return done.length === 3 ? done : null;
    });
    expect(ended.map((e) => (e.kind === 'error' ? e.errors?.[0]?.extensions?.code : e.kind))).toEqual([
      'TOO_MANY_SUBSCRIPTIONS',
      'TOO_MANY_SUBSCRIPTIONS',
      'TOO_MANY_SUBSCRIPTIONS',
    ]);
    expect(h.events.listenerCount('contract.settled')).toBe(2);
  });
});
