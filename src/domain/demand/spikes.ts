import { LockMode } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DemandSpikeSchema, type DemandSpike } from '../../persistence/entities/demand.js';
import { requireRole, type Principal } from '../access/principal.js';
import { canonicalJson, sha256Hex } from '../shared/canonical-json.js';
import type { Clock } from '../shared/clock.js';
import { uuidv7 } from '../shared/ids.js';
import { AccessError, fail, ok, type Result } from '../shared/result.js';
import { recordTransition } from '../shared/transitions.js';
import type { DemandSpikePostedData } from '../events/event-types.js';
import { recordEvent } from '../events/outbox.js';
import type { QualityScores } from '../quality/quality-scores.js';
import { eligibleVendorIds } from './spike-queries.js';
import type { Channel } from './erlang-c.js';
import { deriveIntervals, overPreciseTerm, type IntervalInput } from './spike-terms.js';

export type OutsourcingModel = 'NETWORK_DELIVERED' | 'ENTERPRISE_ROUTED' | 'VIRTUALIZED';
export type SpikeStatus = DemandSpike['status'];

export interface PostDemandSpikeCommand {
  idempotencyKey?: string | null;
  title: string;
  channel: Channel;
  requiredSkills: string[];
  requiredCertifications: string[];
  timeZone: string;
  intervalMinutes: number;
  intervals: IntervalInput[];
  serviceLevelTarget: number;
  serviceLevelSeconds: number;
  maxOccupancy?: number | null;
  shrinkage?: number | null;
  chatConcurrency?: number | null;
  reserveRateMinor: bigint;
  currency: string;
  minQualityScore?: number | null;
  maxVendorShare?: number | null;
  qualityWeight?: number | null;
  biddingClosesAt: Date;
  outsourcingModel: OutsourcingModel;
}

/**
 * Posts a spike as a DRAFT for the calling brand. With an idempotency key, a retry with the same
 * payload returns the spike made the first time and a different payload under the same key is
 * a CONFLICT. A decimal term with more decimals than it is used with (SPIKE_TERM_DECIMALS) is a
 * ValidationError naming it: what is stored is then exactly what Erlang C, clearing and
 * settlement each use.
 */
export async function postDemandSpike(em: EntityManager, clock: Clock, actor: Principal | null, cmd: PostDemandSpikeCommand): Promise<Result<DemandSpike>> {
  const p = requireRole(actor, 'BRAND');
  const { idempotencyKey, ...payload } = cmd;
  const payloadHash = sha256Hex(canonicalJson(payload));
  if (idempotencyKey) {
    const existing = await em.findOne(DemandSpikeSchema, { brandId: p.organizationId, idempotencyKey });
    if (existing) return replay(existing, payloadHash);
  }
  const terms = {
    ...cmd,
    maxOccupancy: cmd.maxOccupancy ?? 0.85,
    shrinkage: cmd.shrinkage ?? 0,
    chatConcurrency: cmd.chatConcurrency ?? 1,
    qualityWeight: cmd.qualityWeight ?? 1,
  };
  if (terms.chatConcurrency !== 1 && cmd.channel !== 'CHAT') return fail('VALIDATION', 'chatConcurrency applies to CHAT spikes only', 'input.chatConcurrency');
  const overPrecise = overPreciseTerm(cmd);
  if (overPrecise) return overPrecise;
  const intervals = deriveIntervals(terms);
  if (!intervals.ok) return intervals;

  const now = clock.now();
  const spike = em.create(DemandSpikeSchema, {
    id: uuidv7(),
    brandId: p.organizationId,
    title: cmd.title.trim(),
    channel: cmd.channel,
    requiredSkills: [...new Set(cmd.requiredSkills.map((s) => s.trim()))].sort(),
    requiredCertifications: [...new Set(cmd.requiredCertifications.map((s) => s.trim()))].sort(),
    timeZone: cmd.timeZone,
    intervalMinutes: cmd.intervalMinutes,
    intervals: intervals.value,
    serviceLevelTarget: cmd.serviceLevelTarget,
    serviceLevelSeconds: cmd.serviceLevelSeconds,
    maxOccupancy: terms.maxOccupancy,
    shrinkage: terms.shrinkage,
    chatConcurrency: terms.chatConcurrency,
    reserveRateMinor: cmd.reserveRateMinor,
    currency: cmd.currency,
    minQualityScore: cmd.minQualityScore ?? null,
    maxVendorShare: cmd.maxVendorShare ?? null,
    qualityWeight: terms.qualityWeight,
    biddingClosesAt: cmd.biddingClosesAt,
    outsourcingModel: cmd.outsourcingModel,
    status: 'DRAFT',
    idempotencyKey: idempotencyKey ?? null,
    payloadHash,
    createdAt: now,
    updatedAt: now,
  });
  recordTransition(em, 'DemandSpike', spike.id, null, 'DRAFT', p, now);
  try {
    await em.flush();
  } catch (error) {
    // A concurrent request with the same key won the insert: answer as its replay.
    if (idempotencyKey && (error as { name?: string }).name === 'UniqueConstraintViolationException') {
      em.clear();
      const existing = await em.findOneOrFail(DemandSpikeSchema, { brandId: p.organizationId, idempotencyKey });
      return replay(existing, payloadHash);
    }
    throw error;
  }
  return ok(spike);
}

