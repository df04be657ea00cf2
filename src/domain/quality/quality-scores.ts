import type { EntityManager } from '@mikro-orm/postgresql';
import { pgArray } from '../shared/sql.js';
import { applyAudit, channelScope, OVERALL_SCOPE, scopedComposite, skillScope, type AuditState } from './scoring.js';

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

/** Where, in an enclosing statement, the vendor and the work of a standing are: SQL expressions. */
export interface StandingRefs {
  /** The vendor's id (uuid). */
  vendorId: string;
  /** The work's skills (text[]). */
  skills: string;
  /** The work's channel (text, may be null). */
  channel: string;
}

/** What a standing is computed from, as `standingSql` yields it: a JSON object. */
export interface StandingFacts {
  audit?: AuditState | null;
  /** Brands whose own AUDIT FAIL of the vendor stands. */
  excludedBy?: string[] | null;
  /** Base composite per scope (the overall, the work's skills and channel) where the vendor has one. */
  scores?: Record<string, number> | null;
  /** The marketplace composite of the latest scoring run, if any. */
  market?: number | null;
}

/**
 * Where the bidding, demand and clearing contexts get vendors' quality standings. The quality
 * context implements it from the scores its worker computes (`storedQualityScores`).
 */
export interface QualityScores {
  /** Standing per vendor id, in one statement of its own; every requested id is present in the result. */
  standingsOf(em: EntityManager, vendorIds: readonly string[], work: WorkScope): Promise<Map<string, VendorStanding>>;
  /**
   * The same standing as one SQL expression (a JSON object of `StandingFacts`, turned into a
   * standing by `standingOf`) over the columns of an enclosing statement: what lets the eligibility
   * loader (demand/eligibility-facts.ts) read vendors, a spike and the standings in one round trip.
   * A source that cannot say it in SQL (a test double) leaves it out, and is read with
   * `standingsOf` in a second round trip.
   */
  standingSql?(refs: StandingRefs): string;
}

/** Score of a vendor nobody has scored yet, before any scoring run: the middle of the 0–100 scale. */
export const NEUTRAL_SCORE = 50;

/**
 * A standing from its facts, for work in these skills and channel: the mean of the vendor's scores
 * in the work's skills and channel where it has some, otherwise its overall score; a vendor not
 * yet scored gets the marketplace composite of the latest run (what the Bayesian prior gives a
 * vendor without data), or the neutral score before any run. Audit effects applied.
 */
export function standingOf(facts: StandingFacts, work: WorkScope): VendorStanding {
  const audit = facts.audit ?? 'NONE';
  const scores = new Map(Object.entries(facts.scores ?? {}));
  const fallback = facts.market ?? NEUTRAL_SCORE;
  return {
    score: applyAudit(scopedComposite(scores, work.skills, work.channel) ?? fallback, audit),
    overall: applyAudit(scores.get(OVERALL_SCOPE) ?? fallback, audit),
    audit,
    suspended: audit === 'FAIL',
    excludedByBrands: facts.excludedBy ?? [],
  };
}

/** `standingsOf` for a source that has `standingSql`: one statement over the requested vendors. */
function standingsFromSql(standingSql: (refs: StandingRefs) => string): QualityScores['standingsOf'] {
  return async (em, vendorIds, work) => {
    const rows = await em.execute<{ vendor_id: string; standing: StandingFacts }[]>(
      `with w as (select ?::text[] as skills, ?::text as channel)
       select v.id as vendor_id, ${standingSql({ vendorId: 'v.id', skills: 'w.skills', channel: 'w.channel' })} as standing
         from unnest(?::uuid[]) as v(id), w`,
      [pgArray(work.skills), work.channel, pgArray(vendorIds)],
    );
    return new Map(rows.map((r) => [r.vendor_id, standingOf(r.standing, work)]));
  };
}

/** Everyone at the neutral score, nobody suspended: for tests of clearing in isolation. */
export const neutralQualityScores: QualityScores = {
  standingSql: () => `json_build_object('audit', 'NONE', 'market', ${NEUTRAL_SCORE})`,
  async standingsOf(_em, vendorIds, work) {
    return new Map(vendorIds.map((id) => [id, standingOf({ audit: 'NONE', market: NEUTRAL_SCORE }, work)]));
  },
};

/** The scopes a standing for the work reads: the overall one, the work's skills, its channel. */
function scopesSql(r: StandingRefs): string {
  const literal = (s: string) => `'${s.replace(/'/g, "''")}'`;
  return `array_cat(array[${literal(OVERALL_SCOPE)}, ${literal(channelScope(''))} || ${r.channel}],
                    array(select ${literal(skillScope(''))} || q_x from unnest(${r.skills}) as q_x))`;
}

/**
 * Standings from the latest scoring run, with the audit states as they are now (audits take
 * effect on ingestion, not on the next run): the marketplace's, and the brands that failed the
 * vendor in their own audits. Its aliases start with `q_`, so that they never hide the columns
 * of the statement it is part of.
 */
const storedStandingSql = (r: StandingRefs) => `json_build_object(
  'audit', (select q_a.state from vendor_audit q_a where q_a.vendor_id = ${r.vendorId}),
  'excludedBy', (select array_agg(q_b.brand_id order by q_b.brand_id) from brand_vendor_audit q_b where q_b.vendor_id = ${r.vendorId} and q_b.state = 'FAIL'),
  'scores', (select json_object_agg(q_s.scope, q_s.base_composite) from vendor_score q_s where q_s.vendor_id = ${r.vendorId} and q_s.scope = any(${scopesSql(r)})),
  'market', (select q_r.market_composite from scoring_run q_r
              where q_r.sandbox_id is not distinct from (select q_o.sandbox_id from organization q_o where q_o.id = ${r.vendorId})
              order by q_r.computed_at desc limit 1))`;

export const storedQualityScores: QualityScores = { standingSql: storedStandingSql, standingsOf: standingsFromSql(storedStandingSql) };
