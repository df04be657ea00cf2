import type { EntityManager } from '@mikro-orm/postgresql';
import type { DemandSpike, StoredInterval } from '../../persistence/entities/demand.js';
import { runStatement } from '../../persistence/statements.js';
import { standingOf, type QualityScores, type StandingFacts, type VendorStanding, type WorkScope } from '../quality/quality-scores.js';
import type { EligibilityFailure } from '../shared/result.js';
import { pgArray } from '../shared/sql.js';
import { eligibilityFailures, type SpikeRequirements, type VendorFacts } from './eligibility.js';

/**
 * The one place eligibility facts come from (PRODUCT.md section 4): vendors, a spike and the
 * vendors' quality standing and audit state, read in one statement, judged by the one pure rule
 * (`eligibilityFailures`). placeBid, reviseBid, the visibility check of `demandSpike`, the open
 * spikes list and its prefilter, the audience of a published spike and clearing all read here; no
 * caller reads organisations or quality tables for eligibility on its own.
 */

type SpikeStatus = DemandSpike['status'];

/** A spike as eligibility and bidding see it: its requirements, state and bidding terms. */
export interface SpikeFacts extends SpikeRequirements {
  id: string;
  status: SpikeStatus;
  channel: string;
  biddingClosesAt: Date;
  currency: string;
  reserveRateMinor: bigint;
  intervalMinutes: number;
  intervals: StoredInterval[];
}

/** One vendor's facts for one spike, and the verdict. */
export interface VendorEligibility {
  vendor: VendorFacts;
  standing: VendorStanding;
  /** Whether the vendor has bid on the spike, withdrawn or not (visibility: spike-queries.ts). */
  hasBid: boolean;
  /** Every rule the vendor fails for the spike; empty means eligible. */
  failures: EligibilityFailure[];
}

export interface SpikeEligibility {
  spike: SpikeFacts;
  /** Every requested vendor that exists, by id. */
  vendors: ReadonlyMap<string, VendorEligibility>;
}

/** A vendor's own facts and its overall standing, before any spike (the open-spikes list). */
export interface VendorOnly {
  vendor: VendorFacts;
  standing: VendorStanding;
}

interface VendorJson {
  id: string;
  kind: VendorFacts['kind'];
  status: VendorFacts['status'];
  vendorType: VendorFacts['vendorType'];
  parentBrandId: string | null;
  skills: string[];
  certifications: string[];
  sandboxId: string | null;
  hasBid?: boolean;
  standing?: StandingFacts;
}

interface SpikeRow {
  id: string;
  brand_id: string;
  status: SpikeStatus;
  channel: string;
  /** Timestamps come back as text (the ORM's type parsers). */
  bidding_closes_at: string;
  currency: string;
  reserve_rate_minor: string;
  interval_minutes: number;
  intervals: StoredInterval[];
  required_skills: string[];
  required_certifications: string[];
  min_quality_score: number | null;
  vendors: VendorJson[];
}

/** One vendor's columns as a JSON object, with its standing for the work at `work` when the source says it in SQL. */
function vendorJsonSql(scores: QualityScores, work: { skills: string; channel: string }, spikeId: string | null): string {
  return `json_build_object('id', o.id, 'kind', o.kind, 'status', o.status, 'vendorType', o.vendor_type, 'parentBrandId', o.parent_brand_id,
            'skills', o.skills, 'certifications', o.certifications, 'sandboxId', o.sandbox_id
            ${spikeId ? `, 'hasBid', exists (select 1 from bid b where b.spike_id = ${spikeId} and b.vendor_id = o.id)` : ''}
            ${scores.standingSql ? `, 'standing', ${scores.standingSql({ vendorId: 'o.id', ...work })}` : ''})`;
}

const vendorOf = (v: VendorJson): VendorFacts => ({
  id: v.id,
  kind: v.kind,
  status: v.status,
  vendorType: v.vendorType,
  parentBrandId: v.parentBrandId,
  skills: v.skills,
  certifications: v.certifications,
  sandboxId: v.sandboxId,
});

