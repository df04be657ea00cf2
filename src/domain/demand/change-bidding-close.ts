import type { EntityManager } from '@mikro-orm/postgresql';
import type { DemandSpike } from '../../persistence/entities/demand.js';
import { requireRole, type Principal } from '../access/principal.js';
import { recordInternalEvent } from '../events/outbox.js';
import type { Clock } from '../shared/clock.js';
import { fail, ok, type Result } from '../shared/result.js';
import { lockOwnSpike } from './spikes.js';

/**
 * Moves an OPEN spike's bidding close to another time, still in the future and no later than
 * its first interval (the brand, or the operator). A `spike.close_moved` internal event, in the
 * same transaction, moves the clearing to the new time.
 */
export async function changeBiddingClose(
  em: EntityManager,
  clock: Clock,
  actor: Principal | null,
  spikeId: string,
  closesAt: Date,
): Promise<Result<DemandSpike>> {
  const p = requireRole(actor, 'BRAND', 'OPERATOR');
  return em.transactional(async (tem) => {
    const spike = await lockOwnSpike(tem, p, spikeId);
    const now = clock.now();
    if (spike.status !== 'OPEN' || spike.biddingClosesAt.getTime() <= now.getTime()) {
      return fail('INVALID_STATE', `Bidding is not open (status ${spike.status})`, 'spikeId');
    }
    if (closesAt.getTime() <= now.getTime()) return fail('VALIDATION', 'The new close time must be in the future', 'biddingClosesAt');
    if (closesAt.getTime() > Date.parse(spike.intervals[0]!.startsAt)) {
      return fail('VALIDATION', 'Bidding must close before the first interval starts', 'biddingClosesAt');
    }
    spike.biddingClosesAt = closesAt;
    spike.updatedAt = now;
    recordInternalEvent(tem, 'spike.close_moved', { spikeId: spike.id, biddingClosesAt: closesAt.toISOString() }, now);
    await tem.flush();
    return ok(spike);
  });
}
