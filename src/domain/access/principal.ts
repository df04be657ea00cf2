import { AccessError } from '../shared/result.js';

export type Role = 'OPERATOR' | 'BRAND' | 'VENDOR' | 'FINANCE' | 'AUDITOR';
/**
 * AUDITOR: an audit firm (or the operator's own audit desk) onboarded by the operator. Its keys
 * record working-conditions audits with the operator's authority (PRODUCT.md section 8) and do
 * nothing else; being a kind of its own, it never matches a check for the operator's kind.
 */
export type OrganizationKind = 'BRAND' | 'VENDOR' | 'OPERATOR' | 'AUDITOR';
export type VendorType = 'IN_HOUSE' | 'OUTSOURCER';

/** Who is calling: resolved from the API key on every request. */
export interface Principal {
  apiKeyId: string;
  organizationId: string;
  organizationKind: OrganizationKind;
  role: Role;
  vendorType: VendorType | null;
  parentBrandId: string | null;
  /**
   * The caller's world: null (or absent) for live, else its sandbox (PRODUCT.md section 13). Every
   * read and write stays in the caller's world; PostgreSQL refuses rows that cross (world_boundary).
   */
  sandboxId?: string | null;
  /** The sandbox's test clock when the request was authenticated (null for live): the request's "now". */
  sandboxClockTime?: Date | null;
  /** The web console session it came from, if any (console-sessions.ts): ending it ends the principal's open subscriptions. */
  consoleSessionId?: string | null;
}

/** The caller's world as a column value: null for live. */
export const worldOf = (p: Pick<Principal, 'sandboxId'> | null): string | null => p?.sandboxId ?? null;

/**
 * The platform's own operator: an OPERATOR key of the live world. A sandbox's "Operator view"
 * keys have the OPERATOR role too, but any live brand or vendor can make one: anything of the
 * platform outside the worlds (the queue dashboard) asks for this, never for the role alone.
 */
export const isPlatformOperator = (p: Pick<Principal, 'role' | 'sandboxId'>): boolean => p.role === 'OPERATOR' && !p.sandboxId;

/**
 * Roles an API key may carry for each kind of organisation. FINANCE fits every kind that has
 * money; an AUDITOR organisation holds AUDITOR keys only, so (as its keys cannot issue keys)
 * only the operator ever issues one.
 */
export const ROLES_BY_KIND: Record<OrganizationKind, readonly Role[]> = {
  OPERATOR: ['OPERATOR', 'FINANCE'],
  BRAND: ['BRAND', 'FINANCE'],
  VENDOR: ['VENDOR', 'FINANCE'],
  AUDITOR: ['AUDITOR'],
};

/** The principal, or UNAUTHENTICATED when the request carried no key. */
export function authenticated(principal: Principal | null): Principal {
  if (!principal) throw new AccessError('UNAUTHENTICATED', 'Send an API key as "Authorization: Bearer <key>"');
  return principal;
}

/** The principal when its role is one of `roles`; FORBIDDEN otherwise. */
export function requireRole(principal: Principal | null, ...roles: Role[]): Principal {
  const p = authenticated(principal);
  if (!roles.includes(p.role)) {
    throw new AccessError('FORBIDDEN', `This operation needs one of the roles ${roles.join(', ')}; the key has ${p.role}`);
  }
  return p;
}
