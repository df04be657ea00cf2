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
    ...timestamps,
  },
});

export type Organization = InferEntity<typeof OrganizationSchema>;

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
