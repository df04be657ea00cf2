/** GraphQL shapes of quality scores: scorecards, rankings and score history. */
import { Field, Float, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { HistoryEntry, RankingEntry, Scorecard } from '../../domain/quality/quality-queries.js';
import type { MetricScore } from '../../domain/quality/scoring.js';
import { VendorType } from '../access/access.types.js';
import { Connection } from '../common/pagination.js';
import { UuidScalar } from '../common/scalars.js';

export enum AuditState {
  NONE = 'NONE',
  PASS = 'PASS',
  CONDITIONAL = 'CONDITIONAL',
  FAIL = 'FAIL',
}
export enum QualityMetric {
  CSAT = 'CSAT',
  QA = 'QA',
  FCR = 'FCR',
  ADHERENCE = 'ADHERENCE',
  SERVICE_LEVEL = 'SERVICE_LEVEL',
  ESCALATION = 'ESCALATION',
  COMPLAINT = 'COMPLAINT',
}
registerEnumType(AuditState, {
  name: 'AuditState',
  description: 'The latest audit: FAIL suspends the vendor until a later PASS; CONDITIONAL multiplies its score by 0.9.',
  valuesConfig: {
    NONE: { description: 'No audit recorded.' },
    PASS: { description: 'The latest audit passed.' },
    CONDITIONAL: { description: 'The latest audit passed with conditions: the composite is multiplied by the scoring policy’s conditional multiplier.' },
    FAIL: { description: 'The latest audit failed: the vendor may not bid until a later PASS.' },
  },
});
registerEnumType(QualityMetric, {
  name: 'QualityMetric',
  description: 'A metric of the composite score (PRODUCT.md section 9).',
  valuesConfig: {
    CSAT: { description: 'Customer satisfaction, from CSAT ratings (1–5).' },
    QA: { description: 'Quality assurance, from QA review scores (0–100).' },
    FCR: { description: 'First-contact resolution rate.' },
    ADHERENCE: { description: 'Schedule adherence: staffed seat-hours ÷ awarded seat-hours.' },
    SERVICE_LEVEL: { description: 'Service-level attainment against each contract’s target.' },
    ESCALATION: { description: '1 − escalation rate.' },
    COMPLAINT: { description: '1 − complaint rate.' },
  },
});

@ObjectType('MetricScore', { description: 'One metric of a score.' })
export class MetricScoreType {
  @Field(() => QualityMetric, { description: 'The metric.' }) metric!: QualityMetric;
  @Field(() => Float, { description: 'Smoothed value 0–1 used in the composite.' }) value!: number;
  @Field(() => Float, { description: 'Weight in the composite, 0–1.' }) weight!: number;
  @Field(() => Float, { description: 'Points it adds to the composite: 100 × weight × value.' }) points!: number;
  @Field(() => Int, { description: 'Observations behind it (before decay).' }) samples!: number;
  @Field(() => Float, { nullable: true, description: 'The vendor’s own decayed mean 0–1 (the vendor itself and the operator only; null without data).' })
  mean!: number | null;
  @Field(() => Float, {
    nullable: true,
    description:
      'The marketplace prior it was smoothed toward: the mean of the outsourcers’ own means, each counting once at most (a tenth per decayed observation below ten; the vendor itself and the operator only).',
  })
  priorMean!: number | null;
  @Field(() => Float, { nullable: true, description: 'Decayed weight of the observations (the vendor itself and the operator only).' }) effectiveWeight!:
    number | null;

  static from(m: MetricScore, full: boolean): MetricScoreType {
    return Object.assign(new MetricScoreType(), {
      metric: m.metric,
      value: m.value,
      weight: m.weight,
      points: m.points,
      samples: m.samples,
      mean: full ? m.mean : null,
      priorMean: full ? m.priorMean : null,
      effectiveWeight: full ? m.effectiveWeight : null,
    });
  }
}

@ObjectType('ScopeScore', { description: 'A vendor’s score in one skill or channel where it has data.' })
export class ScopeScoreType {
  @Field(() => String, { description: 'Scope: "skill:<tag>" or "channel:<CHANNEL>".' }) scope!: string;
  @Field(() => Float, { description: 'Composite 0–100 after audit effects.' }) composite!: number;
  @Field(() => Int, { description: 'Observations behind it.' }) samples!: number;
}

@ObjectType('BrandAudit', {
  description: 'A brand’s own audit of a vendor: its FAIL excludes the vendor from that brand’s spikes only; it never changes the marketplace audit state.',
})
export class BrandAuditType {
  @Field(() => UuidScalar, { description: 'The brand that audited.' }) brandId!: string;
  @Field(() => AuditState, { description: 'The brand’s latest audit state of the vendor (FAIL holds through CONDITIONAL until the brand’s PASS).' })
  state!: AuditState;
  @Field(() => Date, { description: 'When the deciding audit happened.' }) occurredAt!: Date;
}

@ObjectType('VendorScorecard', { description: 'How a vendor scores and why.' })
export class ScorecardType {
  @Field(() => UuidScalar, { description: 'The vendor.' }) vendorId!: string;
  @Field(() => String, { description: 'Its name.' }) vendorName!: string;
  @Field(() => Float, { description: 'Overall composite 0–100 after audit effects.' }) composite!: number;
  @Field(() => Float, { description: 'Composite before audit effects.' }) baseComposite!: number;
  @Field(() => AuditState, { description: 'Marketplace audit state, from the operator’s and its auditors’ audits only.' }) auditState!: AuditState;
  @Field(() => Boolean, { description: 'Suspended by a failed marketplace audit: no bidding, bids not cleared.' }) suspended!: boolean;
  @Field(() => [BrandAuditType], {
    description: 'Brands’ own audits of the vendor: a BRAND key sees its own, the vendor itself and the operator every brand’s.',
  })
  brandAudits!: BrandAuditType[];
  @Field(() => Date, { nullable: true, description: 'When the deciding marketplace audit happened.' }) auditAt!: Date | null;
  @Field(() => String, { nullable: true, description: 'Notes of the latest audit (the vendor itself and the operator only).' }) auditNotes!: string | null;
  @Field(() => Date, { nullable: true, description: 'When the score was last computed; null before the first scoring run.' }) computedAt!: Date | null;
  @Field(() => [MetricScoreType], { description: 'Metric breakdown with sample sizes (empty before the first scoring run).' }) metrics!: MetricScoreType[];
  @Field(() => [ScopeScoreType], { description: 'Scores per skill and channel where data exists.' }) scopes!: ScopeScoreType[];

  static from(s: Scorecard): ScorecardType {
    return Object.assign(new ScorecardType(), {
      vendorId: s.vendorId,
      vendorName: s.vendorName,
      composite: s.composite,
      baseComposite: s.baseComposite,
      auditState: s.audit,
      suspended: s.suspended,
      auditAt: s.auditAt,
      auditNotes: s.auditNotes,
      computedAt: s.computedAt,
      metrics: s.metrics.map((m) => MetricScoreType.from(m, s.full)),
      brandAudits: s.brandAudits.map((b) => Object.assign(new BrandAuditType(), b)),
      scopes: s.scopes.map((x) => Object.assign(new ScopeScoreType(), x)),
    });
  }
}

@ObjectType('VendorRanking', { description: 'A vendor’s place in a ranking.' })
export class RankingType {
  @Field(() => Int, { description: '1 is best; suspended vendors come last.' }) rank!: number;
  @Field(() => UuidScalar, { description: 'The vendor.' }) vendorId!: string;
  @Field(() => String, { description: 'Its name.' }) vendorName!: string;
  @Field(() => VendorType, { nullable: true, description: 'In-house team or outsourcer.' }) vendorType!: VendorType | null;
  @Field(() => Float, { description: 'Composite 0–100 for this kind of work, after audit effects.' }) composite!: number;
  @Field(() => AuditState, { description: 'Latest audit.' }) auditState!: AuditState;
  @Field(() => Boolean, { description: 'Suspended by a failed audit.' }) suspended!: boolean;
  @Field(() => Int, { description: 'Observations behind the scores used.' }) samples!: number;
  @Field(() => [String], { description: 'Scores used: skill/channel scopes, or "" for the overall score.' }) basis!: string[];

  static from(e: RankingEntry): RankingType {
    return Object.assign(new RankingType(), {
      rank: e.rank,
      vendorId: e.id,
      vendorName: e.vendorName,
      vendorType: e.vendorType,
      composite: e.composite,
      auditState: e.audit,
      suspended: e.suspended,
      samples: e.samples,
      basis: e.basis,
    });
  }
}

export const RankingConnection = Connection(RankingType, 'VendorRanking', 'ranked vendor');

@ObjectType('MetricCount', { description: 'How many new observations of a metric a scoring run saw.' })
export class MetricCountType {
  @Field(() => QualityMetric, { description: 'The metric.' }) metric!: QualityMetric;
  @Field(() => Int, { description: 'New observations.' }) count!: number;
}

@ObjectType('ScoreChange', { description: 'One scoring run in which a vendor’s score moved, and why.' })
export class ScoreChangeType {
  @Field(() => UuidScalar, { description: 'Entry id.' }) id!: string;
  @Field(() => String, { description: 'Scope: "" overall, "skill:<tag>" or "channel:<CHANNEL>".' }) scope!: string;
  @Field(() => Date, { description: 'When the run computed it.' }) computedAt!: Date;
  @Field(() => Float, { description: 'Composite after audit effects.' }) composite!: number;
  @Field(() => Float, { nullable: true, description: 'Composite at the previous entry; null for the first.' }) previousComposite!: number | null;
  @Field(() => AuditState, { description: 'Audit state at the time.' }) auditState!: AuditState;
  @Field(() => [MetricCountType], {
    description: 'New observations since the previous run, per metric (empty: the move came from decay, the marketplace prior, the policy or an audit).',
  })
  newObservations!: MetricCountType[];
  @Field(() => [MetricScoreType], { description: 'The metric breakdown at the time.' }) metrics!: MetricScoreType[];

  static from(h: HistoryEntry, full: boolean): ScoreChangeType {
    return Object.assign(new ScoreChangeType(), {
      id: h.id,
      scope: h.scope,
      computedAt: h.computedAt,
      composite: h.composite,
      previousComposite: h.previousComposite,
      auditState: h.audit,
      newObservations: Object.entries(h.newObservations).map(([metric, count]) => Object.assign(new MetricCountType(), { metric, count })),
      metrics: h.metrics.map((m) => MetricScoreType.from(m, full)),
    });
  }
}

export const ScoreChangeConnection = Connection(ScoreChangeType, 'ScoreChange', 'score change');
