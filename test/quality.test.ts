import { createHmac } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { clearSpike } from '../src/domain/clearing/clear-spike.js';
import { storedQualityScores } from '../src/domain/quality/quality-scores.js';
import { recomputeScores } from '../src/domain/quality/recompute-scores.js';
import { DEFAULT_POLICY, settleContract } from '../src/domain/settlement/settle-contract.js';
import { marketPriors } from '../src/domain/quality/market-prior.js';
import { accumulate, decayFactor, DEFAULT_SCORING_POLICY, observationOf, scoreVendor, type Observation } from '../src/domain/quality/scoring.js';
import { aBid, aMarket, anOpenSpike, type Market } from './support/builders.js';
import { aDeliveredSpike } from './support/quality-fixtures.js';
import { errorCode, gql, ok } from './support/client.js';
import { eventually, outboxRelayed, resetState, rowCounts, startHarness, type Harness } from './support/harness.js';
import * as op from './support/operations.js';

let h: Harness;
let m: Market;
beforeAll(async () => {
  h = await startHarness({ workers: true });
});
afterAll(async () => {
  await h.close();
});
/** Until no score recomputation is waiting or running, nor asked for in the outbox. */
const qualityQueueIdle = async () => {
  await outboxRelayed(h);
  await eventually(async () => {
    const jobs = await h.queues!.quality.getJobCounts('wait', 'active', 'delayed', 'prioritized');
    return jobs.wait! + jobs.active! + jobs.delayed! + jobs.prioritized! === 0 ? true : null;
  });
};
beforeEach(async () => {
  // A score recomputation the previous test asked for (due within 250 ms) must not run into this
  // test's fresh tables: it made the row counts and the policy reset fail now and then.
  await qualityQueueIdle();
  await resetState(h);
  m = await aMarket(h.url, h.operatorKey);
});

const usd = (amountMinor: string) => ({ amountMinor, currency: 'USD' });
const everyInterval = (seats: number) => [0, 1, 2, 3].map((index) => ({ index, seats }));
const cleared = (spikeId: string) => eventually(async () => ok(await gql(h.url, op.CLEARING_RESULT, { id: spikeId }, m.brand.key)).clearingResult);
let seq = 0;
const csat = (vendorId: string, score: number, extra: Record<string, unknown> = {}) => ({ externalId: `e-${++seq}`, kind: 'CSAT', vendorId, score, ...extra });
const qa = (vendorId: string, score: number) => ({ externalId: `e-${++seq}`, kind: 'QA_SCORE', vendorId, score });
const audit = (vendorId: string, auditResult: string, occurredAt: Date, notes = 'site visit') => ({
  externalId: `e-${++seq}`,
  kind: 'AUDIT',
  vendorId,
  auditResult,
  occurredAt: occurredAt.toISOString(),
  notes,
});
/** Row counts of everything but the quality worker's own output, which a run triggered earlier may still be writing. */
const written = async () => {
  const { scoring_run: _r, vendor_score: _s, vendor_score_history: _h, ...rest } = await rowCounts(h.orm);
  return rest;
};
const record = async (events: unknown[], key = m.brand.key) => ok(await gql(h.url, op.RECORD_EVENTS, { input: { events } }, key)).recordQualityEvents;
/**
 * A spike A and B won three days ago (6 and 4 seats per interval), delivered with 40 contacts per
 * interval each, and settled: the brand may rate both. Settled here, because the harness's
 * settlement worker would otherwise settle the contracts at some moment during the test and move
 * the row counts it compares.
 */
const deliveredByAandB = async () => {
  const d = await aDeliveredSpike(h, m.brand, [
    { vendor: m.vendorA, seats: 6, rate: '2000' },
    { vendor: m.vendorB, seats: 10, rate: '2200' },
  ]);
  for (const id of d.contractOf.values()) await settleContract(h.orm.em.fork() as never, h.clock, id, DEFAULT_POLICY, { force: true });
  return { ...d, contractA: d.contractOf.get(m.vendorA.id)!, contractB: d.contractOf.get(m.vendorB.id)! };
};

