import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, GraphQLObjectType, GraphQLUnionType, type GraphQLSchema } from 'graphql';
import type { ApiMetrics } from '../metrics/api-metrics.js';
import type { Context } from './context.js';

/** Codes of the UserErrors resolved while answering a request, keyed by its context object. */
const userErrorCodes = new WeakMap<object, string[]>();

/**
 * Makes every union note the code of each UserError member it resolves. Resolving a union member
 * is the one place every returned UserError passes through, once per value, so this costs nothing
 * on ordinary fields (Apollo's willResolveField would wrap every field of every response).
 */
export function trackUserErrors(schema: GraphQLSchema): void {
  const types = Object.values(schema.getTypeMap());
  const userErrorTypes = new Set(types
    .filter((t) => t instanceof GraphQLObjectType && t.getInterfaces().some((i) => i.name === 'UserError'))
    .map((t) => t.name));
  for (const type of types) {
    if (!(type instanceof GraphQLUnionType) || !type.resolveType) continue;
    const original = type.resolveType;
    type.resolveType = (value: { code?: unknown }, context: object, info, abstractType) => {
      const resolved = original(value, context, info, abstractType);
      if (typeof resolved === 'string' && userErrorTypes.has(resolved) && typeof value.code === 'string') userErrorCodes.get(context)?.push(value.code);
      return resolved;
    };
  }
}

/**
 * Times every GraphQL operation and counts its errors: `extensions.code` of each error in the
 * response as sent (after formatError), and the `code` of each returned UserError. Operation
 * names come from clients, so only authenticated requests may add a new name to the label.
 */
export function metricsPlugin(metrics: ApiMetrics): ApolloServerPlugin<Context> {
  return {
    async contextCreationDidFail({ error }) {
      const code = error instanceof GraphQLError ? error.extensions.code : undefined;
      metrics.graphqlErrors.inc({ code: typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR', kind: 'error', operation_name: '(none)' });
    },
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      const codes: string[] = [];
      userErrorCodes.set(contextValue, codes);
      return {
        async willSendResponse({ operation, operationName, response, contextValue: ctx }) {
          const name = !operation
            ? '(none)'
            : operationName
              ? metrics.operationNames.value(operationName, ctx.principal !== null)
              : '(anonymous)';
          metrics.graphqlDuration.observe({ operation_name: name, operation_type: operation?.operation ?? 'unknown' }, (performance.now() - started) / 1000);
          const body = response.body;
          const errors = (body.kind === 'single' ? body.singleResult.errors : body.initialResult.errors) ?? [];
          for (const error of errors) {
            const code = error.extensions?.code;
            metrics.graphqlErrors.inc({ code: typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR', kind: 'error', operation_name: name });
          }
          for (const code of codes) metrics.graphqlErrors.inc({ code, kind: 'user_error', operation_name: name });
        },
      };
    },
  };
}
