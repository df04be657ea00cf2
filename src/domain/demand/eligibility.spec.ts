import { describe, expect, it } from 'vitest';
import { eligibilityFailures, type SpikeRequirements, type VendorFacts } from './eligibility.js';

const vendor: VendorFacts = { id: 'v', kind: 'VENDOR', status: 'ACTIVE', vendorType: 'OUTSOURCER', parentBrandId: null, skills: ['billing', 'es-ES'], certifications: ['PCI_DSS'] };
const spike: SpikeRequirements = { brandId: 'b', requiredSkills: ['billing'], requiredCertifications: ['PCI_DSS'], minQualityScore: 40 };

describe('eligibility', () => {
  it('accepts a vendor that meets every rule', () => {
    expect(eligibilityFailures(vendor, spike, 50)).toEqual([]);
  });

  it('names every rule that fails, not just the first', () => {
    const failures = eligibilityFailures({ ...vendor, status: 'SUSPENDED', skills: [], certifications: [] }, spike, 10);
    expect(failures.map((f) => f.rule)).toEqual(['VENDOR_SUSPENDED', 'MISSING_SKILLS', 'MISSING_CERTIFICATIONS', 'BELOW_MIN_QUALITY_SCORE']);
    expect(failures[1]!.detail).toContain('billing');
  });

  it('lets an in-house team bid only for its own brand', () => {
    const team = { ...vendor, vendorType: 'IN_HOUSE' as const, parentBrandId: 'b' };
    expect(eligibilityFailures(team, spike, 50)).toEqual([]);
    expect(eligibilityFailures({ ...team, parentBrandId: 'other' }, spike, 50).map((f) => f.rule)).toEqual(['IN_HOUSE_FOR_OTHER_BRAND']);
  });

  it('refuses organisations that are not vendors', () => {
    expect(eligibilityFailures({ ...vendor, kind: 'BRAND' }, spike, 50).map((f) => f.rule)).toEqual(['NOT_A_VENDOR']);
  });
});
