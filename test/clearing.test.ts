import { createHash } from 'node:crypto';
import { Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearSpike } from '../src/domain/clearing/clear-spike.js';
import { solveClearing, ClearingError, type ClearingInput, type ClearingResult } from '../src/domain/clearing/solve-clearing.js';
import { neutralQualityScores } from '../src/domain/quality/quality-scores.js';
import { canonicalJson } from '../src/domain/shared/canonical-json.js';
import {
  CLEAR_JOB_OPTIONS,
  CLEAR_SPIKE,
  CLEARING_QUEUE,
  clearJobId,
  FAILED_RETRY_COOL_DOWN_MS,
  redisConnection,
  type ClearingJobData,
} from '../workers/queues.js';
import { clearSpikeSoon } from '../workers/after-commit.js';
import { clearingProcessor, sweep } from '../workers/clearing.processor.js';
import { aBid, aMarket, anOpenSpike, type Market } from './support/builders.js';
import { errorCode, gql, ok } from './support/client.js';
import { TEST_REDIS_URL } from './support/env.js';
import { eventually, outboxRelayed, resetState, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';

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

const everyInterval = (seats: number) => [0, 1, 2, 3].map((index) => ({ index, seats }));
const usd = (amountMinor: string) => ({ amountMinor, currency: 'USD' });
const cleared = (spikeId: string) => eventually(async () => ok(await gql(h.url, op.CLEARING_RESULT, { id: spikeId }, m.brand.key)).clearingResult);
const count = async (table: string) => Number((await h.orm.em.getConnection().execute(`select count(*)::int as n from ${table}`))[0]!.n);

/** Three outsourcers and the in-house team bid on 4 × 10 seats with a 50% share cap. */
async function aClearedMarket() {
  const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key, { maxVendorShare: 0.5 });
  const bids = {
    a: await aBid(h.url, m.vendorA.key, spikeId, { rate: usd('2000'), offered: everyInterval(8) }),
    b: await aBid(h.url, m.vendorB.key, spikeId, { rate: usd('2500'), offered: everyInterval(10) }),
    c: await aBid(h.url, m.vendorC.key, spikeId, { rate: usd('2800'), offered: everyInterval(10) }),
    inHouse: await aBid(h.url, m.inHouse.key, spikeId, { rate: usd('2200'), offered: everyInterval(4) }),
  };
  ok(await gql(h.url, op.CLOSE, { id: spikeId }, m.brand.key));
  const result = await cleared(spikeId);
  return { spikeId, bids, result };
}

