import { Arg, Args, Ctx, Mutation, Query, Resolver, createUnionType } from 'type-graphql';
import { PageArgs, pageRequest, toConnection } from '../common/pagination.js';
import { issueApiKey, listApiKeys, revokeApiKey } from '../../domain/access/api-keys.js';
import { createOrganization, getOrganization, updateVendorProfile } from '../../domain/access/organizations.js';
import { authenticated, requireRole } from '../../domain/access/principal.js';
import { ApiKeySchema } from '../../persistence/entities/access.js';
import { AccessError } from '../../domain/shared/result.js';
import type { Context } from '../context.js';
import { UuidScalar } from '../common/scalars.js';
import { ConflictError, ValidationError, toUserError } from '../common/user-errors.js';
import {
  ApiKeyConnection,
  ApiKeyType,
  CreateOrganizationInput,
  IssueApiKeyInput,
  IssuedApiKeyType,
  OrganizationType,
  UpdateVendorProfileInput,
  ViewerType,
} from './access.types.js';

const OrganizationResult = createUnionType({
  name: 'OrganizationResult',
  description: 'The organisation, or why the change was refused.',
  types: () => [OrganizationType, ValidationError, ConflictError] as const,
});

const IssueApiKeyResult = createUnionType({
  name: 'IssueApiKeyResult',
  description: 'The new key (secret shown once), or why it was refused.',
  types: () => [IssuedApiKeyType, ValidationError] as const,
});

@Resolver()
export class AccessResolver {
  @Query(() => ViewerType, { description: 'The caller: its key, role and organisation. Any valid key.' })
  async me(@Ctx() ctx: Context): Promise<ViewerType> {
    const p = authenticated(ctx.principal);
    const [org, key] = await Promise.all([
      getOrganization(ctx.em, p.organizationId, p.sandboxId ?? null),
      ctx.em.findOneOrFail(ApiKeySchema, { id: p.apiKeyId }),
    ]);
    if (!org) throw new AccessError('NOT_FOUND', 'Organisation not found');
    return Object.assign(new ViewerType(), { apiKey: ApiKeyType.from(key), organization: OrganizationType.from(org), role: p.role });
  }

  @Query(() => OrganizationType, { description: 'An organisation’s public profile. Any valid key.' })
  async organization(@Ctx() ctx: Context, @Arg('id', () => UuidScalar, { description: 'Organisation id.' }) id: string): Promise<OrganizationType> {
    const p = authenticated(ctx.principal);
    const org = await getOrganization(ctx.em, id, p.sandboxId ?? null);
    if (!org) throw new AccessError('NOT_FOUND', `No organisation ${id}`);
    return OrganizationType.from(org);
  }

  @Query(() => ApiKeyConnection, {
    description: 'Keys of an organisation, oldest first, revoked ones included: your own, or any for the operator. Secrets are never returned.',
  })
  async apiKeys(
    @Ctx() ctx: Context,
    @Arg('organizationId', () => UuidScalar, { description: 'Organisation id.' }) organizationId: string,
    @Args(() => PageArgs) page: PageArgs,
  ) {
    const p = requireRole(ctx.principal, 'OPERATOR', 'BRAND', 'VENDOR');
    return toConnection(await listApiKeys(ctx.em, p, organizationId, pageRequest(page)), ApiKeyType.from, page);
  }

  @Mutation(() => OrganizationResult, { description: 'Onboards a brand, vendor or operator organisation. Operator only.' })
  async createOrganization(
    @Ctx() ctx: Context,
    @Arg('input', () => CreateOrganizationInput, { description: 'The organisation.' }) input: CreateOrganizationInput,
  ): Promise<typeof OrganizationResult> {
    const r = await createOrganization(ctx.em, ctx.clock, ctx.principal, {
      name: input.name,
      kind: input.kind,
      vendorType: input.vendorType ?? null,
      parentBrandId: input.parentBrandId ?? null,
      skills: input.skills ?? [],
      certifications: input.certifications ?? [],
    });
    return r.ok ? OrganizationType.from(r.value) : toUserError(r.failure);
  }

  @Mutation(() => OrganizationResult, { description: 'Updates a vendor profile: the vendor its skills; the operator anything, including suspension.' })
  async updateVendorProfile(
    @Ctx() ctx: Context,
    @Arg('input', () => UpdateVendorProfileInput, { description: 'The changes.' }) input: UpdateVendorProfileInput,
  ): Promise<typeof OrganizationResult> {
    const r = await updateVendorProfile(ctx.em, ctx.clock, ctx.principal, input);
    return r.ok ? OrganizationType.from(r.value) : toUserError(r.failure);
  }

  @Mutation(() => IssueApiKeyResult, { description: 'Issues an API key. The operator for any organisation; a BRAND or VENDOR key for its own.' })
  async issueApiKey(
    @Ctx() ctx: Context,
    @Arg('input', () => IssueApiKeyInput, { description: 'The key to issue.' }) input: IssueApiKeyInput,
  ): Promise<typeof IssueApiKeyResult> {
    const p = authenticated(ctx.principal);
    const r = await issueApiKey(ctx.em, ctx.clock, p, input);
    return r.ok ? Object.assign(new IssuedApiKeyType(), { apiKey: ApiKeyType.from(r.value.apiKey), secret: r.value.secret }) : toUserError(r.failure);
  }

  @Mutation(() => ApiKeyType, { description: 'Revokes a key; its next request is refused. The operator for any key; an organisation for its own.' })
  async revokeApiKey(@Ctx() ctx: Context, @Arg('apiKeyId', () => UuidScalar, { description: 'Key id.' }) apiKeyId: string): Promise<ApiKeyType> {
    const p = authenticated(ctx.principal);
    return ApiKeyType.from(await revokeApiKey(ctx.em, ctx.clock, p, apiKeyId));
  }
}
