import type { IncomingMessage } from 'node:http';

/**
 * The client address of a WebSocket upgrade, as Express's `req.ip` works it out for HTTP with
 * `trust proxy` set to a hop count: the socket's peer, or the address the `hops`-th trusted proxy
 * put last in X-Forwarded-For. The same string as `req.ip`, so both transports share one budget.
 */
export function clientAddress(request: IncomingMessage, hops: number): string {
  const header = request.headers['x-forwarded-for'];
  const forwarded =
    typeof header === 'string'
      ? header
          .split(',')
          .map((a) => a.trim())
          .filter(Boolean)
      : [];
  const chain = [request.socket.remoteAddress ?? 'unknown', ...forwarded.reverse()];
  return chain[Math.min(hops, chain.length - 1)]!;
}
