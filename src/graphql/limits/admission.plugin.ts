import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import { GraphQLError } from 'graphql';
import type { Principal } from '../../domain/access/principal.js';
import { rateLimitHeaders, type RateDecision, type RateLimiter, type RateSubject } from '../../http/rate-limit.js';
import type { Context } from '../context.js';
import { operationCost, TooManyNodesError } from './query-cost.js';

/**
 * Admits an operation once it is validated and resolved, before anything executes: its cost
 * with the request's variables (query-cost.ts) must not exceed `maxCost`, and the caller's
 * rate-limit bucket must pay for it. (The document's shape was checked before Apollo saw it:
 * document-guard.ts.)
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
          let cost: number;
          try {
            cost = operationCost(schema, document, operation, request.variables);
          } catch (error) {
            if (error instanceof TooManyNodesError) throw tooComplex(null, maxCost);
            throw error;
          }
          if (cost > maxCost) throw tooComplex(cost, maxCost);
          if (!limiter) return;
          charged = true;
          const decision = await limiter.consume(rateSubject(contextValue.principal, contextValue.clientIp), cost);
          if (!decision) return;
          for (const [name, value] of rateLimitHeaders(decision)) response.http.headers.set(name, value);
          if (!decision.allowed) throw rateLimited(decision, cost);
        },
        async willSendResponse({ contextValue, response }) {
          if (!limiter || charged) return;
          charged = true;
          const decision = await limiter.consume(rateSubject(contextValue.principal, contextValue.clientIp), 1);
          // The response is already a refusal of another kind; it only reports the budget.
          if (decision) for (const [name, value] of rateLimitHeaders({ ...decision, allowed: true })) response.http.headers.set(name, value);
        },
      };
    },
  };
}

/** Keys pay from their own bucket; requests without a valid key from their client address's. */
export function rateSubject(principal: Principal | null, clientIp: string | undefined): RateSubject {
  return principal ? { kind: 'key', apiKeyId: principal.apiKeyId } : { kind: 'ip', address: clientIp ?? 'unknown' };
}

/**
 * The answer to a presented key that is unknown, malformed or revoked: 401 UNAUTHENTICATED, or
 * 429 once the client address has spent its budget, so guessing keys is throttled too.
 */
export async function invalidKeyRefusal(limiter: RateLimiter | undefined, clientIp: string): Promise<GraphQLError> {
  const decision = await limiter?.consume(rateSubject(null, clientIp), 1);
  if (decision && !decision.allowed) return rateLimited(decision, 1);
  const headers = new HeaderMap(decision ? rateLimitHeaders(decision) : []);
  return new GraphQLError('The API key is invalid or revoked', { extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers } } });
}

/** 429 RATE_LIMITED with Retry-After: the caller's bucket cannot pay for this request yet. */
export function rateLimited(decision: RateDecision, cost: number): GraphQLError {
  return new GraphQLError(`Rate limit exceeded: this request costs ${cost} points and ${decision.remaining} are left; retry in ${decision.retryAfterSeconds} s`, {
    extensions: {
      code: 'RATE_LIMITED',
      retryAfterSeconds: decision.retryAfterSeconds,
      cost,
      limit: decision.limit,
      http: { status: 429, headers: new HeaderMap(rateLimitHeaders(decision)) },
    },
  });
}

function tooComplex(cost: number | null, limit: number): GraphQLError {
  const message = cost === null
    ? `The operation has too many selections to analyse; at most ${limit} points are allowed`
    : `The operation costs ${cost} points; at most ${limit} are allowed. Ask for smaller pages (first) or fewer fields`;
  return new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX', cost, limit, http: { status: 400 } } });
}
