import type { EntityManager } from '@mikro-orm/postgresql';
import type { DemandSpike } from '../../persistence/entities/demand.js';
import { requireRole, type Principal } from '../access/principal.js';
import type { Clock } from '../shared/clock.js';
import { fail, type Result } from '../shared/result.js';
import { biddingIsOver, transitionSpike } from './spikes.js';

/**
 * DRAFT or OPEN → CANCELLED (the brand, or the operator), but not once the close time has passed:
 * the bids are unsealed for the brand from then on and the spike is due for clearing, so a brand
 * that could still cancel could read every price and repost lower. Active bids stay as they are,
 * unawarded.
 */
export async function cancelDemandSpike(em: EntityManager, clock: Clock, actor: Principal | null, spikeId: string): Promise<Result<DemandSpike>> {
  const p = requireRole(actor, 'BRAND', 'OPERATOR');
  return transitionSpike(em, clock, p, spikeId, ['DRAFT', 'OPEN'], 'CANCELLED', (spike, now) =>
    spike.status === 'OPEN' && biddingIsOver(spike, now)
      ? fail('INVALID_STATE', `Bidding closed at ${spike.biddingClosesAt.toISOString()}; the spike is being cleared and can no longer be cancelled`, 'spikeId')
      : null,
  );
}