/** A spike where A (cheaper, 6 seats) and B (10 seats) both win seats, so the brand has contracts with both. */
async function spikeWonByAandB() {
  const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
  const a = await aBid(h.url, m.vendorA.key, spikeId, { rate: usd('2000'), offered: everyInterval(6) });
  const b = await aBid(h.url, m.vendorB.key, spikeId, { rate: usd('2200'), offered: everyInterval(10) });
  ok(await gql(h.url, op.CLOSE, { id: spikeId }, m.brand.key));
  return { spikeId, a, b, result: await cleared(spikeId) };
}

describe('ingestion', () => {
  it('accepts valid events, rejects invalid ones individually, and recognises resubmissions', async () => {
    const { contractA, contractB } = await deliveredByAandB();
    const onA = { contractId: contractA };
    const batch = [
      csat(m.vendorA.id, 4, onA),
      csat(m.vendorA.id, 6, onA),
      { externalId: `e-${++seq}`, kind: 'FCR', vendorId: m.vendorA.id, resolved: true, ...onA },
      { externalId: `e-${++seq}`, kind: 'FCR', vendorId: m.vendorA.id, ...onA },
      csat(m.vendorC.id, 3, onA), // no contract between the brand and C
      csat(m.brand.id, 3, onA), // not a vendor (and the brand itself)
      {
        externalId: `e-${++seq}`,
        kind: 'ESCALATION',
        vendorId: m.vendorB.id,
        contractId: contractB,
        occurredAt: new Date(h.clock.now().getTime() + 3_600_000).toISOString(),
      },
      { externalId: `e-${++seq}`, kind: 'AUDIT', vendorId: m.vendorB.id },
      csat(m.vendorA.id, 4), // a rating names its contract
    ];
    batch.push({ ...batch[0]!, score: 2 } as never); // same external id again, in the same batch
    const r = await record(batch);
    expect(r).toMatchObject({ __typename: 'QualityEventBatchReceipt', accepted: 2, duplicates: 0, rejected: 8 });
    expect(r.receipts.map((x: any) => x.rejection?.code ?? x.status)).toEqual([
      'ACCEPTED',
      'INVALID_VALUE',
      'ACCEPTED',
      'INVALID_VALUE',
      'CONTRACT_MISMATCH',
      'SELF_RATING',
      'INVALID_TIME',
      'INVALID_VALUE',
      'CONTRACT_REQUIRED',
      'DUPLICATE_IN_BATCH',
    ]);
    expect(r.receipts[1].rejection).toMatchObject({ field: 'events[1].score', message: 'A CSAT score is 1 to 5' });

    const before = await written();
    const again = await record([batch[0], batch[2]]);
    expect(again).toMatchObject({ accepted: 0, duplicates: 2, rejected: 0 });
    expect(again.receipts[0].eventId).toBe(r.receipts[0].eventId);
    const reused = await record([{ ...batch[0]!, score: 1 }]);
    expect(reused.receipts[0].rejection.code).toBe('EXTERNAL_ID_REUSED');
    expect(await written()).toEqual(before);
  });

  it('lets the operator rate on any contract, and refuses vendor and finance keys', async () => {
    const { contractA } = await deliveredByAandB();
    expect((await record([csat(m.vendorA.id, 5, { contractId: contractA })], h.operatorKey)).accepted).toBe(1);
    expect((await record([csat(m.vendorC.id, 5)], h.operatorKey)).receipts[0].rejection.code).toBe('CONTRACT_REQUIRED');
    expect(errorCode(await gql(h.url, op.RECORD_EVENTS, { input: { events: [csat(m.vendorC.id, 5)] } }, m.vendorA.key))).toBe('FORBIDDEN');
    expect(errorCode(await gql(h.url, op.RECORD_EVENTS, { input: { events: [csat(m.vendorC.id, 5)] } }, m.brand.financeKey))).toBe('FORBIDDEN');
  });

  it('refuses an empty or oversized batch as a whole, writing nothing', async () => {
    const before = await written();
    expect(errorCode(await gql(h.url, op.RECORD_EVENTS, { input: { events: [] } }, h.operatorKey))).toBe('BAD_USER_INPUT');
    const tooMany = Array.from({ length: 5_001 }, () => csat(m.vendorC.id, 5));
    expect(errorCode(await gql(h.url, op.RECORD_EVENTS, { input: { events: tooMany } }, h.operatorKey))).toBe('BAD_USER_INPUT');
    expect(await written()).toEqual(before);
  });
});

