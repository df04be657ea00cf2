/**
 * GraphQL subscriptions over graphql-ws (the `graphql-transport-ws` protocol) on the API's HTTP
 * server, at the same `/graphql` path as POST requests.
 *
 * - Incoming messages are at most 1 MiB (a POST body's limit): a bigger one, a frame that is not
 *   UTF-8 or a malformed frame is closed by ws with 1009, 1007 or 1002 and logged as a warning
 *   without a stack (ws-transport.ts), before any key is checked.
 * - An address may hold at most `pendingConnectionsPerAddress` sockets that are not yet admitted
 *   (waiting for `connection_init` or for its key check) on this replica; one more is closed at
 *   once with 4429 `TOO_MANY_PENDING_CONNECTIONS` (pending-connections.ts).
 * - The key is checked when the connection is initialised (`connectionParams.authorization =
 *   "Bearer <key>"`); a missing, unknown or revoked key closes the socket with 4401 and costs
 *   the client address 1 point, as a wrong key on POST does (4429 `RATE_LIMITED` once the
 *   address has spent its budget). A good key pays 1 point for its connection.
 * - A key may hold at most so many connections at once over all replicas, and its organisation,
 *   all its keys together, at most so many (ConnectionSlots, in Redis): one more is closed with
 *   4429 `TOO_MANY_CONNECTIONS` at connection time, the reason naming the key or the organisation.
 * - Each subscription (subscribe-hook.ts) is refused without a key read or a parse when the key's
 *   budget is empty (RATE_LIMITED; five such refusals in a row close the socket with 4429), then
 *   the key is checked again, so a revocation holds on open sockets (and per event, see
 *   domain/events/watch-events.ts), then it passes the limits of POST /graphql and pays its cost
 *   (subscribe-admission.ts). A connection carries at most `subscriptionsPerConnection` active
 *   subscriptions: one more is refused with TOO_MANY_SUBSCRIPTIONS. Only subscriptions are served.
 * - Each message pushed to the client is at most `maxMessageBytes`; one that would be larger is
 *   replaced by an error MESSAGE_TOO_LARGE and the subscription is completed (a smaller
 *   selection fits; the next events would likely be as large).
 * - A client's mistake is answered with a code and logged at warn level without a stack; the
 *   hooks never throw, so graphql-ws never prints a stack or closes with 4500 on one.
 * - Every open connection is checked again every few seconds (connection-recheck.ts): one whose
 *   console session has ended (signed out, expired) or whose key was revoked is closed with 4401,
 *   without waiting for its next event or subscribe.
 */
import type { IncomingMessage, Server } from 'node:http';
import { GraphQLError, type ExecutionResult, type FormattedExecutionResult, type GraphQLFormattedError, type GraphQLSchema } from 'graphql';
import { CloseCode, handleProtocols } from 'graphql-ws';
import { WebSocket, WebSocketServer } from 'ws';
import type { Principal } from '../domain/access/principal.js';
import type { QueryLimits } from '../graphql/limits/query-protection.js';
import { chargeFailedAuthentication, payFor, rateSubject } from '../graphql/limits/operation-admission.js';
import type { RateLimiter } from '../http/rate-limit.js';
import type { Logger } from '../logger.js';
import type { ConnectionSlots } from './connection-slots.js';
import { createPendingConnections } from './pending-connections.js';
import { authorizationOf, subscribeHook, TOO_MANY_CLOSE_CODE, UNAUTHORIZED, type ConnectionState } from './subscribe-hook.js';
import { serveGraphqlWs, type Extra } from './ws-transport.js';
import { DEFAULT_RECHECK_MS, startConnectionRecheck } from './connection-recheck.js';

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
  /** Connections per key and per organisation (SUBSCRIPTION_CONNECTIONS_PER_*); without it connections are not counted. Closed with the server. */
  connectionSlots?: ConnectionSlots;
  /** Sockets per client address not yet admitted, on this replica (SUBSCRIPTION_PENDING_CONNECTIONS_PER_ADDRESS). */
  pendingConnectionsPerAddress: number;
  /** Open connections checked again every `intervalMs` (default DEFAULT_RECHECK_MS); those that may no longer act are closed with 4401. */
  recheck?: { intervalMs?: number; stillActive(principals: readonly Principal[]): Promise<boolean[]> };
}

/** The default of SUBSCRIPTIONS_PER_CONNECTION. */
export const DEFAULT_SUBSCRIPTIONS_PER_CONNECTION = 20;
/** The default of SUBSCRIPTION_MAX_MESSAGE_BYTES: 256 KiB, several times a week-long spike with every interval. */
export const DEFAULT_MAX_MESSAGE_BYTES = 256 * 1024;
/** The default of SUBSCRIPTION_PENDING_CONNECTIONS_PER_ADDRESS: a key check takes milliseconds, so 10 at once is a burst, not a client. */
export const DEFAULT_PENDING_CONNECTIONS_PER_ADDRESS = 10;

/** Close code for "too many" (connections, pending sockets, refusals for want of budget): 4000 + HTTP 429, as graphql-ws builds its codes. */
export const TOO_MANY_CONNECTIONS_CLOSE_CODE = TOO_MANY_CLOSE_CODE;

/** Largest message a client may send (a subscribe with its document and variables), as a POST body. */
const MAX_INCOMING_BYTES = 1024 * 1024;

type Ctx = {
  connectionParams?: Readonly<Record<string, unknown>>;
  subscriptions: Record<string, unknown>;
  extra: Extra;
};

