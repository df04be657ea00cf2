import type { EntityManager } from '@mikro-orm/postgresql';
import type { OrganizationSchema } from '../../persistence/entities/access.js';
import type {
  BrandVendorAuditSchema,
  ScoringRunSchema,
  VendorAuditSchema,
  VendorScoreHistorySchema,
  VendorScoreSchema,
} from '../../persistence/entities/quality.js';
import type { RowOf } from '../../persistence/rows.js';
import { requireRole, type Principal } from '../access/principal.js';
import { toPage, type Page, type PageRequest } from '../shared/page.js';
import { AccessError } from '../shared/result.js';
import { NEUTRAL_SCORE } from './quality-scores.js';
import { applyAudit, channelScope, OVERALL_SCOPE, scopedComposite, skillScope, type AuditState, type Metric, type MetricScore } from './scoring.js';

type AuditRow = RowOf<typeof VendorAuditSchema>;
type ScoreRow = RowOf<typeof VendorScoreSchema>;

/** A vendor with its audit and stored scores (VENDORS_SQL): computed columns are named after their source. */
type VendorRow = Pick<RowOf<typeof OrganizationSchema>, 'id' | 'name' | 'vendor_type' | 'parent_brand_id'> & {
  audit: AuditState;
  audit_at: AuditRow['occurred_at'] | null;
  audit_notes: AuditRow['notes'];
  /** Base composite per scope. */
  scores: Record<string, ScoreRow['base_composite']> | null;
  samples: Record<string, ScoreRow['samples']> | null;
  metrics: ScoreRow['metrics'] | null;
  computed_at: ScoreRow['computed_at'] | null;
  market: RowOf<typeof ScoringRunSchema>['market_composite'] | null;
};

const VENDORS_SQL = `
  select o.id, o.name, o.vendor_type, o.parent_brand_id, coalesce(a.state, 'NONE') as audit, a.occurred_at as audit_at, a.notes as audit_notes,
         (select json_object_agg(s.scope, s.base_composite) from vendor_score s where s.vendor_id = o.id) as scores,
         (select json_object_agg(s.scope, s.samples) from vendor_score s where s.vendor_id = o.id) as samples,
         (select s.metrics from vendor_score s where s.vendor_id = o.id and s.scope = '') as metrics,
         (select s.computed_at from vendor_score s where s.vendor_id = o.id and s.scope = '') as computed_at,
         (select r.market_composite from scoring_run r where r.sandbox_id is not distinct from o.sandbox_id order by r.computed_at desc limit 1) as market
    from organization o left join vendor_audit a on a.vendor_id = o.id
   where o.kind = 'VENDOR' and o.sandbox_id is not distinct from ?::uuid`;

/** Brands see outsourcers and their own in-house teams, never another brand's internal team. */
function visibleTo(p: Principal, v: Pick<VendorRow, 'vendor_type' | 'parent_brand_id' | 'id'>): boolean {
  if (p.role === 'OPERATOR') return true;
  if (p.role === 'VENDOR') return v.id === p.organizationId;
  return v.vendor_type !== 'IN_HOUSE' || v.parent_brand_id === p.organizationId;
}

export interface RankingEntry {
  id: string;
  rank: number;
  vendorName: string;
  vendorType: 'IN_HOUSE' | 'OUTSOURCER' | null;
  composite: number;
  audit: AuditState;
  suspended: boolean;
  /** Observations behind the scores used. */
  samples: number;
  /** The scopes whose scores were used: skill or channel scopes, or the overall score. */
  basis: string[];
}

/**
 * Active vendors ranked by composite score for a kind of work (brands and the operator): with a
 * skill, only vendors holding it; the score is the mean of the vendor's skill and channel scores
 * where it has them, else its overall score (as clearing uses it). Suspended vendors come last.
 */
export async function vendorRankings(
  em: EntityManager,
  actor: Principal | null,
  work: { skill: string | null; channel: string | null },
  page: PageRequest,
): Promise<Page<RankingEntry>> {
  const p = requireRole(actor, 'BRAND', 'OPERATOR');
  // Only the caller's world: a sandbox's rankings and prior never include live vendors, nor the reverse.
  const params: unknown[] = [p.sandboxId ?? null];
  let sql = `${VENDORS_SQL} and o.status = 'ACTIVE'`;
  if (work.skill) {
    sql += ' and ? = any(o.skills)';
    params.push(work.skill);
  }
  const rows = (await em.execute<VendorRow[]>(sql, params)).filter((v) => visibleTo(p, v));
  const skills = work.skill ? [work.skill] : [];
  const wanted = [...skills.map(skillScope), ...(work.channel ? [channelScope(work.channel)] : [])];
  const entries = rows.map((v): Omit<RankingEntry, 'rank'> => {
    const scores = new Map(Object.entries(v.scores ?? {}));
    const used = wanted.filter((s) => scores.has(s));
    const basis = used.length ? used : [OVERALL_SCOPE];
    return {
      id: v.id,
      vendorName: v.name,
      vendorType: v.vendor_type,
      audit: v.audit,
      suspended: v.audit === 'FAIL',
      basis,
      composite: applyAudit(scopedComposite(scores, skills, work.channel) ?? v.market ?? NEUTRAL_SCORE, v.audit),
      samples: basis.reduce((a, s) => a + (v.samples?.[s] ?? 0), 0),
    };
  });
  entries.sort((a, b) => Number(a.suspended) - Number(b.suspended) || b.composite - a.composite || (a.id < b.id ? -1 : 1));
  const ranked = entries.map((e, i) => ({ ...e, rank: i + 1 }));
  const start = page.after ? ranked.findIndex((e) => e.id === page.after) + 1 : 0;
  return toPage(ranked.slice(start, start + page.first + 1), page.first);
}

