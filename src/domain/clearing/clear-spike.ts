import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import {
  AuditRecordSchema,
  AwardSchema,
  BidOutcomeSchema,
  ClearingFailureSchema,
  ClearingResultSchema,
  type StoredBidToBeat,
} from '../../persistence/entities/clearing.js';
import { BidSchema } from '../../persistence/entities/bidding.js';
import { DemandSpikeSchema, type DemandSpike } from '../../persistence/entities/demand.js';
import { loadEligibility } from '../demand/eligibility-facts.js';
import type { QualityScores } from '../quality/quality-scores.js';
import { canonicalJson, sha256Hex } from '../shared/canonical-json.js';
import type { Clock } from '../shared/clock.js';
import { uuidv7 } from '../shared/ids.js';
import { recordTransition } from '../shared/transitions.js';
import { recordEvent } from '../events/outbox.js';
import { createContracts } from './award-contracts.js';
import { auditDocument, clearedIntervals } from './clearing-records.js';
import { solveClearing, type ClearingInput, type ClearingResult } from './solve-clearing.js';
import { adjustedRateUnits, RATE_UNITS_PER_MINOR } from './problem.js';

export const CLEARING_TIME_LIMIT_SECONDS = 120;

export type ClearSpikeOutcome =
  | { kind: 'AWARDED'; spikeId: string; contractIds: string[]; auditSha256: string }
  | { kind: 'NOT_DUE'; closesAt: Date }
  | { kind: 'SKIPPED'; status: DemandSpike['status'] | 'MISSING' };

/**
 * Clears a spike (the use case the `clear-spike` job runs), exactly once in effect: under a row
 * lock on the spike, checks that it is due (OPEN past its close time, or CLOSED) and not cleared
 * yet, solves the award, and writes the result, awards, bid outcomes, contracts, the audit record,
 * one `bid.outcome` outbox event per bid and one `contract.created` internal event per contract
 * (which schedules its settlement) in the same transaction. A duplicate job waits for the lock
 * and then finds the spike AWARDED; a crash rolls everything back; the clearing_result primary
 * key refuses a second result even if the lock were bypassed. `solve` is `solveClearing` itself,
 * or the same run elsewhere (the worker process runs it on a thread, see workers/solver.ts).
 */
