import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { BidSchema, type Bid } from '../../persistence/entities/bidding.js';
import { DemandSpikeSchema, type DemandSpike } from '../../persistence/entities/demand.js';
import { OrganizationSchema } from '../../persistence/entities/access.js';
import { requireRole, type Principal } from '../access/principal.js';
import { eligibilityFailures } from '../demand/eligibility.js';
import { spikeNotFound } from '../demand/spike-queries.js';
import { biddingIsOver } from '../demand/spikes.js';
import type { QualityScores } from '../quality/quality-scores.js';
import type { Clock } from '../shared/clock.js';
import { recordTransition } from '../shared/transitions.js';
import { AccessError, fail, ok, type Result } from '../shared/result.js';
import { applyBidRevision, type BidRevision } from './bid-revision.js';
import { validateBidTerms } from './bid-terms.js';

/**
 * Checks, under a share lock on the spike (so that closing cannot interleave), that bidding is
 * open and the vendor is eligible. Returns the spike, or the failure to report.
 */
async function lockOpenSpikeFor(em: EntityManager, clock: Clock, scores: QualityScores, p: Principal, spikeId: string): Promise<Result<DemandSpike>> {
  const spike = await em.findOne(DemandSpikeSchema, { id: spikeId }, { lockMode: LockMode.PESSIMISTIC_READ });
  // The vendor holds a bid on the spike, so it sees the spike (spike-queries.ts, vendorSeesSpike):
  // its status and the vendor's own failed rules are its to know.
  if (!spike || spike.status === 'DRAFT') throw spikeNotFound(spikeId);
  if (biddingIsOver(spike, clock.now())) return fail('BIDDING_CLOSED', `Bidding on this spike closed (status ${spike.status})`, 'spikeId');
  const vendor = await em.findOneOrFail(OrganizationSchema, { id: p.organizationId });
  const standing = (await scores.standingsOf(em, [vendor.id], { skills: spike.requiredSkills, channel: spike.channel })).get(vendor.id)!;
  const failures = eligibilityFailures(vendor, spike, standing);
  if (failures.length) {
    return { ok: false, failure: { kind: 'NOT_ELIGIBLE', message: failures.map((f) => f.detail).join('; '), field: 'spikeId', rules: failures } };
  }
  return ok(spike);
}

/** A revision (null fields mean "unchanged"; see applyBidRevision for the order) of one bid at a stated version. */
export interface ReviseBidCommand extends BidRevision {
  bidId: string;
  expectedVersion: number;
}

async function ownBid(em: EntityManager, p: Principal, bidId: string): Promise<Bid> {
  const bid = await em.findOne(BidSchema, { id: bidId });
  if (!bid || bid.vendorId !== p.organizationId) throw new AccessError('NOT_FOUND', `No bid ${bidId}`);
  return bid;
}

/**
 * Revises an ACTIVE bid until close, with optimistic concurrency: the caller states the version
 * it read, and a stale version is a CONFLICT. The update is conditional on that version in SQL,
 * so of concurrent revisions with the same version exactly one wins.
 */
export async function reviseBid(em: EntityManager, clock: Clock, scores: QualityScores, actor: Principal | null, cmd: ReviseBidCommand): Promise<Result<Bid>> {
  const p = requireRole(actor, 'VENDOR');
  const current = await ownBid(em, p, cmd.bidId);
  return em.transactional(async (tem) => {
    const spike = await lockOpenSpikeFor(tem, clock, scores, p, current.spikeId);
    if (!spike.ok) return spike;
    const bid = await tem.findOneOrFail(BidSchema, { id: cmd.bidId }, { refresh: true });
    if (bid.status !== 'ACTIVE') return fail('INVALID_STATE', `The bid is ${bid.status}`, 'bidId');
    if (bid.version !== cmd.expectedVersion) return fail('CONFLICT', `The bid is at version ${bid.version}, not ${cmd.expectedVersion}`, 'expectedVersion');
    const terms = validateBidTerms(spike.value, applyBidRevision(bid, cmd));
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

/** Withdraws an ACTIVE bid while bidding is open. With an expected version, a stale one is a CONFLICT. */
export async function withdrawBid(
  em: EntityManager,
  clock: Clock,
  scores: QualityScores,
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