export interface Scorecard {
  vendorId: string;
  vendorName: string;
  composite: number;
  baseComposite: number;
  audit: AuditState;
  suspended: boolean;
  /** Only for the vendor itself and the operator. */
  auditNotes: string | null;
  auditAt: Date | null;
  computedAt: Date | null;
  metrics: MetricScore[];
  /** Whether the caller sees the full breakdown (the vendor itself, the operator). */
  full: boolean;
  scopes: { scope: string; composite: number; samples: number }[];
  /** Brands' own audit states of the vendor: a brand sees its own, the vendor and the operator all. */
  brandAudits: { brandId: string; state: AuditState; occurredAt: Date }[];
}

/**
 * A vendor's scorecard: the vendor itself and the operator see everything, including audit notes
 * and how each metric was smoothed; brands see the composite and the metric breakdown with sample
 * sizes. Other vendors see nothing (NOT_FOUND).
 */
export async function vendorScorecard(em: EntityManager, actor: Principal | null, vendorId: string): Promise<Scorecard> {
  const p = requireRole(actor, 'VENDOR', 'BRAND', 'OPERATOR');
  const [v] = await em.execute<VendorRow[]>(`${VENDORS_SQL} and o.id = ?`, [p.sandboxId ?? null, vendorId]);
  if (!v || !visibleTo(p, v)) throw new AccessError('NOT_FOUND', `No vendor ${vendorId}`);
  const full = p.role !== 'BRAND';
  const base = v.scores?.[OVERALL_SCOPE] ?? v.market ?? NEUTRAL_SCORE;
  const brandAudits = await em.execute<Pick<RowOf<typeof BrandVendorAuditSchema>, 'brand_id' | 'state' | 'occurred_at'>[]>(
    `select brand_id, state, occurred_at from brand_vendor_audit where vendor_id = ? and (? or brand_id = ?) order by brand_id`,
    [vendorId, full, p.organizationId],
  );
  const metrics = (v.metrics ?? []).map((m) => (full ? m : { ...m, mean: null, effectiveWeight: 0 }));
  return {
    vendorId: v.id,
    vendorName: v.name,
    baseComposite: base,
    composite: applyAudit(base, v.audit),
    audit: v.audit,
    suspended: v.audit === 'FAIL',
    auditNotes: full ? v.audit_notes : null,
    auditAt: v.audit_at === null ? null : new Date(v.audit_at),
    computedAt: v.computed_at === null ? null : new Date(v.computed_at),
    metrics,
    full,
    scopes: Object.entries(v.scores ?? {})
      .filter(([s]) => s !== OVERALL_SCOPE)
      .sort(([a], [b]) => (a < b ? -1 : 1))
      .map(([scope, composite]) => ({ scope, composite: applyAudit(composite, v.audit), samples: v.samples?.[scope] ?? 0 })),
    brandAudits: brandAudits.map((b) => ({ brandId: b.brand_id, state: b.state, occurredAt: new Date(b.occurred_at) })),
  };
}

export interface HistoryEntry {
  id: string;
  scope: string;
  computedAt: Date;
  composite: number;
  previousComposite: number | null;
  baseComposite: number;
  audit: AuditState;
  metrics: MetricScore[];
  newObservations: Partial<Record<Metric, number>>;
}

/**
 * How a vendor's score moved, newest first: each entry is one scoring run in which the score
 * changed, with the new observations per metric that arrived since the previous run and the audit
 * state then. Entitled: the vendor itself, brands, the operator.
 */
export async function scoreHistory(
  em: EntityManager,
  actor: Principal | null,
  vendorId: string,
  scope: string | null,
  page: PageRequest,
): Promise<Page<HistoryEntry>> {
  const p = requireRole(actor, 'VENDOR', 'BRAND', 'OPERATOR');
  const [v] = await em.execute<Pick<VendorRow, 'id' | 'vendor_type' | 'parent_brand_id'>[]>(
    `select id, vendor_type, parent_brand_id from organization where id = ? and kind = 'VENDOR' and sandbox_id is not distinct from ?::uuid`,
    [vendorId, p.sandboxId ?? null],
  );
  if (!v || !visibleTo(p, v)) throw new AccessError('NOT_FOUND', `No vendor ${vendorId}`);
  const params: unknown[] = [vendorId, scope ?? OVERALL_SCOPE];
  let sql = `select id, scope, computed_at, composite, previous_composite, base_composite, audit_state, metrics, new_observations
               from vendor_score_history where vendor_id = ? and scope = ?`;
  if (page.after) {
    sql += ' and id < ?';
    params.push(page.after);
  }
  sql += ' order by id desc limit ?';
  params.push(page.first + 1);
  const rows = await em.execute<
    Pick<
      RowOf<typeof VendorScoreHistorySchema>,
      'id' | 'scope' | 'computed_at' | 'composite' | 'previous_composite' | 'base_composite' | 'audit_state' | 'metrics' | 'new_observations'
    >[]
  >(sql, params);
  return toPage(
    rows.map((r) => ({
      id: r.id,
      scope: r.scope,
      computedAt: new Date(r.computed_at),
      composite: r.composite,
      previousComposite: r.previous_composite,
      baseComposite: r.base_composite,
      audit: r.audit_state,
      metrics: r.metrics,
      newObservations: r.new_observations,
    })),
    page.first,
  );
}
