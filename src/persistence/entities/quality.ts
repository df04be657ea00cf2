/**
 * Table shapes: Quality evidence (events and the observations derived from them and from delivery),
 * audit states, the scoring policy, scoring runs and the scores they stored, signed-ingestion secrets.
 *
 * The quality context reads and writes these tables in plain SQL (its hot paths are set-based);
 * the shapes are here so that its row types derive from them (`RowOf`, persistence/rows.ts) and a
 * test holds them to the migrated schema. JSON columns name the domain's own value types (type
 * imports of pure modules only, so persistence gains no runtime dependency on the domain).
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import type { AuditState, Metric, MetricScore } from '../../domain/quality/scoring.js';

const QUALITY_EVENT_KINDS = ['CSAT', 'QA_SCORE', 'FCR', 'ESCALATION', 'COMPLAINT', 'AUDIT'] as const;
const AUDIT_RESULTS = ['PASS', 'CONDITIONAL', 'FAIL'] as const;
const METRICS = ['CSAT', 'QA', 'FCR', 'ADHERENCE', 'SERVICE_LEVEL', 'ESCALATION', 'COMPLAINT'] as const;

/** A quality event as received (GraphQL or signed HTTP), idempotent per submitter and external id. */
export const QualityEventSchema = defineEntity({
  name: 'QualityEvent',
  tableName: 'quality_event',
  properties: {
    id: p.uuid().primary(),
    submittedBy: p.uuid(),
    vendorId: p.uuid(),
    contractId: p.uuid().strictNullable(),
    kind: p.enum(QUALITY_EVENT_KINDS),
    value: p.double().$type<number>().strictNullable(),
    auditResult: p.enum(AUDIT_RESULTS).strictNullable(),
    notes: p.text().strictNullable(),
    skill: p.text().strictNullable(),
    occurredAt: p.datetime().columnType('timestamptz'),
    externalId: p.text(),
    payloadHash: p.string().length(64),
    source: p.enum(['GRAPHQL', 'HTTP'] as const),
    receivedAt: p.datetime().columnType('timestamptz'),
    /** The brand whose own audit this is; null for the marketplace's (operator or auditor). */
    auditBrandId: p.uuid().strictNullable(),
  },
});

export type QualityEvent = InferEntity<typeof QualityEventSchema>;

/** One 0–1 observation of a metric, from an event or a delivered interval; what scoring sums. */
export const QualityObservationSchema = defineEntity({
  name: 'QualityObservation',
  tableName: 'quality_observation',
  properties: {
    id: p.uuid().primary(),
    vendorId: p.uuid(),
    metric: p.enum(METRICS),
    scopes: p.array().columnType('text[]'),
    amount: p.double().$type<number>(),
    weight: p.double().$type<number>(),
    observedAt: p.datetime().columnType('timestamptz'),
    recordedAt: p.datetime().columnType('timestamptz'),
    eventId: p.uuid().strictNullable(),
    contractId: p.uuid().strictNullable(),
    intervalIndex: p.integer().strictNullable(),
    /** Set when the observation no longer counts (kept for history). */
    excludedReason: p
      .enum(['NO_CONTRACT', 'IN_HOUSE', 'OUTSIDE_CONTRACT_PERIOD', 'EXCEEDS_CONTACTS_HANDLED', 'SKILL_NOT_IN_CONTRACT'] as const)
      .strictNullable(),
  },
});

export type QualityObservation = InferEntity<typeof QualityObservationSchema>;

/** Ratings filed per contract and kind: the tally the contacts-handled bound is checked against. */
export const ContractRatingTallySchema = defineEntity({
  name: 'ContractRatingTally',
  tableName: 'contract_rating_tally',
  properties: {
    contractId: p.uuid().primary(),
    kind: p.enum(['CSAT', 'QA_SCORE', 'FCR', 'ESCALATION', 'COMPLAINT'] as const).primary(),
    filed: p.integer(),
  },
});

/** The folded audit state both audit tables keep: the latest audit's result, event and time (fresh builders per table). */
const auditStateColumns = () => ({
  state: p.enum(AUDIT_RESULTS),
  eventId: p.uuid(),
  occurredAt: p.datetime().columnType('timestamptz'),
  notes: p.text().strictNullable(),
  updatedAt: p.datetime().columnType('timestamptz'),
});

