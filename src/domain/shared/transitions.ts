import type { EntityManager } from '@mikro-orm/postgresql';
import { StateTransitionSchema } from '../../persistence/entities/transitions.js';
import type { Principal } from '../access/principal.js';
import { uuidv7 } from './ids.js';

/** Records a lifecycle transition with its time and actor (PRODUCT.md section 2), in the caller's transaction. */
export function recordTransition(
  em: EntityManager,
  entityType: 'DemandSpike' | 'Bid' | 'Contract',
  entityId: string,
  from: string | null,
  to: string,
  actor: Principal | null,
  at: Date,
): void {
  em.create(StateTransitionSchema, {
    id: uuidv7(),
    entityType,
    entityId,
    fromStatus: from,
    toStatus: to,
    actorOrganizationId: actor?.organizationId ?? null,
    actorApiKeyId: actor?.apiKeyId || null,
    at,
  });
}
