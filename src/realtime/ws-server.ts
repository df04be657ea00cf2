/**
 * GraphQL subscriptions over graphql-ws (the `graphql-transport-ws` protocol) on the API's HTTP
 * server, at the same `/graphql` path as POST requests.
 *
 * - The key is checked when the connection is initialised (`connectionParams.authorization =
 *   "Bearer <key>"`); a missing, unknown or revoked key closes the socket with 4401 and costs
 *   the client address 1 point, as a wrong key on POST does (4429 `RATE_LIMITED` once the
 *   address has spent its budget). A good key pays 1 point for its connection.
 * - It is checked again for every new subscription, and per event inside each subscription
 *   (see domain/events/watch-events.ts), so a revocation takes effect on open sockets too.
 * - Every subscription passes the limits of POST /graphql (tokens, depth, aliases, fields,
 *   validation, variables, cost) and pays its cost from its key's rate budget before it starts
 *   (subscribe-admission.ts). Only subscription operations are served here.
 * - A key may hold at most so many connections at once over all replicas (ConnectionSlots, in
 *   Redis): one more is closed with 4429 at connection time. A connection may carry at most
 *   `subscriptionsPerConnection` active subscriptions: one more is refused with an error
 *   TOO_MANY_SUBSCRIPTIONS, and the connection and its other subscriptions go on.
 * - Each message pushed to the client is at most `maxMessageBytes`; one that would be larger is
 *   replaced by an error MESSAGE_TOO_LARGE and the subscription is completed (a smaller
 *   selection fits; the next events would likely be as large).
 * - A client's mistake is answered with a code and logged at warn level without a stack; the
 *   hooks never throw, so graphql-ws never prints a stack or closes with 4500 on one.
 */
