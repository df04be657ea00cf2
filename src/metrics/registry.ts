import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { collectDefaultMetrics, Registry } from 'prom-client';

/**
 * A registry of this process's own, with the default process and Node.js metrics. Never the
 * global registry: tests run several API servers and worker health servers in one process, and
 * each must count only its own traffic.
 */
export function createRegistry(): Registry {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry });
  return registry;
}

/**
 * The scrape endpoint for plain `node:http` and Express alike. With a token, the scraper must
 * send `Authorization: Bearer <token>` (compared in constant time); without one it is open and
 * meant for the internal network only (docs/scaling.md).
 */
export function metricsHandler(registry: Registry, token: string | null) {
  const expected = token === null ? null : digest(token);
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    if (expected !== null) {
      const presented = /^Bearer\s+(\S+)$/i.exec(req.headers.authorization ?? '')?.[1];
      if (!presented || !timingSafeEqual(digest(presented), expected)) {
        res.writeHead(401, { 'content-type': 'text/plain', 'www-authenticate': 'Bearer realm="metrics"' }).end('metrics token required\n');
        return;
      }
    }
    try {
      const body = await registry.metrics();
      res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' }).end(body);
    } catch {
      res.writeHead(500, { 'content-type': 'text/plain' }).end('metrics collection failed\n');
    }
  };
}

/** Equal-length digests, so timingSafeEqual never throws on a token of another length. */
function digest(value: string): Buffer {
  return createHash('sha256').update(value).digest();
}
