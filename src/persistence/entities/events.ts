/** Table shapes: The outbox: one row per domain event, written in the transaction of the change it describes. */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

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
