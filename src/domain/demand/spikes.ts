import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DemandSpikeSchema, type DemandSpike } from '../../persistence/entities/demand.js';
import type { Principal } from '../access/principal.js';
import type { Clock } from '../shared/clock.js';
import { AccessError, fail, ok, type Result } from '../shared/result.js';
import { recordTransition } from '../shared/transitions.js';
import { inWorld } from '../sandbox/world.js';

/**
 * What the demand context's use cases share: the spike's status and outsourcing models, when
 * bidding is over, and the locked lifecycle change. Each use case has a file of its own
 * (post-demand-spike.ts, publish-demand-spike.ts, cancel-demand-spike.ts, close-bidding.ts,
 * change-bidding-close.ts).
 */

export type OutsourcingModel = 'NETWORK_DELIVERED' | 'ENTERPRISE_ROUTED' | 'VIRTUALIZED';
export type SpikeStatus = DemandSpike['status'];

/** Loads a spike for a lifecycle change by its brand (or the operator), locked against concurrent bids. */
export async function lockOwnSpike(em: EntityManager, actor: Principal, spikeId: string): Promise<DemandSpike> {
  const spike = await em.findOne(DemandSpikeSchema, { id: spikeId, ...inWorld('brand_id', actor) }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!spike || (actor.role !== 'OPERATOR' && spike.brandId !== actor.organizationId)) {
    throw new AccessError('NOT_FOUND', `No demand spike ${spikeId}`);
  }
  return spike;
}

/**
 * A lifecycle change of a spike by its brand (or the operator), in one transaction: locks the
 * spike, checks the state it leaves and `check`, records the transition, then runs `effects`
 * (outbox events) before the flush, so that they commit with it or not at all.
 */
export async function transitionSpike(
  em: EntityManager,
  clock: Clock,
  actor: Principal,
  spikeId: string,
  allowedFrom: readonly SpikeStatus[],
  to: SpikeStatus,
  check?: (spike: DemandSpike, now: Date) => Result<void> | null,
  effects?: (tem: EntityManager, spike: DemandSpike, now: Date) => Promise<void>,
): Promise<Result<DemandSpike>> {
  return em.transactional(async (tem) => {
    const spike = await lockOwnSpike(tem, actor, spikeId);
    if (!allowedFrom.includes(spike.status)) {
      return fail('INVALID_STATE', `The spike is ${spike.status}; this needs ${allowedFrom.join(' or ')}`, 'spikeId');
    }
    const now = clock.now();
    const refused = check?.(spike, now);
    if (refused && !refused.ok) return refused;
    recordTransition(tem, 'DemandSpike', spike.id, spike.status, to, actor, now);
    spike.status = to;
    spike.updatedAt = now;
    await effects?.(tem, spike, now);
    await tem.flush();
    return ok(spike);
  });
}

/** Bidding is over for a spike when it left OPEN or its close time has passed. */
export function biddingIsOver(spike: Pick<DemandSpike, 'status' | 'biddingClosesAt'>, now: Date): boolean {
  return spike.status !== 'OPEN' || spike.biddingClosesAt.getTime() <= now.getTime();
}
