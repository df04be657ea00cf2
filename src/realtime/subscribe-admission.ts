import {
  getOperationAST,
  getVariableValues,
  GraphQLError,
  NoSchemaIntrospectionCustomRule,
  specifiedRules,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
} from 'graphql';
import type { Principal } from '../domain/access/principal.js';
import type { RateLimiter } from '../http/rate-limit.js';
import { unstorableTextRefusal } from '../graphql/common/text-input.plugin.js';
import { costWithinLimit, parseWithinLimits, payFor, rateSubject } from '../graphql/limits/operation-admission.js';
import type { QueryLimits } from '../graphql/limits/query-protection.js';

export interface SubscribeAdmissionDeps {
  schema: GraphQLSchema;
  /** Production refuses introspection, as POST does (suggestions are removed where every error is formatted). */
  production: boolean;
  /** The same limits as POST /graphql (QUERY_* variables). */
  limits: QueryLimits;
  /** The same buckets as POST /graphql; without one, nothing is charged. */
  limiter?: RateLimiter;
}

/** What a graphql-ws `subscribe` message carries. */
export interface SubscribePayload {
  query: string;
  operationName?: string | null;
  variables?: Record<string, unknown> | null;
}

export type SubscribeAdmission =
  { admitted: true; document: DocumentNode; operation: OperationDefinitionNode; cost: number } | { admitted: false; errors: GraphQLError[] };

/**
 * Everything a subscription must pass before it executes, in the order POST /graphql applies
 * the same checks (operation-admission.ts): tokens and shape before validation (which oversized
 * documents would otherwise make slow), validation, the one operation named, subscriptions only,
 * variables coerced, text storable, the cost with those variables, and finally the caller's rate
 * budget pays the cost. Each refusal is a GraphQLError with a code (GRAPHQL_PARSE_FAILED,
 * QUERY_TOO_DEEP, TOO_MANY_ALIASES, TOO_MANY_FIELDS, GRAPHQL_VALIDATION_FAILED,
 * OPERATION_RESOLUTION_FAILURE, BAD_REQUEST, BAD_USER_INPUT, QUERY_TOO_COMPLEX, RATE_LIMITED),
 * so a client's mistake is never an internal error. A refusal before the cost is known costs 1,
 * as on POST; a RATE_LIMITED refusal takes nothing.
 */
export async function admitSubscription(deps: SubscribeAdmissionDeps, principal: Principal, payload: SubscribePayload): Promise<SubscribeAdmission> {
  const checked = check(deps, payload);
  const subject = rateSubject(principal, undefined);
  if ('errors' in checked) {
    await payFor(deps.limiter, subject, 1);
    return { admitted: false, errors: checked.errors };
  }
  const { refusal } = await payFor(deps.limiter, subject, checked.cost);
  if (refusal) return { admitted: false, errors: [refusal] };
  return { admitted: true, ...checked };
}

function check(
  deps: SubscribeAdmissionDeps,
  payload: SubscribePayload,
): { document: DocumentNode; operation: OperationDefinitionNode; cost: number } | { errors: GraphQLError[] } {
  const parsed = parseWithinLimits(payload.query, deps.limits);
  if ('error' in parsed) return { errors: [parsed.error] };
  const { document } = parsed;
  const invalid = validate(deps.schema, document, deps.production ? [...specifiedRules, NoSchemaIntrospectionCustomRule] : specifiedRules);
  if (invalid.length) return { errors: invalid.map(validationFailed) };
  const operation = getOperationAST(document, payload.operationName ?? undefined);
  if (!operation) {
    const message = payload.operationName
      ? `Unknown operation named "${payload.operationName}"`
      : 'The document must have exactly one operation, or name the one to run with operationName';
    return { errors: [new GraphQLError(message, { extensions: { code: 'OPERATION_RESOLUTION_FAILURE' } })] };
  }
  if (operation.operation !== 'subscription') {
    return {
      errors: [
        new GraphQLError('Only subscriptions are served over WebSocket; send queries and mutations to POST /graphql', { extensions: { code: 'BAD_REQUEST' } }),
      ],
    };
  }
  const variables = payload.variables ?? {};
  const coerced = getVariableValues(deps.schema, operation.variableDefinitions ?? [], variables, { maxErrors: 50 });
  if (coerced.errors) return { errors: coerced.errors.map(badUserInput) };
  const text = unstorableTextRefusal(variables, document);
  if (text) return { errors: [text] };
  const priced = costWithinLimit(deps.schema, document, operation, coerced.coerced, deps.limits.maxCost);
  if ('error' in priced) return { errors: [priced.error] };
  return { document, operation, cost: priced.cost };
}

/** graphql-js's validation errors carry no code; Apollo gives them GRAPHQL_VALIDATION_FAILED, and so does this. */
function validationFailed(error: GraphQLError): GraphQLError {
  const introspection = /introspection/i.test(error.message) && /__schema|__type/.test(error.message);
  return new GraphQLError(error.message, {
    nodes: error.nodes,
    extensions: { code: 'GRAPHQL_VALIDATION_FAILED', ...(introspection ? { validationErrorCode: 'INTROSPECTION_DISABLED' } : {}) },
  });
}

/** Variables that cannot be coerced to their declared types are the client's input, as Apollo says: BAD_USER_INPUT. */
function badUserInput(error: GraphQLError): GraphQLError {
  return new GraphQLError(error.message, { nodes: error.nodes, extensions: { code: 'BAD_USER_INPUT' } });
}
