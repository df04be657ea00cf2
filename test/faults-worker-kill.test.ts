import { createHash } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { clearJobId } from '../workers/queues.js';
import { aMarket, type Market } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { TEST_DATABASE_URL, TEST_REDIS_URL } from './support/env.js';
import { aLargeSpike, count, expectClearedOnce, prefix, rows, spikeRow } from './support/fault-checks.js';
import { freshOperator, startApi, startWorkerProcess, type FaultApi, type WorkerProcess } from './support/fault-stack.js';
import { eventually } from './support/harness.js';
import * as op from './support/operations.js';
import { describeNeeding } from './support/requires.js';

/**
 * Fault injection: a worker process killed with SIGKILL in the middle of a solve, and started
 * again. See README, "Fault injection".
 */

describeNeeding(import.meta.url, ['redis', 'separate-processes'])('a worker killed with SIGKILL in the middle of a clearing', () => {
  let api: FaultApi;
  let worker: WorkerProcess | undefined;
  let m: Market;
  const queuePrefix = prefix();
  const startWorker = () =>
    startWorkerProcess({
      DATABASE_URL: TEST_DATABASE_URL,
      REDIS_URL: TEST_REDIS_URL,
      QUEUE_PREFIX: queuePrefix,
      WORKER_CONCURRENCY: '1',
      // Recovery must come from BullMQ's stalled-job check, not from the sweeper.
      WORKER_LOCK_MS: '2000',
      SWEEP_INTERVAL_MS: '3600000',
    });

  beforeAll(async () => {
    api = await startApi({ databaseUrl: TEST_DATABASE_URL, redisUrl: TEST_REDIS_URL, prefix: queuePrefix });
    m = await aMarket(api.url, await freshOperator(api.orm));
  });
  afterAll(async () => {
    await worker?.kill();
    if (api) {
      for (const queue of [api.queues.clearing, api.queues.settlement, api.queues.quality]) await queue.obliterate({ force: true });
      await api.close();
    }
  });

  it('clears the spike exactly once after a restart, with consistent awards, contracts and audit record', async () => {
    const spikeId = await aLargeSpike(api, m);
    worker = startWorker();
    await eventually(async () => (worker!.output().includes('workers started') ? true : null), 20_000);
    ok(await gql(api.url, op.CLOSE, { id: spikeId }, m.brand.key));

    // Mid-solve: the worker's transaction holds the spike's row lock and has been idle (computing) for a while.
    await eventually(
      async () =>
        (await count(
          api,
          `select count(*)::int as n from pg_stat_activity
      where datname = current_database() and pid <> pg_backend_pid() and state = 'idle in transaction'
        and backend_xid is not null and now() - state_change > interval '150 milliseconds'`,
        )) === 1
          ? true
          : null,
      30_000,
    );
    await worker.kill('SIGKILL');
    expect(await count(api, 'select count(*)::int as n from clearing_result')).toBe(0);
    expect((await spikeRow(api, spikeId)).status).toBe('CLOSED');
    // PostgreSQL saw the connection go and rolled back, releasing the lock.
    await eventually(
      async () =>
        (await count(
          api,
          `select count(*)::int as n from pg_stat_activity
      where datname = current_database() and state like 'idle in transaction%'`,
        )) === 0
          ? true
          : null,
      10_000,
    );

    worker = startWorker();
    await eventually(async () => ((await spikeRow(api, spikeId)).status === 'AWARDED' ? true : null), 60_000).catch((err: Error) => {
      throw new Error(`${err.message}\nworker output:\n${worker!.output().slice(-3000)}`);
    });
    // The solve runs off the event loop: its lock is renewed throughout, so the job is neither
    // declared stalled again nor run twice, and it completes.
    await eventually(async () => ((await (await api.queues.clearing.getJob(clearJobId(spikeId)))?.getState()) === 'completed' ? true : null), 10_000).catch(
      (err: Error) => {
        throw new Error(`${err.message}\nworker output:\n${worker!.output().slice(-3000)}`);
      },
    );
    expect(worker.output()).not.toMatch(/could not renew lock|Missing lock|job failed/);
    const bids = (await rows(api, 'select id from bid where spike_id = ?', [spikeId])).map((r) => r.id as string);
    await expectClearedOnce(api, [spikeId], bids);
    const result = (await rows(api, 'select solver, covered_seat_hours from clearing_result where spike_id = ?', [spikeId]))[0]!;
    expect(result.solver).toBe('HIGHS'); // the coupled model: the solve the kill interrupted
    // Awards match the stored result and contracts carry exactly the awarded seats.
    expect(await count(api, 'select (sum(seats) * 0.25)::float as n from award where spike_id = ?', [spikeId])).toBe(Number(result.covered_seat_hours));
    expect(
      await count(
        api,
        `select count(*)::int as n from contract c where c.spike_id = ? and (select sum((s->>'seats')::int) from jsonb_array_elements(c.seats) s)
      <> (select sum(a.seats) from award a where a.bid_id = c.bid_id)`,
        [spikeId],
      ),
    ).toBe(0);
    const audit = (await rows(api, 'select sha256, canonical from audit_record where spike_id = ?', [spikeId]))[0]!;
    expect(createHash('sha256').update(audit.canonical).digest('hex')).toBe(audit.sha256);
    expect(JSON.parse(audit.canonical).bids).toHaveLength(bids.length);
  }, 120_000);
});
