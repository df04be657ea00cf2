import type { ApolloServerPlugin } from '@apollo/server';
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
 */
export function admissionPlugin(options: { maxCost: number; limiter?: RateLimiter }): ApolloServerPlugin<Context> {
  const { maxCost, limiter } = options;
  return {
    async requestDidStart() {
      let charged = false;
      return {
        async didResolveOperation({ schema, document, operation, request, contextValue, response }) {
          if (!operation) return;
          const priced = costWithinLimit(schema, document, operation, request.variables, maxCost);
          if ('error' in priced) throw priced.error;
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
