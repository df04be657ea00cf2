/**
 * Table shapes. These are not GraphQL types: the API maps them explicitly, so a column never
 * leaks into the schema by accident. Foreign keys are plain uuid columns (with real FK
 * constraints in the migrations); contexts read each other through use cases, not joins.
 */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

const timestamps = {
  createdAt: p.datetime().columnType('timestamptz'),
  updatedAt: p.datetime().columnType('timestamptz'),
};

export const OrganizationSchema = defineEntity({
  name: 'Organization',
  tableName: 'organization',
  properties: {
    id: p.uuid().primary(),
    name: p.string().length(200),
    kind: p.enum(['BRAND', 'VENDOR', 'OPERATOR', 'AUDITOR'] as const),
    vendorType: p.enum(['IN_HOUSE', 'OUTSOURCER'] as const).strictNullable(),
    parentBrandId: p.uuid().strictNullable(),
    skills: p.array().columnType('text[]'),
    certifications: p.array().columnType('text[]'),
    status: p.enum(['ACTIVE', 'SUSPENDED'] as const),
    ...timestamps,
  },
});
export type Organization = InferEntity<typeof OrganizationSchema>;

export const ApiKeySchema = defineEntity({
  name: 'ApiKey',
  tableName: 'api_key',
  properties: {
    id: p.uuid().primary(),
    organizationId: p.uuid().index(),
    role: p.enum(['OPERATOR', 'BRAND', 'VENDOR', 'FINANCE', 'AUDITOR'] as const),
    /** Public identifying part of the key, e.g. "k3x9a0b2" in bx_k3x9a0b2_... */
    prefix: p.string().length(16).unique(),
    /** SHA-256 of the whole key, hex. The key itself is never stored. */
    hash: p.string().length(64),
    label: p.string().length(200),
    createdAt: p.datetime().columnType('timestamptz'),
    revokedAt: p.datetime().columnType('timestamptz').strictNullable(),
  },
});
export type ApiKey = InferEntity<typeof ApiKeySchema>;

/** One interval of a spike, as stored (JSON on the spike: intervals never change after posting). */
export interface StoredInterval {
  index: number;
  startsAt: string;
  requiredSeats: number;
  forecastContacts: number | null;
  ahtSeconds: number | null;
  trafficErlangs: number | null;
  agents: number | null;
  serviceLevelAtRequired: number | null;
}

export const DemandSpikeSchema = defineEntity({
  name: 'DemandSpike',
  tableName: 'demand_spike',
  properties: {
    id: p.uuid().primary(),
    brandId: p.uuid().index(),
    title: p.string().length(200),
    channel: p.enum(['VOICE', 'CHAT', 'EMAIL'] as const),
    requiredSkills: p.array().columnType('text[]'),
    requiredCertifications: p.array().columnType('text[]'),
    timeZone: p.string().length(64),
    intervalMinutes: p.integer(),
    intervals: p.json<StoredInterval[]>().columnType('jsonb'),
    serviceLevelTarget: p.double().$type<number>(),
    serviceLevelSeconds: p.integer(),
    maxOccupancy: p.double().$type<number>(),
    shrinkage: p.double().$type<number>(),
    chatConcurrency: p.integer(),
    reserveRateMinor: p.bigint('bigint'),
    currency: p.string().length(3),
    minQualityScore: p.double().$type<number>().strictNullable(),
    maxVendorShare: p.double().$type<number>().strictNullable(),
    qualityWeight: p.double().$type<number>(),
    biddingClosesAt: p.datetime().columnType('timestamptz'),
    outsourcingModel: p.enum(['NETWORK_DELIVERED', 'ENTERPRISE_ROUTED', 'VIRTUALIZED'] as const),
    status: p.enum(['DRAFT', 'OPEN', 'CLOSED', 'AWARDED', 'IN_DELIVERY', 'COMPLETED', 'SETTLED', 'CANCELLED'] as const),
    idempotencyKey: p.string().length(200).strictNullable(),
    payloadHash: p.string().length(64).strictNullable(),
    ...timestamps,
  },
});
export type DemandSpike = InferEntity<typeof DemandSpikeSchema>;

export interface StoredOffer {
  index: number;
  seats: number;
}

