import { Queue, Worker } from 'bullmq';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { createRegistry } from '../src/metrics/registry.js';
import { createHealthServer, type HealthServer } from '../workers/health.js';
import { clearSpikeAt, settleContractAt } from '../workers/after-commit.js';
import { createWorkerMetrics } from '../workers/metrics.js';
import { redisConnection, SWEEP } from '../workers/queues.js';
import { TEST_REDIS_URL } from './support/env.js';
import { eventually, resetState, startHarness, type Harness } from './support/harness.js';
import { scrape, valueOf } from './support/metrics.js';
import { describeNeeding } from './support/requires.js';

let h: Harness;
let health: HealthServer;
let url: string;
beforeAll(async () => {
  h = await startHarness({ workers: true });
  // What workers/main.ts does, on the harness's real queues and workers.
  const metrics = createWorkerMetrics(createRegistry(), h.queues!.all);
  for (const worker of h.workers!) metrics.observe(worker);
  health = createHealthServer({ workers: h.workers!, registry: metrics.registry, metricsToken: null });
  url = await health.listen(0, '127.0.0.1');
});
afterAll(async () => {
  await health.close();
  await h.close();
});
beforeEach(async () => {
  await resetState(h);
  // The harness's relay may have turned a previous file's leftover events into delayed jobs before
  // the tables were emptied: this test counts delayed jobs, so it starts from none (sweeper schedules kept).
  for (const queue of [h.queues!.clearing, h.queues!.settlement]) {
    for (const job of await queue.getDelayed()) if (!job.repeatJobKey) await job.remove();
  }
});

describeNeeding(import.meta.url, ['redis'])('worker /metrics', () => {
  it('reports queue depth per queue and state, read from Redis at scrape time', async () => {
    const depth = async (queue: string, state: string) => valueOf(await scrape(`${url}/metrics`), 'bx_queue_jobs', { queue, state });
    expect(await depth('clearing', 'delayed')).toBe(0);
    await clearSpikeAt(h.queues!.clearing, '0190a0a0-0000-7000-8000-0000000000b1', 3_600_000);
    await settleContractAt(h.queues!.settlement, '0190a0a0-0000-7000-8000-0000000000b2', 3_600_000);
    await settleContractAt(h.queues!.settlement, '0190a0a0-0000-7000-8000-0000000000b3', 3_600_000);
    const samples = await scrape(`${url}/metrics`);
    expect(valueOf(samples, 'bx_queue_jobs', { queue: 'clearing', state: 'delayed' })).toBe(1);
    expect(valueOf(samples, 'bx_queue_jobs', { queue: 'settlement', state: 'delayed' })).toBe(2);
    expect(valueOf(samples, 'bx_queue_jobs', { queue: 'clearing', state: 'failed' })).toBe(0);
    expect(
      samples
        .filter((s) => s.name === 'bx_queue_jobs')
        .map((s) => s.labels.state)
        .sort(),
    ).toEqual(['active', 'delayed', 'failed', 'waiting'].flatMap((state) => Array<string>(h.queues!.all.length).fill(state)));
    expect(h.queues!.all.length).toBe(5);
    expect(valueOf(samples, 'bx_queue_reachable', { queue: 'settlement' })).toBe(1);
    expect(samples.some((s) => s.name === 'process_resident_memory_bytes')).toBe(true);
  });

  it('times jobs by queue, name and outcome, and counts failed attempts', async () => {
    const done = { queue: 'clearing', name: SWEEP, outcome: 'completed' };
    const failed = { queue: 'settlement', name: 'no-such-job' };
    const before = await scrape(`${url}/metrics`);
    await h.queues!.clearing.add(SWEEP, { sweep: true });
    // The settlement processor throws on a job name it does not know; one attempt, so one failure.
    await h.queues!.settlement.add('no-such-job' as never, { sweep: true });
    const after = await eventually(async () => {
      const s = await scrape(`${url}/metrics`);
      return valueOf(s, 'bx_job_failures_total', failed) > valueOf(before, 'bx_job_failures_total', failed) &&
        valueOf(s, 'bx_job_duration_seconds_count', done) > valueOf(before, 'bx_job_duration_seconds_count', done)
        ? s
        : null;
    });
    expect(valueOf(after, 'bx_job_failures_total', failed) - valueOf(before, 'bx_job_failures_total', failed)).toBe(1);
    expect(
      valueOf(after, 'bx_job_duration_seconds_count', { ...failed, outcome: 'failed' }) -
        valueOf(before, 'bx_job_duration_seconds_count', { ...failed, outcome: 'failed' }),
    ).toBe(1);
    expect(valueOf(after, 'bx_job_duration_seconds_count', done) - valueOf(before, 'bx_job_duration_seconds_count', done)).toBe(1);
    expect(valueOf(after, 'bx_job_duration_seconds_bucket', { ...done, le: '+Inf' })).toBeGreaterThanOrEqual(1);
    expect(valueOf(await scrape(`${url}/metrics`), 'bx_queue_jobs', { queue: 'settlement', state: 'failed' })).toBeGreaterThanOrEqual(1);
  });

  it('answers /healthz 503 once its workers stop, and guards /metrics with METRICS_TOKEN', async () => {
    const connection = redisConnection(TEST_REDIS_URL, true);
    const prefix = `bx-test-idle-${process.pid}`;
    const worker = new Worker('idle', async () => undefined, { connection, prefix });
    const token = 'scrape-token-0123456789';
    const own = createHealthServer({ workers: [worker], registry: createRegistry(), metricsToken: token });
    const ownUrl = await own.listen(0, '127.0.0.1');
    try {
      await worker.waitUntilReady();
      expect((await fetch(`${ownUrl}/healthz`)).status).toBe(200);
      expect((await fetch(`${ownUrl}/metrics`)).status).toBe(401);
      expect((await fetch(`${ownUrl}/metrics`, { headers: { authorization: `Bearer ${token}` } })).status).toBe(200);
      expect((await fetch(`${ownUrl}/nothing-here`)).status).toBe(404);
      await worker.close();
      expect((await fetch(`${ownUrl}/healthz`)).status).toBe(503);
    } finally {
      await worker.close();
      await own.close();
      const queue = new Queue('idle', { connection, prefix });
      await queue.obliterate({ force: true });
      await queue.close();
      connection.disconnect();
    }
  });
});
