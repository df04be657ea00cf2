import type { EntityManager } from '@mikro-orm/postgresql';
import { ContractSchema } from '../../persistence/entities/contracts.js';
import { InvoiceSchema, type Invoice } from '../../persistence/entities/settlement.js';
import { requireRole, type Principal } from '../access/principal.js';
import type { Clock } from '../shared/clock.js';
import { AccessError } from '../shared/result.js';
import { settleContract, type SettlementPolicy } from './settle-contract.js';
import { inWorld } from '../sandbox/world.js';

/**
 * `settleContract` on demand, without waiting for the grace period: the brand's FINANCE keys for
 * its own contracts, or the operator (OPERATOR or its FINANCE keys) for any. Runs the same
 * exactly-once path as the worker, so calling it while a job runs is harmless.
 */
export async function settleNow(
  em: EntityManager,
  clock: Clock,
  actor: Principal | null,
  contractId: string,
  policy: SettlementPolicy,
): Promise<{ outcome: string; invoice: Invoice | null }> {
  const p = requireRole(actor, 'FINANCE', 'OPERATOR');
  const contract = await em.findOne(ContractSchema, { id: contractId, ...inWorld('brand_id', p) });
  const allowed = contract && (p.organizationKind === 'OPERATOR' || (p.role === 'FINANCE' && contract.brandId === p.organizationId));
  if (!contract || !allowed) throw new AccessError('NOT_FOUND', `No contract ${contractId} this key may settle`);
  const outcome = await settleContract(em, clock, contractId, policy, { force: true });
  const invoice = 'invoiceId' in outcome ? await em.findOneOrFail(InvoiceSchema, { id: outcome.invoiceId }) : null;
  return { outcome: outcome.kind, invoice };
}
