import { DEFAULT_POLICY, settleContract } from '../../src/domain/settlement/settle-contract.js';
import { aBid, anOpenSpike, type Market } from './builders.js';
import { gql, ok } from './client.js';
import { eventually, outboxRelayed, rowCounts, type Harness } from './harness.js';
import { aDeliveredSpike } from './quality-fixtures.js';
import * as op from './operations.js';

/**
 * The quality tests' scenarios and event builders, over the harness and market of the calling
 * file (read through `current`, since each test starts a fresh market). External ids are numbered
 * by the file's own counter (`nextSeq`), which its tests also use.
 */
export function qualityScenarios(current: () => { h: Harness; m: Market }, nextSeq: () => number) {
  const usd = (amountMinor: string) => ({ amountMinor, currency: 'USD' });
  const everyInterval = (seats: number) => [0, 1, 2, 3].map((index) => ({ index, seats }));
  const cleared = (spikeId: string) =>
    eventually(async () => op.flatPages(ok(await gql(current().h.url, op.CLEARING_RESULT, { id: spikeId }, current().m.brand.key)).clearingResult));
  const csat = (vendorId: string, score: number, extra: Record<string, unknown> = {}) => ({
    externalId: `e-${nextSeq()}`,
    kind: 'CSAT',
    vendorId,
    score,
    ...extra,
  });
  const qa = (vendorId: string, score: number) => ({ externalId: `e-${nextSeq()}`, kind: 'QA_SCORE', vendorId, score });
  const audit = (vendorId: string, auditResult: string, occurredAt: Date, notes = 'site visit') => ({
    externalId: `e-${nextSeq()}`,
    kind: 'AUDIT',
    vendorId,
    auditResult,
    occurredAt: occurredAt.toISOString(),
    notes,
  });
  /** Row counts of everything but the quality worker's own output, which a run triggered earlier may still be writing. */
  const written = async () => {
    const { scoring_run: _r, vendor_score: _s, vendor_score_history: _h, ...rest } = await rowCounts(current().h.orm);
    return rest;
  };
  const record = async (events: unknown[], key = current().m.brand.key) =>
    ok(await gql(current().h.url, op.RECORD_EVENTS, { input: { events } }, key)).recordQualityEvents;
  /**
   * A spike A and B won three days ago (6 and 4 seats per interval), delivered with 40 contacts per
   * interval each, and settled: the brand may rate both. Settled here, because the harness's
   * settlement worker would otherwise settle the contracts at some moment during the test and move
   * the row counts it compares.
   */
  const deliveredByAandB = async () => {
    const { h, m } = current();
    const d = await aDeliveredSpike(h, m.brand, [
      { vendor: m.vendorA, seats: 6, rate: '2000' },
      { vendor: m.vendorB, seats: 10, rate: '2200' },
    ]);
    for (const id of d.contractOf.values()) await settleContract(h.orm.em.fork() as never, h.clock, id, DEFAULT_POLICY, { force: true });
    return { ...d, contractA: d.contractOf.get(m.vendorA.id)!, contractB: d.contractOf.get(m.vendorB.id)! };
  };
  /** A spike where A (cheaper, 6 seats) and B (10 seats) both win seats, so the brand has contracts with both. */
  const spikeWonByAandB = async () => {
    const { h, m } = current();
    const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key);
    const a = await aBid(h.url, m.vendorA.key, spikeId, { rate: usd('2000'), offered: everyInterval(6) });
    const b = await aBid(h.url, m.vendorB.key, spikeId, { rate: usd('2200'), offered: everyInterval(10) });
    ok(await gql(h.url, op.CLOSE, { id: spikeId }, m.brand.key));
    return { spikeId, a, b, result: await cleared(spikeId) };
  };
  return { usd, everyInterval, cleared, csat, qa, audit, written, record, deliveredByAandB, spikeWonByAandB };
}

/** Until no score recomputation is waiting or running, nor asked for in the outbox. */
export const qualityQueueIdleOf = async (h: Harness) => {
  await outboxRelayed(h);
  await eventually(async () => {
    const jobs = await h.queues!.quality.getJobCounts('wait', 'active', 'delayed', 'prioritized');
    return jobs.wait! + jobs.active! + jobs.delayed! + jobs.prioritized! === 0 ? true : null;
  });
};