/** The marketplace audit state of a vendor (operator and auditor audits, folded). */
export const VendorAuditSchema = defineEntity({
  name: 'VendorAudit',
  tableName: 'vendor_audit',
  properties: {
    vendorId: p.uuid().primary(),
    ...auditStateColumns(),
  },
});

/** A brand's own audit state of a vendor (that brand's audits, folded). */
export const BrandVendorAuditSchema = defineEntity({
  name: 'BrandVendorAudit',
  tableName: 'brand_vendor_audit',
  properties: {
    brandId: p.uuid().primary(),
    vendorId: p.uuid().primary(),
    ...auditStateColumns(),
  },
});

/** A version of the scoring policy; the latest applies. */
export const ScoringPolicySchema = defineEntity({
  name: 'ScoringPolicyVersion',
  tableName: 'scoring_policy',
  properties: {
    version: p.integer().primary(),
    /** Weight per metric in basis points, summing to 10,000. */
    weightsBp: p.json<Record<Metric, number>>().columnType('jsonb'),
    priorWeight: p.double().$type<number>(),
    halfLifeDays: p.double().$type<number>(),
    createdBy: p.uuid().strictNullable(),
    createdAt: p.datetime().columnType('timestamptz'),
  },
});

/** One scoring run: the policy it used and the marketplace prior it computed. */
export const ScoringRunSchema = defineEntity({
  name: 'ScoringRun',
  tableName: 'scoring_run',
  properties: {
    id: p.uuid().primary(),
    computedAt: p.datetime().columnType('timestamptz'),
    policyVersion: p.integer(),
    market: p.json<Partial<Record<Metric, { mean: number; vendors: number; samples: number }>>>().columnType('jsonb'),
    marketComposite: p.double().$type<number>(),
    observations: p.bigint('bigint'),
    /** The world scored: null for live, else the sandbox (each world has its own prior). */
    sandboxId: p.uuid().strictNullable(),
  },
});

/** A vendor's current score per scope ('' overall, `skill:x`, `channel:x`). */
export const VendorScoreSchema = defineEntity({
  name: 'VendorScore',
  tableName: 'vendor_score',
  properties: {
    vendorId: p.uuid().primary(),
    scope: p.text().primary(),
    baseComposite: p.double().$type<number>(),
    metrics: p.json<MetricScore[]>().columnType('jsonb'),
    samples: p.integer(),
    runId: p.uuid(),
    computedAt: p.datetime().columnType('timestamptz'),
  },
});

/** A vendor's score as it moved, per scope and run. */
export const VendorScoreHistorySchema = defineEntity({
  name: 'VendorScoreHistory',
  tableName: 'vendor_score_history',
  properties: {
    id: p.uuid().primary(),
    vendorId: p.uuid(),
    scope: p.text(),
    baseComposite: p.double().$type<number>(),
    composite: p.double().$type<number>(),
    previousComposite: p.double().$type<number>().strictNullable(),
    auditState: p.text().$type<AuditState>(),
    metrics: p.json<MetricScore[]>().columnType('jsonb'),
    /** Observations per metric that arrived since the previous run. */
    newObservations: p.json<Partial<Record<Metric, number>>>().columnType('jsonb'),
    runId: p.uuid(),
    computedAt: p.datetime().columnType('timestamptz'),
  },
});

/** The HMAC secret an organisation signs `/ingest/quality` requests with. */
export const IngestSecretSchema = defineEntity({
  name: 'IngestSecret',
  tableName: 'ingest_secret',
  properties: {
    organizationId: p.uuid().primary(),
    secret: p.text(),
    createdAt: p.datetime().columnType('timestamptz'),
  },
});

/** Signatures already accepted: a replayed signed request is refused. */
export const IngestNonceSchema = defineEntity({
  name: 'IngestNonce',
  tableName: 'ingest_nonce',
  properties: {
    signature: p.string().length(64).primary(),
    organizationId: p.uuid(),
    receivedAt: p.datetime().columnType('timestamptz'),
  },
});
