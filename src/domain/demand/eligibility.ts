import type { OrganizationKind } from '../access/principal.js';
import type { VendorStanding } from '../quality/quality-scores.js';
import type { EligibilityFailure, Result } from '../shared/result.js';

export interface VendorFacts {
  id: string;
  kind: OrganizationKind;
  status: 'ACTIVE' | 'SUSPENDED';
  vendorType: 'IN_HOUSE' | 'OUTSOURCER' | null;
  parentBrandId: string | null;
  skills: readonly string[];
  certifications: readonly string[];
  /** The vendor's world (null: live). Not a rule: a vendor never sees another world's spikes at all (eligibility-facts.ts). */
  sandboxId?: string | null;
}

export interface SpikeRequirements {
  brandId: string;
  requiredSkills: readonly string[];
  requiredCertifications: readonly string[];
  minQualityScore: number | null;
}

/**
 * Every rule of PRODUCT.md section 4 the vendor fails for this spike (empty = eligible):
 * active, not suspended by an audit FAIL of the operator's, not failed by the spike's brand in
 * its own audit (section 8), the required skills and certifications, the minimum quality score
 * (against the overall composite), and an in-house team only for its own brand.
 */
export function eligibilityFailures(
  vendor: VendorFacts,
  spike: SpikeRequirements,
  standing: Pick<VendorStanding, 'overall' | 'suspended' | 'excludedByBrands'>,
): EligibilityFailure[] {
  if (vendor.kind !== 'VENDOR') return [{ rule: 'NOT_A_VENDOR', detail: 'Only vendor organisations bid' }];
  const failures: EligibilityFailure[] = [];
  if (vendor.status !== 'ACTIVE') failures.push({ rule: 'VENDOR_SUSPENDED', detail: 'The vendor is suspended' });
  if (standing.suspended) failures.push({ rule: 'AUDIT_FAILED', detail: 'The vendor failed an audit and is suspended until a later audit passes' });
  if (standing.excludedByBrands.includes(spike.brandId)) {
    failures.push({
      rule: 'BRAND_AUDIT_FAILED',
      detail: 'The brand failed the vendor in its own audit: excluded from this brand’s spikes until the brand records a PASS',
    });
  }
  const missingSkills = spike.requiredSkills.filter((s) => !vendor.skills.includes(s));
  if (missingSkills.length) failures.push({ rule: 'MISSING_SKILLS', detail: `Missing skills: ${missingSkills.join(', ')}` });
  const missingCerts = spike.requiredCertifications.filter((c) => !vendor.certifications.includes(c));
  if (missingCerts.length) failures.push({ rule: 'MISSING_CERTIFICATIONS', detail: `Missing certifications: ${missingCerts.join(', ')}` });
  if (spike.minQualityScore !== null && standing.overall < spike.minQualityScore) {
    // Rounded down for the message, so a score just below the minimum never reads as equal to it.
    failures.push({
      rule: 'BELOW_MIN_QUALITY_SCORE',
      detail: `Quality score ${(Math.floor(standing.overall * 100) / 100).toFixed(2)} is below the spike's minimum ${spike.minQualityScore}`,
    });
  }
  if (vendor.vendorType === 'IN_HOUSE' && vendor.parentBrandId !== spike.brandId) {
    failures.push({ rule: 'IN_HOUSE_FOR_OTHER_BRAND', detail: 'An in-house team bids only on its own brand’s spikes' });
  }
  return failures;
}

/** The NOT_ELIGIBLE answer to a bid: every failed rule, in a message and as rules. */
export function notEligible<T>(failures: readonly EligibilityFailure[]): Result<T> {
  return { ok: false, failure: { kind: 'NOT_ELIGIBLE', message: failures.map((f) => f.detail).join('; '), field: 'spikeId', rules: [...failures] } };
}
