import { ArrayMaxSize, ArrayMinSize, IsNumber, Max, Min, ValidateNested } from 'class-validator';
import { Field, Float, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { EventReceipt } from '../../domain/quality/quality-events.js';
import { MAX_EVENTS_PER_BATCH } from '../../domain/quality/quality-events.js';
import type { HistoryEntry, RankingEntry, Scorecard } from '../../domain/quality/quality-queries.js';
import type { VersionedPolicy } from '../../domain/quality/scoring-policy.js';
import { METRICS, WEIGHT_SCALE, type MetricScore } from '../../domain/quality/scoring.js';
import { VendorType } from '../access/access.types.js';
import { Connection } from '../common/pagination.js';
import { UuidScalar } from '../common/scalars.js';

export enum QualityEventKind {
  CSAT = 'CSAT',
  QA_SCORE = 'QA_SCORE',
  FCR = 'FCR',
  ESCALATION = 'ESCALATION',
  COMPLAINT = 'COMPLAINT',
  AUDIT = 'AUDIT',
}
export enum AuditResult {
  PASS = 'PASS',
  CONDITIONAL = 'CONDITIONAL',
  FAIL = 'FAIL',
}
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
export enum EventStatus {
  ACCEPTED = 'ACCEPTED',
  DUPLICATE = 'DUPLICATE',
  REJECTED = 'REJECTED',
}
export enum EventRejectionCode {
  INVALID_FIELD = 'INVALID_FIELD',
  INVALID_VALUE = 'INVALID_VALUE',
  INVALID_TIME = 'INVALID_TIME',
  UNKNOWN_VENDOR = 'UNKNOWN_VENDOR',
  NO_CONTRACT_WITH_VENDOR = 'NO_CONTRACT_WITH_VENDOR',
  CONTRACT_MISMATCH = 'CONTRACT_MISMATCH',
  SELF_RATING = 'SELF_RATING',
  DUPLICATE_IN_BATCH = 'DUPLICATE_IN_BATCH',
  EXTERNAL_ID_REUSED = 'EXTERNAL_ID_REUSED',
  KIND_NOT_PERMITTED = 'KIND_NOT_PERMITTED',
  CONTRACT_REQUIRED = 'CONTRACT_REQUIRED',
  IN_HOUSE_NOT_RATED = 'IN_HOUSE_NOT_RATED',
  OUTSIDE_CONTRACT_PERIOD = 'OUTSIDE_CONTRACT_PERIOD',
  EXCEEDS_CONTACTS_HANDLED = 'EXCEEDS_CONTACTS_HANDLED',
}
registerEnumType(QualityEventKind, {
  name: 'QualityEventKind',
  description: 'CSAT (score 1–5), QA_SCORE (score 0–100), FCR (resolved), ESCALATION, COMPLAINT (occurrences), AUDIT (auditResult).',
});
registerEnumType(AuditResult, { name: 'AuditResult', description: 'Outcome of a working-conditions and compliance audit.' });
registerEnumType(AuditState, {
  name: 'AuditState',
  description: 'The latest audit: FAIL suspends the vendor until a later PASS; CONDITIONAL multiplies its score by 0.9.',
});
registerEnumType(QualityMetric, { name: 'QualityMetric', description: 'A metric of the composite score (PRODUCT.md section 9).' });
registerEnumType(EventStatus, {
  name: 'QualityEventStatus',
  description: 'ACCEPTED (stored now), DUPLICATE (this external id was stored before with the same content), REJECTED (see the rejection).',
});
registerEnumType(EventRejectionCode, {
  name: 'QualityEventRejectionCode',
  description: 'Why one event of a batch was refused.',
  valuesConfig: {
    INVALID_FIELD: { description: 'A field is missing or malformed.' },
    INVALID_VALUE: { description: 'The value is out of range for the kind (CSAT 1–5, QA 0–100, FCR resolved, AUDIT auditResult).' },
    INVALID_TIME: { description: 'occurredAt is more than five minutes in the future (clock skew) or more than two years old.' },
    UNKNOWN_VENDOR: { description: 'No such vendor (or one the caller cannot see).' },
    NO_CONTRACT_WITH_VENDOR: {
      description: 'Not produced any more: a rating names its contract (CONTRACT_REQUIRED, CONTRACT_MISMATCH).',
      deprecationReason: 'Every rating names its contract now: see CONTRACT_REQUIRED and CONTRACT_MISMATCH.',
    },
    CONTRACT_MISMATCH: { description: 'The contract is not one between the rating brand and this vendor.' },
    SELF_RATING: { description: 'Nobody rates itself: not a vendor itself, not a brand its own in-house team.' },
    DUPLICATE_IN_BATCH: { description: 'The externalId appears earlier in the same batch.' },
    EXTERNAL_ID_REUSED: { description: 'The externalId was used before for a different event.' },
    KIND_NOT_PERMITTED: { description: 'The key may not record this kind (AUDITOR keys record AUDIT events only).' },
    CONTRACT_REQUIRED: { description: 'A rating (CSAT, QA_SCORE, FCR, ESCALATION, COMPLAINT) names the contract it is about.' },
    IN_HOUSE_NOT_RATED: { description: 'An in-house team is scored from its delivery data only.' },
    OUTSIDE_CONTRACT_PERIOD: {
      description:
        'The rating is dated before the contract’s delivery started, or after its dispute window (30 days after settlement), or is sent after that window.',
    },
    EXCEEDS_CONTACTS_HANDLED: { description: 'The contract already has as many ratings of this kind as contacts handled (QA: one evaluation per contact).' },
  },
});

@InputType({ description: 'One quality event about a vendor.' })
export class QualityEventInput {
  @Field(() => String, { description: 'Your id for the event (1–200 characters): resubmitting it is harmless.' }) externalId!: string;
  @Field(() => QualityEventKind, { description: 'What kind of event.' }) kind!: QualityEventKind;
  @Field(() => UuidScalar, { description: 'The vendor it is about.' }) vendorId!: string;
  @Field(() => UuidScalar, {
    nullable: true,
    description:
      'The contract it happened under: required for ratings (a contract of your brand with the vendor; its skills and channel then count too), optional for audits.',
  })
  contractId?: string | null;
  @Field(() => String, { nullable: true, description: 'Skill tag it concerns (default: the contract’s skills).' }) skill?: string | null;
  @Field(() => Date, {
    nullable: true,
    description:
      'When it happened (default: now): within the last two years and at most five minutes ahead of the server’s clock; for a rating, within the contract’s delivery period plus its dispute window.',
  })
  occurredAt?: Date | null;
  @Field(() => Float, { nullable: true, description: 'CSAT 1–5 or QA_SCORE 0–100.' }) score?: number | null;
  @Field(() => Boolean, { nullable: true, description: 'FCR: resolved at first contact.' }) resolved?: boolean | null;
  @Field(() => AuditResult, { nullable: true, description: 'AUDIT: the outcome.' }) auditResult?: AuditResult | null;
  @Field(() => String, { nullable: true, description: 'Free text (at most 2,000 characters), e.g. audit findings.' }) notes?: string | null;
}

@InputType({ description: 'A batch of quality events.' })
export class RecordQualityEventsInput {
  @Field(() => [QualityEventInput], { description: `1 to ${MAX_EVENTS_PER_BATCH} events, judged one by one.` })
  @ArrayMinSize(1)
  @ArrayMaxSize(MAX_EVENTS_PER_BATCH)
  @ValidateNested({ each: true })
  events!: QualityEventInput[];
}

@ObjectType('QualityEventRejection', { description: 'Why an event was refused.' })
export class EventRejectionType {
  @Field(() => EventRejectionCode, { description: 'Machine-readable reason.' }) code!: EventRejectionCode;
  @Field(() => String, { description: 'Explanation.' }) message!: string;
  @Field(() => String, { description: 'Input path, e.g. "events[3].score".' }) field!: string;
}

@ObjectType('QualityEventReceipt', { description: 'What happened to one event of a batch.' })
export class EventReceiptType {
  @Field(() => Int, { description: 'Position in the batch.' }) index!: number;
  @Field(() => String, { description: 'Your external id.' }) externalId!: string;
  @Field(() => EventStatus, { description: 'Accepted, duplicate or rejected.' }) status!: EventStatus;
  @Field(() => UuidScalar, { nullable: true, description: 'The stored event (accepted or duplicate).' }) eventId!: string | null;
  @Field(() => EventRejectionType, { nullable: true, description: 'Why it was rejected.' }) rejection!: EventRejectionType | null;

  static from(r: EventReceipt): EventReceiptType {
    return Object.assign(new EventReceiptType(), r);
  }
}

@ObjectType('QualityEventBatchReceipt', { description: 'The outcome of a batch: valid events are stored even when others are rejected.' })
export class BatchReceiptType {
  @Field(() => Int, { description: 'Events stored now.' }) accepted!: number;
  @Field(() => Int, { description: 'Events stored before (same external id and content).' }) duplicates!: number;
  @Field(() => Int, { description: 'Events refused.' }) rejected!: number;
  @Field(() => [EventReceiptType], { description: 'One receipt per event, in batch order.' }) receipts!: EventReceiptType[];
}

@ObjectType('IngestSecret', { description: 'The secret for signing POST /ingest/quality requests. Shown once.' })
export class IngestSecretType {
  @Field(() => UuidScalar, { description: 'Your organisation id: send it as x-burst-organization.' }) organizationId!: string;
  @Field(() => String, { description: 'The HMAC-SHA256 key. Store it safely; rotating replaces it.' }) secret!: string;
  @Field(() => Date, { description: 'When it was issued.' }) createdAt!: Date;
}

@ObjectType('MetricWeights', { description: 'Weight of each metric in the composite (sums to 1).' })
export class MetricWeightsType {
  @Field(() => Float, { description: 'CSAT.' }) csat!: number;
  @Field(() => Float, { description: 'QA score.' }) qa!: number;
  @Field(() => Float, { description: 'First-contact resolution.' }) fcr!: number;
  @Field(() => Float, { description: 'Adherence (staffed ÷ awarded).' }) adherence!: number;
  @Field(() => Float, { description: 'Service-level attainment.' }) serviceLevel!: number;
  @Field(() => Float, { description: '1 − escalation rate.' }) escalation!: number;
  @Field(() => Float, { description: '1 − complaint rate.' }) complaint!: number;
}

@InputType({ description: 'Weight of each metric: 0 to 1 with at most 4 decimals, summing to exactly 1.' })
export class MetricWeightsInput {
  @Field(() => Float, { description: 'CSAT.' }) @IsNumber() csat!: number;
  @Field(() => Float, { description: 'QA score.' }) @IsNumber() qa!: number;
  @Field(() => Float, { description: 'First-contact resolution.' }) @IsNumber() fcr!: number;
  @Field(() => Float, { description: 'Adherence.' }) @IsNumber() adherence!: number;
  @Field(() => Float, { description: 'Service-level attainment.' }) @IsNumber() serviceLevel!: number;
  @Field(() => Float, { description: 'Escalations.' }) @IsNumber() escalation!: number;
  @Field(() => Float, { description: 'Complaints.' }) @IsNumber() complaint!: number;
}

const KEYS = {
  CSAT: 'csat',
  QA: 'qa',
  FCR: 'fcr',
  ADHERENCE: 'adherence',
  SERVICE_LEVEL: 'serviceLevel',
  ESCALATION: 'escalation',
  COMPLAINT: 'complaint',
} as const;

/** Weights as given (fractions) to basis points; a non-integer result is left for the domain to refuse. */
export function weightsToBp(w: MetricWeightsInput): Record<(typeof METRICS)[number], number> {
  return Object.fromEntries(
    METRICS.map((m) => {
      const bp = w[KEYS[m]] * WEIGHT_SCALE;
      const rounded = Math.round(bp);
      return [m, Math.abs(bp - rounded) < 1e-6 ? rounded : bp];
    }),
  ) as Record<(typeof METRICS)[number], number>;
}

@InputType({ description: 'A new scoring policy (operator only).' })
export class ScoringPolicyInput {
  @Field(() => MetricWeightsInput, { description: 'Metric weights.' }) @ValidateNested() weights!: MetricWeightsInput;
  @Field(() => Float, { description: 'Weight of the marketplace prior (the mean of the outsourcers’ own means), in observations (0–100,000).' })
  @IsNumber()
  @Min(0)
  @Max(100_000)
  priorWeight!: number;
  @Field(() => Float, { description: 'Half-life of an observation’s weight, in days (1–3,650).' }) @IsNumber() @Min(1) @Max(3_650) halfLifeDays!: number;
}

@ObjectType('ScoringPolicy', { description: 'How scores are computed (PRODUCT.md section 9).' })
export class ScoringPolicyType {
  @Field(() => Int, { description: 'Version; every scoring run records the one it used.' }) version!: number;
  @Field(() => MetricWeightsType, { description: 'Metric weights.' }) weights!: MetricWeightsType;
  @Field(() => Float, { description: 'Weight of the marketplace prior (the mean of the outsourcers’ own means), in observations.' }) priorWeight!: number;
  @Field(() => Float, { description: 'Half-life in days.' }) halfLifeDays!: number;
  @Field(() => Float, { description: 'Factor applied to the composite after a CONDITIONAL audit.' }) conditionalMultiplier!: number;
  @Field(() => Date, { description: 'When this version was set.' }) createdAt!: Date;

  static from(p: VersionedPolicy, conditionalMultiplier: number): ScoringPolicyType {
    const weights = Object.fromEntries(METRICS.map((m) => [KEYS[m], p.weightsBp[m] / WEIGHT_SCALE]));
    return Object.assign(new ScoringPolicyType(), {
      version: p.version,
      weights: Object.assign(new MetricWeightsType(), weights),
      priorWeight: p.priorWeight,
      halfLifeDays: p.halfLifeDays,
      conditionalMultiplier,
      createdAt: p.createdAt,
    });
  }
}

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
      'The marketplace prior it was smoothed toward: the mean of the outsourcers’ own means, each counting once (the vendor itself and the operator only).',
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
