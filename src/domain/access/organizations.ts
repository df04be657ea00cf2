import { UniqueConstraintViolationException } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { OrganizationSchema, type ApiKeySchema, type Organization } from '../../persistence/entities/access.js';
import type { RowOf } from '../../persistence/rows.js';
import type { Clock } from '../shared/clock.js';
import { uuidv7 } from '../shared/ids.js';
import { AccessError, fail, ok, type Result } from '../shared/result.js';
import { issueApiKey, parseKey, type IssuedKey } from './api-keys.js';
import { requireRole, type OrganizationKind, type Principal, type VendorType } from './principal.js';

export interface CreateOrganizationCommand {
  name: string;
  kind: OrganizationKind;
  vendorType?: VendorType | null;
  parentBrandId?: string | null;
  skills?: string[];
  certifications?: string[];
}

/** Tags are compared case-sensitively as given ("es-ES", "PCI_DSS"); duplicates are dropped. */
export function normaliseTags(tags: readonly string[] | undefined): string[] {
  return [...new Set((tags ?? []).map((t) => t.trim()))].sort();
}

/** Onboards an organisation (operator only). Vendors must say whether they are IN_HOUSE (with their brand) or OUTSOURCER. */
export async function createOrganization(
  em: EntityManager,
  clock: Clock,
  actor: Principal | null,
  cmd: CreateOrganizationCommand,
): Promise<Result<Organization>> {
  const p = requireRole(actor, 'OPERATOR');
  const sandboxId = p.sandboxId ?? null;
  const vendorType = cmd.vendorType ?? null;
  const parentBrandId = cmd.parentBrandId ?? null;
  if (cmd.kind === 'VENDOR' && !vendorType) return fail('VALIDATION', 'A vendor needs a vendorType: IN_HOUSE or OUTSOURCER', 'input.vendorType');
  if (cmd.kind !== 'VENDOR' && vendorType) return fail('VALIDATION', 'Only vendors have a vendorType', 'input.vendorType');
  if (vendorType === 'IN_HOUSE' && !parentBrandId) return fail('VALIDATION', 'An in-house team needs its parentBrandId', 'input.parentBrandId');
  if (vendorType !== 'IN_HOUSE' && parentBrandId) return fail('VALIDATION', 'Only in-house teams have a parent brand', 'input.parentBrandId');
  if (cmd.kind !== 'VENDOR' && (cmd.skills?.length || cmd.certifications?.length)) {
    return fail('VALIDATION', 'Only vendors have skills and certifications', 'input.skills');
  }
  if (parentBrandId) {
    const brand = await em.findOne(OrganizationSchema, { id: parentBrandId, sandboxId });
    if (!brand || brand.kind !== 'BRAND') return fail('VALIDATION', `No brand ${parentBrandId}`, 'input.parentBrandId');
  }
  const now = clock.now();
  const org = em.create(OrganizationSchema, {
    id: uuidv7(),
    name: cmd.name.trim(),
    kind: cmd.kind,
    vendorType,
    parentBrandId,
    skills: normaliseTags(cmd.skills),
    certifications: normaliseTags(cmd.certifications),
    status: 'ACTIVE',
    // A sandbox's operator view onboards into its own sandbox; the live operator into the live world.
    sandboxId,
    createdAt: now,
    updatedAt: now,
  });
  try {
    await em.flush();
  } catch (error) {
    if (error instanceof UniqueConstraintViolationException) {
      em.clear();
      return fail('CONFLICT', `An organisation named "${cmd.name.trim()}" already exists`, 'input.name');
    }
    throw error;
  }
  return ok(org);
}

export interface UpdateVendorProfileCommand {
  vendorId: string;
  skills?: string[] | null;
  certifications?: string[] | null;
  status?: 'ACTIVE' | 'SUSPENDED' | null;
}

/**
 * Updates a vendor's profile. A vendor maintains its own skills; certifications are attested
 * and the active/suspended status is set by the operator only.
 */
export async function updateVendorProfile(
  em: EntityManager,
  clock: Clock,
  actor: Principal | null,
  cmd: UpdateVendorProfileCommand,
): Promise<Result<Organization>> {
  const p = requireRole(actor, 'OPERATOR', 'VENDOR');
  if (p.role === 'VENDOR') {
    if (p.organizationId !== cmd.vendorId) throw new AccessError('FORBIDDEN', 'A vendor may only update its own profile');
    if (cmd.certifications != null || cmd.status != null) {
      throw new AccessError('FORBIDDEN', 'Certifications and status are set by the marketplace operator');
    }
  }
  const vendor = await em.findOne(OrganizationSchema, { id: cmd.vendorId, sandboxId: p.sandboxId ?? null });
  if (!vendor || vendor.kind !== 'VENDOR') throw new AccessError('NOT_FOUND', `No vendor ${cmd.vendorId}`);
  if (cmd.skills != null) vendor.skills = normaliseTags(cmd.skills);
  if (cmd.certifications != null) vendor.certifications = normaliseTags(cmd.certifications);
  if (cmd.status != null) vendor.status = cmd.status;
  vendor.updatedAt = clock.now();
  await em.flush();
  return ok(vendor);
}

/** An organisation of the caller's world (`sandboxId`, null for live); null if there is none such. */
export async function getOrganization(em: EntityManager, id: string, sandboxId: string | null): Promise<Organization | null> {
  return em.findOne(OrganizationSchema, { id, sandboxId });
}

export const OPERATOR_NAME = 'Burst Exchange operator';

/**
 * Creates the operator organisation when missing and issues an OPERATOR key: with `presetKey`
 * (from BOOTSTRAP_OPERATOR_KEY) only if that key is not registered yet, so start-up can run it
 * every time. Returns null when the preset key already exists.
 */
export async function bootstrapOperator(em: EntityManager, clock: Clock, presetKey?: string): Promise<IssuedKey | null> {
  return em.transactional(async (tem) => {
    // Serialise concurrent bootstraps (several API replicas starting at once).
    await tem.execute('select pg_advisory_xact_lock(7281001)');
    if (presetKey) {
      const existing = await tem.execute<Pick<RowOf<typeof ApiKeySchema>, 'id'>[]>('select id from api_key where prefix = ?', [parseKey(presetKey)!.prefix]);
      if (existing.length) return null;
    }
    let operator = await tem.findOne(OrganizationSchema, { kind: 'OPERATOR', sandboxId: null }, { orderBy: { id: 'asc' } });
    if (!operator) {
      const now = clock.now();
      operator = tem.create(OrganizationSchema, {
        id: uuidv7(),
        name: OPERATOR_NAME,
        kind: 'OPERATOR',
        vendorType: null,
        parentBrandId: null,
        skills: [],
        certifications: [],
        status: 'ACTIVE',
        sandboxId: null,
        createdAt: now,
        updatedAt: now,
      });
      await tem.flush();
    }
    const system: Principal = {
      apiKeyId: '',
      organizationId: operator.id,
      organizationKind: 'OPERATOR',
      role: 'OPERATOR',
      vendorType: null,
      parentBrandId: null,
    };
    const issued = await issueApiKey(
      tem,
      clock,
      system,
      { organizationId: operator.id, role: 'OPERATOR', label: presetKey ? 'bootstrap (environment)' : 'bootstrap (CLI)' },
      presetKey,
    );
    if (!issued.ok) throw new Error(issued.failure.message);
    return issued.value;
  });
}
