import { pgArray } from '../shared/sql.js';
import type { SpikeRequirements } from './eligibility.js';
import type { VendorOnly } from './eligibility-facts.js';

/**
 * The rules of `eligibilityFailures` (eligibility.ts) written as SQL conditions, so that a list
 * can ask PostgreSQL for full pages of eligible rows instead of filtering a page down. A prefilter
 * may let through more than the rule (the caller judges every row it returns with the rule, so a
 * looser prefilter costs a short page, never a wrong answer); it must never keep out a row the rule
 * accepts. A new rule goes into `eligibilityFailures` first, and here where it can narrow a list;
 * test/eligibility.test.ts checks the two agree.
 */

export interface SqlCondition {
  /** Conditions joined by `and`, with `?` placeholders. */
  sql: string;
  params: unknown[];
}

/**
 * Spikes (alias `s`) the vendor may be eligible for, given its facts and overall standing from
 * the loader; null when it is eligible for none (not a vendor, not active, suspended by an audit).
 * The spike's state (OPEN, before its close) is the list's business, not eligibility's.
 */
export function eligibleSpikesWhere(me: VendorOnly): SqlCondition | null {
  const { vendor, standing } = me;
  // NOT_A_VENDOR, VENDOR_SUSPENDED and AUDIT_FAILED do not depend on the spike.
  if (vendor.kind !== 'VENDOR' || vendor.status !== 'ACTIVE' || standing.suspended) return null;
  const sql = [
    // MISSING_SKILLS, MISSING_CERTIFICATIONS
    's.required_skills <@ ?::text[]',
    's.required_certifications <@ ?::text[]',
    // BELOW_MIN_QUALITY_SCORE (against the overall composite)
    '(s.min_quality_score is null or s.min_quality_score <= ?::double precision)',
    // BRAND_AUDIT_FAILED
    'not (s.brand_id = any(?::uuid[]))',
    // Not a rule but the wall between worlds: only spikes of the vendor's own world (live or its sandbox).
    's.brand_id in (select w.id from organization w where w.sandbox_id is not distinct from ?::uuid)',
  ];
  const params: unknown[] = [
    pgArray(vendor.skills),
    pgArray(vendor.certifications),
    standing.overall,
    pgArray(standing.excludedByBrands),
    vendor.sandboxId ?? null,
  ];
  // IN_HOUSE_FOR_OTHER_BRAND
  if (vendor.vendorType === 'IN_HOUSE') {
    sql.push('s.brand_id = ?::uuid');
    params.push(vendor.parentBrandId);
  }
  return { sql: sql.join(' and '), params };
}

/**
 * Vendors (alias `o`) that may be eligible for the spike, by their own columns; the quality rules
 * (scores, audits) need the standing and are left to the loader.
 */
export function eligibleVendorsWhere(spike: SpikeRequirements): SqlCondition {
  return {
    sql: [
      // NOT_A_VENDOR, VENDOR_SUSPENDED
      `o.kind = 'VENDOR' and o.status = 'ACTIVE'`,
      // MISSING_SKILLS, MISSING_CERTIFICATIONS
      'o.skills @> ?::text[] and o.certifications @> ?::text[]',
      // IN_HOUSE_FOR_OTHER_BRAND
      `(o.vendor_type is distinct from 'IN_HOUSE' or o.parent_brand_id = ?::uuid)`,
      // The wall between worlds: only vendors of the spike's brand's world.
      'o.sandbox_id is not distinct from (select w.sandbox_id from organization w where w.id = ?::uuid)',
    ].join(' and '),
    params: [pgArray(spike.requiredSkills), pgArray(spike.requiredCertifications), spike.brandId, spike.brandId],
  };
}