describe('clearing end to end with the real worker', () => {
  it('awards by value under the share cap and explains every bid', async () => {
    const { spikeId, bids, result } = await aClearedMarket();
    expect(result).toMatchObject({ status: 'OPTIMAL', coveredSeatHours: 20 });
    // Cheapest first: A is capped at 5 of 10, the in-house team gives its 4, B fills the last seat.
    const seatsOf = (vendorId: string) => result.awards.filter((a: any) => a.vendorId === vendorId).map((a: any) => a.seats);
    expect(seatsOf(m.vendorA.id)).toEqual([5, 5, 5, 5]);
    expect(seatsOf(m.inHouse.id)).toEqual([4, 4, 4, 4]);
    expect(seatsOf(m.vendorB.id)).toEqual([1, 1, 1, 1]);
    const reasonOf = (bidId: string) => result.bids.find((b: any) => b.bidId === bidId);
    expect(reasonOf(bids.a.id)).toMatchObject({ status: 'PARTIAL', reason: 'PARTIAL_SHARE_CAP' });
    expect(reasonOf(bids.inHouse.id)).toMatchObject({ status: 'WON', reason: 'WON' });
    expect(reasonOf(bids.b.id)).toMatchObject({ status: 'PARTIAL', reason: 'PARTIAL_DEMAND' });
    expect(reasonOf(bids.c.id)).toMatchObject({ status: 'LOST', reason: 'LOST_TO_LOWER_ADJUSTED_RATE', score: 50, adjustedRate: 5600 });
    expect(result.intervals.every((i: any) => i.unfilledSeats === 0 && i.highestWinningAdjustedRate === 5000)).toBe(true);

    const spike = ok(await gql(h.url, op.SPIKE, { id: spikeId }, m.brand.key)).demandSpike;
    expect(spike.status).toBe('AWARDED');
    const myBid = ok(await gql(h.url, op.BID, { id: bids.c.id }, m.vendorC.key)).bid;
    expect(myBid.status).toBe('LOST');
  });

  it('creates one contract per winning vendor, each visible only to its parties', async () => {
    const { spikeId } = await aClearedMarket();
    const brandContracts = ok(await gql(h.url, op.CONTRACTS, { spikeId }, m.brand.key)).contracts.nodes;
    expect(brandContracts.map((c: any) => c.vendorId).sort()).toEqual([m.vendorA.id, m.vendorB.id, m.inHouse.id].sort());
    const a = brandContracts.find((c: any) => c.vendorId === m.vendorA.id);
    expect(a).toMatchObject({ status: 'ACTIVE', rate: { amountMinor: '2000', currency: 'USD' }, totalSeatHours: 10 });
    const vendorA = ok(await gql(h.url, op.CONTRACTS, {}, m.vendorA.key)).contracts.nodes;
    expect(vendorA.map((c: any) => c.id)).toEqual([a.id]);
    expect(ok(await gql(h.url, op.CONTRACTS, {}, m.vendorA.financeKey)).contracts.nodes.map((c: any) => c.id)).toEqual([a.id]);
    expect(ok(await gql(h.url, op.CONTRACTS, {}, m.vendorC.key)).contracts.nodes).toEqual([]);
    expect(ok(await gql(h.url, op.CONTRACTS, {}, m.otherBrand.key)).contracts.nodes).toEqual([]);
    expect(errorCode(await gql(h.url, op.CONTRACT, { id: a.id }, m.vendorB.key))).toBe('NOT_FOUND');
    expect(errorCode(await gql(h.url, op.CONTRACT, { id: a.id }, m.otherBrand.key))).toBe('NOT_FOUND');
    expect(ok(await gql(h.url, op.CONTRACT, { id: a.id }, m.brand.financeKey)).contract.id).toBe(a.id);
  });

  it('tells each bidder its bid to beat without revealing anyone else', async () => {
    const { bids } = await aClearedMarket();
    const outcome = ok(await gql(h.url, op.BID_OUTCOME, { id: bids.c.id }, m.vendorC.key)).bidOutcome;
    expect(outcome).toMatchObject({ status: 'LOST', reason: 'LOST_TO_LOWER_ADJUSTED_RATE', awardedSeatHours: 0, adjustedRate: 5600 });
    expect(outcome.bidToBeat).toEqual([0, 1, 2, 3].map((index) => ({ index, ownAdjustedRate: 5600, highestWinningAdjustedRate: 5000, awardedSeats: 0 })));
    const text = JSON.stringify(outcome);
    for (const other of [m.vendorA.id, m.vendorB.id, m.inHouse.id, bids.a.id, '2000', '2500']) expect(text).not.toContain(other);
    expect(errorCode(await gql(h.url, op.BID_OUTCOME, { id: bids.a.id }, m.vendorC.key))).toBe('NOT_FOUND');
    expect(errorCode(await gql(h.url, op.CLEARING_RESULT, { id: bids.a.spikeId }, m.vendorC.key))).toBe('FORBIDDEN');
    expect(errorCode(await gql(h.url, op.ROUTING_PLAN, { id: bids.a.spikeId }, m.vendorA.key))).toBe('FORBIDDEN');
  });

  it('publishes a routing plan summing to 100% per interval, with CSV, and a verifiable audit record', async () => {
    const { spikeId, result } = await aClearedMarket();
    const plan = ok(await gql(h.url, op.ROUTING_PLAN, { id: spikeId }, m.brand.key)).routingPlan;
    for (const interval of plan.intervals) expect(interval.shares.reduce((s: number, x: any) => s + x.basisPoints, 0)).toBe(10_000);
    expect(plan.intervals[0].shares.find((s: any) => s.vendorId === m.vendorA.id).basisPoints).toBe(5000);
    expect(plan.csv.split('\n')[0]).toBe('interval_index,interval_start,interval_end,vendor_id,vendor_name,seats,share_percent');
    expect(plan.csv.trim().split('\n')).toHaveLength(1 + 4 * 3);
    const audit = ok(await gql(h.url, op.AUDIT_RECORD, { id: spikeId }, h.operatorKey)).auditRecord;
    expect(createHash('sha256').update(audit.canonicalJson).digest('hex')).toBe(audit.sha256);
    expect(audit.sha256).toBe(result.auditSha256);
    const doc = JSON.parse(audit.canonicalJson);
    // Canonical: re-serialising the parsed record gives the same bytes, so anyone can verify the hash.
    expect(canonicalJson(doc)).toBe(audit.canonicalJson);
    expect(doc.bids).toHaveLength(4);
    expect(doc.version).toBe(2);
    // The inputs as they stood, service-level terms and forecasts included.
    expect(doc.spike).toMatchObject({
      qualityWeight: expect.any(Number),
      maxVendorShare: 0.5,
      serviceLevel: { target: expect.any(Number), seconds: expect.any(Number) },
    });
    expect(doc.spike.intervals[0]).toMatchObject({ index: 0, requiredSeats: 10, forecastContacts: null, ahtSeconds: null });
    expect(doc.solver.status).toBe('OPTIMAL');
    expect(Object.keys(doc.scores)).toHaveLength(4);
    expect(errorCode(await gql(h.url, op.AUDIT_RECORD, { id: spikeId }, m.otherBrand.key))).toBe('NOT_FOUND');
  });

  it('marks bids of vendors suspended before clearing as INELIGIBLE with the rule', async () => {
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
    const b = await aBid(h.url, m.vendorB.key, spikeId, { rate: usd('1000') });
    ok(await gql(h.url, op.UPDATE_VENDOR, { input: { vendorId: m.vendorB.id, status: 'SUSPENDED' } }, h.operatorKey));
    ok(await gql(h.url, op.CLOSE, { id: spikeId }, m.brand.key));
    const result = await cleared(spikeId);
    expect(result.bids.find((x: any) => x.bidId === b.id)).toMatchObject({
      status: 'LOST',
      reason: 'INELIGIBLE',
      reasonDetail: expect.stringContaining('VENDOR_SUSPENDED'),
    });
    expect(result.awards).toEqual([]);
    expect(result.intervals.every((i: any) => i.unfilledSeats === 10)).toBe(true);
  });

  it('reports the service level at risk for forecast intervals left short', async () => {
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key, {
      channel: 'VOICE',
      intervals: [
        { startsAt: new Date(Math.ceil((h.clock.now().getTime() + 86_400_000) / 1_800_000) * 1_800_000).toISOString(), forecastContacts: 100, ahtSeconds: 180 },
      ],
    });
    await aBid(h.url, m.vendorA.key, spikeId, { offered: [{ index: 0, seats: 12 }] });
    ok(await gql(h.url, op.CLOSE, { id: spikeId }, m.brand.key));
    const interval = (await cleared(spikeId)).intervals[0]!;
    expect(interval).toMatchObject({ requiredSeats: 14, awardedSeats: 12, unfilledSeats: 2 });
    expect(interval.serviceLevelAtRequired).toBeCloseTo(0.888, 3);
    // 12 agents for 10 Erlangs: Erlang C gives P(wait) = 0.44939, SL = 1 − 0.44939 × e^(−2 × 20 / 180) = 0.64016.
    expect(interval.serviceLevelAtAwarded).toBeCloseTo(0.64016, 4);
  });
});

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
    expect(ok(await gql(h.url, op.CLEARING_RESULT, { id: spikeId }, m.brand.key)).clearingResult).toBeNull();
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

describe('exactly once', () => {
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
    // Simulate a job lost with Redis: remove whatever was scheduled, then let time pass.
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