export const BidSchema = defineEntity({
  name: 'Bid',
  tableName: 'bid',
  properties: {
    id: p.uuid().primary(),
    spikeId: p.uuid().index(),
    vendorId: p.uuid().index(),
    status: p.enum(['ACTIVE', 'WON', 'PARTIAL', 'LOST', 'WITHDRAWN'] as const),
    rateMinor: p.bigint('bigint'),
    currency: p.string().length(3),
    offered: p.json<StoredOffer[]>().columnType('jsonb'),
    minSeatsPerInterval: p.integer().strictNullable(),
    minTotalSeatHours: p.double().$type<number>().strictNullable(),
    note: p.text().strictNullable(),
    version: p.integer(),
    idempotencyKey: p.string().length(200),
    payloadHash: p.string().length(64),
    /** Time of the last placement or revision: the tie-break in clearing. */
    submittedAt: p.datetime().columnType('timestamptz'),
    ...timestamps,
  },
});
export type Bid = InferEntity<typeof BidSchema>;

export const StateTransitionSchema = defineEntity({
  name: 'StateTransition',
  tableName: 'state_transition',
  properties: {
    id: p.uuid().primary(),
    entityType: p.string().length(32),
    entityId: p.uuid().index(),
    fromStatus: p.string().length(32).strictNullable(),
    toStatus: p.string().length(32),
    actorOrganizationId: p.uuid().strictNullable(),
    actorApiKeyId: p.uuid().strictNullable(),
    at: p.datetime().columnType('timestamptz'),
  },
});
export type StateTransition = InferEntity<typeof StateTransitionSchema>;

/** Per interval of a cleared spike: what was required, awarded and left unfilled. */
export interface ClearedInterval {
  index: number;
  startsAt: string;
  requiredSeats: number;
  awardedSeats: number;
  unfilledSeats: number;
  /** Highest adjusted rate that won seats here (the "bid to beat"), minor units per seat-hour. */
  highestWinningAdjustedRate: number | null;
  /** For forecast intervals: service level the awarded seats reach (Erlang C), else null. */
  serviceLevelAtAwarded: number | null;
  serviceLevelAtRequired: number | null;
}

export const ClearingResultSchema = defineEntity({
  name: 'ClearingResult',
  tableName: 'clearing_result',
  properties: {
    spikeId: p.uuid().primary(),
    status: p.enum(['OPTIMAL'] as const),
    solver: p.enum(['HIGHS', 'GREEDY', 'TRIVIAL'] as const),
    coveredSeatHours: p.double().$type<number>(),
    adjustedCost: p.double().$type<number>(),
    intervals: p.json<ClearedInterval[]>().columnType('jsonb'),
    createdAt: p.datetime().columnType('timestamptz'),
  },
});
export type ClearingResultRow = InferEntity<typeof ClearingResultSchema>;

/** Why the last clearing attempt of a spike failed; gone once the spike clears. */
export const ClearingFailureSchema = defineEntity({
  name: 'ClearingFailure',
  tableName: 'clearing_failure',
  properties: {
    spikeId: p.uuid().primary(),
    code: p.enum(['SOLVER_TIMEOUT', 'SOLVER_FAILED', 'INVALID_INPUT', 'INTERNAL'] as const),
    message: p.text(),
    attempts: p.integer(),
    firstFailedAt: p.datetime().columnType('timestamptz'),
    lastFailedAt: p.datetime().columnType('timestamptz'),
  },
});
export type ClearingFailure = InferEntity<typeof ClearingFailureSchema>;

export const AwardSchema = defineEntity({
  name: 'Award',
  tableName: 'award',
  properties: {
    id: p.uuid().primary(),
    spikeId: p.uuid(),
    bidId: p.uuid(),
    vendorId: p.uuid(),
    intervalIndex: p.integer(),
    seats: p.integer(),
    score: p.double().$type<number>(),
    adjustedRate: p.double().$type<number>(),
  },
});
export type Award = InferEntity<typeof AwardSchema>;

/** Per interval the bidder offered: its own adjusted rate and the highest adjusted rate that won there. */
export interface StoredBidToBeat {
  index: number;
  ownAdjustedRate: number;
  highestWinningAdjustedRate: number | null;
  awardedSeats: number;
}

