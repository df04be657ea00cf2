import type { EntityManager } from '@mikro-orm/postgresql';
import { ApiKeySchema, OrganizationSchema, SandboxSchema, type Organization, type Sandbox } from '../../persistence/entities/access.js';
import { violatesConstraint } from '../../persistence/db-errors.js';
import { generateKey, hashKey } from '../access/api-keys.js';
import { requireRole, type Principal, type Role } from '../access/principal.js';
import type { Clock } from '../shared/clock.js';
import { uuidv7 } from '../shared/ids.js';
import { AccessError, fail, ok, type Result } from '../shared/result.js';

/** Undeleted sandboxes one organisation may hold (PostgreSQL holds it too: `sandbox_creator_limit`). */
export const MAX_SANDBOXES_PER_CREATOR = 5;

/** What each sandbox organisation plays: its kind, vendor type, skills and the roles of its keys. */
export type SandboxPart = 'BRAND' | 'IN_HOUSE' | 'OUTSOURCER_1' | 'OUTSOURCER_2' | 'OUTSOURCER_3' | 'OPERATOR';

interface PartSpec {
  part: SandboxPart;
  label: string;
  kind: Organization['kind'];
  vendorType: Organization['vendorType'];
  skills: string[];
  certifications: string[];
  roles: Role[];
}

/**
 * The cast of a sandbox: a brand, its in-house team, three outsourcers with different skills, and
 * the operator's view. Every one has a key for its main role and a FINANCE key (the finance team).
 */
const PARTS: readonly PartSpec[] = [
  { part: 'BRAND', label: 'Brand', kind: 'BRAND', vendorType: null, skills: [], certifications: [], roles: ['BRAND', 'FINANCE'] },
  {
    part: 'IN_HOUSE',
    label: 'In-house team',
    kind: 'VENDOR',
    vendorType: 'IN_HOUSE',
    skills: ['billing', 'en-GB'],
    certifications: [],
    roles: ['VENDOR', 'FINANCE'],
  },
  {
    part: 'OUTSOURCER_1',
    label: 'Outsourcer 1',
    kind: 'VENDOR',
    vendorType: 'OUTSOURCER',
    skills: ['billing', 'en-GB', 'es-ES'],
    certifications: ['PCI_DSS'],
    roles: ['VENDOR', 'FINANCE'],
  },
  {
    part: 'OUTSOURCER_2',
    label: 'Outsourcer 2',
    kind: 'VENDOR',
    vendorType: 'OUTSOURCER',
    skills: ['billing', 'en-GB'],
    certifications: [],
    roles: ['VENDOR', 'FINANCE'],
  },
  {
    part: 'OUTSOURCER_3',
    label: 'Outsourcer 3',
    kind: 'VENDOR',
    vendorType: 'OUTSOURCER',
    skills: ['tech-support', 'en-GB'],
    certifications: ['PCI_DSS'],
    roles: ['VENDOR', 'FINANCE'],
  },
  { part: 'OPERATOR', label: 'Operator view', kind: 'OPERATOR', vendorType: null, skills: [], certifications: [], roles: ['OPERATOR', 'FINANCE'] },
];

export interface SandboxKey {
  apiKeyId: string;
  role: Role;
  /** The whole `bx_test_…` key: returned once, never stored. */
  secret: string;
}

export interface CreatedSandbox {
  sandbox: Sandbox;
  organizations: { part: SandboxPart; organization: Organization; keys: SandboxKey[] }[];
}

/**
 * Creates a sandbox (PRODUCT.md section 13): its organisations, each with `bx_test_` keys shown
 * once, on a test clock that starts at the caller's time. Any live BRAND or VENDOR organisation
 * and the operator may; a sandbox's own keys may not (no sandbox within a sandbox). One
 * transaction: the sandbox, six organisations and twelve keys, or nothing.
 */
export async function createSandbox(em: EntityManager, clock: Clock, actor: Principal | null, cmd: { name?: string | null }): Promise<Result<CreatedSandbox>> {
  const p = requireRole(actor, 'OPERATOR', 'BRAND', 'VENDOR');
  if (p.sandboxId) throw new AccessError('FORBIDDEN', 'A sandbox key cannot create sandboxes; use a live key');
  const name = (cmd.name ?? '').trim() || 'Sandbox';
  if (name.length > 100) return fail('VALIDATION', 'A sandbox name has at most 100 characters', 'input.name');
  const existing = await em.count(SandboxSchema, { createdByOrganizationId: p.organizationId, deletedAt: null });
  if (existing >= MAX_SANDBOXES_PER_CREATOR) return tooMany();
  const now = clock.now();
  const id = uuidv7(now.getTime());
  const tag = id.slice(-12);
  try {
    return ok(
      await em.transactional(async (tem) => {
        const sandbox = tem.create(SandboxSchema, {
          id,
          name,
          createdByOrganizationId: p.organizationId,
          clockTime: now,
          advanceCount: 0,
          createdAt: now,
          deletedAt: null,
        });
        await tem.flush();
        let brandId: string | null = null;
        const organizations: CreatedSandbox['organizations'] = [];
        for (const spec of PARTS) {
          const org: Organization = tem.create(OrganizationSchema, {
            id: uuidv7(now.getTime()),
            name: `${name} ${tag} ${spec.label}`,
            kind: spec.kind,
            vendorType: spec.vendorType,
            parentBrandId: spec.part === 'IN_HOUSE' ? brandId : null,
            skills: spec.skills,
            certifications: spec.certifications,
            status: 'ACTIVE' as const,
            sandboxId: id,
            createdAt: now,
            updatedAt: now,
          });
          if (spec.part === 'BRAND') brandId = org.id;
          // Entities carry no relations, so the unit of work would not order the keys after their organisation.
          await tem.flush();
          const keys = spec.roles.map((role) => {
            const generated = generateKey(true);
            const key = tem.create(ApiKeySchema, {
              id: uuidv7(now.getTime()),
              organizationId: org.id,
              role,
              prefix: generated.prefix,
              hash: hashKey(generated.key),
              label: `sandbox ${role.toLowerCase()}`,
              createdAt: now,
              revokedAt: null,
            });
            return { apiKeyId: key.id, role, secret: generated.key };
          });
          organizations.push({ part: spec.part, organization: org, keys });
          await tem.flush();
        }
        return { sandbox, organizations };
      }),
    );
  } catch (error) {
    if (violatesConstraint(error, 'sandbox_creator_limit')) return tooMany();
    throw error;
  }
}

function tooMany<T>(): Result<T> {
  return fail('SANDBOX_LIMIT', `An organisation holds at most ${MAX_SANDBOXES_PER_CREATOR} sandboxes; delete one first`);
}
