import { Connection } from '../common/pagination.js';
import { ArrayMaxSize, IsOptional, IsString, IsUUID, Length, Matches } from 'class-validator';
import { Field, InputType, ObjectType, registerEnumType } from 'type-graphql';
import type { ApiKey, Organization } from '../../persistence/entities/access.js';
import { UuidScalar } from '../common/scalars.js';

export enum OrganizationKind {
  BRAND = 'BRAND',
  VENDOR = 'VENDOR',
  OPERATOR = 'OPERATOR',
  AUDITOR = 'AUDITOR',
}
export enum VendorType {
  IN_HOUSE = 'IN_HOUSE',
  OUTSOURCER = 'OUTSOURCER',
}
export enum OrganizationStatus {
  ACTIVE = 'ACTIVE',
  SUSPENDED = 'SUSPENDED',
}
export enum Role {
  OPERATOR = 'OPERATOR',
  BRAND = 'BRAND',
  VENDOR = 'VENDOR',
  FINANCE = 'FINANCE',
  AUDITOR = 'AUDITOR',
}

registerEnumType(OrganizationKind, {
  name: 'OrganizationKind',
  description: 'What an organisation is in the marketplace.',
  valuesConfig: {
    BRAND: { description: 'Buys capacity: posts demand spikes, rates the vendors it contracted.' },
    VENDOR: { description: 'Sells capacity: an outsourcer or a brand’s in-house team.' },
    OPERATOR: { description: 'Runs the marketplace.' },
    AUDITOR: { description: 'An audit firm onboarded by the operator: records working-conditions audits with the operator’s authority, nothing else.' },
  },
});
registerEnumType(VendorType, {
  name: 'VendorType',
  description: 'IN_HOUSE: a brand’s own team; OUTSOURCER: an independent BPO or gig-agent provider.',
  valuesConfig: {
    IN_HOUSE: { description: 'A brand’s own team: bids only on its own brand’s spikes and is not rated by it.' },
    OUTSOURCER: { description: 'An independent BPO or gig-agent provider.' },
  },
});
registerEnumType(OrganizationStatus, {
  name: 'OrganizationStatus',
  description: 'SUSPENDED vendors cannot bid.',
  valuesConfig: { ACTIVE: { description: 'In good standing.' }, SUSPENDED: { description: 'Suspended by the operator: a suspended vendor cannot bid.' } },
});
registerEnumType(Role, {
  name: 'Role',
  description: 'What an API key may do. FINANCE reads settlement data of its organisation.',
  valuesConfig: {
    OPERATOR: { description: 'The marketplace operator: onboarding, keys, policy, audits.' },
    BRAND: { description: 'A brand’s planners and quality team.' },
    VENDOR: { description: 'A vendor’s systems: bidding, delivery, scorecard.' },
    FINANCE: { description: 'Settlement data of its organisation (the operator’s finance: all).' },
    AUDITOR: { description: 'Records AUDIT events with the operator’s authority (AUDITOR organisations only, issued by the operator); no other operation.' },
  },
});

const TAG = /^[A-Za-z0-9][A-Za-z0-9_.:-]{0,62}$/;
const TAG_MESSAGE = 'tags are 1-63 letters, digits and _ . : - (e.g. billing, es-ES, PCI_DSS)';

@ObjectType('Organization', { description: 'A brand, a vendor (in-house team or outsourcer) or the marketplace operator.' })
export class OrganizationType {
  @Field(() => UuidScalar, { description: 'Organisation id.' }) id!: string;
  @Field(() => String, { description: 'Display name, unique in the marketplace.' }) name!: string;
  @Field(() => OrganizationKind, { description: 'Brand, vendor, operator or auditor.' }) kind!: OrganizationKind;
  @Field(() => VendorType, { nullable: true, description: 'For vendors: in-house team or outsourcer.' }) vendorType!: VendorType | null;
  @Field(() => UuidScalar, { nullable: true, description: 'For in-house teams: the brand they belong to.' }) parentBrandId!: string | null;
  @Field(() => [String], { description: 'Vendor skill tags, e.g. billing, es-ES.' }) skills!: string[];
  @Field(() => [String], { description: 'Vendor certifications, e.g. PCI_DSS (attested by the operator).' }) certifications!: string[];
  @Field(() => OrganizationStatus, { description: 'Active or suspended.' }) status!: OrganizationStatus;
  @Field(() => Date, { description: 'When the organisation was onboarded.' }) createdAt!: Date;
  @Field(() => UuidScalar, { nullable: true, description: 'The sandbox it lives in (test mode, keys bx_test_…); null for a live organisation.' })
  sandboxId!: string | null;

  static from(o: Organization): OrganizationType {
    return Object.assign(new OrganizationType(), {
      id: o.id,
      name: o.name,
      kind: o.kind,
      vendorType: o.vendorType,
      parentBrandId: o.parentBrandId,
      skills: o.skills,
      certifications: o.certifications,
      status: o.status,
      createdAt: o.createdAt,
      sandboxId: o.sandboxId,
    });
  }
}

