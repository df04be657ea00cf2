import express, { type ErrorRequestHandler, type RequestHandler } from 'express';
import type { ShapeLimits } from '../graphql/limits/document-limits.js';
import { parseWithinLimits } from '../graphql/limits/operation-admission.js';

/**
 * The HTTP layer in front of Apollo on /graphql: a JSON body of at most `bodyLimit`, one
 * operation per request, a document of a sane shape, and every refusal in the GraphQL error
 * shape with a code. These checks need no key and no database, so they run before
 * authentication and cost next to nothing.
 */
export function graphqlBody(
  bodyLimit: string,
  limits: ShapeLimits & { maxTokens: number },
): [RequestHandler, RequestHandler, RequestHandler, ErrorRequestHandler] {
  return [express.json({ limit: bodyLimit }), oneOperationPerRequest, documentShape(limits), bodyErrors(bodyLimit)];
}

/**
 * Apollo's CSRF prevention refuses a request a cross-site page could send without a CORS
 * preflight (a GET, or a POST of a form content type) unless it carries one of these headers.
 * `authorization` is one: browsers always pre-flight it and the API answers no preflight, so
 * urql's default GET queries with a key are served while a forged GET (with a cookie at most) is
 * not (issue 16). Mutations over GET are refused by Apollo whatever the headers.
 */
export const CSRF_PREFLIGHT_HEADERS = ['x-apollo-operation-name', 'apollo-require-preflight', 'authorization'] as const;

const refusal = (code: string, message: string) => ({ errors: [{ message, extensions: { code } }] });

/**
 * Batching (a JSON array of operations) is off: one HTTP request would run many operations past
 * the per-request cost and rate limits. Apollo refuses batches too, but as a generic
 * BAD_REQUEST; this says why. A body express.json did not parse (another content type, such as
 * a cross-site form post) is left to Apollo's CSRF check, which refuses it with 400.
 */
const oneOperationPerRequest: RequestHandler = (req, res, next) => {
  if (Array.isArray(req.body)) {
    res.status(400).json(refusal('BATCHING_NOT_ALLOWED', 'Batched operations are not accepted: send one operation per request'));
    return;
  }
  next();
};

/**
 * Depth, aliases and field count (document-limits.ts), checked on a parse of our own before
 * Apollo parses and validates: graphql-js validation is itself slow on oversized documents, and
 * Apollo offers no hook before validation that can answer with a typed error. The same check as
 * for graphql-ws subscriptions (operation-admission.ts). A document that does not parse, or
 * has too many tokens, is left to Apollo, which reports the syntax error.
 */
function documentShape(limits: ShapeLimits & { maxTokens: number }): RequestHandler {
  return (req, res, next) => {
    const query = queryOf(req);
    const checked = query === null ? null : parseWithinLimits(query, limits);
    if (checked && 'error' in checked && checked.error.extensions.code !== 'GRAPHQL_PARSE_FAILED') {
      const { http: _status, ...extensions } = checked.error.extensions;
      return void res.status(400).json({ errors: [{ message: checked.error.message, extensions }] });
    }
    next();
  };
}

function queryOf(req: express.Request): string | null {
  const body: unknown = req.body;
  if (body && typeof body === 'object' && typeof (body as { query?: unknown }).query === 'string') return (body as { query: string }).query;
  const fromUrl: unknown = req.method === 'GET' ? req.query.query : undefined;
  return typeof fromUrl === 'string' ? fromUrl : null;
}

/** Without this, a malformed or oversized body reaches Express's default handler: an HTML page with the stack trace outside production. */
function bodyErrors(limit: string): ErrorRequestHandler {
  return (err: { type?: string; status?: number }, _req, res, next) => {
    if (err.type === 'entity.too.large') return void res.status(413).json(refusal('PAYLOAD_TOO_LARGE', `The request body is over ${limit}`));
    if (err.type === 'entity.parse.failed') return void res.status(400).json(refusal('BAD_REQUEST', 'The request body is not valid JSON'));
    if (typeof err.status === 'number' && err.status >= 400 && err.status < 500)
      return void res.status(err.status).json(refusal('BAD_REQUEST', 'The request body could not be read'));
    next(err);
  };
}
