import type { EntityManager } from '@mikro-orm/postgresql';
import type { DemandSpike } from '../../persistence/entities/demand.js';
import { requireRole, type Principal } from '../access/principal.js';
import type { DemandSpikePostedData } from '../events/event-types.js';
import { recordEvent, recordInternalEvent } from '../events/outbox.js';
import type { QualityScores } from '../quality/quality-scores.js';
import type { Clock } from '../shared/clock.js';
import { fail, type Result } from '../shared/result.js';
import { eligibleVendorIds } from './spike-queries.js';
import { transitionSpike } from './spikes.js';

/**
 * DRAFT → OPEN: vendors can now see the spike and bid until its close time. In the same
 * transaction, a `demand_spike.posted` event goes to the outbox for the vendors eligible now, and
 * a `spike.opened` internal event schedules the clearing at the close time.
 */
export async function publishDemandSpike(
  em: EntityManager,
  clock: Clock,
  scores: QualityScores,
  actor: Principal | null,
  spikeId: string,
): Promise<Result<DemandSpike>> {
  const p = requireRole(actor, 'BRAND');
  return transitionSpike(
    em,
    clock,
    p,
    spikeId,
    ['DRAFT'],
    'OPEN',
    (spike, now) =>
      spike.biddingClosesAt.getTime() <= now.getTime()
        ? fail('VALIDATION', 'The bidding close time has passed; post a new spike with a later close', 'spikeId')
        : null,
    async (tem, spike, now) => {
      recordEvent(tem, 'demand_spike.posted', await eligibleVendorIds(tem, scores, spike), spikePostedData(spike), now);
      recordInternalEvent(tem, 'spike.opened', { spikeId: spike.id, biddingClosesAt: spike.biddingClosesAt.toISOString() }, now);
    },
  );
}

function spikePostedData(spike: DemandSpike): DemandSpikePostedData {
  return {
    spikeId: spike.id,
    brandId: spike.brandId,
    title: spike.title,
    channel: spike.channel,
    requiredSkills: spike.requiredSkills,
    requiredCertifications: spike.requiredCertifications,
    intervalMinutes: spike.intervalMinutes,
    intervalCount: spike.intervals.length,
    totalRequiredSeats: spike.intervals.reduce((sum, i) => sum + i.requiredSeats, 0),
    firstIntervalStartsAt: spike.intervals[0]!.startsAt,
    reserveRate: { amountMinor: spike.reserveRateMinor.toString(), currency: spike.currency },
    biddingClosesAt: spike.biddingClosesAt.toISOString(),
    outsourcingModel: spike.outsourcingModel,
  };
}
