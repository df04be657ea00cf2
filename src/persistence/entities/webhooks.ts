/** Table shapes: Webhook endpoints and the delivery log. */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

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
