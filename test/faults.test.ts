import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, it, vi } from 'vitest';
import { systemClock } from '../src/domain/shared/clock.js';
import { aBidInput, aMarket, anOpenSpike, type Market } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { TEST_DATABASE_URL } from './support/env.js';
import { clearingRequestRelayedAt, count, expectClean, expectClearedOnce, prefix, spikeRow } from './support/fault-checks.js';
import { freshOperator, startApi, startWorkerProcess, type FaultApi, type WorkerProcess } from './support/fault-stack.js';
import { freePort, removeRedisData, sleep, startRedis, stopRedis, type RedisServer } from './support/faults.js';
import { eventually } from './support/harness.js';
import * as op from './support/operations.js';
import { describeNeeding } from './support/requires.js';

/**
 * Fault injection: Redis. Each scenario breaks something the test started itself (its own
 * redis-server, worker processes) and never the machine's shared PostgreSQL or Redis. See README,
 * "Fault injection"; PostgreSQL in faults-postgres.test.ts, a killed worker in
 * faults-worker-kill.test.ts.
 */

describeNeeding(import.meta.url, ['redis', 'separate-processes'])('Redis stopped and started again during bidding and clearing', () => {
  let redis: RedisServer;
  let api: FaultApi;
  let worker: WorkerProcess;
  let m: Market;

  beforeAll(async () => {
    redis = await startRedis(await freePort());
    const queuePrefix = prefix();
    api = await startApi({ databaseUrl: TEST_DATABASE_URL, redisUrl: redis.url, prefix: queuePrefix });
    const operatorKey = await freshOperator(api.orm); // before any worker holds locks on the tables
    worker = startWorkerProcess({
      DATABASE_URL: TEST_DATABASE_URL,
      REDIS_URL: redis.url,
      QUEUE_PREFIX: queuePrefix,
      SWEEP_INTERVAL_MS: '500',
      WORKER_LOCK_MS: '2000',
    });
    await eventually(async () => (worker.output().includes('workers started') ? true : null), 20_000);
    m = await aMarket(api.url, operatorKey);
  });
  afterAll(async () => {
    await worker?.kill();
    await api?.close();
    if (redis) {
      await stopRedis(redis, 'SIGKILL');
      removeRedisData(redis);
    }
  });

  it('keeps every acknowledged bid and clears each spike exactly once after Redis is back (data kept)', async () => {
    const closesSoon = await anOpenSpike(api.url, systemClock, m.brand.key, { biddingClosesAt: new Date(Date.now() + 5_000).toISOString() });
    const closedEarly = await anOpenSpike(api.url, systemClock, m.brand.key);
    const acknowledged: string[] = [];
    const bid = async (vendorKey: string, spikeId: string) => {
      const res = await gql(api.url, op.PLACE_BID, { input: aBidInput(spikeId), key: `k-${randomBytes(6).toString('hex')}` }, vendorKey);
      if (res.data?.placeBid?.__typename === 'Bid') acknowledged.push(res.data.placeBid.id);
      return res;
    };
    expect((await bid(m.vendorA.key, closesSoon)).data?.placeBid.__typename).toBe('Bid');

    const stderr = vi.spyOn(console, 'error');
    await stopRedis(redis, 'SIGTERM');
    // Bidding needs PostgreSQL only: every bid placed during the outage is acknowledged and kept.
    const during = await Promise.all([
      bid(m.vendorB.key, closesSoon),
      bid(m.vendorC.key, closesSoon),
      bid(m.inHouse.key, closesSoon),
      bid(m.vendorA.key, closedEarly),
      bid(m.vendorB.key, closedEarly),
      bid(m.vendorC.key, closedEarly),
      bid(m.inHouse.key, closedEarly),
    ]);
    for (const res of during) expectClean(res);
    expect(during.map((r) => r.data?.placeBid.__typename)).toEqual(Array(7).fill('Bid'));
    const ready = await fetch(`${api.base}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.json()).toMatchObject({ checks: { postgres: 'ok', redis: 'unreachable' } });

    // Closing needs no Redis: the close commits with its outbox event, which waits for the workers'
    // relay (it cannot reach Redis either), and the API does not hang.
    const started = Date.now();
    const closed = await gql(api.url, op.CLOSE, { id: closedEarly }, m.brand.key);
    expect(Date.now() - started).toBeLessThan(3_000);
    expect(ok(closed).closeBidding).toMatchObject({ __typename: 'DemandSpike', status: 'CLOSED' });
    expect(await clearingRequestRelayedAt(api, 'spike.closed_early', closedEarly)).toBeNull();

    // The other spike's close time passes while Redis is down: bidding on it ends all the same.
    await sleep(Math.max(0, Date.parse((await spikeRow(api, closesSoon)).bidding_closes_at) - Date.now() + 200));
    const late = await bid(m.vendorA.key, closesSoon);
    expect(late.data?.placeBid).toMatchObject({ __typename: 'BiddingClosedError', code: 'BIDDING_CLOSED' });
    expect(await count(api, 'select count(*)::int as n from clearing_result')).toBe(0);

    redis = await startRedis(redis.port, redis.dir);
    await eventually(async () => ((await count(api, 'select count(*)::int as n from clearing_result')) === 2 ? true : null), 20_000).catch((err: Error) => {
      throw new Error(`${err.message}\nworker output:\n${worker.output().slice(-3000)}`);
    });
    await expectClearedOnce(api, [closesSoon, closedEarly], acknowledged);
    // The early close waited in the outbox and was relayed once Redis was back (or the sweeper found the spike first: its old job was still delayed an hour).
    await eventually(async () => ((await clearingRequestRelayedAt(api, 'spike.closed_early', closedEarly)) ? true : null), 10_000);

    // The outage is logged once per connection, structured, not as a stack trace per retry.
    expect(stderr).not.toHaveBeenCalled();
    stderr.mockRestore();
    expect(api.logs.filter((l) => /Redis unreachable/.test(l.msg))).toHaveLength(1);
    expect(api.logs.filter((l) => /Redis reachable again/.test(l.msg))).toHaveLength(1);
    const lines = worker.output().trim().split('\n');
    expect(lines.filter((l) => !l.startsWith('{'))).toEqual([]);
    expect(lines.filter((l) => /Redis unreachable/.test(l)).length).toBeLessThanOrEqual(3); // producers, workers, outbox relay
  });

  it("clears spikes whose jobs were lost with Redis's data, published before and during the outage", async () => {
    const soon = () => new Date(Date.now() + 4_000).toISOString();
    const before = await anOpenSpike(api.url, systemClock, m.brand.key, { biddingClosesAt: soon() });
    const acknowledged = [ok(await gql(api.url, op.PLACE_BID, { input: aBidInput(before), key: 'lost-1' }, m.vendorA.key)).placeBid.id as string];
    // Its clearing job is in Redis (the relay has turned the publication into it), and is about to be lost.
    await eventually(async () => ((await clearingRequestRelayedAt(api, 'spike.opened', before)) ? true : null), 10_000);

    await stopRedis(redis, 'SIGKILL');
    removeRedisData(redis); // as if it came back as a new, empty instance: every job and schedule is gone
    const during = await anOpenSpike(api.url, systemClock, m.brand.key, { biddingClosesAt: soon() });
    expect(await clearingRequestRelayedAt(api, 'spike.opened', during)).toBeNull(); // waits in the outbox
    acknowledged.push(ok(await gql(api.url, op.PLACE_BID, { input: aBidInput(during), key: 'lost-2' }, m.vendorB.key)).placeBid.id);
    await sleep(Math.max(0, Date.parse((await spikeRow(api, during)).bidding_closes_at) - Date.now() + 200));

    redis = await startRedis(redis.port);
    await eventually(
      async () => ((await count(api, 'select count(*)::int as n from clearing_result where spike_id in (?, ?)', [before, during])) === 2 ? true : null),
      20_000,
    ).catch((err: Error) => {
      throw new Error(`${err.message}\nworker output:\n${worker.output().slice(-3000)}`);
    });
    await expectClearedOnce(api, [before, during], acknowledged);
    // The first spike's job was lost with the data and its outbox event already relayed: only the sweeper could find it.
    expect(worker.output()).toContain('sweeper enqueued due spikes');
  });
});
