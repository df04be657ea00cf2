import { describe, expect, it } from 'vitest';
import { eligibilityFailures, type SpikeRequirements, type VendorFacts } from './eligibility.js';

const vendor: VendorFacts = {
  id: 'v',
  kind: 'VENDOR',
  status: 'ACTIVE',
  vendorType: 'OUTSOURCER',
  parentBrandId: null,
  skills: ['billing', 'es-ES'],
  certifications: ['PCI_DSS'],
};
const good = { overall: 50, suspended: false, excludedByBrands: [] };
const spike: SpikeRequirements = { brandId: 'b', requiredSkills: ['billing'], requiredCertifications: ['PCI_DSS'], minQualityScore: 40 };

describe('eligibility', () => {
  it('accepts a vendor that meets every rule', () => {
    expect(eligibilityFailures(vendor, spike, good)).toEqual([]);
  });

  it('names every rule that fails, not just the first', () => {
    const failures = eligibilityFailures({ ...vendor, status: 'SUSPENDED', skills: [], certifications: [] }, spike, {
      overall: 10,
      suspended: true,
      excludedByBrands: [],
    });
    expect(failures.map((f) => f.rule)).toEqual(['VENDOR_SUSPENDED', 'AUDIT_FAILED', 'MISSING_SKILLS', 'MISSING_CERTIFICATIONS', 'BELOW_MIN_QUALITY_SCORE']);
    expect(failures[2]!.detail).toContain('billing');
  });

  it('applies the minimum score as ≥, and never prints a score just below it as equal to it', () => {
    expect(eligibilityFailures(vendor, { ...spike, minQualityScore: 70 }, { overall: 70, suspended: false, excludedByBrands: [] })).toEqual([]);
    const [refused] = eligibilityFailures(vendor, { ...spike, minQualityScore: 70 }, { overall: 69.996, suspended: false, excludedByBrands: [] });
    expect(refused).toMatchObject({ rule: 'BELOW_MIN_QUALITY_SCORE', detail: "Quality score 69.99 is below the spike's minimum 70" });
  });

  it('lets an in-house team bid only for its own brand', () => {
    const team = { ...vendor, vendorType: 'IN_HOUSE' as const, parentBrandId: 'b' };
    expect(eligibilityFailures(team, spike, good)).toEqual([]);
    expect(eligibilityFailures({ ...team, parentBrandId: 'other' }, spike, good).map((f) => f.rule)).toEqual(['IN_HOUSE_FOR_OTHER_BRAND']);
  });

  it('excludes a vendor from the spikes of a brand whose own audit failed it, and from no other brand’s', () => {
    const failedByB = { ...good, excludedByBrands: ['b'] };
    expect(eligibilityFailures(vendor, spike, failedByB).map((f) => f.rule)).toEqual(['BRAND_AUDIT_FAILED']);
    expect(eligibilityFailures(vendor, { ...spike, brandId: 'other' }, failedByB)).toEqual([]);
    // A brand's FAIL is not the marketplace's: it never reads as a suspension.
    expect(eligibilityFailures(vendor, spike, { ...failedByB, suspended: true }).map((f) => f.rule)).toEqual(['AUDIT_FAILED', 'BRAND_AUDIT_FAILED']);
  });

  it('refuses organisations that are not vendors', () => {
    expect(eligibilityFailures({ ...vendor, kind: 'BRAND' }, spike, good).map((f) => f.rule)).toEqual(['NOT_A_VENDOR']);
  });
});
