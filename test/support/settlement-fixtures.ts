import { clearSpike } from '../../src/domain/clearing/clear-spike.js';
import { neutralQualityScores } from '../../src/domain/quality/quality-scores.js';
import { aBid, anOpenSpike, type Market } from './builders.js';
import { gql, ok } from './client.js';
import type { Harness } from './harness.js';
import * as op from './operations.js';

/** Fixtures of the settlement tests: contracts ready to settle and their delivery reports. */
export const usd = (amountMinor: string) => ({ amountMinor, currency: 'USD' });
export const DAY = 86_400_000;

/** A contract for vendor A: 4 seats in each of four 30-minute intervals at 25.00 USD per seat-hour, all intervals over. */
export async function aDeliveredContract(h: Harness, m: Market, overrides: Record<string, unknown> = {}): Promise<string> {
  const spikeId = await anOpenSpike(h.url, h.clock, m.brand.key, overrides);
  await aBid(h.url, m.vendorA.key, spikeId, { rate: usd('2500'), offered: [0, 1, 2, 3].map((index) => ({ index, seats: 4 })) });
  ok(await gql(h.url, op.CLOSE, { id: spikeId }, m.brand.key));
  const awarded = await clearSpike(h.orm.em.fork() as never, h.clock, neutralQualityScores, spikeId);
  if (awarded.kind !== 'AWARDED') throw new Error('did not clear');
  h.clock.advance(3 * DAY);
  return awarded.contractIds[0]!;
}

/** reportDelivery over GraphQL with the given key. */
export const reportDelivery = (h: Harness, contractId: string, key: string, reports: Record<string, unknown>[]) =>
  gql(h.url, op.REPORT_DELIVERY, { input: { contractId, reports } }, key);

/** A full interval: 2 staffed seat-hours, 40 contacts, the given service level. */
export const fullInterval = (index: number, serviceLevelAchieved = 0.85) => ({
  intervalIndex: index,
  staffedSeatHours: 2,
  contactsHandled: 40,
  serviceLevelAchieved,
});
