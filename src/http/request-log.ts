import { randomUUID } from 'node:crypto';
import type { RequestHandler, Response } from 'express';
import type { Logger } from '../logger.js';
import { routeLabel, type ApiMetrics } from '../metrics/api-metrics.js';

/** What the request-log middleware leaves on `res.locals` for the handlers after it. */
export interface RequestLocals {
  requestId: string;
  /** The process logger bound to this request's id: GraphQL resolvers log through it. */
  logger: Logger;
  /** Set once the caller's key is known; the id is safe to log, the key never is. */
  apiKeyId?: string;
}

export const requestLocals = (res: Response): RequestLocals => res.locals as RequestLocals;

/** Printable ASCII without spaces, so an incoming id can neither break a log line nor a header. */
const INCOMING_ID = /^[\x21-\x7e]{1,100}$/;

/** The caller's `x-request-id` when it is sensible (1-100 printable characters), else a new UUID. */
export function requestIdOf(header: string | string[] | undefined): string {
  return typeof header === 'string' && INCOMING_ID.test(header) ? header : randomUUID();
}

/**
 * First middleware of the API: gives every request an id (echoed as `x-request-id`), and when
 * the response is done (or the client went away) writes one access log line and observes the
 * latency histogram. Headers are not logged at all, so neither is any API key.
 */
export function requestLog(deps: { logger: Logger; metrics: ApiMetrics; mounts: readonly string[] }): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    const requestId = requestIdOf(req.headers['x-request-id']);
    Object.assign(res.locals, { requestId, logger: deps.logger.child({ requestId }) } satisfies RequestLocals);
    res.setHeader('x-request-id', requestId);
    res.once('close', () => {
      const seconds = (performance.now() - started) / 1000;
      const path = req.originalUrl.split('?', 1)[0]!;
      deps.metrics.httpDuration.observe({ method: req.method, route: routeLabel(path, deps.mounts), status: String(res.statusCode) }, seconds);
      const { logger, apiKeyId } = requestLocals(res);
      const line = {
        method: req.method,
        path,
        status: res.statusCode,
        durationMs: Math.round(seconds * 10_000) / 10,
        ...(apiKeyId ? { apiKeyId } : {}),
        ...(res.writableFinished ? {} : { aborted: true }),
      };
      if (res.statusCode >= 500) logger.error(line, 'request');
      else logger.info(line, 'request');
    });
    next();
  };
}
