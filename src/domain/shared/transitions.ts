import type { EntityManager } from '@mikro-orm/postgresql';
import { StateTransitionSchema, type StateTransition } from '../../persistence/entities/transitions.js';
import type { Principal } from '../access/principal.js';
import { uuidv7 } from './ids.js';

export type TransitionEntity = 'DemandSpike' | 'Bid' | 'Contract';

/**
 * A lifecycle transition with its time and actor (PRODUCT.md section 2), as one row. The single
 * source of what a transition records: `recordTransition` hands it to the unit of work, and
 * `transitionInsertSql` writes the same row from a statement of hand-written SQL.
 */
export function transitionRow(
  entityType: TransitionEntity,
  entityId: string,
  from: string | null,
  to: string,
  actor: Pick<Principal, 'organizationId' | 'apiKeyId'> | null,
  at: Date,
): StateTransition {
  return {
    id: uuidv7(),
    entityType,
    entityId,
    fromStatus: from,
    toStatus: to,
    actorOrganizationId: actor?.organizationId ?? null,
    // Keys issued by no one (the bench's, the seeds') carry an empty id: no key.
    actorApiKeyId: actor?.apiKeyId || null,
    at,
  };
}

/** Records a transition in the caller's unit of work (flushed with it, in its transaction). */
export function recordTransition(
  em: EntityManager,
  entityType: TransitionEntity,
  entityId: string,
  from: string | null,
  to: string,
  actor: Principal | null,
  at: Date,
): void {
  em.create(StateTransitionSchema, transitionRow(entityType, entityId, from, to, actor, at));
}

/**
 * The same transition as an INSERT for a statement of hand-written SQL (a CTE of a larger write),
 * with `?` placeholders and its parameters in order. Where the entity's row is written by the same
 * statement, `entityIdSql` names it as SQL and `source` is the CTE it comes from: the transition is
 * then written exactly when that row is (e.g. `{ entityIdSql: 'ins.id', source: 'ins' }`).
 */
export function transitionInsertSql(row: StateTransition, written?: { entityIdSql: string; source: string }): { sql: string; params: unknown[] } {
  const columns = 'id, entity_type, entity_id, from_status, to_status, actor_organization_id, actor_api_key_id, at';
  const entityId = written ? written.entityIdSql : '?::uuid';
  const values = `?::uuid, ?, ${entityId}, ?, ?, ?::uuid, ?::uuid, ?::timestamptz`;
  return {
    sql: written
      ? `insert into state_transition (${columns}) select ${values} from ${written.source}`
      : `insert into state_transition (${columns}) values (${values})`,
    params: [row.id, row.entityType, ...(written ? [] : [row.entityId]), row.fromStatus, row.toStatus, row.actorOrganizationId, row.actorApiKeyId, row.at],
  };
}