export async function clearSpike(
  em: EntityManager,
  clock: Clock,
  scores: QualityScores,
  spikeId: string,
  solve: (input: ClearingInput) => Promise<ClearingResult> = solveClearing,
): Promise<ClearSpikeOutcome> {
  return em.transactional(async (tem) => {
    const spike = await tem.findOne(DemandSpikeSchema, { id: spikeId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
    if (!spike) return { kind: 'SKIPPED', status: 'MISSING' };
    const now = clock.now();
    if (spike.status === 'OPEN') {
      if (spike.biddingClosesAt.getTime() > now.getTime()) return { kind: 'NOT_DUE', closesAt: spike.biddingClosesAt };
      recordTransition(tem, 'DemandSpike', spike.id, 'OPEN', 'CLOSED', null, now);
      spike.status = 'CLOSED';
    } else if (spike.status !== 'CLOSED') {
      return { kind: 'SKIPPED', status: spike.status };
    }

    const bids = await tem.find(BidSchema, { spikeId, status: 'ACTIVE' }, { orderBy: { id: 'asc' } });
    // Eligibility again, as it stands now (a vendor suspended after bidding loses as INELIGIBLE).
    const facts = (await loadEligibility(tem, scores, spikeId, [...new Set(bids.map((b) => b.vendorId))]))!.vendors;
    const scoreMap = new Map([...facts].map(([id, v]) => [id, v.standing.score]));
    const ineligible = new Map<string, string>();
    for (const bid of bids) {
      const failures = facts.get(bid.vendorId)!.failures;
      if (failures.length) ineligible.set(bid.id, failures.map((f) => `${f.rule}: ${f.detail}`).join('; '));
    }
    const eligible = bids.filter((b) => !ineligible.has(b.id));
    const intervalHours = spike.intervalMinutes / 60;
    const result = await solve({
      intervalHours,
      intervals: spike.intervals.map((i) => ({ index: i.index, requiredSeats: i.requiredSeats })),
      bids: eligible.map((b) => ({
        bidId: b.id,
        vendorId: b.vendorId,
        rateMinor: b.rateMinor,
        offered: b.offered,
        minSeatsPerInterval: b.minSeatsPerInterval,
        minTotalSeatHours: b.minTotalSeatHours,
        submittedAt: b.submittedAt,
      })),
      maxVendorShare: spike.maxVendorShare,
      qualityWeight: spike.qualityWeight,
      scores: scoreMap,
      // Large coupled spikes can take tens of seconds to prove optimal (docs/benchmarks.md); a
      // time-out fails the job, which BullMQ retries, and never awards a partial result.
      timeLimitSeconds: CLEARING_TIME_LIMIT_SECONDS,
    });

    const cleared = clearedIntervals(spike, result);
    tem.create(ClearingResultSchema, {
      spikeId,
      status: result.status,
      solver: result.solver,
      coveredSeatHours: result.objective.coveredSeatHours,
      adjustedCost: result.objective.adjustedCost,
      intervals: cleared,
      createdAt: now,
    });
    const outcomeById = new Map(result.bids.map((o) => [o.bidId, o]));
    const winningRate = new Map(result.bidToBeat.map((t) => [t.index, t.highestWinningAdjustedRate]));
    for (const award of result.awards) {
      const o = outcomeById.get(award.bidId)!;
      tem.create(AwardSchema, {
        id: uuidv7(),
        spikeId,
        bidId: award.bidId,
        vendorId: award.vendorId,
        intervalIndex: award.index,
        seats: award.seats,
        score: o.score,
        adjustedRate: o.adjustedRate,
      });
    }
    const contractByBid = createContracts(tem, spike, bids, result, now);
    for (const bid of bids) {
      const o = outcomeById.get(bid.id);
      const score = scoreMap.get(bid.vendorId)!;
      const adjustedRate = o?.adjustedRate ?? adjustedRateUnits(bid.rateMinor, score, spike.qualityWeight) / RATE_UNITS_PER_MINOR;
      const status = o?.status ?? 'LOST';
      const bidToBeat: StoredBidToBeat[] = bid.offered.map((offer) => ({
        index: offer.index,
        ownAdjustedRate: adjustedRate,
        highestWinningAdjustedRate: winningRate.get(offer.index) ?? null,
        awardedSeats: result.awards.find((a) => a.bidId === bid.id && a.index === offer.index)?.seats ?? 0,
      }));
      tem.create(BidOutcomeSchema, {
        bidId: bid.id,
        spikeId,
        vendorId: bid.vendorId,
        status,
        reason: o?.reason ?? 'INELIGIBLE',
        reasonDetail: ineligible.get(bid.id) ?? null,
        score,
        adjustedRate,
        awardedSeatHours: o?.awardedSeatHours ?? 0,
        bidToBeat,
      });
      recordTransition(tem, 'Bid', bid.id, 'ACTIVE', status, null, now);
      bid.status = status;
      bid.updatedAt = now;
      // Sealed bidding: the event goes to the bidding vendor alone and names nobody else.
      recordEvent(
        tem,
        'bid.outcome',
        [bid.vendorId],
        {
          bidId: bid.id,
          spikeId,
          vendorId: bid.vendorId,
          status,
          reason: o?.reason ?? 'INELIGIBLE',
          reasonDetail: ineligible.get(bid.id) ?? null,
          awardedSeatHours: o?.awardedSeatHours ?? 0,
          contractId: contractByBid.get(bid.id) ?? null,
        },
        now,
      );
    }
    recordTransition(tem, 'DemandSpike', spike.id, 'CLOSED', 'AWARDED', null, now);
    spike.status = 'AWARDED';
    spike.updatedAt = now;

    const document = auditDocument(spike, bids, ineligible, scoreMap, result, cleared, now);
    const canonical = canonicalJson(document);
    const auditSha256 = sha256Hex(canonical);
    tem.create(AuditRecordSchema, { spikeId, document, canonical, sha256: auditSha256, createdAt: now });
    await tem.flush();
    // Cleared at last: an earlier failed attempt no longer describes the spike.
    await tem.nativeDelete(ClearingFailureSchema, { spikeId });
    return { kind: 'AWARDED', spikeId, contractIds: [...contractByBid.values()], auditSha256 };
  });
}
