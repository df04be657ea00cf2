import type { EntityManager } from '@mikro-orm/postgresql';
import { BidSchema, type Bid } from '../../persistence/entities/bidding.js';
import { requireRole, type Principal } from '../access/principal.js';
import { notEligible } from '../demand/eligibility.js';
import { loadEligibility } from '../demand/eligibility-facts.js';
import { spikeNotFound } from '../demand/spike-queries.js';
import { biddingIsOver } from '../demand/spikes.js';
import type { QualityScores } from '../quality/quality-scores.js';
import type { Clock } from '../shared/clock.js';
import { fail, ok, type Result } from '../shared/result.js';
import { ownBid } from './bid-queries.js';
import { applyBidRevision, type BidRevision } from './bid-revision.js';
import { validateBidTerms } from './bid-terms.js';

/** A revision (null fields mean "unchanged"; see applyBidRevision for the order) of one bid at a stated version. */
export interface ReviseBidCommand extends BidRevision {
  bidId: string;
  expectedVersion: number;
}

/**
 * Revises an ACTIVE bid until close, with optimistic concurrency: the caller states the version
 * it read, and a stale version is a CONFLICT. The update is conditional on that version in SQL,
 * so of concurrent revisions with the same version exactly one wins. The spike is share-locked by
 * the eligibility read, so closing bidding cannot interleave.
 */
export async function reviseBid(em: EntityManager, clock: Clock, scores: QualityScores, actor: Principal | null, cmd: ReviseBidCommand): Promise<Result<Bid>> {
  const p = requireRole(actor, 'VENDOR');
  const current = await ownBid(em, p, cmd.bidId);
  return em.transactional(async (tem) => {
    const facts = await loadEligibility(tem, scores, current.spikeId, [p.organizationId], { lock: 'share' });
    // The vendor holds a bid on the spike, so it sees the spike (spike-queries.ts, vendorSeesSpike):
    // its status and the vendor's own failed rules are its to know.
    if (!facts || facts.spike.status === 'DRAFT') throw spikeNotFound(current.spikeId);
    const { spike } = facts;
    if (biddingIsOver(spike, clock.now())) return fail('BIDDING_CLOSED', `Bidding on this spike closed (status ${spike.status})`, 'spikeId');
    const failures = facts.vendors.get(p.organizationId)?.failures ?? [];
    if (failures.length) return notEligible(failures);
    const bid = await tem.findOneOrFail(BidSchema, { id: cmd.bidId }, { refresh: true });
    if (bid.status !== 'ACTIVE') return fail('INVALID_STATE', `The bid is ${bid.status}`, 'bidId');
    if (bid.version !== cmd.expectedVersion) return fail('CONFLICT', `The bid is at version ${bid.version}, not ${cmd.expectedVersion}`, 'expectedVersion');
    const terms = validateBidTerms(spike, applyBidRevision(bid, cmd));
    if (!terms.ok) return terms;
    const t = terms.value;
    const now = clock.now();
    const updated = await tem.nativeUpdate(
      BidSchema,
      { id: bid.id, version: cmd.expectedVersion, status: 'ACTIVE' },
      {
        rateMinor: t.rateMinor,
        currency: t.currency,
        offered: t.offered,
        minSeatsPerInterval: t.minSeatsPerInterval,
        minTotalSeatHours: t.minTotalSeatHours,
        note: t.note,
        version: cmd.expectedVersion + 1,
        submittedAt: now,
        updatedAt: now,
      },
    );
    if (updated !== 1) return fail('CONFLICT', 'The bid changed concurrently; read it again and retry', 'expectedVersion');
    return ok(await tem.findOneOrFail(BidSchema, { id: bid.id }, { refresh: true }));
  });
}
