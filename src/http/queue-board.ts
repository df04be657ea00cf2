import { createBullBoard } from '@bull-board/api';
import { BullMQAdapter } from '@bull-board/api/bullMQAdapter';
import { ExpressAdapter } from '@bull-board/express';
import type { Queue } from 'bullmq';
import { Router, type Express, type RequestHandler } from 'express';
import { isPlatformOperator, type Principal } from '../domain/access/principal.js';
import { chargeFailedAuthentication } from '../graphql/limits/operation-admission.js';
import { sendError } from './http-errors.js';
import { rateLimitHeaders, type RateLimiter } from './rate-limit.js';
import { requestLocals } from './request-log.js';

/** Where the operator dashboard lives in the API process. */
export const QUEUE_BOARD_PATH = '/admin/queues';

export interface QueueBoardDeps {
  /** The queues to show; `Queues.all` in the API, so a new queue appears without changes here. */
  queues: readonly Queue[];
  /** Resolves a presented API key (null when unknown, malformed or revoked). */
  authenticate: (key: string) => Promise<Principal | null>;
  /** Charges failed authentication to the client address, as /graphql does; none: no limits. */
  rateLimiter?: RateLimiter;
}

/**
 * Bull Board for operators, at QUEUE_BOARD_PATH. Everything under the path (the page, its
 * assets and its JSON API) passes the same guard: OPERATOR keys only.
 */
export function queueBoard(deps: QueueBoardDeps): Router {
  const adapter = new ExpressAdapter();
  adapter.setBasePath(QUEUE_BOARD_PATH);
  createBullBoard({
    queues: deps.queues.map((queue) => new BullMQAdapter(queue)),
    serverAdapter: adapter,
    options: { uiConfig: { boardTitle: 'Burst Exchange queues', hideDocsLink: true } },
  });
  const router = Router();
  router.use(operatorsOnly(deps.authenticate, deps.rateLimiter), sameOriginWrites, (_req, res, next) => {
    res.setHeader('cache-control', 'no-store');
    res.setHeader('x-frame-options', 'DENY');
    next();
  });
  const board = adapter.getRouter() as Express;
  board.disable('x-powered-by');
  router.use(board);
  return router;
}

const CHALLENGE = 'Basic realm="Burst Exchange operators", charset="UTF-8"';

/**
 * The key comes as `Authorization: Bearer <key>` (scripts) or as the password of HTTP Basic
 * (browsers cannot send a Bearer header; the user name is ignored, so `curl -u :<key>` works).
 * No or a bad key: 401 with a Basic challenge, and 1 point from the client address's budget,
 * the one /graphql charges for wrong keys; once that is spent, 429 RATE_LIMITED with
 * Retry-After. So the board is no cheaper a place to guess keys than /graphql. A valid key
 * without the OPERATOR role: 403.
 */
export function operatorsOnly(authenticate: QueueBoardDeps['authenticate'], rateLimiter?: RateLimiter): RequestHandler {
  return async (req, res, next) => {
    const key = presentedKey(req.headers.authorization);
    const principal = key ? await authenticate(key) : null;
    if (!principal) {
      const { decision, refusal } = await chargeFailedAuthentication(rateLimiter, req.ip ?? req.socket.remoteAddress ?? 'unknown');
      if (decision) res.set(Object.fromEntries(rateLimitHeaders(decision)));
      if (refusal) {
        res
          .status(429)
          .json({ errors: [{ message: refusal.message, extensions: { code: 'RATE_LIMITED', retryAfterSeconds: refusal.extensions.retryAfterSeconds } }] });
        return;
      }
      res.setHeader('www-authenticate', CHALLENGE);
      sendError(res, 401, 'UNAUTHENTICATED', 'An OPERATOR API key is required (Bearer, or as the Basic password)');
      return;
    }
    requestLocals(res).apiKeyId = principal.apiKeyId;
    if (!isPlatformOperator(principal)) {
      const why = principal.sandboxId ? 'this is a sandbox key, which acts in its sandbox only' : `this key has ${principal.role}`;
      sendError(res, 403, 'FORBIDDEN', `The queue dashboard is for the live operator's OPERATOR keys; ${why}`);
      return;
    }
    next();
  };
}

export function presentedKey(header: string | undefined): string | null {
  const [scheme, value] = header?.trim().split(/\s+/, 2) ?? [];
  if (!scheme || !value) return null;
  if (/^bearer$/i.test(scheme)) return value;
  if (!/^basic$/i.test(scheme)) return null;
  const decoded = Buffer.from(value, 'base64').toString('utf8');
  const colon = decoded.indexOf(':');
  if (colon < 0) return null;
  return decoded.slice(colon + 1) || null;
}

/**
 * Browsers resend Basic credentials on their own, so a page on another site could make an
 * operator's browser retry, clean or add jobs. Writes must come from the board's own origin
 * (or from a non-browser client, which sends neither header).
 */
const sameOriginWrites: RequestHandler = (req, res, next) => {
  if (req.method === 'GET' || req.method === 'HEAD') return next();
  const site = req.headers['sec-fetch-site'];
  const origin = req.headers.origin;
  const crossSite = site !== undefined ? site !== 'same-origin' && site !== 'none' : origin !== undefined && hostOf(origin) !== req.headers.host;
  if (crossSite) {
    sendError(res, 403, 'FORBIDDEN', 'Dashboard changes must come from the dashboard itself');
    return;
  }
  next();
};

function hostOf(origin: string): string | null {
  try {
    return new URL(origin).host;
  } catch {
    return null;
  }
}
