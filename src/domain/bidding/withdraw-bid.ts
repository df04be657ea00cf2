import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { BidSchema, type Bid } from '../../persistence/entities/bidding.js';
import { DemandSpikeSchema } from '../../persistence/entities/demand.js';
import { requireRole, type Principal } from '../access/principal.js';
import { biddingIsOver } from '../demand/spikes.js';
import type { Clock } from '../shared/clock.js';
import { fail, ok, type Result } from '../shared/result.js';
import { recordTransition } from '../shared/transitions.js';
import { ownBid } from './bid-queries.js';

/**
 * Withdraws an ACTIVE bid while bidding is open. With an expected version, a stale one is a
 * CONFLICT. Eligibility does not matter: a vendor may always take back its own offer. The spike is
 * share-locked, so closing bidding cannot interleave.
 */
export async function withdrawBid(
  em: EntityManager,
  clock: Clock,
  actor: Principal | null,
  cmd: { bidId: string; expectedVersion?: number | null },
): Promise<Result<Bid>> {
  const p = requireRole(actor, 'VENDOR');
  const current = await ownBid(em, p, cmd.bidId);
  return em.transactional(async (tem) => {
    const spike = await tem.findOne(DemandSpikeSchema, { id: current.spikeId }, { lockMode: LockMode.PESSIMISTIC_READ });
    if (!spike || biddingIsOver(spike, clock.now())) return fail('BIDDING_CLOSED', 'Bidding on this spike has closed', 'bidId');
    const bid = await tem.findOneOrFail(BidSchema, { id: cmd.bidId }, { refresh: true });
    if (bid.status !== 'ACTIVE') return fail('INVALID_STATE', `The bid is ${bid.status}`, 'bidId');
    const expected = cmd.expectedVersion ?? bid.version;
    // Compared here, before the update: `expected + 1` for a client's 2147483647 overflowed the
    // integer column and failed as an internal error (found by test/fuzz-mutations.test.ts).
    if (expected !== bid.version) return fail('CONFLICT', `The bid is at version ${bid.version}, not ${expected}`, 'expectedVersion');
    const now = clock.now();
    const updated = await tem.nativeUpdate(
      BidSchema,
      { id: bid.id, version: bid.version, status: 'ACTIVE' },
      { status: 'WITHDRAWN', version: bid.version + 1, updatedAt: now },
    );
    if (updated !== 1) return fail('CONFLICT', 'The bid changed concurrently; read it again and retry', 'expectedVersion');
    recordTransition(tem, 'Bid', bid.id, 'ACTIVE', 'WITHDRAWN', p, now);
    await tem.flush();
    return ok(await tem.findOneOrFail(BidSchema, { id: bid.id }, { refresh: true }));
  });
}