import type { IncomingMessage, Server } from 'node:http';
import { GraphQLError, type ExecutionResult, type FormattedExecutionResult, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { CloseCode } from 'graphql-ws';
import { useServer } from 'graphql-ws/use/ws';
import { WebSocket, WebSocketServer } from 'ws';
import type { Principal } from '../domain/access/principal.js';
import type { QueryLimits } from '../graphql/limits/query-protection.js';
import { chargeFailedAuthentication, payFor, rateSubject } from '../graphql/limits/operation-admission.js';
import type { RateLimiter } from '../http/rate-limit.js';
import type { Logger } from '../logger.js';
import type { ConnectionSlots } from './connection-slots.js';
import { admitSubscription } from './subscribe-admission.js';

export interface SubscriptionServerDeps {
  schema: GraphQLSchema;
  production: boolean;
  logger: Logger;
  /**
   * The principal for an Authorization value ("Bearer <key>"), or null. The upgrade request comes
   * along for callers without one: the web console's session cookie (src/http/console-session.ts).
   */
  authenticate(authorization: string, request: IncomingMessage): Promise<Principal | null>;
  /** The execution context of one subscription. */
  context(principal: Principal): object;
  /** Shapes an error for the client, as POST does; `original` is the error behind a wrapper, if any. */
  formatError(error: GraphQLError, original: unknown): GraphQLFormattedError;
  /** The same limits as POST /graphql. */
  limits: QueryLimits;
  /** The same rate buckets as POST /graphql; without one, nothing is charged. */
  rateLimiter?: RateLimiter;
  /** The client address of the upgrade request (X-Forwarded-For as far as it is trusted). */
  clientAddress(request: IncomingMessage): string;
  /** Most active subscriptions on one connection (SUBSCRIPTIONS_PER_CONNECTION). */
  subscriptionsPerConnection: number;
  /** Largest message pushed to a client, in bytes of JSON (SUBSCRIPTION_MAX_MESSAGE_BYTES). */
  maxMessageBytes: number;
  /** Told of every pushed message: sent, or replaced because it was too large (metrics). */
  onMessage?(outcome: 'sent' | 'too_large'): void;
  /** Connections per key (SUBSCRIPTION_CONNECTIONS_PER_KEY); without it connections are not counted. Closed with the server. */
  connectionSlots?: ConnectionSlots;
}

/** The default of SUBSCRIPTIONS_PER_CONNECTION. */
export const DEFAULT_SUBSCRIPTIONS_PER_CONNECTION = 20;
/** The default of SUBSCRIPTION_MAX_MESSAGE_BYTES: 256 KiB, several times a week-long spike with every interval. */
export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024;

/** Close code for a key over its connection limit: 4000 + HTTP 429, as graphql-ws's own codes are built (its clients do not retry it by themselves). */
export const TOO_MANY_CONNECTIONS_CLOSE_CODE = 4429;

/** Largest message a client may send (a subscribe with its document and variables), as a POST body. */
const MAX_INCOMING_BYTES = 1024 * 1024;
const UNAUTHORIZED = 'Unauthorized: send connectionParams { authorization: "Bearer <key>" } with a valid API key';

type Ctx = {
  connectionParams?: Readonly<Record<string, unknown>>;
  subscriptions: Record<string, unknown>;
  extra: { socket: WebSocket; request: IncomingMessage };
};

/** Serves subscriptions on `httpServer`; `close()` ends every socket (1001 Going away) and stops listening. */
export function attachSubscriptionServer(httpServer: Server, deps: SubscriptionServerDeps): { close(): Promise<void> } {
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: MAX_INCOMING_BYTES });
  const authorizationOf = (params: Readonly<Record<string, unknown>> | undefined) => (typeof params?.authorization === 'string' ? params.authorization : '');
  const slots = deps.connectionSlots;
  const maxSubscriptions = deps.subscriptionsPerConnection;
  /** The slot each admitted connection holds, released when its socket closes (or when the server closes). */
  const held = new Map<object, () => Promise<void>>();
  /** The principal each connection was admitted with: it pays for refusals made before the key is read again. */
  const admittedAs = new WeakMap<object, Principal>();
  const release = async (ctx: object) => {
    const releaseSlot = held.get(ctx);
    held.delete(ctx);
    await releaseSlot?.();
  };
  const refused = (ctx: Ctx, errors: GraphQLError[]) => {
    deps.logger.warn({ codes: errors.map((e) => e.extensions.code), apiKeyId: admittedAs.get(ctx)?.apiKeyId }, 'subscription refused');
    return errors;
  };
  /** A GraphQLError as the client sees it; graphql-ws wraps what an event stream throws, so the cause decides. */
  const shape = (error: GraphQLError): GraphQLFormattedError => {
    const inner = error.originalError;
    return deps.formatError(inner instanceof GraphQLError ? inner : error, inner ?? error);
  };

  /** Admits a connection: a valid key with budget for the connection, and a free slot. Closes the socket otherwise. */
  const connect = async (ctx: Ctx): Promise<boolean> => {
    const socket = ctx.extra.socket;
    const principal = await deps.authenticate(authorizationOf(ctx.connectionParams), ctx.extra.request);
    if (!principal) {
      const { refusal } = await chargeFailedAuthentication(deps.rateLimiter, deps.clientAddress(ctx.extra.request));
      // graphql-ws would close with 4403 Forbidden; 4401 says what is wrong. The second close is a no-op.
      if (refusal)
        socket.close(TOO_MANY_CONNECTIONS_CLOSE_CODE, `RATE_LIMITED: too many failed authentications; retry in ${refusal.extensions.retryAfterSeconds} s`);
      else socket.close(CloseCode.Unauthorized, UNAUTHORIZED);
      return false;
    }
    const { refusal } = await payFor(deps.rateLimiter, rateSubject(principal, undefined), 1);
    if (refusal) {
      socket.close(TOO_MANY_CONNECTIONS_CLOSE_CODE, `RATE_LIMITED: this API key has spent its budget; retry in ${refusal.extensions.retryAfterSeconds} s`);
      return false;
    }
    admittedAs.set(ctx, principal);
    if (!slots) return true;
    const slot = await slots.acquire(principal.apiKeyId);
    if (!slot.admitted) {
      socket.close(TOO_MANY_CONNECTIONS_CLOSE_CODE, `TOO_MANY_CONNECTIONS: this API key already has ${slot.limit} open connections`);
      return false;
    }
    held.set(ctx, slot.release);
    // Closed while the slot was being taken: onClose has already run and found nothing to release.
    if (socket.readyState !== WebSocket.OPEN) {
      await release(ctx);
      return false;
    }
    return true;
  };

  const server = useServer<Record<string, unknown>>(
    {
      schema: deps.schema,
      isProd: deps.production,
      connectionInitWaitTimeout: 5_000,
      async onConnect(ctx) {
        try {
          return await connect(ctx);
        } catch (error) {
          // The database or Redis failed under us: the client may retry; nothing for graphql-ws to print.
          deps.logger.warn({ err: (error as Error).message }, 'subscription connection failed; closed with 1011');
          ctx.extra.socket.close(1011, 'The server could not check the key just now; retry shortly');
          return false;
        }
      },
      // Every close ends here, acknowledged or not, clean or abrupt (a reset or a dead peer terminated by the keep-alive).
      async onClose(ctx) {
        await release(ctx);
      },
      async onSubscribe(ctx, _id, payload) {
        // graphql-ws lists a subscription in ctx.subscriptions before it calls this hook, and removes
        // it when it completes, errs, is completed by the client or its socket closes. Counted
        // before the first await, so that subscriptions sent together cannot all pass.
        const over = Object.keys(ctx.subscriptions).length > maxSubscriptions;
        try {
          if (over) {
            const payer = admittedAs.get(ctx);
            if (payer) await payFor(deps.rateLimiter, rateSubject(payer, undefined), 1);
            return refused(ctx, [
              new GraphQLError(`At most ${maxSubscriptions} subscriptions may be active on one connection; complete one first, or open another connection`, {
                extensions: { code: 'TOO_MANY_SUBSCRIPTIONS', limit: maxSubscriptions },
              }),
            ]);
          }
          const principal = await deps.authenticate(authorizationOf(ctx.connectionParams), ctx.extra.request);
          if (!principal) {
            ctx.extra.socket.close(CloseCode.Unauthorized, UNAUTHORIZED);
            return [new GraphQLError('The API key is invalid or revoked', { extensions: { code: 'UNAUTHENTICATED' } })];
          }
          const admission = await admitSubscription(
            { schema: deps.schema, production: deps.production, limits: deps.limits, limiter: deps.rateLimiter },
            principal,
            payload,
          );
          if (!admission.admitted) return refused(ctx, admission.errors);
          return {
            schema: deps.schema,
            document: admission.document,
            operationName: payload.operationName ?? null,
            variableValues: payload.variables ?? null,
            contextValue: deps.context(principal),
          };
        } catch (error) {
          // Not the client's doing (the database or Redis failed): formatError decides what the client sees and logs it.
          return [new GraphQLError('The subscription could not be started', { originalError: error as Error })];
        }
      },
      onNext(ctx, id, _payload, _args, result) {
        return bounded(ctx as Ctx, id, result);
      },
      onError(_ctx, _id, _payload, errors) {
        return errors.map(shape);
      },
    },
    wss,
  );

  /** The message as sent, or MESSAGE_TOO_LARGE in its place and the subscription completed. */
  function bounded(ctx: Ctx, id: string, result: ExecutionResult): FormattedExecutionResult {
    const message: FormattedExecutionResult = result.errors?.length ? { ...result, errors: result.errors.map(shape) } : (result as FormattedExecutionResult);
    const bytes = Buffer.byteLength(JSON.stringify(message));
    if (bytes <= deps.maxMessageBytes) {
      deps.onMessage?.('sent');
      return message;
    }
    deps.onMessage?.('too_large');
    deps.logger.warn(
      { bytes, limit: deps.maxMessageBytes, apiKeyId: admittedAs.get(ctx)?.apiKeyId },
      'subscription message over the size limit; subscription completed',
    );
    // graphql-ws sends this message, then asks the stream for the next result, finds it done and sends `complete`.
    const stream = ctx.subscriptions[id] as AsyncIterator<unknown> | null | undefined;
    void stream?.return?.(undefined);
    return {
      errors: [
        {
          message: `The message for this event would be ${bytes} bytes; at most ${deps.maxMessageBytes} are sent. The subscription is completed: subscribe again selecting fewer fields`,
          extensions: { code: 'MESSAGE_TOO_LARGE', bytes, limit: deps.maxMessageBytes },
        },
      ],
    };
  }

  return {
    async close() {
      await server.dispose();
      // Sockets closed by dispose may not have reached onClose yet; releasing twice is harmless.
      await Promise.all([...held.keys()].map(release));
      await slots?.close();
    },
  };
}
