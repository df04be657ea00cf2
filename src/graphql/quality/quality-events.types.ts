/** GraphQL shapes of quality ingestion: the event inputs, the per-event receipts and the signing secret. */
import { ArrayMaxSize, ArrayMinSize, ValidateNested } from 'class-validator';
import { Field, Float, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { EventReceipt } from '../../domain/quality/quality-events.js';
import { MAX_EVENTS_PER_BATCH } from '../../domain/quality/quality-events.js';
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
  SKILL_NOT_IN_CONTRACT = 'SKILL_NOT_IN_CONTRACT',
}
registerEnumType(QualityEventKind, {
  name: 'QualityEventKind',
  description: 'CSAT (score 1–5), QA_SCORE (score 0–100), FCR (resolved), ESCALATION, COMPLAINT (occurrences), AUDIT (auditResult).',
  valuesConfig: {
    CSAT: { description: 'A customer satisfaction rating: `score` 1–5.' },
    QA_SCORE: { description: 'A QA review: `score` 0–100.' },
    FCR: { description: 'Whether a contact was resolved at first contact: `resolved`.' },
    ESCALATION: { description: 'One escalated contact (an occurrence).' },
    COMPLAINT: { description: 'One complaint (an occurrence).' },
    AUDIT: { description: 'A working-conditions and compliance audit: `auditResult`.' },
  },
});
registerEnumType(AuditResult, {
  name: 'AuditResult',
  description: 'Outcome of a working-conditions and compliance audit.',
  valuesConfig: {
    PASS: { description: 'Passed.' },
    CONDITIONAL: { description: 'Passed with conditions: the composite is multiplied by the conditional multiplier until a later audit.' },
    FAIL: {
      description:
        'Failed: the operator’s (or an appointed auditor’s) FAIL suspends the vendor from bidding, a brand’s excludes it from that brand’s spikes, until a later PASS by the same authority.',
    },
  },
});
registerEnumType(EventStatus, {
  name: 'QualityEventStatus',
  description: 'ACCEPTED (stored now), DUPLICATE (this external id was stored before with the same content), REJECTED (see the rejection).',
  valuesConfig: {
    ACCEPTED: { description: 'Stored now.' },
    DUPLICATE: { description: 'This external id was stored before with the same content: nothing changed.' },
    REJECTED: { description: 'Refused: `rejection` says why; nothing was stored for it.' },
  },
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
        'The rating is dated before the contract’s delivery started, or after its dispute window (30 days after settlement, or after the last interval while unsettled), or is sent after that window.',
    },
    EXCEEDS_CONTACTS_HANDLED: {
      description: 'The contract already has as many ratings of this kind as contacts handled, as the vendor reported them (QA: one evaluation per contact).',
    },
    SKILL_NOT_IN_CONTRACT: { description: 'The rating names a skill its contract does not cover (one of the spike’s required skills).' },
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
