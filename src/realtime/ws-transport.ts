/**
 * graphql-ws on a `ws` server: our copy of graphql-ws's own adapter (`useServer` in
 * graphql-ws/use/ws, which its documentation invites to copy and adjust), changed in what it does
 * with errors and in one gate for new sockets.
 *
 * The library's adapter prints every socket error with console.error and its stack, then closes
 * with 4500 Internal server error. But a socket error is always the client's doing, and comes
 * before any key is checked: a message over `maxPayload` (ws closes with 1009), a text frame that
 * is not UTF-8 (1007), a malformed frame (1002). Here ws's close with its code stands, and the
 * event is one warn-level line without a stack. A message that fails to be handled is also a
 * warning when its socket was already gone (a send racing the client's close); otherwise it is
 * our bug: an error line, and 4500.
 */
import type { IncomingMessage } from 'node:http';
import { CloseCode, makeServer, type ServerOptions } from 'graphql-ws';
import { WebSocket, type WebSocketServer } from 'ws';
import type { Logger } from '../logger.js';

/** What graphql-ws hooks find in `ctx.extra`. */
export interface Extra {
  socket: WebSocket;
  request: IncomingMessage;
}

export interface TransportOptions {
  logger: Logger;
  /** Ping interval (default 12 s, as graphql-ws's); a socket that has not answered a ping by the next is terminated. */
  keepAliveMs?: number;
  /** Decides on each new socket before graphql-ws sees it; returns false after closing the socket itself. */
  admit?(socket: WebSocket, request: IncomingMessage): boolean;
}

/** Serves graphql-ws on `wss` (whose handleProtocols should be graphql-ws's); dispose() closes every socket with 1001 and the server. */
export function serveGraphqlWs(wss: WebSocketServer, options: ServerOptions<Record<string, unknown> | undefined, Extra>, transport: TransportOptions) {
  const { logger } = transport;
  const keepAliveMs = transport.keepAliveMs ?? 12_000;
  const server = makeServer(options);

  // Errors of the HTTP server the WebSocket server rides on (not of a client): they are ours.
  wss.on('error', (error) => logger.error({ err: error }, 'WebSocket server error'));

  wss.on('connection', (socket, request) => {
    // Listened to for the socket's whole life: an 'error' without a listener would end the process.
    socket.on('error', (error: Error & { code?: string }) => {
      logger.warn({ code: error.code ?? null, reason: error.message }, 'WebSocket protocol error from a client; socket closed');
      // ws has already begun closing with the code that fits (1009, 1007, 1002); this covers any other path.
      if (socket.readyState === WebSocket.OPEN) socket.close(CloseCode.BadRequest, 'Bad frame or message');
    });
    if (transport.admit && !transport.admit(socket, request)) return;

    let pongWait: NodeJS.Timeout | null = null;
    const pingInterval =
      keepAliveMs > 0 && Number.isFinite(keepAliveMs)
        ? setInterval(() => {
            if (socket.readyState !== WebSocket.OPEN) return;
            pongWait = setTimeout(() => socket.terminate(), keepAliveMs);
            socket.once('pong', () => {
              if (pongWait) clearTimeout(pongWait);
              pongWait = null;
            });
            socket.ping();
          }, keepAliveMs)
        : null;

    const closed = server.opened(
      {
        protocol: socket.protocol,
        send: (data) =>
          new Promise<void>((resolve, reject) => {
            if (socket.readyState !== WebSocket.OPEN) return resolve();
            socket.send(data, (err) => (err ? reject(err) : resolve()));
          }),
        close: (code, reason) => socket.close(code, reason),
        onMessage: (handle) =>
          socket.on('message', async (data: Buffer) => {
            try {
              await handle(String(data));
            } catch (error) {
              if (socket.readyState !== WebSocket.OPEN) {
                logger.warn({ reason: (error as Error).message }, 'graphql-ws message not handled: the socket had closed');
                return;
              }
              logger.error({ err: error }, 'graphql-ws failed to handle a message; socket closed with 4500');
              socket.close(CloseCode.InternalServerError, 'Internal server error');
            }
          }),
      },
      { socket, request },
    );

    socket.once('close', (code, reason) => {
      if (pongWait) clearTimeout(pongWait);
      if (pingInterval) clearInterval(pingInterval);
      void closed(code, String(reason)).catch((error: unknown) => logger.error({ err: error }, 'graphql-ws close handling failed'));
    });
  });

  return {
    async dispose() {
      for (const client of wss.clients) client.close(1001, 'Going away');
      wss.removeAllListeners();
      await new Promise<void>((resolve, reject) => wss.close((err) => (err ? reject(err) : resolve())));
    },
  };
}
