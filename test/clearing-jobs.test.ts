/** Clearing as jobs: scheduling, failures and exactly-once (the results themselves: clearing.test.ts). */
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearSpike } from '../src/domain/clearing/clear-spike.js';
import { solveClearing, ClearingError, type ClearingInput, type ClearingResult } from '../src/domain/clearing/solve-clearing.js';
import { neutralQualityScores } from '../src/domain/quality/quality-scores.js';
import {
  CLEAR_JOB_OPTIONS,
  CLEAR_SPIKE,
  CLEARING_QUEUE,
  clearJobId,
  FAILED_RETRY_COOL_DOWN_MS,
  redisConnection,
  type ClearingJobData,
} from '../workers/queues.js';
import { clearingProcessor, sweep } from '../workers/clearing.processor.js';
import { clearSpikeSoon } from '../workers/after-commit.js';
import { aBid, aMarket, anOpenSpike, type Market } from './support/builders.js';
import { clearedResult, tableCount } from './support/clearing-fixtures.js';
import { errorCode, gql, ok } from './support/client.js';
import { TEST_REDIS_URL } from './support/env.js';
import { eventually, outboxRelayed, resetState, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';
import { describeNeeding } from './support/requires.js';

let h: Harness;
let m: Market;
beforeAll(async () => {
  h = await startHarness({ workers: true });
});
afterAll(async () => {
  await h.close();
});
beforeEach(async () => {
  await resetState(h);
  m = await aMarket(h.url, h.operatorKey);
});

const cleared = (spikeId: string) => clearedResult(h, m, spikeId);
const count = (table: string) => tableCount(h, table);

describe('scheduling', () => {
  it('schedules the clearing at the close time and reschedules it when the close moves', async () => {
    // Delays run on the use case's clock from the change on: with the harness's clock reading real
    // time at each change, the job's due time on the queue's (real) clock is the close time.
    h.clock.set(new Date());
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
    await outboxRelayed(h);
    const job = async () => (await h.queues!.clearing.getJob(`clear-spike-${spikeId}`))!;
    const dueAt = async () => {
      const j = await job();
      return j.timestamp + (j.opts.delay ?? 0);
    };
    const spike = ok(await gql(h.url, op.SPIKE, { id: spikeId }, m.brand.key)).demandSpike;
    expect(await (await job()).getState()).toBe('delayed');
    expect(Math.abs((await dueAt()) - Date.parse(spike.biddingClosesAt))).toBeLessThan(2_000);
    const later = new Date(Date.parse(spike.biddingClosesAt) + 30 * 60_000).toISOString();
    h.clock.set(new Date());
    expect(ok(await gql(h.url, op.CHANGE_CLOSE, { id: spikeId, at: later }, m.brand.key)).changeBiddingClose).toMatchObject({ biddingClosesAt: later });
    await outboxRelayed(h);
    expect(Math.abs((await dueAt()) - Date.parse(later))).toBeLessThan(2_000);
    const tooLate = new Date(Date.parse(spike.intervals[0].startsAt) + 60_000).toISOString();
    expect(ok(await gql(h.url, op.CHANGE_CLOSE, { id: spikeId, at: tooLate }, m.brand.key)).changeBiddingClose).toMatchObject({
      code: 'BAD_USER_INPUT',
      field: 'biddingClosesAt',
    });
    expect(errorCode(await gql(h.url, op.CHANGE_CLOSE, { id: spikeId, at: later }, m.otherBrand.key))).toBe('NOT_FOUND');
  });
});

describe('failed clearings', () => {
  const jobFor = (spikeId: string) => ({ name: CLEAR_SPIKE, data: { spikeId } }) as unknown as Job<ClearingJobData>;
  const processorWith = (solve: (input: ClearingInput) => Promise<ClearingResult>) =>
    clearingProcessor({ orm: h.orm, clock: h.clock, scores: neutralQualityScores, logger: pino({ level: 'silent' }), queue: h.queues!.clearing, solve });
  const failureOf = async (spikeId: string, key: string) => ok(await gql(h.url, op.CLEARING_FAILURE, { id: spikeId }, key)).clearingFailure;

  it('are recorded for the brand and the operator, write nothing else, and disappear once the spike clears', async () => {
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
    await aBid(h.url, m.vendorA.key, spikeId);
    h.clock.advance(3_600_000); // past the close time; the processor is run by hand below
    const timedOut = processorWith(async () => {
      throw new ClearingError('SOLVER_TIMEOUT', 'clearing hit its 120 s time limit (COST)');
    });
    await expect(timedOut(jobFor(spikeId))).rejects.toMatchObject({ code: 'SOLVER_TIMEOUT' });
    const firstAt = h.clock.now().toISOString();
    h.clock.advance(60_000);
    await expect(timedOut(jobFor(spikeId))).rejects.toMatchObject({ code: 'SOLVER_TIMEOUT' });
    expect(await failureOf(spikeId, m.brand.key)).toEqual({
      spikeId,
      code: 'SOLVER_TIMEOUT',
      message: 'clearing hit its 120 s time limit (COST)',
      attempts: 2,
      firstFailedAt: firstAt,
      lastFailedAt: h.clock.now().toISOString(),
    });
    expect((await failureOf(spikeId, h.operatorKey)).attempts).toBe(2);
    expect(errorCode(await gql(h.url, op.CLEARING_FAILURE, { id: spikeId }, m.otherBrand.key))).toBe('NOT_FOUND');
    expect(errorCode(await gql(h.url, op.CLEARING_FAILURE, { id: spikeId }, m.vendorA.key))).toBe('FORBIDDEN');
    // Never a partial award: the failed attempts rolled back everything but the failure itself.
    expect(op.flatPages(ok(await gql(h.url, op.CLEARING_RESULT, { id: spikeId }, m.brand.key)).clearingResult)).toBeNull();
    for (const table of ['clearing_result', 'award', 'bid_outcome', 'contract', 'audit_record']) expect(await count(table)).toBe(0);

    // An unexpected error is reported as INTERNAL, without its internal text.
    const broken = processorWith(async () => {
      throw new Error('connect ECONNRESET 10.0.0.3:5432');
    });
    await expect(broken(jobFor(spikeId))).rejects.toThrow('ECONNRESET');
    const internal = await failureOf(spikeId, m.brand.key);
    expect(internal).toMatchObject({ code: 'INTERNAL', attempts: 3 });
    expect(internal.message).not.toContain('10.0.0.3');

    // Refused input cannot succeed on a retry: the job fails for good (the sweeper tries again later).
    const refused = processorWith(async () => {
      throw new ClearingError('INVALID_INPUT', 'bids: rates × seats are too large to clear exactly', 'bids');
    });
    await expect(refused(jobFor(spikeId))).rejects.toBeInstanceOf(UnrecoverableError);
    expect(await failureOf(spikeId, m.brand.key)).toMatchObject({ code: 'INVALID_INPUT', attempts: 4 });

    expect(await processorWith(solveClearing)(jobFor(spikeId))).toMatchObject({ kind: 'AWARDED' });
    expect(await failureOf(spikeId, m.brand.key)).toBeNull();
    expect(await count('clearing_failure')).toBe(0);
  });
});

describeNeeding(import.meta.url, ['redis'])('exactly once', () => {
  it('leaves one result when the processor runs twice', async () => {
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
    await aBid(h.url, m.vendorA.key, spikeId);
    h.clock.advance(3_600_000); // past the close time; no job was asked for
    const [first, second] = await Promise.all([
      clearSpike(h.orm.em.fork() as never, h.clock, neutralQualityScores, spikeId),
      clearSpike(h.orm.em.fork() as never, h.clock, neutralQualityScores, spikeId),
    ]);
    expect([first.kind, second.kind].sort()).toEqual(['AWARDED', 'SKIPPED']);
    expect(await clearSpike(h.orm.em.fork() as never, h.clock, neutralQualityScores, spikeId)).toEqual({ kind: 'SKIPPED', status: 'AWARDED' });
    expect(await count('clearing_result')).toBe(1);
    expect(await count('contract')).toBe(1);
    expect(await count('award')).toBe(2);
  });

  it('leaves one result when the job is enqueued twice, even under different job ids', async () => {
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
    await aBid(h.url, m.vendorA.key, spikeId);
    ok(await gql(h.url, op.CLOSE, { id: spikeId }, m.brand.key));
    await clearSpikeSoon(h.queues!.clearing, spikeId);
    await h.queues!.clearing.add(CLEAR_SPIKE, { spikeId }, { ...CLEAR_JOB_OPTIONS, jobId: `duplicate-${spikeId}` });
    await cleared(spikeId);
    // Both jobs have run (one cleared, the other found the spike AWARDED) before we count.
    await eventually(async () => ((await h.queues!.clearing.getCompletedCount()) >= 2 ? true : null));
    expect(await count('clearing_result')).toBe(1);
    expect(await count('contract')).toBe(1);
  });

  it('does not clear before the close time, and the sweeper finds a spike whose job was lost', async () => {
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
    await aBid(h.url, m.vendorA.key, spikeId);
    expect(await clearSpike(h.orm.em.fork() as never, h.clock, neutralQualityScores, spikeId)).toMatchObject({ kind: 'NOT_DUE' });
    // Simulate a job lost with Redis: once the relay has scheduled the job (it does so after the
    // publish commits, so it could otherwise land after the wipe), remove whatever was scheduled,
    // then let time pass.
    await outboxRelayed(h);
    await h.queues!.clearing.obliterate({ force: true });
    h.clock.advance(3_600_000);
    const deps = { orm: h.orm, clock: h.clock, scores: neutralQualityScores, logger: pino({ level: 'silent' }), queue: h.queues!.clearing };
    expect(await sweep(deps)).toEqual({ enqueued: 1 });
    expect((await cleared(spikeId)).status).toBe('OPTIMAL');
    expect(await sweep(deps)).toEqual({ enqueued: 0 });
  });

  it('the sweeper runs a due spike whose job is stuck under its id: delayed to the old close, or failed for good', async () => {
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
    await aBid(h.url, m.vendorA.key, spikeId);
    // Closed while its clearing request could not reach Redis: the job scheduled at publish is still delayed an hour.
    await h.orm.em.getConnection().execute(`update demand_spike set status = 'CLOSED' where id = ?`, [spikeId]);
    // A queue of its own without a consumer, so each job stays in the state the test puts it in.
    const prefix = `bx-sweep-${process.pid}-${Date.now()}`;
    const queue = new Queue<ClearingJobData>(CLEARING_QUEUE, { connection: redisConnection(TEST_REDIS_URL, true), prefix });
    const taker = new Worker<ClearingJobData>(CLEARING_QUEUE, null, { connection: redisConnection(TEST_REDIS_URL, true), prefix, autorun: false });
    const deps = { orm: h.orm, clock: h.clock, scores: neutralQualityScores, logger: pino({ level: 'silent' }), queue };
    const state = async () => (await queue.getJob(clearJobId(spikeId)))!.getState();
    try {
      await queue.add(CLEAR_SPIKE, { spikeId }, { ...CLEAR_JOB_OPTIONS, jobId: clearJobId(spikeId), delay: 3_600_000, attempts: 1 });
      expect(await sweep(deps)).toEqual({ enqueued: 1 });
      expect(await state()).toBe('waiting');
      expect(await sweep(deps)).toEqual({ enqueued: 0 }); // already waiting: left alone

      // Its last attempt fails (say PostgreSQL was down for longer than the retries).
      const job = await taker.getNextJob('token');
      await job.moveToFailed(new Error('database unreachable'), 'token');
      expect(await state()).toBe('failed');
      h.clock.set(new Date(job.finishedOn! + 60_000));
      expect(await sweep(deps)).toEqual({ enqueued: 0 }); // too soon: a job that can never succeed does not loop
      expect(await state()).toBe('failed');
      h.clock.set(new Date(job.finishedOn! + FAILED_RETRY_COOL_DOWN_MS + 1));
      expect(await sweep(deps)).toEqual({ enqueued: 1 });
      expect(await state()).toBe('waiting');
    } finally {
      await taker.close();
      await queue.obliterate({ force: true });
      await queue.close();
    }
  });
});
