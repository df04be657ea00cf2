import type { EntityManager } from '@mikro-orm/postgresql';
import { SandboxSchema, type Sandbox } from '../../persistence/entities/access.js';
import { authenticated, type Principal } from '../access/principal.js';
import type { Clock } from '../shared/clock.js';
import { AccessError } from '../shared/result.js';

/**
 * Deletes a sandbox: its creator's live keys or the sandbox's own OPERATOR key may. The sandbox is
 * marked deleted and every key of its organisations revoked in one transaction, so its next
 * request is UNAUTHENTICATED; its data stays behind that wall, unreachable (no key of its world
 * works, and every other world's reads exclude it), and none of its work ever falls due again
 * (a deleted sandbox's clock reads as -infinity to the sweeps). Its place counts no more against
 * the creator's limit. Deleting twice is NOT_FOUND the second time.
 */
export async function deleteSandbox(em: EntityManager, clock: Clock, actor: Principal | null, sandboxId: string): Promise<Sandbox> {
  const p = authenticated(actor);
  return em.transactional(async (tem) => {
    const sandbox = await tem.findOne(SandboxSchema, { id: sandboxId, deletedAt: null });
    const creator = !p.sandboxId && p.organizationId === sandbox?.createdByOrganizationId && p.role !== 'FINANCE';
    const ownOperator = p.sandboxId === sandboxId && p.role === 'OPERATOR';
    if (!sandbox || !(creator || ownOperator)) throw new AccessError('NOT_FOUND', `No sandbox ${sandboxId} that this key may delete`);
    sandbox.deletedAt = clock.now();
    await tem.flush();
    await tem.execute(`update api_key set revoked_at = ? where revoked_at is null and organization_id in (select id from organization where sandbox_id = ?)`, [
      clock.now(),
      sandboxId,
    ]);
    return sandbox;
  });
}
