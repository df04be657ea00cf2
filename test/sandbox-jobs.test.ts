import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import { relayInternalEvents } from '../src/domain/events/outbox.js';
import { recomputeScores } from '../src/domain/quality/recompute-scores.js';
import { clockOfSandbox } from '../src/domain/sandbox/world-clock.js';
import { DEFAULT_POLICY } from '../src/domain/settlement/settle-contract.js';
import { advanceJobId, afterCommit } from '../workers/after-commit.js';
import { sweep } from '../workers/clearing.processor.js';
import { dispatchOnce, type RelayDeps } from '../workers/outbox-relay.js';
import { redisQueueBackend, type QueueBackend } from '../workers/queue-backend.js';
import { clearJobId, type Queues } from '../workers/queues.js';
import { aBid, anOpenSpike, anOrganization } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { TEST_REDIS_URL } from './support/env.js';
import { resetState, rowCounts, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';
import { ADVANCE_CLOCK, aSandbox, CREATE_SANDBOX, type SandboxWorld } from './support/sandbox.js';
import { describeNeeding } from './support/requires.js';

/**
 * The work an advance of a test clock asks for, relayed by hand into queues nobody consumes (as in
 * after-commit.test.ts): one set of jobs per advance, whether the relay runs twice or crashes
 * after adding them; the clearing sweep finds a sandbox spike only once its test clock passed the
 * close, whatever the live clock says. And bad input to the sandbox mutations is typed and writes
 * nothing.
 */
let h: Harness;
let backend: QueueBackend;
let queues: Queues;
let deps: RelayDeps;
let creatorKey: string;
let s: SandboxWorld;
const logger = pino({ level: 'silent' });
const settings = { settlementGraceMs: DEFAULT_POLICY.graceMs };
beforeAll(async () => {
  h = await startHarness();
  backend = redisQueueBackend({ url: TEST_REDIS_URL, prefix: h.prefix, logger });
  queues = backend.queues('relay');
  deps = {
    orm: h.orm,
    clock: h.clock,
    logger,
    publisher: { publish: async () => {} },
    webhooks: queues.webhooks,
    retry: { attempts: 3, backoffMs: 50 },
    intervalMs: 20,
    work: { queues, ...settings },
  };
});
afterAll(async () => {
  for (const queue of queues.all) await queue.obliterate({ force: true });
  await backend.close();
  await h.close();
});
beforeEach(async () => {
  await resetState(h);
  for (const queue of queues.all) await queue.obliterate({ force: true });
  creatorKey = (await anOrganization(h.url, h.operatorKey, { kind: 'VENDOR', vendorType: 'OUTSOURCER' })).key;
  s = await aSandbox(h.url, creatorKey);
});

const advance = async (to: Date) => {
  const r = ok(await gql(h.url, ADVANCE_CLOCK, { id: s.id, to: to.toISOString() }, s.operator.key)).advanceTestClock;
  expect(r.__typename).toBe('TestClock');
  s.clock.set(to);
};
const jobIds = async (queue: 'clearing' | 'settlement' | 'quality' | 'webhooks') =>
  (await queues[queue].getJobs(['waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed'])).map((j) => j.id).sort();

describeNeeding(import.meta.url, ['redis'])('the work of an advance', () => {
  it('makes one set of jobs per advance when the relay crashes after adding them, and when it relays twice', async () => {
    await advance(new Date(s.clock.now().getTime() + 60_000));
    const crash = relayInternalEvents(h.orm.em.fork(), h.clock, 100, async (events) => {
      await afterCommit(queues, settings)(events);
      throw new Error('relay crashed');
    });
    await expect(crash).rejects.toThrow('relay crashed');
    expect(await dispatchOnce(deps)).toBe(1);
    expect(await dispatchOnce(deps)).toBe(0);
    const id = advanceJobId(s.id, 1);
    for (const queue of ['clearing', 'settlement', 'quality', 'webhooks'] as const) expect(await jobIds(queue)).toEqual([id]);
    expect((await queues.quality.getJob(id))!.data).toEqual({ sandboxId: s.id });
    // Its rescore runs (the quality job above, as a worker would), so the clock is applied; a second advance asks for a second set.
    await recomputeScores(h.orm.em.fork(), await clockOfSandbox(h.orm.em.fork(), h.clock, s.id), s.id);
    await advance(new Date(s.clock.now().getTime() + 60_000));
    await dispatchOnce(deps);
    expect(await jobIds('clearing')).toEqual([id, advanceJobId(s.id, 2)].sort());
  });

  it('the clearing sweep finds a sandbox spike once its test clock passes the close, not the live clock', async () => {
    const spikeId = await anOpenSpike(h.url, s.clock, s.brand.key, { requiredCertifications: [] });
    await aBid(h.url, s.outsourcers[0].key, spikeId);
    const clearing = { orm: h.orm, clock: h.clock, logger, scores: undefined as never, queue: queues.clearing };
    // The live clock two days on: the sandbox spike is not due.
    h.clock.advance(2 * 86_400_000);
    expect(await sweep(clearing)).toEqual({ enqueued: 0 });
    // The sandbox clock past the close: due, once, however often the sweep runs.
    const spike = ok(await gql(h.url, op.SPIKE, { id: spikeId }, s.brand.key)).demandSpike;
    await advance(new Date(Date.parse(spike.biddingClosesAt) + 1_000));
    expect(await sweep(clearing)).toEqual({ enqueued: 1 });
    expect(await sweep(clearing)).toEqual({ enqueued: 0 });
    expect(await jobIds('clearing')).toEqual([clearJobId(spikeId)]);
  });
});

describeNeeding(import.meta.url, ['redis'])('bad input to the sandbox mutations', () => {
  it('is typed and writes nothing', async () => {
    // The creator's other four places filled first: it holds the limit of 5.
    for (let i = 0; i < 4; i++) await aSandbox(h.url, creatorKey, `Filler ${i}`);
    const before = await rowCounts(h.orm);
    const over = ok(await gql(h.url, CREATE_SANDBOX, { input: { name: 'Sixth' } }, creatorKey)).createSandbox;
    expect(over).toMatchObject({ __typename: 'SandboxLimitError', code: 'SANDBOX_LIMIT_REACHED' });
    const long = await gql(h.url, CREATE_SANDBOX, { input: { name: 'x'.repeat(101) } }, h.operatorKey);
    expect(long.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const fromSandbox = await gql(h.url, CREATE_SANDBOX, { input: { name: 'Nested' } }, s.brand.key);
    expect(fromSandbox.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const badTime = await gql(h.url, ADVANCE_CLOCK, { id: s.id, to: 'tomorrow' }, s.brand.key);
    expect(badTime.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const badId = await gql(h.url, ADVANCE_CLOCK, { id: 'not-a-uuid', to: new Date().toISOString() }, s.brand.key);
    expect(badId.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    const back = ok(await gql(h.url, ADVANCE_CLOCK, { id: s.id, to: new Date(s.clock.now().getTime() - 1).toISOString() }, s.brand.key)).advanceTestClock;
    expect(back.code).toBe('TEST_CLOCK_BACKWARDS');
    // PostgreSQL holds the limit and the direction too, whoever writes.
    const conn = h.orm.em.getConnection();
    await expect(conn.execute(`update sandbox set clock_time = clock_time - interval '1 second' where id = ?`, [s.id])).rejects.toMatchObject({
      constraint: 'sandbox_clock_forward',
    });
    await expect(
      conn.execute(
        `insert into sandbox (id, name, created_by_organization_id, clock_time, created_at) select gen_random_uuid(), 'x', created_by_organization_id, now(), now() from sandbox where id = ?`,
        [s.id],
      ),
    ).rejects.toMatchObject({ constraint: 'sandbox_creator_limit' });
    expect(await rowCounts(h.orm)).toEqual(before);
  });
});
