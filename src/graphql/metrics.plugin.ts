import type { ApolloServerPlugin } from '@apollo/server';
import {
  GraphQLError,
  GraphQLObjectType,
  GraphQLUnionType,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
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
  const userErrorTypes = new Set(
    types.filter((t) => t instanceof GraphQLObjectType && t.getInterfaces().some((i) => i.name === 'UserError')).map((t) => t.name),
  );
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
 * response as sent (after formatError), and the `code` of each returned UserError. Operations
 * are labelled by their root field (rootFieldLabel), never by the name a client gave them, so no
 * caller can add label values: there are as many as the schema has root fields.
 */
export function metricsPlugin(metrics: ApiMetrics): ApolloServerPlugin<Context> {
  return {
    async contextCreationDidFail({ error }) {
      const code = error instanceof GraphQLError ? error.extensions.code : undefined;
      metrics.graphqlErrors.inc({ code: typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR', kind: 'error', root_field: '(none)' });
    },
    async requestDidStart({ contextValue }) {
      const started = performance.now();
      const codes: string[] = [];
      userErrorCodes.set(contextValue, codes);
      return {
        async willSendResponse({ operation, document, response }) {
          const field = operation && document ? rootFieldLabel(document, operation) : '(none)';
          metrics.graphqlDuration.observe({ root_field: field, operation_type: operation?.operation ?? 'unknown' }, (performance.now() - started) / 1000);
          const body = response.body;
          const errors = (body.kind === 'single' ? body.singleResult.errors : body.initialResult.errors) ?? [];
          for (const error of errors) {
            const code = error.extensions?.code;
            metrics.graphqlErrors.inc({ code: typeof code === 'string' ? code : 'INTERNAL_SERVER_ERROR', kind: 'error', root_field: field });
          }
          for (const code of codes) metrics.graphqlErrors.inc({ code, kind: 'user_error', root_field: field });
        },
      };
    },
  };
}

/**
 * The label of a resolved (so validated) operation: its root field's name (`demandSpikes`,
 * `placeBid`), `__typename` and introspection fields aside; `(introspection)` when it selects
 * only those; `(several)` when it selects more than one root field. Every value is a name the
 * schema defines, however the client names its operations or aliases its fields.
 */
export function rootFieldLabel(document: DocumentNode, operation: OperationDefinitionNode): string {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of document.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const names = new Set<string>();
  const seen = new Set<string>();
  const collect = (set: SelectionSetNode) => {
    for (const s of set.selections) {
      if (s.kind === Kind.FIELD) names.add(s.name.value);
      else if (s.kind === Kind.INLINE_FRAGMENT) collect(s.selectionSet);
      else if (!seen.has(s.name.value)) {
        seen.add(s.name.value);
        const fragment = fragments.get(s.name.value);
        if (fragment) collect(fragment.selectionSet);
      }
    }
  };
  collect(operation.selectionSet);
  const own = [...names].filter((n) => !n.startsWith('__'));
  if (own.length === 0) return '(introspection)';
  return own.length === 1 ? own[0]! : '(several)';
}
