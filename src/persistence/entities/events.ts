/** Table shapes: The outbox: one row per domain event, written in the transaction of the change it describes. */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

/** The outbox: one row per domain event, written in the transaction of the change it describes. */
export const DomainEventSchema = defineEntity({
  name: 'DomainEvent',
  tableName: 'domain_event',
  properties: {
    id: p.uuid().primary(),
    /** PUBLIC: for subscriptions and webhooks. INTERNAL: work for the workers, never published (empty audience). */
    kind: p.enum(['PUBLIC', 'INTERNAL'] as const),
    type: p.enum([
      'demand_spike.posted',
      'bid.outcome',
      'contract.settled',
      'spike.opened',
      'spike.closed_early',
      'spike.close_moved',
      'contract.created',
      'delivery.reported',
      'quality.events_accepted',
      'quality.policy_changed',
      'sandbox.clock_advanced',
    ] as const),
    /** Organisations that may see a public event (the operator sees every event); empty for an internal one. */
    audience: p.array().columnType('uuid[]'),
    payload: p.json<Record<string, unknown>>().columnType('jsonb'),
    createdAt: p.datetime().columnType('timestamptz'),
    /** Set by the relay once a public event is on Redis pub/sub with its webhook jobs enqueued, or an internal one's jobs are. */
    publishedAt: p.datetime().columnType('timestamptz').strictNullable(),
    /** The world the event happened in (null: live); set by PostgreSQL from the payload's party (Migration20261207190000). */
    sandboxId: p.uuid().strictNullable(),
  },
});

export type DomainEventRow = InferEntity<typeof DomainEventSchema>;
