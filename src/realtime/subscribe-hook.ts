import { GraphQLError, type ExecutionArgs, type GraphQLSchema } from 'graphql';
import { CloseCode } from 'graphql-ws';
import type { IncomingMessage } from 'node:http';
import type { Principal } from '../domain/access/principal.js';
import { payFor, rateLimited, rateSubject } from '../graphql/limits/operation-admission.js';
import type { QueryLimits } from '../graphql/limits/query-protection.js';
import type { RateLimiter } from '../http/rate-limit.js';
import type { Logger } from '../logger.js';
import { admitSubscription, type SubscribePayload } from './subscribe-admission.js';
import type { Extra } from './ws-transport.js';

/** Close code for "too many" on a socket: 4000 + HTTP 429, as graphql-ws builds its own codes; the reason says what. */
export const TOO_MANY_CLOSE_CODE = 4429;
export const UNAUTHORIZED = 'Unauthorized: send connectionParams { authorization: "Bearer <key>" } with a valid API key';
/**
 * RATE_LIMITED refusals in a row after which a connection is closed (4429): a client that keeps
 * subscribing without budget is told to go away, instead of costing a Redis call per message.
 */
export const RATE_LIMITED_IN_A_ROW_BEFORE_CLOSE = 5;

/** What the server knows about one admitted connection. */
export interface ConnectionState {
  /** The principal the connection was admitted with: it pays for refusals made before the key is read again. */
  principal: Principal;
  /** RATE_LIMITED refusals since the last admitted subscription. */
  rateLimitedInARow: number;
}

export interface SubscribeHookDeps {
  schema: GraphQLSchema;
  production: boolean;
  logger: Logger;
  limits: QueryLimits;
  rateLimiter?: RateLimiter;
  authenticate(authorization: string, request: IncomingMessage): Promise<Principal | null>;
  context(principal: Principal): object;
  subscriptionsPerConnection: number;
}

type Ctx = { connectionParams?: Readonly<Record<string, unknown>>; subscriptions: Record<string, unknown>; extra: Extra };

export const authorizationOf = (params: Readonly<Record<string, unknown>> | undefined): string =>
  typeof params?.authorization === 'string' ? params.authorization : '';

/**
 * graphql-ws's `onSubscribe` hook: admits one subscription or answers it with coded errors, in
 * order of cost to the server: the connection's count (no I/O), the key's budget (one Redis read,
 * before anything that reads the database or parses), the key again (a database read, so a
 * revocation holds on open sockets), then every check of a POST and the payment of its cost
 * (subscribe-admission.ts). Never throws: a failure of ours becomes an error on the operation.
 */
export function subscribeHook(deps: SubscribeHookDeps, connections: WeakMap<object, ConnectionState>) {
  const max = deps.subscriptionsPerConnection;
  const refused = (ctx: Ctx, errors: GraphQLError[]) => {
    deps.logger.warn({ codes: errors.map((e) => e.extensions.code), apiKeyId: connections.get(ctx)?.principal.apiKeyId }, 'subscription refused');
    return errors;
  };
  /** A refusal for want of budget; the Nth in a row closes the connection. */
  const rateLimitedRefusal = (ctx: Ctx, state: ConnectionState | undefined, errors: GraphQLError[]) => {
    if (state && ++state.rateLimitedInARow >= RATE_LIMITED_IN_A_ROW_BEFORE_CLOSE) {
      const retry = errors[0]?.extensions.retryAfterSeconds ?? 1;
      deps.logger.warn({ apiKeyId: state.principal.apiKeyId, refusals: state.rateLimitedInARow }, 'subscription connection closed after repeated RATE_LIMITED');
      ctx.extra.socket.close(
        TOO_MANY_CLOSE_CODE,
        `RATE_LIMITED: ${state.rateLimitedInARow} subscriptions in a row refused for want of budget; retry in ${String(retry)} s`,
      );
    }
    return refused(ctx, errors);
  };

  return async (ctx: Ctx, _id: string, payload: SubscribePayload): Promise<ExecutionArgs | readonly GraphQLError[]> => {
    // graphql-ws lists a subscription in ctx.subscriptions before it calls this hook, and removes
    // it when it completes, errs, is completed by the client or its socket closes. Counted
    // before the first await, so that subscriptions sent together cannot all pass.
    const over = Object.keys(ctx.subscriptions).length > max;
    const state = connections.get(ctx);
    try {
      if (over) {
        if (state) await payFor(deps.rateLimiter, rateSubject(state.principal, undefined), 1);
        return refused(ctx, [
          new GraphQLError(`At most ${max} subscriptions may be active on one connection; complete one first, or open another connection`, {
            extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', limit: max },
          }),
        ]);
      }
      // Any subscription costs at least 1: a key that cannot pay that costs no key read and no parse.
      const peeked = state && deps.rateLimiter ? await deps.rateLimiter.peek(rateSubject(state.principal, undefined), 1) : null;
      if (peeked && !peeked.allowed) return rateLimitedRefusal(ctx, state, [rateLimited(peeked, 1)]);
      const principal = await deps.authenticate(authorizationOf(ctx.connectionParams), ctx.extra.request);
      if (!principal) {
        ctx.extra.socket.close(CloseCode.Unauthorized, UNAUTHORIZED);
        return [new GraphQLError('The API key is invalid or revoked', { extensions: { code: 'UNAUTHENTICATED' } })];
      }
      const admission = await admitSubscription(
        { schema: deps.schema, production: deps.production, limits: deps.limits, limiter: deps.rateLimiter },
        principal,
        payload,
      );
      if (!admission.admitted) {
        const forWantOfBudget = admission.errors.some((e) => e.extensions.code === 'RATE_LIMITED');
        return forWantOfBudget ? rateLimitedRefusal(ctx, state, admission.errors) : refused(ctx, admission.errors);
      }
      if (state) state.rateLimitedInARow = 0;
      return {
        schema: deps.schema,
        document: admission.document,
        operationName: payload.operationName ?? null,
        variableValues: payload.variables ?? null,
        contextValue: deps.context(principal),
      };
    } catch (error) {
      // Not the client's doing (the database or Redis failed): formatError decides what the client sees and logs it.
      return [new GraphQLError('The subscription could not be started', { originalError: error as Error })];
    }
  };
}
