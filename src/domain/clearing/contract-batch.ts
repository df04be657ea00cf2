import type { EntityManager } from '@mikro-orm/postgresql';
import { BidOutcomeSchema, type BidOutcome } from '../../persistence/entities/clearing.js';
import { BidSchema } from '../../persistence/entities/bidding.js';
import { ContractSchema, type Contract } from '../../persistence/entities/contracts.js';
import { requireRole, type Principal } from '../access/principal.js';
import { CONTRACT_READERS, contractScope } from './clearing-queries.js';

/**
 * Contracts by id in one read, each only if the caller may read it through `contract(id)` (the
 * same roles and the same scope): the others are missing from the map.
 */
export async function contractsByIds(em: EntityManager, actor: Principal | null, ids: readonly string[]): Promise<Map<string, Contract>> {
  const p = requireRole(actor, ...CONTRACT_READERS);
  if (!ids.length) return new Map();
  const rows = await em.find(ContractSchema, { id: { $in: [...new Set(ids)] }, ...contractScope(p) });
  return new Map(rows.map((c) => [c.id, c]));
}

/**
 * Outcomes of bids by bid id in one read, as `bidOutcome(bidId)` shows them: only to the bidding
 * vendor (VENDOR keys), only of its own bids. For anyone else the map is empty (brands and the
 * operator read every outcome in `clearingResult`).
 */
export async function ownBidOutcomes(em: EntityManager, actor: Principal | null, bidIds: readonly string[]): Promise<Map<string, BidOutcome>> {
  if (!actor || actor.role !== 'VENDOR' || !bidIds.length) return new Map();
  const own = await em.find(BidSchema, { id: { $in: [...new Set(bidIds)] }, vendorId: actor.organizationId }, { fields: ['id'] });
  if (!own.length) return new Map();
  const rows = await em.find(BidOutcomeSchema, { bidId: { $in: own.map((b) => b.id) } });
  return new Map(rows.map((o) => [o.bidId, o]));
}
