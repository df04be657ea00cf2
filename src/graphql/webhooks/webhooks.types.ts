import { ArrayMaxSize, IsOptional, IsString, IsUUID, Length, MaxLength } from 'class-validator';
import { Field, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import type { EventType } from '../../domain/events/event-types.js';
import type { DeliveryLogEntry } from '../../domain/webhooks/deliveries.js';
import type { WebhookEndpoint } from '../../persistence/entities/webhooks.js';
import { Connection } from '../common/pagination.js';
import { UuidScalar } from '../common/scalars.js';

export enum WebhookEndpointStatus {
  ACTIVE = 'ACTIVE',
  DISABLED = 'DISABLED',
}
registerEnumType(WebhookEndpointStatus, {
  name: 'WebhookEndpointStatus',
  description: 'ACTIVE endpoints receive events; DISABLED ones receive nothing more, retries included.',
  valuesConfig: { ACTIVE: { description: 'Receives events.' }, DISABLED: { description: 'Receives nothing more, retries included; disabling is final.' } },
});

export enum WebhookDeliveryOutcome {
  DELIVERED = 'DELIVERED',
  RETRYING = 'RETRYING',
  FAILED = 'FAILED',
}
registerEnumType(WebhookDeliveryOutcome, {
  name: 'WebhookDeliveryOutcome',
  description:
    'DELIVERED: the endpoint answered 2xx. RETRYING: it did not (or timed out) and another attempt follows with backoff. FAILED: the last attempt failed too; no more follow.',
  valuesConfig: {
    DELIVERED: { description: 'The endpoint answered 2xx.' },
    RETRYING: { description: 'It did not (or timed out); another attempt follows with backoff.' },
    FAILED: { description: 'The last attempt failed too; no more follow.' },
  },
});

/**
 * The event types as GraphQL enum values. GraphQL names cannot hold dots, so the value's name is
 * the type in capitals (BID_OUTCOME) and its internal value the type itself (`bid.outcome`), which
 * the webhook payloads and the domain keep.
 */
export enum WebhookEventType {
  DEMAND_SPIKE_POSTED = 'demand_spike.posted',
  BID_OUTCOME = 'bid.outcome',
  CONTRACT_SETTLED = 'contract.settled',
}
/** The enum's values are exactly the domain's event types: a compile error here when either changes alone. */
type SameTypes = [EventType] extends [`${WebhookEventType}`] ? ([`${WebhookEventType}`] extends [EventType] ? true : false) : false;
export const WEBHOOK_EVENT_TYPES_MATCH: SameTypes = true;
registerEnumType(WebhookEventType, {
  name: 'WebhookEventType',
  description: 'An event type that webhooks and subscriptions deliver. The payload’s `type` field carries the dotted form (e.g. `bid.outcome`).',
  valuesConfig: {
    DEMAND_SPIKE_POSTED: { description: '`demand_spike.posted`: a spike was published; sent to the vendors eligible to bid on it.' },
    BID_OUTCOME: { description: '`bid.outcome`: clearing decided a bid; sent to the bidding vendor only.' },
    CONTRACT_SETTLED: { description: '`contract.settled`: a contract was settled or adjusted; sent to its brand and vendor.' },
  },
});

@ObjectType('WebhookEndpoint', { description: 'Where an organisation receives signed event deliveries. The signing secret is shown once, at registration.' })
export class WebhookEndpointType {
  @Field(() => UuidScalar, { description: 'Endpoint id.' }) id!: string;
  @Field(() => UuidScalar, { description: 'The organisation receiving the events.' }) organizationId!: string;
  @Field(() => String, { description: 'URL events are POSTed to.' }) url!: string;
  @Field(() => [WebhookEventType], { description: 'Event types delivered.' }) eventTypes!: string[];
  @Field(() => String, { nullable: true, description: 'Free-text description.' }) description!: string | null;
  @Field(() => String, { description: 'The first characters of the signing secret, to tell which one this is (e.g. "whsec_AbCd").' }) secretHint!: string;
  @Field(() => WebhookEndpointStatus, { description: 'Active or disabled.' }) status!: WebhookEndpointStatus;
  @Field(() => Date, { description: 'When it was registered.' }) createdAt!: Date;
  @Field(() => Date, { nullable: true, description: 'When it was disabled.' }) disabledAt!: Date | null;

  static from(w: WebhookEndpoint): WebhookEndpointType {
    return Object.assign(new WebhookEndpointType(), {
      id: w.id,
      organizationId: w.organizationId,
      url: w.url,
      eventTypes: w.eventTypes,
      description: w.description,
      secretHint: w.secretHint,
      status: w.status,
      createdAt: w.createdAt,
      disabledAt: w.disabledAt,
    });
  }
}

export const WebhookEndpointConnection = Connection(WebhookEndpointType, 'WebhookEndpoint', 'webhook endpoint');

@ObjectType('RegisteredWebhookEndpoint', { description: 'A new endpoint and its signing secret. Store the secret now: it is never shown again.' })
export class RegisteredWebhookEndpointType {
  @Field(() => WebhookEndpointType, { description: 'The endpoint.' }) endpoint!: WebhookEndpointType;
  @Field(() => String, { description: 'Secret for verifying `x-burst-signature` (HMAC-SHA256). Shown once.' }) signingSecret!: string;
}

@ObjectType('WebhookDelivery', { description: 'One delivery attempt of an event to an endpoint.' })
export class WebhookDeliveryType {
  @Field(() => UuidScalar, { description: 'Attempt id.' }) id!: string;
  @Field(() => UuidScalar, { description: 'The event (also sent as `x-burst-event-id` and the body’s `id`).' }) eventId!: string;
  @Field(() => WebhookEventType, { description: 'The event type.' }) eventType!: string;
  @Field(() => UuidScalar, { description: 'The endpoint.' }) endpointId!: string;
  @Field(() => Int, { description: 'Attempt number for this event and endpoint, from 1.' }) attempt!: number;
  @Field(() => WebhookDeliveryOutcome, { description: 'Delivered, will be retried, or given up.' }) outcome!: WebhookDeliveryOutcome;
  @Field(() => Int, { nullable: true, description: 'HTTP status the endpoint answered; null when there was no answer (timeout, refused connection).' })
  statusCode!: number | null;
  @Field(() => String, { nullable: true, description: 'What went wrong, when it did.' }) error!: string | null;
  @Field(() => Int, { description: 'Time from sending to the answer (or giving up), in milliseconds.' }) durationMs!: number;
  @Field(() => Date, { description: 'When the attempt was made.' }) attemptedAt!: Date;

  static from(d: DeliveryLogEntry): WebhookDeliveryType {
    return Object.assign(new WebhookDeliveryType(), d);
  }
}

export const WebhookDeliveryConnection = Connection(WebhookDeliveryType, 'WebhookDelivery', 'webhook delivery attempt');

@InputType({ description: 'A webhook endpoint to register.' })
export class RegisterWebhookEndpointInput {
  @Field(() => UuidScalar, { nullable: true, description: 'The organisation; defaults to yours. Only the operator may name another.' })
  @IsOptional()
  @IsUUID()
  organizationId?: string | null;

  @Field(() => String, { description: 'Absolute https URL without credentials, at most 2,048 characters.' })
  @IsString()
  url!: string;

  @Field(() => [WebhookEventType], { description: `Event types to receive (at least one; each must be one the organisation can receive).` })
  @ArrayMaxSize(10)
  @IsString({ each: true })
  @MaxLength(100, { each: true })
  eventTypes!: string[];

  @Field(() => String, { nullable: true, description: 'Free-text description, at most 200 characters.' })
  @IsOptional()
  @IsString()
  @Length(0, 200)
  description?: string | null;
}
