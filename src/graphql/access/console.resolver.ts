import { Arg, Args, Ctx, Field, Mutation, ObjectType, Query, Resolver } from 'type-graphql';
import { createSignInLink } from '../../domain/access/console-sessions.js';
import { listOrganizations } from '../../domain/access/organization-queries.js';
import { Connection, PageArgs, pageRequest, toConnection } from '../common/pagination.js';
import type { Context } from '../context.js';
import { OrganizationKind, OrganizationType } from './access.types.js';

export const OrganizationConnection = Connection(OrganizationType, 'Organization', 'organisation');

@ObjectType('ConsoleSignInLink', { description: 'A single-use link that signs its holder in to the web console as the key that made it, valid 15 minutes.' })
export class ConsoleSignInLinkType {
  @Field(() => String, {
    description: 'Path to open on this API’s host: /console/sign-in#link=<token>. The token is in the fragment, so it never reaches a server log.',
  })
  path!: string;
  @Field(() => Date, { description: 'When the link stops working (15 minutes after it was made); it also stops once used, or when the key is revoked.' })
  expiresAt!: Date;
}

@Resolver()
export class ConsoleResolver {
  @Mutation(() => ConsoleSignInLinkType, {
    description: 'Makes a single-use web console sign-in link for the calling key itself, valid 15 minutes (any key). The session it starts acts as the key.',
  })
  async createConsoleSignInLink(@Ctx() ctx: Context): Promise<ConsoleSignInLinkType> {
    const link = await createSignInLink(ctx.em, ctx.clock, ctx.principal);
    return Object.assign(new ConsoleSignInLinkType(), { path: `/console/sign-in#link=${link.token}`, expiresAt: link.expiresAt });
  }

  @Query(() => OrganizationConnection, { description: 'Every organisation, oldest first, optionally of one kind (operator keys only).' })
  async organizations(
    @Ctx() ctx: Context,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('kind', () => OrganizationKind, { nullable: true, description: 'Only organisations of this kind.' }) kind?: OrganizationKind | null,
  ) {
    return toConnection(await listOrganizations(ctx.em, ctx.principal, { kind }, pageRequest(page)), OrganizationType.from, page);
  }
}
