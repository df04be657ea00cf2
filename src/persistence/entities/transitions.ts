/** Table shapes: Every lifecycle transition, with its time and actor (PRODUCT.md section 2). */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';

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