describe('the loop: quality decides the next auction', () => {
  it('A wins on price, then poor CSAT and QA hand spike 2 to B, with scores and adjusted rates as the formula says', async () => {
    const first = await deliveredByAandB();
    const result = await cleared(first.spikeId);
    const outcome = (r: any, bidId: string) => r.bids.find((b: any) => b.bidId === bidId);
    const byVendor = (vendorId: string) => result.bids.find((b: any) => b.vendorId === vendorId);
    expect(byVendor(m.vendorA.id)).toMatchObject({ status: 'WON', score: 50, adjustedRate: 4000 });
    expect(byVendor(m.vendorB.id)).toMatchObject({ status: 'PARTIAL' });
    // The delivery is scored first; the ratings arrive a minute later, so the history shows them apart.
    await qualityQueueIdle();
    await recomputeScores(h.orm.em.fork() as never, h.clock);
    h.clock.advance(60_000);

    // 160 contacts handled on each contract: room for 30 surveys and 30 evaluations each.
    const onA = { contractId: first.contractA };
    const onB = { contractId: first.contractB };
    const events = [
      ...Array.from({ length: 30 }, () => csat(m.vendorA.id, 1, onA)),
      ...Array.from({ length: 30 }, () => ({ ...qa(m.vendorA.id, 20), ...onA })),
      ...Array.from({ length: 30 }, () => csat(m.vendorB.id, 5, onB)),
      ...Array.from({ length: 30 }, () => ({ ...qa(m.vendorB.id, 95), ...onB })),
    ];
    expect((await record(events)).accepted).toBe(120);

    // The formula, from the same events (observed now) and the delivery: staffed as awarded
    // (adherence 1) and no escalations (1), whatever their decay; the prior is the mean of A's and B's means.
    const delivered: Observation[] = [
      { metric: 'ADHERENCE', amount: 1, weight: 1, at: h.clock.now() },
      { metric: 'ESCALATION', amount: 1, weight: 1, at: h.clock.now() },
    ];
    const obs = (vendorId: string): Observation[] => [
      ...delivered,
      ...events.filter((e) => e.vendorId === vendorId).map((e) => ({ ...observationOf({ kind: e.kind as never, value: e.score })!, at: h.clock.now() })),
    ];
    const sums = (vendorId: string) => accumulate(obs(vendorId), h.clock.now(), 30);
    const market = marketPriors([m.vendorA.id, m.vendorB.id].map((id) => ({ vendorType: 'OUTSOURCER' as const, sums: sums(id) })));
    const expected = (vendorId: string) => scoreVendor(sums(vendorId), market, DEFAULT_SCORING_POLICY).composite;
    const [scoreA, scoreB] = [expected(m.vendorA.id), expected(m.vendorB.id)];
    // docs/quality.md: A = 100 × (0.3 × 0.2 + 0.2 × 0.35 + 0.15 × 0.5 + 0.15 × 1 + 0.1 × 0.5 + 0.1 × 1) = 50.5; B = 77.5.
    expect(scoreA).toBeCloseTo(50.5, 9);
    expect(scoreB).toBeCloseTo(77.5, 9);

    // The quality worker picks the events up by itself.
    const card = await eventually(async () => {
      const c = ok(await gql(h.url, op.SCORECARD, { id: m.vendorA.id }, m.brand.key)).vendorScorecard;
      return c.computedAt && Math.abs(c.composite - scoreA) < 1e-9 ? c : null;
    });
    expect(card.metrics.find((x: any) => x.metric === 'CSAT')).toMatchObject({ samples: 30, mean: null });

    const second = await spikeWonByAandB();
    expect(outcome(second.result, second.b.id)).toMatchObject({ status: 'WON', reason: 'WON' });
    expect(outcome(second.result, second.a.id)).toMatchObject({ status: 'LOST', reason: 'LOST_TO_LOWER_ADJUSTED_RATE' });
    expect(outcome(second.result, second.a.id).score).toBeCloseTo(scoreA, 9);
    expect(outcome(second.result, second.b.id).score).toBeCloseTo(scoreB, 9);
    expect(outcome(second.result, second.a.id).adjustedRate).toBeCloseTo(2000 / (scoreA / 100), 2);
    expect(outcome(second.result, second.b.id).adjustedRate).toBeCloseTo(2200 / (scoreB / 100), 2);
    expect(second.result.awards.every((a: any) => a.vendorId === m.vendorB.id && Math.abs(a.score - scoreB) < 1e-9)).toBe(true);

    // Rankings and history say the same.
    const ranking = ok(await gql(h.url, op.RANKINGS, { skill: 'billing' }, m.brand.key)).vendorRankings.nodes;
    expect(ranking[0]).toMatchObject({ vendorId: m.vendorB.id, rank: 1 });
    expect(ranking.find((r: any) => r.vendorId === m.vendorA.id).composite).toBeCloseTo(scoreA, 9);
    const history = ok(await gql(h.url, op.SCORE_HISTORY, { id: m.vendorA.id }, m.vendorA.key)).scoreHistory.nodes;
    const moved = history.find((x: any) => x.newObservations.length > 0);
    expect(moved.composite).toBeCloseTo(scoreA, 9);
    expect(Object.fromEntries(moved.newObservations.map((x: any) => [x.metric, x.count]))).toEqual({ CSAT: 30, QA: 30 });
  });
});

