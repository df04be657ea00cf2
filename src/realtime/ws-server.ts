/**
 * GraphQL subscriptions over graphql-ws (the `graphql-transport-ws` protocol) on the API's HTTP
 * server, at the same `/graphql` path as POST requests.
 *
 * - The key is checked when the connection is initialised (`connectionParams.authorization =
 *   "Bearer <key>"`); a missing, unknown or revoked key closes the socket with 4401.
 * - It is checked again for every new subscription, and per event inside each subscription
 *   (see domain/events/watch-events.ts), so a revocation takes effect on open sockets too.
 * - Only subscription operations are served here: queries and mutations go through POST, where
 *   Apollo's limits and error shaping apply.
 */
import type { Server } from 'node:http';
import { GraphQLError, getOperationAST, parse, validate, type DocumentNode, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocketServer } from 'ws';
import type { Principal } from '../domain/access/principal.js';

export interface SubscriptionServerDeps {
  schema: GraphQLSchema;
  production: boolean;
  /** The principal for an Authorization value ("Bearer <key>"), or null. */
  authenticate(authorization: string): Promise<Principal | null>;
  /** The execution context of one subscription. */
  context(principal: Principal): object;
  formatError(error: GraphQLError): GraphQLFormattedError;
}

const MAX_MESSAGE_BYTES = 1024 * 1024;
const UNAUTHORIZED = 'Unauthorized: send connectionParams { authorization: "Bearer <key>" } with a valid API key';

/** Serves subscriptions on `httpServer`; `close()` ends every socket (1001 Going away) and stops listening. */
export function attachSubscriptionServer(httpServer: Server, deps: SubscriptionServerDeps): { close(): Promise<void> } {
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: MAX_MESSAGE_BYTES });
  const authorizationOf = (params: Record<string, unknown> | undefined) => (typeof params?.authorization === 'string' ? params.authorization : '');

  const server = useServer<Record<string, unknown>>(
    {
      schema: deps.schema,
      isProd: deps.production,
      connectionInitWaitTimeout: 5_000,
      async onConnect(ctx) {
        const principal = await deps.authenticate(authorizationOf(ctx.connectionParams));
        if (!principal) {
          // graphql-ws would close with 4403 Forbidden; 4401 says what is wrong. The second close is a no-op.
          ctx.extra.socket.close(CloseCode.Unauthorized, UNAUTHORIZED);
          return false;
        }
        return true;
      },
      async onSubscribe(ctx, _id, payload) {
        const principal = await deps.authenticate(authorizationOf(ctx.connectionParams));
        if (!principal) {
          ctx.extra.socket.close(CloseCode.Unauthorized, UNAUTHORIZED);
          return [new GraphQLError('The API key is invalid or revoked', { extensions: { code: 'UNAUTHENTICATED' } })];
        }
        let document: DocumentNode;
        try {
          document = parse(payload.query);
        } catch (error) {
          return [error as GraphQLError];
        }
        const errors = validate(deps.schema, document);
        if (errors.length) return errors;
        const operation = getOperationAST(document, payload.operationName);
        if (operation?.operation !== 'subscription') {
          return [new GraphQLError('Only subscriptions are served over WebSocket; send queries and mutations to POST /graphql', { extensions: { code: 'BAD_REQUEST' } })];
        }
        return {
          schema: deps.schema, document, operationName: payload.operationName ?? null, variableValues: payload.variables ?? null,
          contextValue: deps.context(principal),
        };
      },
      onNext(_ctx, _id, _payload, _args, result) {
        if (result.errors?.length) return { ...result, errors: result.errors.map(deps.formatError) };
        return undefined;
      },
      onError(_ctx, _id, _payload, errors) {
        return errors.map(deps.formatError);
      },
    },
    wss,
  );
  return {
    async close() {
      await server.dispose();
    },
  };
}
