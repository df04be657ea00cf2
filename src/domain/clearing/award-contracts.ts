import type { EntityManager } from '@mikro-orm/postgresql';
import type { Bid } from '../../persistence/entities/bidding.js';
import { ContractSchema, type ContractSeats } from '../../persistence/entities/contracts.js';
import type { DemandSpike } from '../../persistence/entities/demand.js';
import { recordInternalEvent } from '../events/outbox.js';
import { uuidv7 } from '../shared/ids.js';
import { recordTransition } from '../shared/transitions.js';
import type { ClearingResult } from './solve-clearing.js';

/** Service-credit terms written into every contract (PRODUCT.md section 7 defaults). */
export const DEFAULT_CREDIT_PER_POINT = 0.01;
export const DEFAULT_CREDIT_CAP = 0.1;

/**
 * One contract per winning vendor: its awarded seats per interval at its (pay-as-bid) rate, in the
 * clearing's unit of work, each with a `contract.created` internal event so that its settlement is
 * scheduled once the clearing commits. Returns contract ids by bid id.
 */
export function createContracts(em: EntityManager, spike: DemandSpike, bids: Bid[], result: ClearingResult, now: Date): Map<string, string> {
  const ids = new Map<string, string>();
  const lengthMs = spike.intervalMinutes * 60_000;
  for (const bid of bids) {
    const awards = result.awards.filter((a) => a.bidId === bid.id).sort((a, b) => a.index - b.index);
    if (!awards.length) continue;
    const seats: ContractSeats[] = awards.map((a) => ({ index: a.index, startsAt: spike.intervals[a.index]!.startsAt, seats: a.seats }));
    const id = uuidv7();
    const endsAt = new Date(Date.parse(seats.at(-1)!.startsAt) + lengthMs);
    em.create(ContractSchema, {
      id,
      spikeId: spike.id,
      brandId: spike.brandId,
      vendorId: bid.vendorId,
      bidId: bid.id,
      status: 'ACTIVE',
      rateMinor: bid.rateMinor,
      currency: bid.currency,
      intervalMinutes: spike.intervalMinutes,
      seats,
      serviceLevelTarget: spike.serviceLevelTarget,
      serviceLevelSeconds: spike.serviceLevelSeconds,
      creditPerPoint: DEFAULT_CREDIT_PER_POINT,
      creditCap: DEFAULT_CREDIT_CAP,
      startsAt: new Date(seats[0]!.startsAt),
      endsAt,
      createdAt: now,
      needsSettlement: false,
    });
    recordTransition(em, 'Contract', id, null, 'ACTIVE', null, now);
    recordInternalEvent(em, 'contract.created', { contractId: id, endsAt: endsAt.toISOString() }, now);
    ids.set(bid.id, id);
  }
  return ids;
}
