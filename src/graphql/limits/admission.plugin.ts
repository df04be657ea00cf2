import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, NoSchemaIntrospectionCustomRule, validate } from 'graphql';
import { rateLimitHeaders, type RateLimiter } from '../../http/rate-limit.js';
import type { Context } from '../context.js';
import { costWithinLimit, payFor, rateSubject } from './operation-admission.js';

/**
 * Admits an operation once it is validated and resolved, before anything executes: its cost
 * with the request's variables (query-cost.ts) must not exceed `maxCost`, and the caller's
 * rate-limit bucket must pay for it. (The document's shape was checked before Apollo saw it:
 * src/http/graphql-body.ts.) The checks are those of operation-admission.ts, which graphql-ws
 * subscriptions pass as well.
 *
 * Every response of Apollo's request pipeline carries the caller's budget in X-RateLimit-*
 * headers; requests refused before their cost is known (parse or validation errors,
 * QUERY_TOO_COMPLEX) are charged 1 point, so junk still spends budget.
 *
 * A subscription operation is refused here, after its cost (so both transports answer the same
 * limits alike) and before anything executes, with 400 BAD_REQUEST: Apollo would run its root
 * field once without an event, which failed as an internal error. Subscriptions are served over
 * graphql-ws at the same path.
 *
 * With `introspection: 'authenticated'` (production), an operation that selects `__schema` or
 * `__type` without a key or console session is refused as Apollo refuses introspection when it is
 * off (GRAPHQL_VALIDATION_FAILED, INTROSPECTION_DISABLED), before its cost is charged; with a key
 * it is served, so code generators and IDEs load the schema from the URL (issue 16).
 */
export function admissionPlugin(options: { maxCost: number; limiter?: RateLimiter; introspection: 'anyone' | 'authenticated' }): ApolloServerPlugin<Context> {
  const { maxCost, limiter } = options;
  return {
    async requestDidStart() {
      let charged = false;
      return {
        async didResolveOperation({ schema, document, operation, request, contextValue, response }) {
          if (!operation) return;
          if (
            options.introspection === 'authenticated' &&
            !contextValue.principal &&
            validate(schema, document, [NoSchemaIntrospectionCustomRule]).length > 0
          ) {
            throw new GraphQLError(INTROSPECTION_NEEDS_KEY, {
              extensions: { code: 'GRAPHQL_VALIDATION_FAILED', validationErrorCode: 'INTROSPECTION_DISABLED', http: { status: 400 } },
            });
          }
          const priced = costWithinLimit(schema, document, operation, request.variables, maxCost);
          if ('error' in priced) throw priced.error;
          if (operation.operation === 'subscription') {
            contextValue.logger.warn({ code: 'BAD_REQUEST' }, 'subscription sent over HTTP refused');
            throw new GraphQLError(SUBSCRIBE_OVER_WS, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });
          }
          if (!limiter) return;
          charged = true;
          const { decision, refusal } = await payFor(limiter, rateSubject(contextValue.principal, contextValue.clientIp), priced.cost);
          if (!decision) return;
          for (const [name, value] of rateLimitHeaders(decision)) response.http.headers.set(name, value);
          if (refusal) throw refusal;
        },
        async willSendResponse({ contextValue, response }) {
          if (!limiter || charged) return;
          charged = true;
          const { decision } = await payFor(limiter, rateSubject(contextValue.principal, contextValue.clientIp), 1);
          // The response is already a refusal of another kind; it only reports the budget.
          if (decision) for (const [name, value] of rateLimitHeaders({ ...decision, allowed: true })) response.http.headers.set(name, value);
        },
      };
    },
  };
}

const SUBSCRIBE_OVER_WS =
  'Subscriptions are not served over HTTP: open a WebSocket to this same path (the graphql-transport-ws protocol of graphql-ws) and subscribe there';

const INTROSPECTION_NEEDS_KEY = 'Introspection is served to authenticated callers only: send Authorization: Bearer <API key>';