export const BidOutcomeSchema = defineEntity({
  name: 'BidOutcome',
  tableName: 'bid_outcome',
  properties: {
    bidId: p.uuid().primary(),
    spikeId: p.uuid(),
    vendorId: p.uuid(),
    status: p.enum(['WON', 'PARTIAL', 'LOST'] as const),
    reason: p.string(),
    reasonDetail: p.text().strictNullable(),
    score: p.double().$type<number>(),
    adjustedRate: p.double().$type<number>(),
    awardedSeatHours: p.double().$type<number>(),
    bidToBeat: p.json<StoredBidToBeat[]>().columnType('jsonb'),
  },
});
export type BidOutcome = InferEntity<typeof BidOutcomeSchema>;

export interface ContractSeats {
  index: number;
  startsAt: string;
  seats: number;
}

export const ContractSchema = defineEntity({
  name: 'Contract',
  tableName: 'contract',
  properties: {
    id: p.uuid().primary(),
    spikeId: p.uuid(),
    brandId: p.uuid(),
    vendorId: p.uuid(),
    bidId: p.uuid(),
    status: p.enum(['ACTIVE', 'DELIVERED', 'SETTLED', 'ADJUSTED'] as const),
    rateMinor: p.bigint('bigint'),
    currency: p.string().length(3),
    intervalMinutes: p.integer(),
    seats: p.json<ContractSeats[]>().columnType('jsonb'),
    serviceLevelTarget: p.double().$type<number>(),
    serviceLevelSeconds: p.integer(),
    creditPerPoint: p.double().$type<number>(),
    creditCap: p.double().$type<number>(),
    startsAt: p.datetime().columnType('timestamptz'),
    endsAt: p.datetime().columnType('timestamptz'),
    createdAt: p.datetime().columnType('timestamptz'),
    /** Set when actuals arrive after a settlement: the next settlement posts the difference. */
    needsSettlement: p.boolean(),
  },
});
export type Contract = InferEntity<typeof ContractSchema>;

export const AuditRecordSchema = defineEntity({
  name: 'AuditRecord',
  tableName: 'audit_record',
  properties: {
    spikeId: p.uuid().primary(),
    document: p.json<Record<string, unknown>>().columnType('jsonb'),
    canonical: p.text(),
    sha256: p.string().length(64),
    createdAt: p.datetime().columnType('timestamptz'),
  },
});
export type AuditRecord = InferEntity<typeof AuditRecordSchema>;

export const DeliveryReportSchema = defineEntity({
  name: 'DeliveryReport',
  tableName: 'delivery_report',
  properties: {
    id: p.uuid().primary(),
    contractId: p.uuid(),
    intervalIndex: p.integer(),
    source: p.enum(['VENDOR', 'BRAND'] as const),
    /** Staffed seat-hours in ten-thousandths (1 seat-hour = 10,000). */
    staffedUnits: p.bigint('bigint'),
    contactsHandled: p.integer(),
    /** Service level achieved in parts per million; null when not measured. */
    serviceLevelPpm: p.integer().strictNullable(),
    reportedByKeyId: p.uuid().strictNullable(),
    reportedAt: p.datetime().columnType('timestamptz'),
  },
});
export type DeliveryReport = InferEntity<typeof DeliveryReportSchema>;

export const InvoiceSchema = defineEntity({
  name: 'Invoice',
  tableName: 'invoice',
  properties: {
    id: p.uuid().primary(),
    number: p.bigint('number'),
    contractId: p.uuid(),
    brandId: p.uuid(),
    vendorId: p.uuid(),
    kind: p.enum(['INVOICE', 'CREDIT_NOTE', 'DEBIT_NOTE'] as const),
    originalInvoiceId: p.uuid().strictNullable(),
    status: p.enum(['ISSUED', 'PARTIALLY_PAID', 'PAID', 'ADJUSTED'] as const),
    currency: p.string().length(3),
    netMinor: p.bigint('bigint'),
    feeMinor: p.bigint('bigint'),
    vendorPayoutMinor: p.bigint('bigint'),
    paidMinor: p.bigint('bigint'),
    periodStart: p.datetime().columnType('timestamptz'),
    periodEnd: p.datetime().columnType('timestamptz'),
    issuedAt: p.datetime().columnType('timestamptz'),
  },
});
export type Invoice = InferEntity<typeof InvoiceSchema>;

