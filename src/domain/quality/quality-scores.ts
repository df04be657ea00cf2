import type { EntityManager } from '@mikro-orm/postgresql';
import { pgArray } from '../shared/sql.js';
import { applyAudit, OVERALL_SCOPE, scopedComposite, channelScope, skillScope, type AuditState } from './scoring.js';

/** What the bidding and clearing contexts need to know about a vendor's quality. */
export interface VendorStanding {
  /** Composite 0–100 for the work at hand (its skills and channel), after audit effects: the value weighting in clearing. */
  score: number;
  /** Overall composite 0–100 after audit effects: what a spike's minimum quality score is checked against. */
  overall: number;
  audit: AuditState;
  /** An operator's (or auditor's) AUDIT FAIL without a later PASS: no new bids anywhere, and bids are excluded from clearing. */
  suspended: boolean;
  /** Brands whose own AUDIT FAIL of the vendor stands: it may not bid on, or win, their spikes. */
  excludedByBrands: readonly string[];
}

/** The work a score is wanted for: a spike's required skills and channel. */
export interface WorkScope {
  skills: readonly string[];
  channel: string | null;
}

/**
 * Where the bidding and clearing contexts get vendors' quality standings. The quality context
 * implements it from the scores its worker computes (`storedQualityScores`).
 */
export interface QualityScores {
  /** Standing per vendor id; every requested id is present in the result. */
  standingsOf(em: EntityManager, vendorIds: readonly string[], work: WorkScope): Promise<Map<string, VendorStanding>>;
}

/** Score of a vendor nobody has scored yet, before any scoring run: the middle of the 0–100 scale. */
export const NEUTRAL_SCORE = 50;

/** Everyone at the neutral score, nobody suspended: for tests of clearing in isolation. */
export const neutralQualityScores: QualityScores = {
  async standingsOf(_em, vendorIds) {
    return new Map(vendorIds.map((id) => [id, { score: NEUTRAL_SCORE, overall: NEUTRAL_SCORE, audit: 'NONE', suspended: false, excludedByBrands: [] }]));
  },
};

interface StandingRow {
  vendor_id: string;
  audit: AuditState;
  excluded_by: string[] | null;
  scores: Record<string, number> | null;
  market: number | null;
}

/**
 * Standings from the latest scoring run, with the audit states as they are now (audits take
 * effect on ingestion, not on the next run): the marketplace's, and the brands that failed the
 * vendor in their own audits. A vendor scored in the work's skills or channel gets the mean
 * of those scores, otherwise its overall score; a vendor not yet scored gets the marketplace
 * composite of the latest run (what the Bayesian prior gives a vendor without data).
 */
export const storedQualityScores: QualityScores = {
  async standingsOf(em, vendorIds, work) {
    const scopes = [OVERALL_SCOPE, ...work.skills.map(skillScope), ...(work.channel ? [channelScope(work.channel)] : [])];
    const rows = await em.execute<StandingRow[]>(
      `select v.id as vendor_id, coalesce(a.state, 'NONE') as audit,
              (select array_agg(b.brand_id order by b.brand_id) from brand_vendor_audit b where b.vendor_id = v.id and b.state = 'FAIL') as excluded_by,
              (select json_object_agg(s.scope, s.base_composite) from vendor_score s where s.vendor_id = v.id and s.scope = any(?::text[])) as scores,
              (select market_composite from scoring_run order by computed_at desc limit 1) as market
         from unnest(?::uuid[]) as v(id) left join vendor_audit a on a.vendor_id = v.id`,
      [pgArray(scopes), pgArray(vendorIds)],
    );
    return new Map(
      rows.map((r) => {
        const scores = new Map(Object.entries(r.scores ?? {}));
        const fallback = r.market ?? NEUTRAL_SCORE;
        const standing: VendorStanding = {
          score: applyAudit(scopedComposite(scores, work.skills, work.channel) ?? fallback, r.audit),
          overall: applyAudit(scores.get(OVERALL_SCOPE) ?? fallback, r.audit),
          audit: r.audit,
          suspended: r.audit === 'FAIL',
          excludedByBrands: r.excluded_by ?? [],
        };
        return [r.vendor_id, standing];
      }),
    );
  },
};
