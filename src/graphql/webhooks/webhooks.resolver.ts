import { Arg, Args, Ctx, Mutation, Query, Resolver, createUnionType } from 'type-graphql';
import { listDeliveries } from '../../domain/webhooks/deliveries.js';
import { disableWebhookEndpoint, listWebhookEndpoints, registerWebhookEndpoint } from '../../domain/webhooks/endpoints.js';
import type { Context } from '../context.js';
import { PageArgs, pageRequest, toConnection } from '../common/pagination.js';
import { UuidScalar } from '../common/scalars.js';
import { ValidationError, toUserError } from '../common/user-errors.js';
import {
  RegisteredWebhookEndpointType,
  RegisterWebhookEndpointInput,
  WebhookDeliveryConnection,
  WebhookDeliveryType,
  WebhookEndpointConnection,
  WebhookEndpointType,
} from './webhooks.types.js';

const RegisterWebhookEndpointResult = createUnionType({
  name: 'RegisterWebhookEndpointResult',
  description: 'The new endpoint with its signing secret (shown once), or why it was refused (then nothing was written).',
  types: () => [RegisteredWebhookEndpointType, ValidationError] as const,
});

@Resolver()
export class WebhooksResolver {
  @Mutation(() => RegisterWebhookEndpointResult, {
    description:
      'Registers a webhook endpoint for your organisation (BRAND, VENDOR or FINANCE keys; the operator for any) and returns its signing secret once.',
  })
  async registerWebhookEndpoint(
    @Ctx() ctx: Context,
    @Arg('input', () => RegisterWebhookEndpointInput, { description: 'The endpoint.' }) input: RegisterWebhookEndpointInput,
  ): Promise<typeof RegisterWebhookEndpointResult> {
    const r = await registerWebhookEndpoint(ctx.em, ctx.clock, ctx.principal, ctx.webhooks.secrets, ctx.webhooks.urlPolicy, input);
    if (!r.ok) return toUserError(r.failure);
    return Object.assign(new RegisteredWebhookEndpointType(), { endpoint: WebhookEndpointType.from(r.value.endpoint), signingSecret: r.value.secret });
  }

  @Mutation(() => WebhookEndpointType, {
    description: 'Disables an endpoint of your organisation (the operator: any); nothing more is sent to it, retries included.',
  })
  async disableWebhookEndpoint(
    @Ctx() ctx: Context,
    @Arg('endpointId', () => UuidScalar, { description: 'The endpoint.' }) endpointId: string,
  ): Promise<WebhookEndpointType> {
    return WebhookEndpointType.from(await disableWebhookEndpoint(ctx.em, ctx.clock, ctx.principal, endpointId));
  }

  @Query(() => WebhookEndpointConnection, { description: 'Webhook endpoints of your organisation (the operator: of any one, or all), oldest first.' })
  async webhookEndpoints(
    @Ctx() ctx: Context,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('organizationId', () => UuidScalar, { nullable: true, description: 'The organisation; defaults to yours. Only the operator may name another.' })
    organizationId?: string | null,
  ) {
    return toConnection(await listWebhookEndpoints(ctx.em, ctx.principal, organizationId ?? null, pageRequest(page)), WebhookEndpointType.from, page);
  }

  @Query(() => WebhookDeliveryConnection, {
    description: 'The delivery log of one of your endpoints, newest attempt first: every attempt with its status code, error and duration.',
  })
  async webhookDeliveries(
    @Ctx() ctx: Context,
    @Args(() => PageArgs) page: PageArgs,
    @Arg('endpointId', () => UuidScalar, { description: 'The endpoint.' }) endpointId: string,
    @Arg('eventId', () => UuidScalar, { nullable: true, description: 'Only the attempts for this event.' }) eventId?: string | null,
  ) {
    return toConnection(await listDeliveries(ctx.em, ctx.principal, { endpointId, eventId }, pageRequest(page)), WebhookDeliveryType.from, page);
  }
}
