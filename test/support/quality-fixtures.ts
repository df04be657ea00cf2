import { clearSpike } from '../../src/domain/clearing/clear-spike.js';
import { storedQualityScores } from '../../src/domain/quality/quality-scores.js';
import { recomputeScores } from '../../src/domain/quality/recompute-scores.js';
import { aBid, anOpenSpike, aSpikeInput, type Party } from './builders.js';
import { gql, ok } from './client.js';
import { eventually, type Harness } from './harness.js';
import { postIngest, signedHeaders } from './ingest.js';
import * as op from './operations.js';

const DAY = 86_400_000;
const everyInterval = (seats: number) => [0, 1, 2, 3].map((index) => ({ index, seats }));

export interface Winner {
  vendor: Party;
  seats: number;
  rate: string;
}

/**
 * A spike of `brand` that ran three days ago (four 30-minute CHAT intervals of 10 seats each, in
 * seats, so contacts handled are at most 120 per staffed seat-hour), won by `winners` in the order
 * given. Each winner then reports its interval actuals now: staffed exactly as awarded (adherence
 * 1), `contactsPerInterval` contacts, no service level. Returns the spike and each winner's contract.
 */
export async function aDeliveredSpike(
  h: Harness,
  brand: Party,
  winners: Winner[],
  contactsPerInterval = 40,
  spikeOverrides: Record<string, unknown> | ((base: Record<string, any>) => Record<string, unknown>) = {},
) {
  const now = h.clock.now();
  h.clock.set(new Date(now.getTime() - 3 * DAY));
  const overrides = typeof spikeOverrides === 'function' ? spikeOverrides(aSpikeInput(h.clock)) : spikeOverrides;
  const spikeId = await anOpenSpike(h.url, h.clock, brand.key, overrides);
  for (const w of winners) await aBid(h.url, w.vendor.key, spikeId, { rate: { amountMinor: w.rate, currency: 'USD' }, offered: everyInterval(w.seats) });
  ok(await gql(h.url, op.CLOSE, { id: spikeId }, brand.key));
  // Clears here, or the harness's clearing worker did it first (then this is SKIPPED).
  await clearSpike(h.orm.em.fork() as never, h.clock, storedQualityScores, spikeId);
  h.clock.set(now);
  const contracts = await eventually(async () => {
    const nodes = ok(await gql(h.url, op.CONTRACTS, { spikeId }, brand.key)).contracts.nodes as {
      id: string;
      vendorId: string;
      seats: { index: number; seats: number }[];
    }[];
    return nodes.length ? nodes : null;
  });
  const contractOf = new Map<string, string>();
  for (const w of winners) {
    const c = contracts.find((x) => x.vendorId === w.vendor.id);
    if (!c) continue;
    contractOf.set(w.vendor.id, c.id);
    const reports = c.seats.map((s) => ({
      intervalIndex: s.index,
      staffedSeatHours: s.seats / 2,
      contactsHandled: contactsPerInterval,
      serviceLevelAchieved: null,
    }));
    const receipt = ok(await gql(h.url, op.REPORT_DELIVERY, { input: { contractId: c.id, reports } }, w.vendor.key)).reportDelivery;
    if (receipt.__typename !== 'DeliveryReceipt') throw new Error(JSON.stringify(receipt));
  }
  return { spikeId, contractOf, contracts };
}

/** Recomputes scores now and returns each vendor's scorecard as the operator sees it (means, priors, decayed weights). */
export async function scorecardsNow(h: Harness, vendorIds: readonly string[]): Promise<Map<string, Scorecard>> {
  await recomputeScores(h.orm.em.fork() as never, h.clock);
  const cards = new Map<string, Scorecard>();
  for (const id of vendorIds) cards.set(id, op.flatPages(ok(await gql(h.url, op.SCORECARD, { id }, h.operatorKey)).vendorScorecard));
  return cards;
}

export interface Scorecard {
  composite: number;
  metrics: { metric: string; value: number; weight: number; points: number; mean: number | null; priorMean: number; effectiveWeight: number }[];
}

/**
 * The composite a vendor would have had if `extra` evidence had counted for one metric (amount and
 * weight added to its decayed sums, the prior left where it is, prior weight 20): what a refused
 * manipulation would have bought.
 */
export function counterfactual(card: Scorecard, metric: string, extra: { amount: number; weight: number }): number {
  const m = card.metrics.find((x) => x.metric === metric)!;
  const amount = (m.mean ?? 0) * m.effectiveWeight + extra.amount;
  const smoothed = Math.min(1, Math.max(0, (20 * m.priorMean + amount) / (20 + m.effectiveWeight + extra.weight)));
  return card.composite - m.points + 100 * m.weight * smoothed;
}

/**
 * A rate for `manipulator` that loses to `incumbent`'s on its real score but would win on the
 * score the manipulation would have bought: half-way between the two break-even rates.
 */
export function rateBetween(incumbentRate: number, incumbentScore: number, realScore: number, boughtScore: number): number {
  const rate = Math.round((incumbentRate / incumbentScore) * ((realScore + boughtScore) / 2));
  if (!(rate / realScore > incumbentRate / incumbentScore && rate / boughtScore < incumbentRate / incumbentScore)) throw new Error('no rate in between');
  return rate;
}

/** A fresh spike of `brand` with one bid per party (all intervals, 10 seats: one winner takes all), cleared now. */
export async function clearedBetween(h: Harness, brand: Party, bids: { vendor: Party; rate: number }[]) {
  const spikeId = await anOpenSpike(h.url, h.clock, brand.key);
  for (const b of bids) await aBid(h.url, b.vendor.key, spikeId, { rate: { amountMinor: String(b.rate), currency: 'USD' }, offered: everyInterval(10) });
  ok(await gql(h.url, op.CLOSE, { id: spikeId }, brand.key));
  await clearSpike(h.orm.em.fork() as never, h.clock, storedQualityScores, spikeId);
  return eventually(
    async () =>
      op.flatPages(ok(await gql(h.url, op.CLEARING_RESULT, { id: spikeId }, brand.key)).clearingResult) as {
        awards: { vendorId: string; score: number }[];
        bids: { vendorId: string; status: string; score: number }[];
      } | null,
  );
}

/** A client of /ingest/quality for `org`: rotates its secret once, then signs and posts batches. */
export async function signedPoster(h: Harness, org: Party) {
  const { secret } = ok(await gql(h.url, op.ROTATE_INGEST_SECRET, {}, org.key)).rotateQualityIngestSecret;
  return (events: unknown[]) => {
    const body = JSON.stringify({ events });
    return postIngest(h.url, body, signedHeaders(secret, org.id, body, h.clock.now()));
  };
}
