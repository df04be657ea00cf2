import type { EntityManager } from '@mikro-orm/postgresql';
import type { DemandSpike } from '../../persistence/entities/demand.js';
import { requireRole, type Principal } from '../access/principal.js';
import { recordInternalEvent } from '../events/outbox.js';
import type { Clock } from '../shared/clock.js';
import type { Result } from '../shared/result.js';
import { transitionSpike } from './spikes.js';

/**
 * OPEN → CLOSED now, before the close time (the brand, or the operator). Bids are final from here.
 * A `spike.closed_early` internal event, in the same transaction, has the spike cleared at once.
 */
export async function closeBidding(em: EntityManager, clock: Clock, actor: Principal | null, spikeId: string): Promise<Result<DemandSpike>> {
  const p = requireRole(actor, 'BRAND', 'OPERATOR');
  return transitionSpike(em, clock, p, spikeId, ['OPEN'], 'CLOSED', undefined, async (tem, spike, now) => {
    recordInternalEvent(tem, 'spike.closed_early', { spikeId: spike.id }, now);
  });
}
