import type { EntityManager } from '@mikro-orm/postgresql';
import { SandboxSchema, type Sandbox } from '../../persistence/entities/access.js';
import { authenticated, type Principal } from '../access/principal.js';
import { toPage, type Page, type PageRequest } from '../shared/page.js';

/**
 * The caller's sandboxes, oldest first, deleted ones left out (PRODUCT.md section 13): a live key
 * sees the sandboxes its organisation created (any role, as for `testClock`); a sandbox key sees
 * the one sandbox it lives in, so the console can name it. Never another organisation's.
 */
export async function listSandboxes(em: EntityManager, actor: Principal | null, page: PageRequest): Promise<Page<Sandbox>> {
  const p = authenticated(actor);
  const owner = p.sandboxId ? { id: p.sandboxId } : { createdByOrganizationId: p.organizationId };
  const rows = await em.find(
    SandboxSchema,
    { ...owner, deletedAt: null, ...(page.after ? { id: { $gt: page.after } } : {}) },
    { orderBy: { id: 'asc' }, limit: page.first + 1 },
  );
  return toPage(rows, page.first);
}
