import type { EntityManager } from '@mikro-orm/postgresql';
import { BidSchema, type Bid } from '../../persistence/entities/bidding.js';
import { type StoredInterval } from '../../persistence/entities/demand.js';
import { requireRole, type Principal } from '../access/principal.js';
import { eligibilityFailures } from '../demand/eligibility.js';
import { spikeNotFound, vendorSeesSpike } from '../demand/spike-queries.js';
import type { SpikeStatus } from '../demand/spikes.js';
import type { QualityScores } from '../quality/quality-scores.js';
import { canonicalJson, sha256Hex } from '../shared/canonical-json.js';
import type { Clock } from '../shared/clock.js';
import { uuidv7 } from '../shared/ids.js';
import { AccessError, fail, ok, type Result } from '../shared/result.js';
import { validateBidTerms, type BidTerms } from './bid-terms.js';

export interface PlaceBidCommand extends BidTerms {
  spikeId: string;
  idempotencyKey: string;
}

function payloadHashOf(cmd: PlaceBidCommand): string {
  const { idempotencyKey: _key, ...payload } = cmd;
  return sha256Hex(canonicalJson({ ...payload, offered: [...payload.offered].sort((a, b) => a.index - b.index) }));
}

async function replay(em: EntityManager, vendorId: string, idempotencyKey: string, payloadHash: string): Promise<Result<Bid> | null> {
  const existing = await em.findOne(BidSchema, { vendorId, idempotencyKey }, { refresh: true });
  if (!existing) return null;
  return existing.payloadHash === payloadHash
    ? ok(existing)
    : fail('CONFLICT', 'This idempotency key was already used with a different payload', 'idempotencyKey');
}

interface Facts {
  vendor_id: string;
  kind: 'BRAND' | 'VENDOR' | 'OPERATOR';
  vendor_status: 'ACTIVE' | 'SUSPENDED';
  vendor_type: 'IN_HOUSE' | 'OUTSOURCER' | null;
  parent_brand_id: string | null;
  skills: string[];
  certifications: string[];
  spike_id: string | null;
  brand_id: string;
  spike_status: SpikeStatus;
  bidding_open: boolean;
  currency: string;
  reserve_rate_minor: string;
  interval_minutes: number;
  intervals: StoredInterval[];
  required_skills: string[];
  channel: string;
  required_certifications: string[];
  min_quality_score: number | null;
  existing_bid_id: string | null;
  has_bid: boolean;
}

/**
 * Places a sealed bid (PRODUCT.md section 4). This is the hottest write path, so it takes three
 * round trips and no unit of work:
 *
 * 1. one read of the vendor, the spike, whether the vendor ever bid on it, and any bid under the
 *    same idempotency key;
 * 2. the rules, as pure functions: visibility first (a spike the vendor may not see is NOT_FOUND,
 *    exactly as `demandSpike` says), then open bidding, eligibility, terms against the spike;
 * 3. one statement that share-locks the spike while it is still OPEN and before its close,
 *    inserts the bid (ON CONFLICT DO NOTHING: the idempotency key and the one-active-bid index
 *    both arbitrate) and records the transition. One statement is atomic and holds the lock to
 *    its end, so closing bidding cannot interleave with it.
 *
 * Idempotent per (vendor, key): a retry with the same payload returns the same bid, even after
 * close; the same key with another payload is a CONFLICT. A vendor holds one ACTIVE bid per spike.
 */
