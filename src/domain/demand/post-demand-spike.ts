import type { EntityManager } from '@mikro-orm/postgresql';
import { DemandSpikeSchema, type DemandSpike } from '../../persistence/entities/demand.js';
import { requireRole, type Principal } from '../access/principal.js';
import { canonicalJson, sha256Hex } from '../shared/canonical-json.js';
import type { Clock } from '../shared/clock.js';
import { uuidv7 } from '../shared/ids.js';
import { fail, ok, type Result } from '../shared/result.js';
import { recordTransition } from '../shared/transitions.js';
import type { Channel } from './erlang-c.js';
import { deriveIntervals, overPreciseTerm, type IntervalInput } from './spike-terms.js';
import type { OutsourcingModel } from './spikes.js';

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
