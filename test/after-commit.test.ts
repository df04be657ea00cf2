import { pino } from 'pino';
import { afterAll, beforeAll, beforeEach, expect, it } from 'vitest';
import type { Principal } from '../src/domain/access/principal.js';
import { clearSpike } from '../src/domain/clearing/clear-spike.js';
import { closeBidding } from '../src/domain/demand/close-bidding.js';
import type { AnyInternalEvent } from '../src/domain/events/internal-events.js';
import { relayInternalEvents } from '../src/domain/events/outbox.js';
import { neutralQualityScores } from '../src/domain/quality/quality-scores.js';
import { DEFAULT_POLICY, settleContract } from '../src/domain/settlement/settle-contract.js';
import { afterCommit } from '../workers/after-commit.js';
import { dispatchOnce, relayOnce, type RelayDeps } from '../workers/outbox-relay.js';
import { redisQueueBackend, type QueueBackend } from '../workers/queue-backend.js';
import { clearJobId, recomputeJobId, settleJobId, type Queues } from '../workers/queues.js';
import { aBid, aMarket, anOpenSpike, aSpikeInput, type Market } from './support/builders.js';
import { gql, ok } from './support/client.js';
import { TEST_REDIS_URL } from './support/env.js';
import { resetState, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';
import { describeNeeding } from './support/requires.js';

/**
 * After-commit work (issue 13): each use case writes its internal outbox event in its own
 * transaction, and the relay turns each event into the job it asks for, by a deterministic id.
 * No relay or worker runs here: the test relays by hand into queues nobody consumes, so every job
 * stays in the state the relay left it in.
 */
let h: Harness;
let m: Market;
let backend: QueueBackend;
let queues: Queues;
let deps: RelayDeps;
const settings = { settlementGraceMs: DEFAULT_POLICY.graceMs };
beforeAll(async () => {
  h = await startHarness();
  const logger = pino({ level: 'silent' });
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
  m = await aMarket(h.url, h.operatorKey);
});

interface InternalRow {
  id: string;
  type: string;
  payload: any;
  created_at: Date;
  published_at: Date | null;
}
const internal = () =>
  h.orm.em.getConnection().execute<InternalRow[]>(`select id, type, payload, created_at, published_at from domain_event where kind = 'INTERNAL' order by id`);
const ofType = async (type: string) => (await internal()).filter((e) => e.type === type);
/** The events as a relay hands them over. */
const asRelayed = (rows: InternalRow[]) =>
  rows.map((r) => ({ id: r.id, type: r.type, createdAt: new Date(r.created_at).toISOString(), data: r.payload }) as AnyInternalEvent);
const usd = (amountMinor: string) => ({ amountMinor, currency: 'USD' });
const full = (intervalIndex: number) => ({ intervalIndex, staffedSeatHours: 2, contactsHandled: 40, serviceLevelAchieved: 0.85 });
const report = (contractId: string, reports: Record<string, unknown>[]) => gql(h.url, op.REPORT_DELIVERY, { input: { contractId, reports } }, m.vendorA.key);
const audit = (externalId: string) => ({ externalId, kind: 'AUDIT', vendorId: m.vendorB.id, auditResult: 'PASS', occurredAt: h.clock.now().toISOString() });
const record = async (events: unknown[]) => ok(await gql(h.url, op.RECORD_EVENTS, { input: { events } }, h.operatorKey)).recordQualityEvents;
const jobIds = async (queue: keyof Omit<Queues, 'all' | 'close'>) =>
  (await queues[queue].getJobs(['waiting', 'delayed', 'prioritized', 'active', 'completed', 'failed'])).map((j) => j.id).sort();

/** A contract for vendor A over four ended intervals, cleared by hand (h.clock moves 3 days on afterwards). */
async function aContract(): Promise<{ spikeId: string; contractId: string }> {
  const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
  await aBid(h.url, m.vendorA.key, spikeId, { rate: usd('2500'), offered: [0, 1, 2, 3].map((index) => ({ index, seats: 4 })) });
  ok(await gql(h.url, op.CLOSE, { id: spikeId }, m.brand.key));
  const cleared = await clearSpike(h.orm.em.fork(), h.clock, neutralQualityScores, spikeId);
  if (cleared.kind !== 'AWARDED') throw new Error('did not clear');
  h.clock.advance(3 * 86_400_000);
  return { spikeId, contractId: cleared.contractIds[0]! };
}

describeNeeding(import.meta.url, ['redis'])('use cases write their internal events in their own transaction', () => {
  it('publishing, moving the close and closing early write one each; a draft or a refused change writes none', async () => {
    const draft = ok(await gql(h.url, op.POST_SPIKE, { input: aSpikeInput(h.clock) }, m.brand.key)).postDemandSpike;
    expect(await internal()).toEqual([]);
    ok(await gql(h.url, op.PUBLISH, { id: draft.id }, m.brand.key));
    const later = new Date(Date.parse(draft.biddingClosesAt) + 30 * 60_000).toISOString();
    ok(await gql(h.url, op.CHANGE_CLOSE, { id: draft.id, at: later }, m.brand.key));
    const past = new Date(h.clock.now().getTime() - 60_000).toISOString();
    expect(ok(await gql(h.url, op.CHANGE_CLOSE, { id: draft.id, at: past }, m.brand.key)).changeBiddingClose.__typename).toBe('ValidationError');
    ok(await gql(h.url, op.CLOSE, { id: draft.id }, m.brand.key));
    expect(ok(await gql(h.url, op.CLOSE, { id: draft.id }, m.brand.key)).closeBidding.__typename).toBe('InvalidStateError');
    const events = await internal();
    expect(events.map((e) => [e.type, e.payload])).toEqual([
      ['spike.opened', { spikeId: draft.id, biddingClosesAt: draft.biddingClosesAt }],
      ['spike.close_moved', { spikeId: draft.id, biddingClosesAt: later }],
      ['spike.closed_early', { spikeId: draft.id }],
    ]);
    // Dated on the use case's clock, and waiting for the relay.
    expect(events.map((e) => [new Date(e.created_at).getTime(), e.published_at])).toEqual(Array(3).fill([h.clock.now().getTime(), null]));
  });

  it('rolls the event back with the change', async () => {
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
    const before = await internal();
    const brand: Principal = { apiKeyId: '', organizationId: m.brand.id, organizationKind: 'BRAND', role: 'BRAND', vendorType: null, parentBrandId: null };
    await expect(
      h.orm.em.fork().transactional(async (tem) => {
        expect((await closeBidding(tem, h.clock, brand, spikeId)).ok).toBe(true);
        throw new Error('the surrounding transaction fails');
      }),
    ).rejects.toThrow('the surrounding transaction fails');
    expect(await internal()).toEqual(before);
    expect(ok(await gql(h.url, op.SPIKE, { id: spikeId }, m.brand.key)).demandSpike.status).toBe('OPEN');
  });

  it('clearing writes one contract.created per contract, with its end, and none when it fails', async () => {
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
    await aBid(h.url, m.vendorA.key, spikeId, { rate: usd('2000'), offered: [0, 1, 2, 3].map((index) => ({ index, seats: 6 })) });
    await aBid(h.url, m.vendorB.key, spikeId, { rate: usd('2500'), offered: [0, 1].map((index) => ({ index, seats: 10 })) });
    ok(await gql(h.url, op.CLOSE, { id: spikeId }, m.brand.key));
    const failing = () => Promise.reject(new Error('solver crashed'));
    await expect(clearSpike(h.orm.em.fork(), h.clock, neutralQualityScores, spikeId, failing)).rejects.toThrow('solver crashed');
    expect(await ofType('contract.created')).toEqual([]);
    expect((await clearSpike(h.orm.em.fork(), h.clock, neutralQualityScores, spikeId)).kind).toBe('AWARDED');
    const contracts = await h.orm.em.getConnection().execute<{ id: string; ends_at: Date }[]>('select id, ends_at from contract order by id');
    expect(contracts).toHaveLength(2);
    expect((await ofType('contract.created')).map((e) => e.payload).sort((a, b) => (a.contractId < b.contractId ? -1 : 1))).toEqual(
      contracts.map((c) => ({ contractId: c.id, endsAt: new Date(c.ends_at).toISOString() })),
    );
  });

  it('delivery reports, accepted quality events and a new scoring policy each ask for fresh scores; a report on a settled contract for its adjustment', async () => {
    const { contractId } = await aContract();
    ok(await report(contractId, [full(0)]));
    expect(ok(await report(contractId, [full(7)])).reportDelivery.__typename).toBe('ValidationError'); // refused: writes nothing
    await settleContract(h.orm.em.fork(), h.clock, contractId, DEFAULT_POLICY, { force: true });
    ok(await report(contractId, [full(1)]));
    expect((await ofType('delivery.reported')).map((e) => e.payload)).toEqual([
      { contractId, adjustmentDue: false },
      { contractId, adjustmentDue: true },
    ]);

    expect((await record([audit('after-commit-1'), audit('after-commit-2')])).accepted).toBe(2);
    expect((await record([audit('after-commit-1')])).duplicates).toBe(1); // nothing new stored: no event
    expect((await ofType('quality.events_accepted')).map((e) => e.payload)).toEqual([{ accepted: 2 }]);
    const policy = { weights: { ...op.DEFAULT_WEIGHTS, csat: 0.25, qa: 0.25 }, priorWeight: 20, halfLifeDays: 30 };
    expect(ok(await gql(h.url, op.SET_SCORING_POLICY, { input: policy }, h.operatorKey)).setScoringPolicy.version).toBe(2);
    expect((await ofType('quality.policy_changed')).map((e) => e.payload)).toEqual([{ version: 2 }]);
  });
});

describeNeeding(import.meta.url, ['redis'])('the relay turns each internal event into its job', () => {
  it('clears at the close time, follows a moved close, and clears at once after an early close, under one job id', async () => {
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
    const closesAt = Date.parse(ok(await gql(h.url, op.SPIKE, { id: spikeId }, m.brand.key)).demandSpike.biddingClosesAt);
    expect(await dispatchOnce(deps)).toBe(1);
    const job = async () => (await queues.clearing.getJob(clearJobId(spikeId)))!;
    expect([await (await job()).getState(), (await job()).opts.delay]).toEqual(['delayed', closesAt - h.clock.now().getTime()]);

    const later = closesAt + 30 * 60_000;
    ok(await gql(h.url, op.CHANGE_CLOSE, { id: spikeId, at: new Date(later).toISOString() }, m.brand.key));
    expect(await dispatchOnce(deps)).toBe(1);
    expect([await (await job()).getState(), (await job()).opts.delay]).toEqual(['delayed', later - h.clock.now().getTime()]);

    ok(await gql(h.url, op.CLOSE, { id: spikeId }, m.brand.key));
    expect(await dispatchOnce(deps)).toBe(1);
    expect(await (await job()).getState()).toBe('waiting');
    expect((await job()).data).toEqual({ spikeId });
    expect(await jobIds('clearing')).toEqual([clearJobId(spikeId)]);
    expect((await internal()).every((e) => e.published_at !== null)).toBe(true);
  });

  it("settles each contract at its end plus the grace period, a settled contract's late actuals at once, and rescores once per batch", async () => {
    const { spikeId, contractId } = await aContract();
    expect(await dispatchOnce(deps)).toBe(3); // opened, closed early, contract created
    const [created] = await ofType('contract.created');
    const settlement = async () => (await queues.settlement.getJob(settleJobId(contractId)))!;
    const dueAfter = Date.parse(created!.payload.endsAt) + DEFAULT_POLICY.graceMs - new Date(created!.created_at).getTime();
    expect([await (await settlement()).getState(), (await settlement()).opts.delay]).toEqual(['delayed', dueAfter]);
    expect(await jobIds('clearing')).toEqual([clearJobId(spikeId)]);

    ok(await report(contractId, [full(0), full(1), full(2), full(3)]));
    await settleContract(h.orm.em.fork(), h.clock, contractId, DEFAULT_POLICY, { force: true });
    ok(await report(contractId, [full(0)])); // late actuals: the adjustment is due now
    expect(await dispatchOnce(deps)).toBe(2);
    expect(await (await settlement()).getState()).toBe('waiting'); // the delayed job, promoted
    expect(await jobIds('settlement')).toEqual([settleJobId(contractId)]);
    const [, newest] = await ofType('delivery.reported');
    expect(await jobIds('quality')).toEqual([recomputeJobId(newest!.id)]);
  });

  it('makes one job per id when the relay crashes after adding the jobs, and when a batch is relayed twice', async () => {
    const opened = await anOpenSpike(h.url, h.clock, m.brand.key);
    const closed = await anOpenSpike(h.url, h.clock, m.brand.key);
    ok(await gql(h.url, op.CLOSE, { id: closed }, m.brand.key));
    await record([audit('twice-1')]);
    await record([audit('twice-2')]);
    // Crashed half-way: the jobs are added, the events are not marked, so the next relay hands them over again.
    const crash = relayInternalEvents(h.orm.em.fork(), h.clock, 100, async (events) => {
      await afterCommit(queues, settings)(events);
      throw new Error('relay crashed');
    });
    await expect(crash).rejects.toThrow('relay crashed');
    expect((await internal()).map((e) => e.published_at)).toEqual([null, null, null, null, null]);
    expect(await dispatchOnce(deps)).toBe(5);
    // A second relay that had claimed the same batch hands it over once more.
    await afterCommit(queues, settings)(asRelayed(await internal()));

    const newest = (await ofType('quality.events_accepted')).at(-1)!;
    expect(await jobIds('clearing')).toEqual([clearJobId(opened), clearJobId(closed)].sort());
    expect(await jobIds('quality')).toEqual([recomputeJobId(newest.id)]);
    expect(await (await queues.clearing.getJob(clearJobId(opened)))!.getState()).toBe('delayed');
    expect(await (await queues.clearing.getJob(clearJobId(closed)))!.getState()).toBe('waiting');
  });

  it('never hands an internal event to webhooks or subscriptions', async () => {
    const endpoint = ok(
      await gql(
        h.url,
        op.REGISTER_WEBHOOK,
        { input: { url: 'https://hooks.example.com/operator', eventTypes: ['DEMAND_SPIKE_POSTED', 'BID_OUTCOME', 'CONTRACT_SETTLED'] } },
        h.operatorKey,
      ),
    ).registerWebhookEndpoint.endpoint;
    await anOpenSpike(h.url, h.clock, m.brand.key);
    const heard: string[] = [];
    expect(await relayOnce({ ...deps, publisher: { publish: async (events) => void heard.push(...events.map((e) => e.type)) } })).toBe(1);
    expect(heard).toEqual(['demand_spike.posted']);
    const [posted] = await h.orm.em.getConnection().execute<{ id: string }[]>(`select id from domain_event where kind = 'PUBLIC'`);
    expect(await jobIds('webhooks')).toEqual([`webhook-${posted!.id}-${endpoint.id}`]);
    expect((await internal()).map((e) => e.published_at)).toEqual([null]); // left for the internal pass

    // PostgreSQL holds the line too: an internal event has no audience and an internal type, a public one a public type.
    const insert = (kind: string, type: string, audience: string) =>
      h.orm.em
        .getConnection()
        .execute(`insert into domain_event (id, kind, type, audience, payload, created_at) values (gen_random_uuid(), ?, ?, ?::uuid[], '{}', now())`, [
          kind,
          type,
          audience,
        ]);
    await expect(insert('INTERNAL', 'spike.opened', `{${m.vendorA.id}}`)).rejects.toMatchObject({ code: '23514' });
    await expect(insert('INTERNAL', 'demand_spike.posted', '{}')).rejects.toMatchObject({ code: '23514' });
    await expect(insert('PUBLIC', 'spike.opened', `{${m.vendorA.id}}`)).rejects.toMatchObject({ code: '23514' });
  });
});
