import type { ErrorRequestHandler, RequestHandler, Response } from 'express';
import { requestLocals } from './request-log.js';

/** Every non-GraphQL error body has the GraphQL-over-HTTP shape, so clients parse one format. */
export function sendError(res: Response, status: number, code: string, message: string): void {
  res.status(status).json({ errors: [{ message, extensions: { code } }] });
}

/** Unknown paths: a JSON 404 instead of Express's HTML page. */
export const notFound: RequestHandler = (req, res) => {
  sendError(res, 404, 'NOT_FOUND', `No route ${req.method} ${req.path}`);
};

/**
 * Last handler: a malformed or oversized body is the client's fault (400, 413) and says why;
 * anything else is logged with the request id and answered without a stack trace or detail.
 * Replaces Express's default handler, which prints stacks as HTML outside production.
 */
export const errorHandler: ErrorRequestHandler = (err: { status?: unknown; expose?: unknown; message?: unknown }, _req, res, next) => {
  if (res.headersSent) return next(err);
  const status = typeof err.status === 'number' && err.status >= 400 && err.status < 500 && err.expose === true ? err.status : 500;
  if (status === 500) {
    requestLocals(res).logger.error({ err }, 'unexpected error');
    sendError(res, 500, 'INTERNAL_SERVER_ERROR', 'Internal server error');
    return;
  }
  sendError(res, status, status === 413 ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST', String(err.message));
};