export const InvoiceLineSchema = defineEntity({
  name: 'InvoiceLine',
  tableName: 'invoice_line',
  properties: {
    id: p.uuid().primary(),
    invoiceId: p.uuid(),
    position: p.integer(),
    kind: p.enum(['BASE', 'CREDIT', 'FEE'] as const),
    intervalIndex: p.integer().strictNullable(),
    billableUnits: p.bigint('bigint').strictNullable(),
    description: p.text(),
    amountMinor: p.bigint('bigint'),
  },
});
export type InvoiceLine = InferEntity<typeof InvoiceLineSchema>;

export const SettlementSchema = defineEntity({
  name: 'Settlement',
  tableName: 'settlement',
  properties: {
    id: p.uuid().primary(),
    contractId: p.uuid(),
    sequence: p.integer(),
    idempotencyKey: p.text(),
    kind: p.enum(['INITIAL', 'ADJUSTMENT'] as const),
    invoiceId: p.uuid(),
    netMinor: p.bigint('bigint'),
    feeMinor: p.bigint('bigint'),
    /** Cumulative amounts after this settlement (all lines), the base for the next adjustment. */
    amounts: p.json<Record<string, unknown>>().columnType('jsonb'),
    createdAt: p.datetime().columnType('timestamptz'),
  },
});
export type Settlement = InferEntity<typeof SettlementSchema>;

/** The outbox: one row per domain event, written in the transaction of the change it describes. */
export const DomainEventSchema = defineEntity({
  name: 'DomainEvent',
  tableName: 'domain_event',
  properties: {
    id: p.uuid().primary(),
    type: p.enum(['demand_spike.posted', 'bid.outcome', 'contract.settled'] as const),
    /** Organisations that may see the event (the operator sees every event). */
    audience: p.array().columnType('uuid[]'),
    payload: p.json<Record<string, unknown>>().columnType('jsonb'),
    createdAt: p.datetime().columnType('timestamptz'),
    /** Set by the relay once the event is on Redis pub/sub and its webhook jobs are enqueued. */
    publishedAt: p.datetime().columnType('timestamptz').strictNullable(),
  },
});
export type DomainEventRow = InferEntity<typeof DomainEventSchema>;

export const WebhookEndpointSchema = defineEntity({
  name: 'WebhookEndpoint',
  tableName: 'webhook_endpoint',
  properties: {
    id: p.uuid().primary(),
    organizationId: p.uuid(),
    url: p.text(),
    eventTypes: p.array().columnType('text[]'),
    description: p.string().length(200).strictNullable(),
    /** The signing secret, encrypted with WEBHOOK_SECRET_KEY (see domain/webhooks/secret-box.ts). */
    secretCiphertext: p.text(),
    /** The first characters of the secret, so a client can tell which one it holds. */
    secretHint: p.string().length(16),
    status: p.enum(['ACTIVE', 'DISABLED'] as const),
    createdByKeyId: p.uuid().strictNullable(),
    createdAt: p.datetime().columnType('timestamptz'),
    disabledAt: p.datetime().columnType('timestamptz').strictNullable(),
  },
});
export type WebhookEndpoint = InferEntity<typeof WebhookEndpointSchema>;

export const WebhookDeliverySchema = defineEntity({
  name: 'WebhookDelivery',
  tableName: 'webhook_delivery',
  properties: {
    id: p.uuid().primary(),
    eventId: p.uuid(),
    endpointId: p.uuid(),
    attempt: p.integer(),
    outcome: p.enum(['DELIVERED', 'RETRYING', 'FAILED'] as const),
    statusCode: p.integer().strictNullable(),
    error: p.text().strictNullable(),
    durationMs: p.integer(),
    attemptedAt: p.datetime().columnType('timestamptz'),
  },
});
export type WebhookDelivery = InferEntity<typeof WebhookDeliverySchema>;

export const entities = [
  OrganizationSchema,
  ApiKeySchema,
  DemandSpikeSchema,
  BidSchema,
  StateTransitionSchema,
  ClearingResultSchema,
  ClearingFailureSchema,
  AwardSchema,
  BidOutcomeSchema,
  ContractSchema,
  AuditRecordSchema,
  DeliveryReportSchema,
  InvoiceSchema,
  InvoiceLineSchema,
  SettlementSchema,
  DomainEventSchema,
  WebhookEndpointSchema,
  WebhookDeliverySchema,
];
