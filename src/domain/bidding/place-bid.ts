import type { EntityManager } from '@mikro-orm/postgresql';
import { BidSchema, type Bid } from '../../persistence/entities/bidding.js';
import { runStatement } from '../../persistence/statements.js';
import { requireRole, type Principal } from '../access/principal.js';
import { notEligible } from '../demand/eligibility.js';
import { loadEligibility, type SpikeEligibility } from '../demand/eligibility-facts.js';
import { spikeNotFound, vendorSeesSpike } from '../demand/spike-queries.js';
import { biddingIsOver } from '../demand/spikes.js';
import type { QualityScores } from '../quality/quality-scores.js';
import { canonicalJson, sha256Hex } from '../shared/canonical-json.js';
import type { Clock } from '../shared/clock.js';
import { uuidv7 } from '../shared/ids.js';
import { AccessError, fail, ok, type Result } from '../shared/result.js';
import { transitionInsertSql, transitionRow } from '../shared/transitions.js';
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

type Decision = { ok: true; terms: BidTerms } | { ok: false; refusal: Result<never> } | { ok: false; error: AccessError };

/**
 * The rules, as pure functions, in the order that keeps a spike the vendor may not see looking
 * exactly as `demandSpike` shows it (NOT_FOUND, neither its status nor the rules the vendor fails:
 * until 2026-12-07 both leaked): visibility, open bidding, eligibility, the terms against the spike.
 */
function decide(facts: SpikeEligibility | null, vendorId: string, cmd: PlaceBidCommand, now: Date): Decision {
  if (!facts || facts.spike.status === 'DRAFT') return { ok: false, error: spikeNotFound(cmd.spikeId) };
  const { spike } = facts;
  const mine = facts.vendors.get(vendorId);
  // The loader reads vendors of the spike's world only: to a vendor of another world the spike does not exist.
  if (!mine) return { ok: false, error: spikeNotFound(cmd.spikeId) };
  if (!vendorSeesSpike(spike.status, { hasBid: mine.hasBid, eligible: mine.failures.length === 0 })) return { ok: false, error: spikeNotFound(cmd.spikeId) };
  if (biddingIsOver(spike, now)) return { ok: false, refusal: fail('BIDDING_CLOSED', `Bidding on this spike closed (status ${spike.status})`, 'spikeId') };
  if (mine.failures.length) return { ok: false, refusal: notEligible(mine.failures) };
  const terms = validateBidTerms(spike, cmd);
  return terms.ok ? { ok: true, terms: terms.value } : { ok: false, refusal: terms };
}

/**
 * Share-locks the spike while it is still OPEN and before its close, inserts the bid (ON CONFLICT
 * DO NOTHING: the idempotency key and the one-active-bid index both arbitrate) and records its
 * transition, in one statement: atomic, and holding the lock to its end, so that closing bidding
 * cannot interleave. Its text never changes, so PostgreSQL plans it once per connection.
 */
const INSERT_BID = (transitionSql: string) => `with s as (
     select id from demand_spike where id = ?::uuid and status = 'OPEN' and bidding_closes_at > ?::timestamptz for share
   ), ins as (
     insert into bid (id, spike_id, vendor_id, status, rate_minor, currency, offered, min_seats_per_interval, min_total_seat_hours,
                      note, version, idempotency_key, payload_hash, submitted_at, created_at, updated_at)
     select ?::uuid, s.id, ?::uuid, 'ACTIVE', ?::bigint, ?, ?::jsonb, ?::int, ?::double precision, ?, 1, ?, ?, ?::timestamptz, ?::timestamptz, ?::timestamptz
       from s
     on conflict do nothing
     returning id
   ), tr as (
     ${transitionSql}
   )
   select (select count(*) from s)::int as spike_open, (select id from ins) as inserted`;

/**
 * Places a sealed bid (PRODUCT.md section 4). This is the hottest write path, so it takes two
 * round trips (after the request's key lookup) and no unit of work:
 *
 * 1. the eligibility facts of the vendor and the spike, its quality standing and audit state
 *    included, from the one loader (demand/eligibility-facts.ts);
 * 2. the rules, as pure functions (`decide`);
 * 3. one statement that inserts the bid with its transition (INSERT_BID).
 *
 * Idempotent per (vendor, key): a retry with the same payload returns the same bid, even after
 * close; the same key with another payload is a CONFLICT. The key is looked up only when the
 * request would otherwise be refused or its insert wrote nothing, which answers every retry as
 * before without a read on the way of a new bid. A vendor holds one ACTIVE bid per spike.
 */
export async function placeBid(em: EntityManager, clock: Clock, scores: QualityScores, actor: Principal | null, cmd: PlaceBidCommand): Promise<Result<Bid>> {
  const p = requireRole(actor, 'VENDOR');
  const payloadHash = payloadHashOf(cmd);
  const now = clock.now();
  const decision = decide(await loadEligibility(em, scores, cmd.spikeId, [p.organizationId]), p.organizationId, cmd, now);
  if (!decision.ok) {
    // A retry of a request that did place its bid answers as that bid, whatever the spike's state now.
    const replayed = await replay(em, p.organizationId, cmd.idempotencyKey, payloadHash);
    if (replayed) return replayed;
    if ('error' in decision) throw decision.error;
    return decision.refusal;
  }
  const t = decision.terms;
  const id = uuidv7();
  const transition = transitionInsertSql(transitionRow('Bid', id, null, 'ACTIVE', p, now), { entityIdSql: 'ins.id', source: 'ins' });
  const [written] = await runStatement<{ spike_open: number; inserted: string | null }>(em, INSERT_BID(transition.sql), [
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
    ...transition.params,
  ]);
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
  // Nothing written: a retry or a concurrent request with the same key (answer as its bid), bidding
  // closed since the facts were read, or the vendor already has an active bid on this spike.
  return (
    (await replay(em, p.organizationId, cmd.idempotencyKey, payloadHash)) ??
    (written!.spike_open === 0
      ? fail('BIDDING_CLOSED', 'Bidding on this spike closed', 'spikeId')
      : fail('DUPLICATE_BID', 'This vendor already has an active bid on the spike: revise it, or withdraw it first', 'spikeId'))
  );
}
