import { HeaderMap } from '@apollo/server';
import { GraphQLError, parse, type DocumentNode, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { Principal } from '../../domain/access/principal.js';
import { rateLimitHeaders, type RateDecision, type RateLimiter, type RateSubject } from '../../http/rate-limit.js';
import { shapeRefusal, type ShapeLimits } from './document-limits.js';
import { INTROSPECTION_COST, introspectionRefusal, introspectionRoots } from './introspection-cost.js';
import { operationCost, TooManyNodesError } from './query-cost.js';

/**
 * The limits on one GraphQL operation, in one place for both transports: POST /graphql (the
 * shape in front of Apollo in src/http/graphql-body.ts, cost and rate in admission.plugin.ts)
 * and graphql-ws (src/realtime/subscribe-admission.ts). Each check answers with a GraphQLError
 * whose `extensions.code` says which limit, never with a thrown surprise.
 */

/**
 * Parses within the token limit, then measures the document's shape (depth, aliases, fields),
 * both before graphql-js validates it: the document, or the refusal (GRAPHQL_PARSE_FAILED,
 * QUERY_TOO_DEEP, TOO_MANY_ALIASES, TOO_MANY_FIELDS).
 */
export function parseWithinLimits(query: string, limits: ShapeLimits & { maxTokens: number }): { document: DocumentNode } | { error: GraphQLError } {
  let document: DocumentNode;
  try {
    document = parse(query, { maxTokens: limits.maxTokens, noLocation: true });
  } catch (error) {
    const message = error instanceof GraphQLError ? error.message : 'The document could not be parsed';
    return { error: new GraphQLError(message, { extensions: { code: 'GRAPHQL_PARSE_FAILED', http: { status: 400 } } }) };
  }
  const refused = shapeRefusal(document, limits);
  return refused ? { error: new GraphQLError(refused.message, { extensions: { ...refused.extensions, http: { status: 400 } } }) } : { document };
}

/**
 * The operation's cost with its variables (query-cost.ts), or QUERY_TOO_COMPLEX when it is over
 * `maxCost` or too big to analyse. An introspection-only operation costs INTROSPECTION_COST per
 * `__schema` or `__type` when it keeps to the type-reference rule (introspection-cost.ts).
 */
export function costWithinLimit(
  schema: GraphQLSchema,
  document: DocumentNode,
  operation: OperationDefinitionNode,
  variables: Record<string, unknown> | undefined,
  maxCost: number,
): { cost: number } | { error: GraphQLError } {
  const introspections = introspectionRoots(document, operation);
  if (introspections > 0) {
    const refusal = introspectionRefusal(document, operation, maxCost);
    if (refusal) return { error: refusal };
    const cost = introspections * INTROSPECTION_COST;
    return cost > maxCost ? { error: tooComplex(cost, maxCost) } : { cost };
  }
  let cost: number;
  try {
    cost = operationCost(schema, document, operation, variables);
  } catch (error) {
    if (error instanceof TooManyNodesError) return { error: tooComplex(null, maxCost) };
    throw error;
  }
  return cost > maxCost ? { error: tooComplex(cost, maxCost) } : { cost };
}

/**
 * Live keys pay from their own bucket; a sandbox's keys from one bucket of the sandbox, whichever
 * of its organisations they belong to (else its 6 organisations × 50 keys would each bring a
 * budget: 30 times the key cap per sandbox); callers without a valid key from their client
 * address's.
 */
export function rateSubject(principal: Principal | null, clientIp: string | undefined): RateSubject {
  if (!principal) return { kind: 'ip', address: clientIp ?? 'unknown' };
  return principal.sandboxId ? { kind: 'sandbox', sandboxId: principal.sandboxId } : { kind: 'key', apiKeyId: principal.apiKeyId };
}

/**
 * Charges `cost` to the subject: the decision (null without a limiter or when Redis could not
 * decide), and RATE_LIMITED when the bucket cannot pay (it then takes nothing).
 */
export async function payFor(
  limiter: RateLimiter | undefined,
  subject: RateSubject,
  cost: number,
): Promise<{ decision: RateDecision | null; refusal: GraphQLError | null }> {
  const decision = limiter ? await limiter.consume(subject, cost) : null;
  return { decision, refusal: decision && !decision.allowed ? rateLimited(decision, cost) : null };
}

/**
 * A presented key that is unknown, malformed or revoked (or none where one is required) costs
 * 1 from the client address's budget, on every transport (POST /graphql, graphql-ws,
 * /admin/queues), so guessing keys is throttled alike everywhere: the decision, whose refusal
 * is the answer once the address has spent its budget.
 */
export function chargeFailedAuthentication(limiter: RateLimiter | undefined, clientIp: string): ReturnType<typeof payFor> {
  return payFor(limiter, rateSubject(null, clientIp), 1);
}

/**
 * The answer to a presented key that is unknown, malformed or revoked: 401 UNAUTHENTICATED, or
 * 429 once the client address has spent its budget, so guessing keys is throttled too.
 */
export async function invalidKeyRefusal(limiter: RateLimiter | undefined, clientIp: string): Promise<GraphQLError> {
  const { decision, refusal } = await chargeFailedAuthentication(limiter, clientIp);
  if (refusal) return refusal;
  const headers = new HeaderMap(decision ? rateLimitHeaders(decision) : []);
  return new GraphQLError('The API key is invalid or revoked', { extensions: { code: 'UNAUTHENTICATED', http: { status: 401, headers } } });
}

/** 429 RATE_LIMITED with Retry-After: the caller's bucket cannot pay for this request yet. */
export function rateLimited(decision: RateDecision, cost: number): GraphQLError {
  return new GraphQLError(
    `Rate limit exceeded: this request costs ${cost} points and ${decision.remaining} are left; retry in ${decision.retryAfterSeconds} s`,
    {
      extensions: {
        code: 'RATE_LIMITED',
        retryAfterSeconds: decision.retryAfterSeconds,
        cost,
        limit: decision.limit,
        http: { status: 429, headers: new HeaderMap(rateLimitHeaders(decision)) },
      },
    },
  );
}

function tooComplex(cost: number | null, limit: number): GraphQLError {
  const message =
    cost === null
      ? `The operation has too many selections to analyse; at most ${limit} points are allowed`
      : `The operation costs ${cost} points; at most ${limit} are allowed. Ask for smaller pages (first) or fewer fields`;
  return new GraphQLError(message, { extensions: { code: 'QUERY_TOO_COMPLEX', cost, limit, http: { status: 400 } } });
}
