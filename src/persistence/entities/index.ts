/**
 * Every table shape, for the ORM's configuration. These are not GraphQL types: the API maps them
 * explicitly, so a column never leaks into the schema by accident. Foreign keys are plain uuid
 * columns (with real FK constraints in the migrations); contexts read each other through use
 * cases, not joins. Code imports the shapes of its own context from that context's file.
 */
import { OrganizationSchema, ApiKeySchema, SandboxSchema } from './access.js';
import { DemandSpikeSchema } from './demand.js';
import { BidSchema } from './bidding.js';
import { StateTransitionSchema } from './transitions.js';
import { ClearingResultSchema, ClearingFailureSchema, AwardSchema, BidOutcomeSchema, AuditRecordSchema } from './clearing.js';
import { ContractSchema } from './contracts.js';
import { DeliveryReportSchema } from './delivery.js';
import { InvoiceSchema, InvoiceLineSchema, SettlementSchema, InvoiceNumberCounterSchema } from './settlement.js';
import { LedgerAccountSchema, LedgerTransactionSchema, LedgerEntrySchema } from './ledger.js';
import {
  QualityEventSchema,
  QualityObservationSchema,
  ContractRatingTallySchema,
  VendorAuditSchema,
  BrandVendorAuditSchema,
  ScoringPolicySchema,
  ScoringRunSchema,
  VendorScoreSchema,
  VendorScoreHistorySchema,
  IngestSecretSchema,
  IngestNonceSchema,
} from './quality.js';
import { DomainEventSchema } from './events.js';
import { WebhookEndpointSchema, WebhookDeliverySchema } from './webhooks.js';
import { ConsoleSessionSchema, ConsoleSignInLinkSchema } from './console.js';

export const entities = [
  ConsoleSessionSchema,
  ConsoleSignInLinkSchema,
  SandboxSchema,
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
  InvoiceNumberCounterSchema,
  LedgerAccountSchema,
  LedgerTransactionSchema,
  LedgerEntrySchema,
  QualityEventSchema,
  QualityObservationSchema,
  ContractRatingTallySchema,
  VendorAuditSchema,
  BrandVendorAuditSchema,
  ScoringPolicySchema,
  ScoringRunSchema,
  VendorScoreSchema,
  VendorScoreHistorySchema,
  IngestSecretSchema,
  IngestNonceSchema,
  DomainEventSchema,
  WebhookEndpointSchema,
  WebhookDeliverySchema,
];