@ObjectType('ApiKey', { description: 'An API key’s public record. The secret is shown once, when issued, and only its hash is stored.' })
export class ApiKeyType {
  @Field(() => UuidScalar, { description: 'Key id (use it to revoke).' }) id!: string;
  @Field(() => UuidScalar, { description: 'Organisation the key acts for.' }) organizationId!: string;
  @Field(() => Role, { description: 'What the key may do.' }) role!: Role;
  @Field(() => String, { description: 'Identifying prefix, the part after "bx_": safe to log and show.' }) prefix!: string;
  @Field(() => String, { description: 'Free-text label, e.g. the integration using it.' }) label!: string;
  @Field(() => Date, { description: 'When it was issued.' }) createdAt!: Date;
  @Field(() => Date, { nullable: true, description: 'When it was revoked; a revoked key is refused at once.' }) revokedAt!: Date | null;

  static from(k: ApiKey): ApiKeyType {
    return Object.assign(new ApiKeyType(), {
      id: k.id,
      organizationId: k.organizationId,
      role: k.role,
      prefix: k.prefix,
      label: k.label,
      createdAt: k.createdAt,
      revokedAt: k.revokedAt,
    });
  }
}

export const ApiKeyConnection = Connection(ApiKeyType, 'ApiKey', 'API key');

@ObjectType('IssuedApiKey', { description: 'A newly issued key. Store `secret` now: it is never shown again.' })
export class IssuedApiKeyType {
  @Field(() => ApiKeyType, { description: 'The key’s public record.' }) apiKey!: ApiKeyType;
  @Field(() => String, { description: 'The whole key, to send as "Authorization: Bearer <secret>". Shown once.' }) secret!: string;
}

@ObjectType('Viewer', { description: 'The caller, as identified by its API key.' })
export class ViewerType {
  @Field(() => ApiKeyType, { description: 'The key used for this request.' }) apiKey!: ApiKeyType;
  @Field(() => OrganizationType, { description: 'The organisation the key acts for.' }) organization!: OrganizationType;
  @Field(() => Role, { description: 'The key’s role.' }) role!: Role;
}

@InputType({ description: 'A new organisation (operator only).' })
export class CreateOrganizationInput {
  @Field(() => String, { description: 'Display name, unique (case-insensitive).' })
  @IsString()
  @Length(1, 200)
  name!: string;

  @Field(() => OrganizationKind, { description: 'Brand, vendor, operator or auditor.' })
  kind!: OrganizationKind;

  @Field(() => VendorType, { nullable: true, description: 'Required for vendors.' })
  @IsOptional()
  vendorType?: VendorType | null;

  @Field(() => UuidScalar, { nullable: true, description: 'Required for IN_HOUSE vendors: their brand.' })
  @IsOptional()
  @IsUUID()
  parentBrandId?: string | null;

  @Field(() => [String], { nullable: true, description: 'Vendor skill tags.' })
  @IsOptional()
  @ArrayMaxSize(100)
  @Matches(TAG, { each: true, message: TAG_MESSAGE })
  skills?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'Vendor certifications.' })
  @IsOptional()
  @ArrayMaxSize(100)
  @Matches(TAG, { each: true, message: TAG_MESSAGE })
  certifications?: string[] | null;
}

@InputType({
  description: 'Changes to a vendor profile. Omitted fields stay as they are. Vendors may change their skills; certifications and status are the operator’s.',
})
export class UpdateVendorProfileInput {
  @Field(() => UuidScalar, { description: 'The vendor.' })
  @IsUUID()
  vendorId!: string;

  @Field(() => [String], { nullable: true, description: 'New skill tags (replaces the list).' })
  @IsOptional()
  @ArrayMaxSize(100)
  @Matches(TAG, { each: true, message: TAG_MESSAGE })
  skills?: string[] | null;

  @Field(() => [String], { nullable: true, description: 'New certifications (operator only; replaces the list).' })
  @IsOptional()
  @ArrayMaxSize(100)
  @Matches(TAG, { each: true, message: TAG_MESSAGE })
  certifications?: string[] | null;

  @Field(() => OrganizationStatus, { nullable: true, description: 'Suspend or reactivate (operator only).' })
  @IsOptional()
  status?: OrganizationStatus | null;
}

@InputType({ description: 'A key to issue.' })
export class IssueApiKeyInput {
  @Field(() => UuidScalar, { description: 'Organisation the key acts for.' })
  @IsUUID()
  organizationId!: string;

  @Field(() => Role, {
    description: 'Role of the key; must fit the organisation’s kind (FINANCE fits all but AUDITOR organisations, which hold AUDITOR keys only).',
  })
  role!: Role;

  @Field(() => String, { description: 'Label, e.g. the system that will use it.' })
  @IsString()
  @Length(1, 200)
  label!: string;
}
