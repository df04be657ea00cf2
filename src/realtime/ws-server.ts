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
 * - A key may hold at most so many connections at once over all replicas (ConnectionSlots, in
 *   Redis): one more is closed with 4429 at connection time. A connection may carry at most
 *   `subscriptionsPerConnection` active subscriptions: one more is refused with an error
 *   TOO_MANY_SUBSCRIPTIONS, and the connection and its other subscriptions go on.
 */
import type { Server } from 'node:http';
import { GraphQLError, getOperationAST, parse, validate, type DocumentNode, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocket, WebSocketServer } from 'ws';
import type { Principal } from '../domain/access/principal.js';
import type { ConnectionSlots } from './connection-slots.js';

export interface SubscriptionServerDeps {
  schema: GraphQLSchema;
  production: boolean;
  /** The principal for an Authorization value ("Bearer <key>"), or null. */
  authenticate(authorization: string): Promise<Principal | null>;
  /** The execution context of one subscription. */
  context(principal: Principal): object;
  formatError(error: GraphQLError): GraphQLFormattedError;
  /** Most active subscriptions on one connection (SUBSCRIPTIONS_PER_CONNECTION). */
  subscriptionsPerConnection: number;
  /** Connections per key (SUBSCRIPTION_CONNECTIONS_PER_KEY); without it connections are not counted. Closed with the server. */
  connectionSlots?: ConnectionSlots;
}

/** The default of SUBSCRIPTIONS_PER_CONNECTION. */
export const DEFAULT_SUBSCRIPTIONS_PER_CONNECTION = 20;

/** Close code for a key over its connection limit: 4000 + HTTP 429, as graphql-ws's own codes are built (its clients do not retry it by themselves). */
export const TOO_MANY_CONNECTIONS_CLOSE_CODE = 4429;

const MAX_MESSAGE_BYTES = 1024 * 1024;
const UNAUTHORIZED = 'Unauthorized: send connectionParams { authorization: "Bearer <key>" } with a valid API key';

/** Serves subscriptions on `httpServer`; `close()` ends every socket (1001 Going away) and stops listening. */
export function attachSubscriptionServer(httpServer: Server, deps: SubscriptionServerDeps): { close(): Promise<void> } {
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: MAX_MESSAGE_BYTES });
  const authorizationOf = (params: Record<string, unknown> | undefined) => (typeof params?.authorization === 'string' ? params.authorization : '');
  const slots = deps.connectionSlots;
  const maxSubscriptions = deps.subscriptionsPerConnection;
  /** The slot each admitted connection holds, released when its socket closes (or when the server closes). */
  const held = new Map<object, () => Promise<void>>();
  const release = async (ctx: object) => {
    const releaseSlot = held.get(ctx);
    held.delete(ctx);
    await releaseSlot?.();
  };

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
        if (!slots) return true;
        const slot = await slots.acquire(principal.apiKeyId);
        if (!slot.admitted) {
          ctx.extra.socket.close(TOO_MANY_CONNECTIONS_CLOSE_CODE, `TOO_MANY_CONNECTIONS: this API key already has ${slot.limit} open connections`);
          return false;
        }
        held.set(ctx, slot.release);
        // Closed while the slot was being taken: onClose has already run and found nothing to release.
        if (ctx.extra.socket.readyState !== WebSocket.OPEN) {
          await release(ctx);
          return false;
        }
        return true;
      },
      // Every close ends here, acknowledged or not, clean or abrupt (a reset or a dead peer terminated by the keep-alive).
      async onClose(ctx) {
        await release(ctx);
      },
      async onSubscribe(ctx, _id, payload) {
        // graphql-ws lists a subscription in ctx.subscriptions before it calls this hook, and removes
        // it when it completes, errs, is completed by the client or its socket closes. Counted
        // before the first await, so that subscriptions sent together cannot all pass.
        if (Object.keys(ctx.subscriptions).length > maxSubscriptions) {
          return [new GraphQLError(`At most ${maxSubscriptions} subscriptions may be active on one connection; complete one first, or open another connection`, {
            extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', limit: maxSubscriptions },
          })];
        }
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
      // Sockets closed by dispose may not have reached onClose yet; releasing twice is harmless.
      await Promise.all([...held.keys()].map(release));
      await slots?.close();
    },
  };
}