/** Standings of the rows: from the statement itself, or (a source without SQL) in a second read. */
async function standingsOfRows(em: EntityManager, scores: QualityScores, vendors: VendorJson[], work: WorkScope): Promise<Map<string, VendorStanding>> {
  if (scores.standingSql) return new Map(vendors.map((v) => [v.id, standingOf(v.standing ?? {}, work)]));
  return scores.standingsOf(
    em,
    vendors.map((v) => v.id),
    work,
  );
}

/**
 * The facts of a set of vendors and one spike, in one round trip, with every rule each vendor
 * fails; null when the spike does not exist. With `lock: 'share'` the spike's row is share-locked
 * (inside the caller's transaction) so that closing bidding cannot interleave.
 */
export async function loadEligibility(
  em: EntityManager,
  scores: QualityScores,
  spikeId: string,
  vendorIds: readonly string[],
  options: { lock?: 'share' } = {},
): Promise<SpikeEligibility | null> {
  // One vendor (every bid) gets a statement of its own, `o.id = ?`: with `= any(?)` PostgreSQL's
  // estimate for an array of unknown length kept it re-planning the prepared statement each time.
  const one = vendorIds.length === 1;
  const [row] = await runStatement<SpikeRow>(
    em,
    `select s.id, s.brand_id, s.status, s.channel, s.bidding_closes_at, s.currency, s.reserve_rate_minor::text as reserve_rate_minor,
            s.interval_minutes, s.intervals, s.required_skills, s.required_certifications, s.min_quality_score,
            (select coalesce(json_agg(${vendorJsonSql(scores, { skills: 's.required_skills', channel: 's.channel' }, 's.id')} order by o.id), '[]')
               from organization o where ${one ? 'o.id = ?::uuid' : 'o.id = any(?::uuid[])'}
                -- Only vendors of the spike's world: for any other, the spike does not exist (live and sandboxes never touch).
                and o.sandbox_id is not distinct from (select w.sandbox_id from organization w where w.id = s.brand_id)) as vendors
       from demand_spike s
      where s.id = ?::uuid${options.lock === 'share' ? ' for share of s' : ''}`,
    [one ? vendorIds[0] : pgArray(vendorIds), spikeId],
  );
  if (!row) return null;
  const spike: SpikeFacts = {
    id: row.id,
    brandId: row.brand_id,
    status: row.status,
    channel: row.channel,
    biddingClosesAt: new Date(row.bidding_closes_at),
    currency: row.currency,
    reserveRateMinor: BigInt(row.reserve_rate_minor),
    intervalMinutes: row.interval_minutes,
    intervals: row.intervals,
    requiredSkills: row.required_skills,
    requiredCertifications: row.required_certifications,
    minQualityScore: row.min_quality_score,
  };
  const standings = await standingsOfRows(em, scores, row.vendors, { skills: spike.requiredSkills, channel: spike.channel });
  const vendors = new Map<string, VendorEligibility>();
  for (const v of row.vendors) {
    const vendor = vendorOf(v);
    const standing = standings.get(v.id)!;
    vendors.set(v.id, { vendor, standing, hasBid: v.hasBid ?? false, failures: eligibilityFailures(vendor, spike, standing) });
  }
  return { spike, vendors };
}

/** A vendor's facts and its overall standing in one round trip, for rules over many spikes; null if it does not exist. */
export async function loadVendorStanding(em: EntityManager, scores: QualityScores, vendorId: string): Promise<VendorOnly | null> {
  const [row] = await runStatement<{ vendor: VendorJson }>(
    em,
    `select ${vendorJsonSql(scores, { skills: `'{}'::text[]`, channel: 'null::text' }, null)} as vendor from organization o where o.id = ?::uuid`,
    [vendorId],
  );
  if (!row) return null;
  const standing = (await standingsOfRows(em, scores, [row.vendor], { skills: [], channel: null })).get(vendorId)!;
  return { vendor: vendorOf(row.vendor), standing };
}
