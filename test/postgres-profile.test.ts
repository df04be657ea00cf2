import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { afterAll, beforeAll, expect, it } from 'vitest';
import WebSocket from 'ws';
import { aBid, aMarket, anOpenSpike, type Market } from './support/builders.js';
import { TEST_DATABASE_URL } from './support/env.js';
import { eventually, resetState, startHarness, type Harness } from './support/harness.js';
import { describeNeeding } from './support/requires.js';
import { DAY, usd } from './support/settlement-fixtures.js';

/**
 * The PostgreSQL-only profile (BURST_PROFILE=postgres, no Redis) as it is deployed: two API
 * processes and two worker processes on one PostgreSQL. Spikes whose bidding closed while nobody
 * ran are found by both workers' sweepers; each is cleared exactly once, and each contract settled
 * exactly once. One key's rate-limit bucket and its graphql-ws connection slots are shared by both
 * API processes. The market is built through an in-test API whose clock stands three days back.
 */

const prefix = `bx-pg-${randomBytes(3).toString('hex')}`;
const children: { child: ChildProcess; output: () => string }[] = [];

function start(entry: string, env: Record<string, string>): { child: ChildProcess; output: () => string } {
  let output = '';
  const { REDIS_URL: _redis, TEST_REDIS_URL: _testRedis, ...inherited } = process.env;
  const child = spawn(process.execPath, ['--import', 'tsx', entry], {
    env: {
      ...inherited,
      BURST_PROFILE: 'postgres',
      DATABASE_URL: TEST_DATABASE_URL,
      QUEUE_PREFIX: prefix,
      LOG_LEVEL: 'info',
      SWEEP_INTERVAL_MS: '500',
      OUTBOX_POLL_MS: '50',
      SETTLEMENT_GRACE_MS: '0',
      QUERY_MAX_COST: '50',
      RATE_LIMIT_POINTS: '60',
      RATE_LIMIT_WINDOW_MS: '3600000',
      SUBSCRIPTION_CONNECTIONS_PER_KEY: '2',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d) => (output += d));
  child.stderr!.on('data', (d) => (output += d));
  const started = { child, output: () => output };
  children.push(started);
  return started;
}

/** Starts an API process on a free port and returns its /graphql URL once it listens. */
async function startApi(): Promise<string> {
  const api = start('src/main.ts', { PORT: '0' });
  return eventually(async () => /"url":"(http:\/\/[^"]+\/graphql)"/.exec(api.output())?.[1] ?? null, 60_000);
}

async function count(h: Harness, sql: string, params: unknown[] = []): Promise<number> {
  return Number((await h.orm.em.getConnection().execute<{ n: number }[]>(sql, params))[0]!.n);
}

async function graphql(url: string, key: string): Promise<number> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${key}` },
    body: '{"query":"{ __typename }"}',
  });
  await res.arrayBuffer();
  return res.status;
}

async function connectWs(url: string, key: string): Promise<{ ws: WebSocket; acked: boolean; code?: number }> {
  const ws = new WebSocket(url.replace(/^http/, 'ws'), 'graphql-transport-ws');
  const closed = once(ws, 'close').then(([code]) => ({ code: code as number }));
  await once(ws, 'open');
  ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${key}` } }));
  const outcome = await Promise.race([once(ws, 'message').then(([data]) => JSON.parse(String(data)) as { type: string }), closed]);
  return 'type' in outcome ? { ws, acked: outcome.type === 'connection_ack' } : { ws, acked: false, ...outcome };
}

describeNeeding(import.meta.url, ['separate-processes', 'postgres-server'])('the PostgreSQL-only profile, two API and two worker processes', () => {
  let h: Harness;
  let m: Market;
  let apis: string[];
  const spikes: string[] = [];

  beforeAll(async () => {
    h = await startHarness();
    await resetState(h);
    m = await aMarket(h.url, h.operatorKey);
    // Bidding closed (and delivery ended) days ago, while no worker ran.
    h.clock.set(new Date(Date.now() - 3 * DAY));
    for (let i = 0; i < 3; i++) {
      const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
      await aBid(h.url, m.vendorA.key, spikeId, { rate: usd('2500'), offered: [0, 1, 2, 3].map((index) => ({ index, seats: 4 })) });
      await aBid(h.url, m.vendorB.key, spikeId, { rate: usd('2600'), offered: [0, 1].map((index) => ({ index, seats: 3 })) });
      spikes.push(spikeId);
    }
    for (const port of ['0', '0']) start('workers/main.ts', { WORKER_HEALTH_PORT: port });
    apis = [await startApi(), await startApi()];
  }, 120_000);

  afterAll(async () => {
    if (process.env.PRINT_PROCESS_OUTPUT) for (const { output } of children) console.log(output().slice(-4000));
    for (const { child } of children) child.kill('SIGTERM');
    await Promise.all(children.map(({ child }) => (child.exitCode === null ? once(child, 'exit') : null)));
    await h?.close();
  }, 60_000);

  it('starts every process on the postgres profile, without Redis', () => {
    for (const { output } of children) expect(output()).toContain('profile postgres');
  });

  it('clears each spike exactly once and settles each contract exactly once', async () => {
    await eventually(
      async () => ((await count(h, 'select count(*)::int as n from clearing_result where spike_id in (?)', [spikes])) === 3 ? true : null),
      90_000,
    );
    const contracts = await count(h, 'select count(*)::int as n from contract where spike_id in (?)', [spikes]);
    expect(contracts).toBeGreaterThanOrEqual(3);
    await eventually(async () => ((await count(h, 'select count(*)::int as n from settlement')) >= contracts ? true : null), 90_000);
    // Give both workers' sweepers time to try again: nothing more may happen.
    await new Promise((r) => setTimeout(r, 2_000));
    expect(await count(h, 'select count(*)::int as n from clearing_result where spike_id in (?)', [spikes])).toBe(3);
    expect(await count(h, 'select count(*)::int as n from settlement')).toBe(contracts);
    expect(await count(h, 'select count(*)::int as n from (select contract_id from settlement group by contract_id having count(*) > 1) d')).toBe(0);
  }, 200_000);

  it('shares one rate-limit bucket per key across both API processes', async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 40; i++) for (const url of apis) statuses.push(await graphql(url, m.vendorC.key));
    const allowed = statuses.filter((s) => s === 200).length;
    // 60 points an hour: one process alone would have let all 80 through (40 each).
    expect(allowed).toBeGreaterThanOrEqual(60);
    expect(allowed).toBeLessThanOrEqual(61);
    expect(statuses.slice(-2)).toEqual([429, 429]);
  }, 60_000);

  it('shares one key’s graphql-ws connection slots across both API processes', async () => {
    const first = await connectWs(apis[0]!, m.vendorA.key);
    const second = await connectWs(apis[1]!, m.vendorA.key);
    const third = await connectWs(apis[0]!, m.vendorA.key);
    const fourth = await connectWs(apis[1]!, m.vendorA.key);
    expect([first.acked, second.acked, third.acked, fourth.acked]).toEqual([true, true, false, false]);
    expect([third.code, fourth.code]).toEqual([4429, 4429]);
    const freed = once(first.ws, 'close');
    first.ws.close(1000);
    await freed;
    await eventually(async () => {
      const again = await connectWs(apis[1]!, m.vendorA.key);
      again.ws.close(1000);
      return again.acked ? true : null;
    });
    second.ws.close(1000);
  }, 60_000);
});