function replay(existing: DemandSpike, payloadHash: string): Result<DemandSpike> {
  if (existing.payloadHash !== payloadHash) {
    return fail('CONFLICT', 'This idempotency key was already used with a different payload', 'idempotencyKey');
  }
  return ok(existing);
}

/** Loads a spike for a lifecycle change by its brand (or the operator), locked against concurrent bids. */
async function lockOwnSpike(em: EntityManager, actor: Principal, spikeId: string): Promise<DemandSpike> {
  const spike = await em.findOne(DemandSpikeSchema, { id: spikeId }, { lockMode: LockMode.PESSIMISTIC_WRITE });
  if (!spike || (actor.role !== 'OPERATOR' && spike.brandId !== actor.organizationId)) {
    throw new AccessError('NOT_FOUND', `No demand spike ${spikeId}`);
  }
  return spike;
}

async function transition(
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

/**
 * DRAFT → OPEN: vendors can now see the spike and bid until its close time. In the same
 * transaction, a `demand_spike.posted` event goes to the outbox for the vendors eligible now.
 */
export async function publishDemandSpike(
  em: EntityManager,
  clock: Clock,
  scores: QualityScores,
  actor: Principal | null,
  spikeId: string,
): Promise<Result<DemandSpike>> {
  const p = requireRole(actor, 'BRAND');
  return transition(
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

/**
 * DRAFT or OPEN → CANCELLED (the brand, or the operator), but not once the close time has passed:
 * the bids are unsealed for the brand from then on and the spike is due for clearing, so a brand
 * that could still cancel could read every price and repost lower. Active bids stay as they are,
 * unawarded.
 */
export async function cancelDemandSpike(em: EntityManager, clock: Clock, actor: Principal | null, spikeId: string): Promise<Result<DemandSpike>> {
  const p = requireRole(actor, 'BRAND', 'OPERATOR');
  return transition(em, clock, p, spikeId, ['DRAFT', 'OPEN'], 'CANCELLED', (spike, now) =>
    spike.status === 'OPEN' && biddingIsOver(spike, now)
      ? fail('INVALID_STATE', `Bidding closed at ${spike.biddingClosesAt.toISOString()}; the spike is being cleared and can no longer be cancelled`, 'spikeId')
      : null,
  );
}

/** OPEN → CLOSED now, before the close time (the brand, or the operator). Bids are final from here. */
export async function closeBidding(em: EntityManager, clock: Clock, actor: Principal | null, spikeId: string): Promise<Result<DemandSpike>> {
  const p = requireRole(actor, 'BRAND', 'OPERATOR');
  return transition(em, clock, p, spikeId, ['OPEN'], 'CLOSED');
}

/**
 * Moves an OPEN spike's bidding close to another time, still in the future and no later than
 * its first interval (the brand, or the operator). The clearing job is rescheduled by the caller.
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
    await tem.flush();
    return ok(spike);
  });
}

/** Bidding is over for a spike when it left OPEN or its close time has passed. */
export function biddingIsOver(spike: Pick<DemandSpike, 'status' | 'biddingClosesAt'>, now: Date): boolean {
  return spike.status !== 'OPEN' || spike.biddingClosesAt.getTime() <= now.getTime();
}
