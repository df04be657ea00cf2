/** Table shapes: Organisations and their API keys. */
import { defineEntity, p, type InferEntity } from '@mikro-orm/core';
import { timestamps } from './columns.js';

export const OrganizationSchema = defineEntity({
  name: 'Organization',
  tableName: 'organization',
  properties: {
    id: p.uuid().primary(),
    name: p.string().length(200),
    kind: p.enum(['BRAND', 'VENDOR', 'OPERATOR', 'AUDITOR'] as const),
    vendorType: p.enum(['IN_HOUSE', 'OUTSOURCER'] as const).strictNullable(),
    parentBrandId: p.uuid().strictNullable(),
    skills: p.array().columnType('text[]'),
    certifications: p.array().columnType('text[]'),
    status: p.enum(['ACTIVE', 'SUSPENDED'] as const),
    /** The sandbox this organisation lives in; null for the live world (fixed at creation). */
    sandboxId: p.uuid().strictNullable(),
    ...timestamps,
  },
});

export type Organization = InferEntity<typeof OrganizationSchema>;

/** A sandbox (PRODUCT.md section 13): a world of its own organisations on a test clock. */
export const SandboxSchema = defineEntity({
  name: 'Sandbox',
  tableName: 'sandbox',
  properties: {
    id: p.uuid().primary(),
    name: p.string().length(200),
    createdByOrganizationId: p.uuid(),
    /** The test clock: the sandbox's "now", which only moves forward (advanceTestClock). */
    clockTime: p.datetime().columnType('timestamptz'),
    /** How many times the clock was advanced (names the advance's follow-up work). */
    advanceCount: p.integer(),
    createdAt: p.datetime().columnType('timestamptz'),
    deletedAt: p.datetime().columnType('timestamptz').strictNullable(),
  },
});

export type Sandbox = InferEntity<typeof SandboxSchema>;

export const ApiKeySchema = defineEntity({
  name: 'ApiKey',
  tableName: 'api_key',
  properties: {
    id: p.uuid().primary(),
    organizationId: p.uuid().index(),
    role: p.enum(['OPERATOR', 'BRAND', 'VENDOR', 'FINANCE', 'AUDITOR'] as const),
    /** Public identifying part of the key, e.g. "k3x9a0b2" in bx_k3x9a0b2_... */
    prefix: p.string().length(16).unique(),
    /** SHA-256 of the whole key, hex. The key itself is never stored. */
    hash: p.string().length(64),
    label: p.string().length(200),
    createdAt: p.datetime().columnType('timestamptz'),
    revokedAt: p.datetime().columnType('timestamptz').strictNullable(),
  },
});

export type ApiKey = InferEntity<typeof ApiKeySchema>;