describe('audits', () => {
  it('an AUDIT FAIL blocks bidding and clearing; a later PASS restores both', async () => {
    const { spikeId: _first } = await spikeWonByAandB();
    const open = await anOpenSpike(h.url, h.clock, m.brand.key);
    const bid = await aBid(h.url, m.vendorA.key, open, { rate: usd('2000'), offered: everyInterval(6) });
    const t = h.clock.now().getTime();
    expect((await record([audit(m.vendorA.id, 'FAIL', new Date(t - 60_000), 'locked fire exit')], h.operatorKey)).accepted).toBe(1);

    // A spike the suspended vendor has bid on says why it may not bid again; one it cannot see is NOT_FOUND.
    const refused = ok(
      await gql(h.url, op.PLACE_BID, { input: { spikeId: open, rate: usd('2000'), offered: everyInterval(1) }, key: 'after-fail' }, m.vendorA.key),
    ).placeBid;
    expect(refused).toMatchObject({ __typename: 'NotEligibleError', code: 'NOT_ELIGIBLE', rules: [{ rule: 'AUDIT_FAILED' }] });
    const unseen = await gql(
      h.url,
      op.PLACE_BID,
      { input: { spikeId: await anOpenSpike(h.url, h.clock, m.brand.key), rate: usd('2000'), offered: everyInterval(1) }, key: 'after-fail-2' },
      m.vendorA.key,
    );
    expect(unseen.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(ok(await gql(h.url, op.OPEN_SPIKES, {}, m.vendorA.key)).openDemandSpikes.nodes).toEqual([]);
    const card = ok(await gql(h.url, op.SCORECARD, { id: m.vendorA.id }, m.vendorA.key)).vendorScorecard;
    expect(card).toMatchObject({ auditState: 'FAIL', suspended: true, auditNotes: 'locked fire exit' });
    expect(ok(await gql(h.url, op.SCORECARD, { id: m.vendorA.id }, m.brand.key)).vendorScorecard).toMatchObject({ suspended: true, auditNotes: null });

    // An older audit does not override the newer FAIL.
    await record([audit(m.vendorA.id, 'PASS', new Date(t - 3_600_000))], h.operatorKey);
    ok(await gql(h.url, op.CLOSE, { id: open }, m.brand.key));
    const result = await cleared(open);
    const mine = result.bids.find((b: any) => b.bidId === bid.id);
    expect(mine).toMatchObject({ status: 'LOST', reason: 'INELIGIBLE' });
    expect(mine.reasonDetail).toContain('AUDIT_FAILED');

    await record([audit(m.vendorA.id, 'PASS', new Date(t))], h.operatorKey);
    expect(await aBid(h.url, m.vendorA.key, await anOpenSpike(h.url, h.clock, m.brand.key), { offered: everyInterval(1) })).toMatchObject({ status: 'ACTIVE' });
  });

  it('a CONDITIONAL after a FAIL keeps the vendor suspended until a PASS; audits take their place by occurrence time', async () => {
    await spikeWonByAandB();
    const t = h.clock.now().getTime();
    const state = async () => ok(await gql(h.url, op.SCORECARD, { id: m.vendorA.id }, m.vendorA.key)).vendorScorecard;
    const open = await anOpenSpike(h.url, h.clock, m.brand.key);
    const earlier = await aBid(h.url, m.vendorA.key, open, { offered: everyInterval(1) });
    ok(await gql(h.url, op.WITHDRAW_BID, { id: earlier.id }, m.vendorA.key));
    await record([audit(m.vendorA.id, 'FAIL', new Date(t - 3 * 60_000), 'locked fire exit')], h.operatorKey);
    await record([audit(m.vendorA.id, 'CONDITIONAL', new Date(t - 60_000), 'partly fixed')], h.operatorKey);
    expect(await state()).toMatchObject({ auditState: 'FAIL', suspended: true, auditNotes: 'locked fire exit' });
    const refused = ok(
      await gql(h.url, op.PLACE_BID, { input: { spikeId: open, rate: usd('2000'), offered: everyInterval(1) }, key: 'after-conditional' }, m.vendorA.key),
    ).placeBid;
    expect(refused).toMatchObject({ code: 'NOT_ELIGIBLE', rules: [{ rule: 'AUDIT_FAILED' }] });

    // A PASS that happened between the two arrives late: FAIL, PASS, CONDITIONAL in that order
    // leaves the vendor bidding again at the CONDITIONAL discount.
    await record([audit(m.vendorA.id, 'PASS', new Date(t - 2 * 60_000), 'fire exit unlocked')], h.operatorKey);
    expect(await state()).toMatchObject({ auditState: 'CONDITIONAL', suspended: false, auditNotes: 'partly fixed' });
    expect(await aBid(h.url, m.vendorA.key, await anOpenSpike(h.url, h.clock, m.brand.key), { offered: everyInterval(1) })).toMatchObject({ status: 'ACTIVE' });
  });

  it('concurrent audits for one vendor end in the state of their occurrence order', async () => {
    await spikeWonByAandB();
    const t = h.clock.now().getTime();
    await Promise.all([
      record([audit(m.vendorA.id, 'FAIL', new Date(t - 2 * 60_000))], h.operatorKey),
      record([audit(m.vendorA.id, 'CONDITIONAL', new Date(t - 60_000))], h.operatorKey),
      record([audit(m.vendorA.id, 'CONDITIONAL', new Date(t - 30_000))], h.operatorKey),
    ]);
    expect(ok(await gql(h.url, op.SCORECARD, { id: m.vendorA.id }, m.vendorA.key)).vendorScorecard).toMatchObject({ auditState: 'FAIL', suspended: true });
  });

  it('a CONDITIONAL audit multiplies the score by 0.9', async () => {
    await spikeWonByAandB();
    await recomputeScores(h.orm.em.fork() as never, h.clock);
    const standing = async () =>
      (await storedQualityScores.standingsOf(h.orm.em.fork() as never, [m.vendorA.id], { skills: ['billing'], channel: 'CHAT' })).get(m.vendorA.id)!;
    expect(await standing()).toMatchObject({ score: 50, audit: 'NONE', suspended: false });
    await record([audit(m.vendorA.id, 'CONDITIONAL', h.clock.now())], h.operatorKey);
    expect((await standing()).score).toBeCloseTo(45, 9);
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
    await aBid(h.url, m.vendorA.key, spikeId, { rate: usd('2000'), offered: everyInterval(6) });
    ok(await gql(h.url, op.CLOSE, { id: spikeId }, m.brand.key));
    const outcome = await clearSpike(h.orm.em.fork() as never, h.clock, storedQualityScores, spikeId);
    expect(outcome.kind === 'AWARDED' || outcome.kind === 'SKIPPED').toBe(true);
    const result = await cleared(spikeId);
    expect(result.bids[0].score).toBeCloseTo(45, 9);
    expect(result.bids[0].adjustedRate).toBeCloseTo(2000 / 0.45, 2);
  });
});

describe('delivery-derived metrics', () => {
  it('turns reported actuals into adherence and service-level observations, replaced by later reports', async () => {
    const now = h.clock.now();
    h.clock.set(new Date(now.getTime() - 3 * 86_400_000));
    const { result } = await spikeWonByAandB();
    h.clock.set(now);
    const contracts = ok(await gql(h.url, op.CONTRACTS, { spikeId: result.spikeId }, m.vendorA.key)).contracts.nodes;
    const contractId = contracts[0].id;
    // 6 seats × 0.5 h = 3 seat-hours awarded per interval; the target is 0.8.
    const report = (staffed: number, sl: number) =>
      gql(
        h.url,
        op.REPORT_DELIVERY,
        {
          input: { contractId, reports: [{ intervalIndex: 0, staffedSeatHours: staffed, contactsHandled: 100, serviceLevelAchieved: sl }] },
        },
        m.vendorA.key,
      );
    ok(await report(2.4, 0.6));
    await recomputeScores(h.orm.em.fork() as never, h.clock);
    const metric = async (name: string) =>
      ok(await gql(h.url, op.SCORECARD, { id: m.vendorA.id }, m.vendorA.key)).vendorScorecard.metrics.find((x: any) => x.metric === name);
    expect(await metric('ADHERENCE')).toMatchObject({ samples: 1 });
    expect((await metric('ADHERENCE')).mean).toBeCloseTo(0.8, 12);
    expect((await metric('SERVICE_LEVEL')).mean).toBeCloseTo(0.75, 12);
    expect(await metric('ESCALATION')).toMatchObject({ samples: 1, mean: 1 });

    ok(await report(3, 0.9));
    await recomputeScores(h.orm.em.fork() as never, h.clock);
    expect(await metric('ADHERENCE')).toMatchObject({ samples: 1, mean: 1 });
    expect(await metric('SERVICE_LEVEL')).toMatchObject({ samples: 1, mean: 1 });

    // Ten escalations over 100 contacts: 1 − 10/100.
    await record(Array.from({ length: 10 }, () => ({ externalId: `e-${++seq}`, kind: 'ESCALATION', vendorId: m.vendorA.id, contractId })));
    await recomputeScores(h.orm.em.fork() as never, h.clock);
    // Contacts count from the interval's end, two days ago, so they have decayed a little; the escalations are new.
    const [{ seats }] = (await h.orm.em
      .getConnection()
      .execute<{ seats: { startsAt: string }[] }[]>('select seats from contract where id = ?', [contractId])) as [{ seats: { startsAt: string }[] }];
    const age = h.clock.now().getTime() - (Date.parse(seats[0]!.startsAt) + 30 * 60_000);
    expect((await metric('ESCALATION')).mean).toBeCloseTo(1 - 10 / (100 * decayFactor(age, 30)), 12);
    const scopes = ok(await gql(h.url, op.SCORECARD, { id: m.vendorA.id }, m.vendorA.key)).vendorScorecard.scopes.map((s: any) => s.scope);
    expect(scopes).toEqual(['channel:CHAT', 'skill:billing']);
  });
});

describe('rankings and scoring policy', () => {
  it('ranks by composite, hides other brands’ in-house teams, and puts suspended vendors last', async () => {
    const { contractB } = await deliveredByAandB();
    await record([csat(m.vendorB.id, 5, { contractId: contractB }), csat(m.vendorB.id, 5, { contractId: contractB })]);
    await record([audit(m.vendorA.id, 'FAIL', h.clock.now())], h.operatorKey);
    await recomputeScores(h.orm.em.fork() as never, h.clock);
    const nodes = ok(await gql(h.url, op.RANKINGS, {}, m.brand.key)).vendorRankings.nodes;
    const ids = nodes.map((n: any) => n.vendorId);
    expect(ids[0]).toBe(m.vendorB.id);
    expect(ids.at(-1)).toBe(m.vendorA.id);
    expect(nodes.at(-1)).toMatchObject({ suspended: true, auditState: 'FAIL' });
    expect(ids).toContain(m.inHouse.id);
    expect(ids).not.toContain(m.otherInHouse.id);
    expect(nodes.map((n: any) => n.rank)).toEqual(nodes.map((_: unknown, i: number) => i + 1));
    const operatorIds = ok(await gql(h.url, op.RANKINGS, {}, h.operatorKey)).vendorRankings.nodes.map((n: any) => n.vendorId);
    expect(operatorIds).toContain(m.otherInHouse.id);
    expect(ok(await gql(h.url, op.RANKINGS, { skill: 'fr-FR' }, m.brand.key)).vendorRankings.nodes).toEqual([]);

    const page1 = ok(await gql(h.url, op.RANKINGS, { first: 2 }, m.brand.key)).vendorRankings;
    const page2 = ok(await gql(h.url, op.RANKINGS, { first: 2, after: page1.pageInfo.endCursor }, m.brand.key)).vendorRankings;
    expect([...page1.nodes, ...page2.nodes].map((n: any) => n.vendorId)).toEqual(ids.slice(0, 4));
  });

  it('sets a new policy version that the next run uses, and refuses weights that do not sum to 1', async () => {
    const before = await written();
    const bad = ok(
      await gql(h.url, op.SET_SCORING_POLICY, { input: { weights: { ...op.DEFAULT_WEIGHTS, csat: 0.5 }, priorWeight: 20, halfLifeDays: 30 } }, h.operatorKey),
    ).setScoringPolicy;
    expect(bad).toMatchObject({ __typename: 'ValidationError', code: 'BAD_USER_INPUT', field: 'input.weights' });
    const negative = await gql(h.url, op.SET_SCORING_POLICY, { input: { weights: op.DEFAULT_WEIGHTS, priorWeight: -1, halfLifeDays: 30 } }, h.operatorKey);
    expect(errorCode(negative)).toBe('BAD_USER_INPUT');
    expect(ok(await gql(h.url, op.SCORING_POLICY, {}, m.vendorA.key)).scoringPolicy.version).toBe(1);
    expect(await written()).toEqual(before);

    const { contractOf } = await aDeliveredSpike(h, m.brand, [{ vendor: m.vendorC, seats: 4, rate: '2000' }]);
    expect((await record([csat(m.vendorC.id, 5, { contractId: contractOf.get(m.vendorC.id) })], h.operatorKey)).accepted).toBe(1);
    const set = ok(
      await gql(
        h.url,
        op.SET_SCORING_POLICY,
        { input: { weights: { ...op.DEFAULT_WEIGHTS, csat: 0.4, complaint: 0, escalation: 0 }, priorWeight: 0, halfLifeDays: 7 } },
        h.operatorKey,
      ),
    ).setScoringPolicy;
    expect(set).toMatchObject({ __typename: 'ScoringPolicy', version: 2, priorWeight: 0, halfLifeDays: 7, weights: { csat: 0.4 } });
    await recomputeScores(h.orm.em.fork() as never, h.clock);
    // With no prior, C's one perfect CSAT and its delivery (adherence 1) count fully, the rest sits
    // at 0.5: 100 × (0.4 × 1 + 0.2 × 0.5 + 0.15 × 0.5 + 0.15 × 1 + 0.1 × 0.5).
    expect(ok(await gql(h.url, op.SCORECARD, { id: m.vendorC.id }, h.operatorKey)).vendorScorecard.composite).toBeCloseTo(77.5, 9);
  });

  it('refuses malformed ids and cursors on the quality queries', async () => {
    expect(errorCode(await gql(h.url, op.SCORECARD, { id: 'not-a-uuid' }, m.brand.key))).toBe('BAD_USER_INPUT');
    expect(errorCode(await gql(h.url, op.SCORECARD, { id: m.brand.id }, m.brand.key))).toBe('NOT_FOUND');
    expect(errorCode(await gql(h.url, op.SCORE_HISTORY, { id: m.vendorA.id, after: 'garbage' }, m.brand.key))).toBe('BAD_USER_INPUT');
    expect(errorCode(await gql(h.url, op.RANKINGS, { first: 1000 }, m.brand.key))).toBe('BAD_USER_INPUT');
  });
});

describe('signed HTTP ingestion', () => {
  const ingestUrl = () => h.url.replace(/\/graphql$/, '/ingest/quality');
  const post = (body: string, headers: Record<string, string>) =>
    fetch(ingestUrl(), { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  const signed = (secret: string, orgId: string, body: string, at = h.clock.now()) => {
    const ts = String(Math.floor(at.getTime() / 1000));
    return {
      'x-burst-organization': orgId,
      'x-burst-timestamp': ts,
      'x-burst-signature': `v1=${createHmac('sha256', secret).update(`${ts}.${body}`).digest('hex')}`,
    };
  };

  it('accepts a signed batch and refuses bad signatures, stale timestamps and replays, writing nothing', async () => {
    const { contractA, contractB } = await deliveredByAandB();
    const { secret } = ok(await gql(h.url, op.ROTATE_INGEST_SECRET, {}, m.brand.key)).rotateQualityIngestSecret;
    const body = JSON.stringify({
      events: [
        csat(m.vendorA.id, 5, { contractId: contractA }),
        csat(m.vendorA.id, 9, { contractId: contractA }),
        { ...qa(m.vendorB.id, 80), contractId: contractB, occurredAt: h.clock.now().toISOString() },
      ],
    });
    const headers = signed(secret, m.brand.id, body);

    const before = await written();
    const tampered = await post(body.replace('"score":5', '"score":4'), headers);
    expect(tampered.status).toBe(401);
    expect(await tampered.json()).toEqual({ error: { code: 'UNAUTHENTICATED', message: 'Missing or invalid signature' } });
    expect((await post(body, { ...headers, 'x-burst-signature': 'v1=' + '0'.repeat(64) })).status).toBe(401);
    expect((await post(body, {})).status).toBe(401);
    const stale = await post(body, signed(secret, m.brand.id, body, new Date(h.clock.now().getTime() - 10 * 60_000)));
    expect(stale.status).toBe(401);
    expect(((await stale.json()) as any).error.code).toBe('STALE_TIMESTAMP');
    expect(await written()).toEqual(before);

    const res = await post(body, headers);
    expect(res.status).toBe(200);
    const receipt = (await res.json()) as any;
    expect(receipt).toMatchObject({ accepted: 2, duplicates: 0, rejected: 1 });
    expect(receipt.receipts[1].rejection).toMatchObject({ code: 'INVALID_VALUE', field: 'events[1].score' });

    const replay = await post(body, headers);
    expect(replay.status).toBe(409);
    expect(((await replay.json()) as any).error.code).toBe('REPLAYED');

    // Rotating replaces the secret at once.
    ok(await gql(h.url, op.ROTATE_INGEST_SECRET, {}, m.brand.key));
    const later = new Date(h.clock.now().getTime() + 1000);
    expect((await post(body, signed(secret, m.brand.id, body, later))).status).toBe(401);
  });

  it('answers a malformed body with 400 and nothing written', async () => {
    const { secret } = ok(await gql(h.url, op.ROTATE_INGEST_SECRET, {}, h.operatorKey)).rotateQualityIngestSecret;
    const me = ok(await gql(h.url, op.ME, {}, h.operatorKey)).me.organization.id;
    const before = await written();
    // The last one carries a NUL, which PostgreSQL cannot store: refused, not a 500.
    const nul = JSON.stringify({ events: [{ ...csat(m.vendorC.id, 5), externalId: 'a\u0000b' }] });
    for (const body of ['not json', '{"events":"nope"}', '{"events":[]}', nul]) {
      const res = await post(body, signed(secret, me, body));
      expect(res.status).toBe(400);
      if (body === nul)
        expect(((await res.json()) as any).error).toMatchObject({ code: 'BAD_USER_INPUT', message: expect.stringMatching(/^events\[0\]\.externalId: /) });
    }
    expect((await written()).quality_event).toBe(before.quality_event);
    const ok200 = JSON.stringify({ events: [7, audit(m.vendorC.id, 'PASS', h.clock.now())] });
    const res = await post(ok200, signed(secret, me, ok200));
    expect(await res.json()).toMatchObject({ accepted: 1, rejected: 1, receipts: [{ rejection: { code: 'INVALID_FIELD' } }, { status: 'ACCEPTED' }] });
  });
});