export async function placeBid(em: EntityManager, clock: Clock, scores: QualityScores, actor: Principal | null, cmd: PlaceBidCommand): Promise<Result<Bid>> {
  const p = requireRole(actor, 'VENDOR');
  const payloadHash = payloadHashOf(cmd);
  const now = clock.now();
  const [facts] = await em.execute<Facts[]>(
    `select o.id as vendor_id, o.kind, o.status as vendor_status, o.vendor_type, o.parent_brand_id, o.skills, o.certifications,
            s.id as spike_id, s.brand_id, s.status as spike_status, (s.status = 'OPEN' and s.bidding_closes_at > ?) as bidding_open,
            s.currency, s.reserve_rate_minor::text as reserve_rate_minor, s.interval_minutes, s.intervals,
            s.required_skills, s.required_certifications, s.min_quality_score, s.channel,
            b.id as existing_bid_id,
            exists (select 1 from bid mine where mine.spike_id = s.id and mine.vendor_id = o.id) as has_bid
       from organization o
       left join demand_spike s on s.id = ?
       left join bid b on b.vendor_id = o.id and b.idempotency_key = ?
      where o.id = ?`,
    [now, cmd.spikeId, cmd.idempotencyKey, p.organizationId],
  );
  if (!facts) throw new AccessError('UNAUTHENTICATED', 'The key’s organisation no longer exists');
  if (facts.existing_bid_id) return (await replay(em, p.organizationId, cmd.idempotencyKey, payloadHash))!;
  if (!facts.spike_id || facts.spike_status === 'DRAFT') throw spikeNotFound(cmd.spikeId);

  const vendor = {
    id: facts.vendor_id,
    kind: facts.kind,
    status: facts.vendor_status,
    vendorType: facts.vendor_type,
    parentBrandId: facts.parent_brand_id,
    skills: facts.skills,
    certifications: facts.certifications,
  };
  const standing = (await scores.standingsOf(em, [vendor.id], { skills: facts.required_skills, channel: facts.channel })).get(vendor.id)!;
  const failures = eligibilityFailures(
    vendor,
    {
      brandId: facts.brand_id,
      requiredSkills: facts.required_skills,
      requiredCertifications: facts.required_certifications,
      minQualityScore: facts.min_quality_score,
    },
    standing,
  );
  // A spike the vendor may not see answers exactly as demandSpike does: NOT_FOUND, with neither
  // its status (BIDDING_CLOSED) nor the rules the vendor fails (NOT_ELIGIBLE). Until 2026-12-07
  // both told a vendor that the spike existed, what state it was in and what it required.
  if (!vendorSeesSpike(facts.spike_status, { hasBid: facts.has_bid, eligible: failures.length === 0 })) throw spikeNotFound(cmd.spikeId);
  if (!facts.bidding_open) return fail('BIDDING_CLOSED', `Bidding on this spike closed (status ${facts.spike_status})`, 'spikeId');
  if (failures.length) {
    return { ok: false, failure: { kind: 'NOT_ELIGIBLE', message: failures.map((f) => f.detail).join('; '), field: 'spikeId', rules: failures } };
  }
  const terms = validateBidTerms(
    { currency: facts.currency, reserveRateMinor: BigInt(facts.reserve_rate_minor), intervalMinutes: facts.interval_minutes, intervals: facts.intervals },
    cmd,
  );
  if (!terms.ok) return terms;
  const t = terms.value;

  const id = uuidv7();
  const [written] = await em.execute<{ spike_open: number; inserted: string | null }[]>(
    `with s as (
       select id from demand_spike where id = ? and status = 'OPEN' and bidding_closes_at > ? for share
     ), ins as (
       insert into bid (id, spike_id, vendor_id, status, rate_minor, currency, offered, min_seats_per_interval, min_total_seat_hours,
                        note, version, idempotency_key, payload_hash, submitted_at, created_at, updated_at)
       select ?, s.id, ?, 'ACTIVE', ?, ?, ?::jsonb, ?, ?, ?, 1, ?, ?, ?, ?, ? from s
       on conflict do nothing
       returning id
     ), tr as (
       insert into state_transition (id, entity_type, entity_id, from_status, to_status, actor_organization_id, actor_api_key_id, at)
       select ?, 'Bid', ins.id, null, 'ACTIVE', ?, ?, ? from ins
     )
     select (select count(*) from s)::int as spike_open, (select id from ins) as inserted`,
    [
      cmd.spikeId,
      now,
      id,
      p.organizationId,
      t.rateMinor.toString(),
      t.currency,
      JSON.stringify(t.offered),
      t.minSeatsPerInterval,
      t.minTotalSeatHours,
      t.note,
      cmd.idempotencyKey,
      payloadHash,
      now,
      now,
      now,
      uuidv7(),
      p.organizationId,
      p.apiKeyId || null,
      now,
    ],
  );
  if (written!.inserted) {
    const bid: Bid = {
      id,
      spikeId: cmd.spikeId,
      vendorId: p.organizationId,
      status: 'ACTIVE',
      rateMinor: t.rateMinor,
      currency: t.currency,
      offered: t.offered,
      minSeatsPerInterval: t.minSeatsPerInterval,
      minTotalSeatHours: t.minTotalSeatHours,
      note: t.note,
      version: 1,
      idempotencyKey: cmd.idempotencyKey,
      payloadHash,
      submittedAt: now,
      createdAt: now,
      updatedAt: now,
    } as Bid;
    return ok(bid);
  }
  if (written!.spike_open === 0) return fail('BIDDING_CLOSED', 'Bidding on this spike closed', 'spikeId');
  // Lost a race: a concurrent request with the same key (answer as its replay), or the vendor
  // already has an active bid on this spike.
  return (
    (await replay(em, p.organizationId, cmd.idempotencyKey, payloadHash)) ??
    fail('DUPLICATE_BID', 'This vendor already has an active bid on the spike: revise it, or withdraw it first', 'spikeId')
  );
}
