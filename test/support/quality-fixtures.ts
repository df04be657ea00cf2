import { awardSpike } from '../../src/domain/clearing/award-spike.js';
import { storedQualityScores } from '../../src/domain/quality/quality-scores.js';
import { aBid, anOpenSpike, type Party } from './builders.js';
import { gql, ok } from './client.js';
import { eventually, type Harness } from './harness.js';
import * as op from './operations.js';

const DAY = 86_400_000;
const everyInterval = (seats: number) => [0, 1, 2, 3].map((index) => ({ index, seats }));

export interface Winner { vendor: Party; seats: number; rate: string }

/**
 * A spike of `brand` that ran three days ago (four 30-minute CHAT intervals of 10 seats each, in
 * seats, so contacts handled are at most 120 per staffed seat-hour), won by `winners` in the order
 * given. Each winner then reports its interval actuals now: staffed exactly as awarded (adherence
 * 1), `contactsPerInterval` contacts, no service level. Returns the spike and each winner's contract.
 */
export async function aDeliveredSpike(h: Harness, brand: Party, winners: Winner[], contactsPerInterval = 40, spikeOverrides: Record<string, unknown> = {}) {
  const now = h.clock.now();
  h.clock.set(new Date(now.getTime() - 3 * DAY));
  const spikeId = await anOpenSpike(h.url, h.clock, brand.key, spikeOverrides);
  for (const w of winners) await aBid(h.url, w.vendor.key, spikeId, { rate: { amountMinor: w.rate, currency: 'USD' }, offered: everyInterval(w.seats) });
  ok(await gql(h.url, op.CLOSE, { id: spikeId }, brand.key));
  // Clears here, or the harness's clearing worker did it first (then this is SKIPPED).
  await awardSpike(h.orm.em.fork() as never, h.clock, storedQualityScores, spikeId);
  h.clock.set(now);
  const contracts = await eventually(async () => {
    const nodes = ok(await gql(h.url, op.CONTRACTS, { spikeId }, brand.key)).contracts.nodes as { id: string; vendorId: string; seats: { index: number; seats: number }[] }[];
    return nodes.length ? nodes : null;
  });
  const contractOf = new Map<string, string>();
  for (const w of winners) {
    const c = contracts.find((x) => x.vendorId === w.vendor.id);
    if (!c) continue;
    contractOf.set(w.vendor.id, c.id);
    const reports = c.seats.map((s) => ({ intervalIndex: s.index, staffedSeatHours: s.seats / 2, contactsHandled: contactsPerInterval, serviceLevelAchieved: null }));
    const receipt = ok(await gql(h.url, op.REPORT_DELIVERY, { input: { contractId: c.id, reports } }, w.vendor.key)).reportDelivery;
    if (receipt.__typename !== 'DeliveryReceipt') throw new Error(JSON.stringify(receipt));
  }
  return { spikeId, contractOf, contracts };
}