/** Serves subscriptions on `httpServer`; `close()` ends every socket (1001 Going away) and stops listening. */
export function attachSubscriptionServer(httpServer: Server, deps: SubscriptionServerDeps): { close(): Promise<void>; recheckNow(): Promise<void> } {
  const wss = new WebSocketServer({ server: httpServer, path: '/graphql', maxPayload: MAX_INCOMING_BYTES, handleProtocols });
  const slots = deps.connectionSlots;
  const pending = createPendingConnections(deps.pendingConnectionsPerAddress);
  /** Gives back the pending place of a socket not yet admitted (once; see admitSocket). */
  const pendingPlace = new WeakMap<WebSocket, () => void>();
  /** The slot each admitted connection holds, released when its socket closes (or when the server closes). */
  const held = new Map<object, () => Promise<void>>();
  /** Each admitted connection's principal and refusal streak (subscribe-hook.ts). */
  const connections = new WeakMap<object, ConnectionState>();
  /** Admitted connections still open, for the recheck (connection-recheck.ts). */
  const open = new Map<object, Ctx>();
  const recheck = deps.recheck
    ? startConnectionRecheck({
        intervalMs: deps.recheck.intervalMs ?? DEFAULT_RECHECK_MS,
        logger: deps.logger,
        stillActive: deps.recheck.stillActive,
        open: () => [...open].flatMap(([ctx]) => (connections.get(ctx) ? [[ctx, connections.get(ctx)!.principal] as [object, Principal]] : [])),
        end: (ctx) => {
          open.delete(ctx);
          deps.logger.info({ apiKeyId: connections.get(ctx)?.principal.apiKeyId }, 'subscription connection closed: its session or key has ended');
          (ctx as Ctx).extra.socket.close(CloseCode.Unauthorized, UNAUTHORIZED);
        },
      })
    : null;
  const release = async (ctx: object) => {
    const releaseSlot = held.get(ctx);
    held.delete(ctx);
    await releaseSlot?.();
  };
  /** A GraphQLError as the client sees it; graphql-ws wraps what an event stream throws, so the cause decides. */
  const shape = (error: GraphQLError): GraphQLFormattedError => {
    const inner = error.originalError;
    return deps.formatError(inner instanceof GraphQLError ? inner : error, inner ?? error);
  };

  /** A new socket takes one of its address's pending places until its connection is admitted or refused, or it closes. */
  const admitSocket = (socket: WebSocket, request: IncomingMessage): boolean => {
    const address = deps.clientAddress(request);
    const giveBack = pending.take(address);
    if (!giveBack) {
      deps.logger.warn({ address, limit: deps.pendingConnectionsPerAddress }, 'subscription socket refused: too many pending from its address');
      socket.close(
        TOO_MANY_CONNECTIONS_CLOSE_CODE,
        `TOO_MANY_PENDING_CONNECTIONS: this address already has ${deps.pendingConnectionsPerAddress} connections waiting to be initialised`,
      );
      return false;
    }
    pendingPlace.set(socket, giveBack);
    socket.once('close', giveBack);
    return true;
  };

  /** Admits a connection: a valid key with budget for the connection, and free slots. Closes the socket otherwise. */
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
    connections.set(ctx, { principal, rateLimitedInARow: 0 });
    if (!slots) return true;
    // A sandbox's connections are counted together, as one organisation's: its organisations' keys would otherwise multiply them.
    const slot = await slots.acquire(principal.apiKeyId, principal.sandboxId ? `sandbox:${principal.sandboxId}` : principal.organizationId);
    if (!slot.admitted) {
      const holder =
        slot.scope !== 'organization'
          ? 'this API key'
          : principal.sandboxId
            ? 'this sandbox (all its API keys together)'
            : 'this organisation (all its API keys together)';
      socket.close(TOO_MANY_CONNECTIONS_CLOSE_CODE, `TOO_MANY_CONNECTIONS: ${holder} already has ${slot.limit} open connections`);
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

  const server = serveGraphqlWs(
    wss,
    {
      schema: deps.schema,
      connectionInitWaitTimeout: 5_000,
      async onConnect(ctx) {
        try {
          const admitted = await connect(ctx);
          if (admitted) open.set(ctx, ctx);
          return admitted;
        } catch (error) {
          // The database or Redis failed under us: the client may retry; nothing for graphql-ws to print.
          deps.logger.warn({ err: (error as Error).message }, 'subscription connection failed; closed with 1011');
          ctx.extra.socket.close(1011, 'The server could not check the key just now; retry shortly');
          return false;
        } finally {
          pendingPlace.get(ctx.extra.socket)?.();
        }
      },
      // Every close ends here, acknowledged or not, clean or abrupt (a reset or a dead peer terminated by the keep-alive).
      async onClose(ctx) {
        open.delete(ctx);
        await release(ctx);
      },
      onSubscribe: subscribeHook(deps, connections),
      onNext(ctx, id, _payload, _args, result) {
        return bounded(ctx, id, result);
      },
      onError(_ctx, _id, _payload, errors) {
        return errors.map(shape);
      },
    },
    { logger: deps.logger, admit: admitSocket },
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
      { bytes, limit: deps.maxMessageBytes, apiKeyId: connections.get(ctx)?.principal.apiKeyId },
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
    recheckNow: () => recheck?.now() ?? Promise.resolve(),
    async close() {
      recheck?.stop();
      await server.dispose();
      // Sockets closed by dispose may not have reached onClose yet; releasing twice is harmless.
      await Promise.all([...held.keys()].map(release));
      await slots?.close();
    },
  };
}
