import type { EntityManager } from '@mikro-orm/postgresql';
import { OrganizationSchema, type Organization } from '../../persistence/entities/access.js';
import { toPage, type Page, type PageRequest } from '../shared/page.js';
import { authenticated, requireRole, type OrganizationKind, type Principal } from './principal.js';

/** Every organisation, oldest first, optionally of one kind: the operator's onboarding list. */
export async function listOrganizations(
  em: EntityManager,
  actor: Principal | null,
  filter: { kind?: OrganizationKind | null },
  page: PageRequest,
): Promise<Page<Organization>> {
  const p = requireRole(actor, 'OPERATOR');
  const rows = await em.find(
    OrganizationSchema,
    { sandboxId: p.sandboxId ?? null, ...(filter.kind ? { kind: filter.kind } : {}), ...(page.after ? { id: { $gt: page.after } } : {}) },
    { orderBy: { id: 'asc' }, limit: page.first + 1 },
  );
  return toPage(rows, page.first);
}

/**
 * Public profiles by id, in one read, for any valid key: what `organization(id)` shows each of
 * them, so a name on a contract, an invoice or an award reveals nothing that query does not.
 */
export async function organizationsByIds(em: EntityManager, actor: Principal | null, ids: readonly string[]): Promise<Map<string, Organization>> {
  const p = authenticated(actor);
  if (!ids.length) return new Map();
  // Only the caller's world: an organisation of the other world has no profile for it.
  const rows = await em.find(OrganizationSchema, { id: { $in: [...new Set(ids)] }, sandboxId: p.sandboxId ?? null });
  return new Map(rows.map((o) => [o.id, o]));
}
