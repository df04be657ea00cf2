import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, visit, type ASTNode, type DocumentNode } from 'graphql';
import { isStorableText, unstorableTextPath } from '../../domain/shared/text.js';
import type { Context } from '../context.js';

/**
 * Refuses text PostgreSQL cannot store (NUL, unpaired surrogates: domain/shared/text.ts) in
 * variables and in the document's string literals, as BAD_USER_INPUT naming the field, before
 * anything executes. Without it such a string reached the database and failed there as
 * INTERNAL_SERVER_ERROR (found by test/fuzz-mutations.test.ts).
 */
export const textInputPlugin: ApolloServerPlugin<Context> = {
  async requestDidStart() {
    return {
      async didResolveOperation({ request, document }) {
        const refusal = unstorableTextRefusal(request.variables, document);
        if (refusal) throw refusal;
      },
    };
  },
};

/** BAD_USER_INPUT naming the first variable or literal PostgreSQL could not store; null when there is none. Also used by graphql-ws. */
export function unstorableTextRefusal(variables: Record<string, unknown> | undefined | null, document: DocumentNode): GraphQLError | null {
  const field = variablePath(variables ?? undefined) ?? literalPath(document);
  return field === null
    ? null
    : new GraphQLError('Text may not contain NUL characters or unpaired UTF-16 surrogates', {
        extensions: { code: 'BAD_USER_INPUT', field, http: { status: 400 } },
      });
}

/** Variables are named after the argument they feed in our documents, so `$input` reads "input.title". */
function variablePath(variables: Record<string, unknown> | undefined): string | null {
  return variables ? unstorableTextPath(variables) : null;
}

/** The argument and input fields around an unstorable string literal, e.g. "input.title". */
function literalPath(document: DocumentNode): string | null {
  let found: string | null = null;
  visit(document, {
    StringValue(node, _key, parent, _path, ancestors) {
      if (found !== null || isStorableText(node.value)) return;
      // `ancestors` stops short of the direct parent.
      const names = [...ancestors, parent].flatMap((a) => {
        const n = a as ASTNode | readonly ASTNode[] | undefined;
        return n && !Array.isArray(n) && ((n as ASTNode).kind === Kind.ARGUMENT || (n as ASTNode).kind === Kind.OBJECT_FIELD)
          ? [(n as { name: { value: string } }).name.value]
          : [];
      });
      found = names.join('.') || 'query';
    },
  });
  return found;
}
