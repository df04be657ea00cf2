/**
 * Console sign-in over plain HTTP (docs/console.md, docs/security.md):
 *
 * - `POST /console/session` with `{ "apiKey": "bx_…" }` or `{ "link": "bxl_…" }` starts a session
 *   and sets it as a cookie: HttpOnly, SameSite=Strict, Path=/, and in production `Secure` with
 *   the `__Host-` prefix (so no subdomain or plain-http page can set or shadow it);
 * - `DELETE /console/session` signs out (the row is ended, the cookie cleared);
 * - requests to /graphql that carry the cookie act as the session's key, but only with the header
 *   `x-burst-console: 1` (a custom header: a cross-site page cannot send it without a CORS
 *   preflight, which the API never grants), and with an Origin, when sent, of the API's own host;
 * - a graphql-ws upgrade carrying the cookie must come from the API's own origin (browsers send
 *   cookies on WebSocket upgrades and apply no CORS to them).
 *
 * A failed sign-in, or a cookie that no longer resolves, costs the client address 1 point of the
 * budget that wrong keys on /graphql spend.
 */
import type { IncomingMessage } from 'node:http';
import express, { Router, type Request, type Response } from 'express';
import { GraphQLError } from 'graphql';
import type { EntityManager } from '@mikro-orm/postgresql';
import { endSession, sessionPrincipal, startSessionWithKey, startSessionWithLink, type StartedSession } from '../domain/access/console-sessions.js';
import type { Principal } from '../domain/access/principal.js';
import type { Clock } from '../domain/shared/clock.js';
import { chargeFailedAuthentication, invalidKeyRefusal } from '../graphql/limits/operation-admission.js';
import { isDatabaseUnavailable } from '../persistence/db-errors.js';
import { sendError } from './http-errors.js';
import { rateLimitHeaders, type RateLimiter } from './rate-limit.js';
import { requestLocals } from './request-log.js';

/** The header every cookie-authenticated console request carries. */
export const CONSOLE_HEADER = 'x-burst-console';

export interface ConsoleSessionDeps {
  fork: () => EntityManager;
  clock: Clock;
  production: boolean;
  ttlMs: number;
  rateLimiter?: RateLimiter;
  /** Told after a sign-out, so this replica closes the session's open subscriptions at once. */
  onSignedOut?: () => void;
}

export interface ConsoleSessions {
  cookieName: string;
  /** /console/session: sign in and sign out. */
  router: Router;
  /**
   * The principal of a POST /graphql that carries the session cookie; undefined when it carries
   * none (then the request is anonymous, as before). Throws the GraphQL refusal otherwise.
   */
  graphqlPrincipal(em: EntityManager, req: Request, clientIp: string): Promise<Principal | undefined>;
  /** The principal of a graphql-ws upgrade carrying the cookie from the API's own origin; null otherwise. */
  upgradePrincipal(request: IncomingMessage): Promise<Principal | null>;
}

export function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return undefined;
}

/** Whether the Origin header, when present, names the host the request was sent to. */
export function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
  if (origin === undefined) return true;
  try {
    return host !== undefined && new URL(origin).host === host;
  } catch {
    return false;
  }
}

export function createConsoleSessions(deps: ConsoleSessionDeps): ConsoleSessions {
  const cookieName = deps.production ? '__Host-bx_console' : 'bx_console';
  const attributes = `Path=/; HttpOnly; SameSite=Strict${deps.production ? '; Secure' : ''}`;
  const setCookie = (res: Response, session: StartedSession) =>
    res.setHeader('set-cookie', `${cookieName}=${session.token}; ${attributes}; Max-Age=${Math.floor(deps.ttlMs / 1000)}`);
  const clearCookie = (res: Response) => res.setHeader('set-cookie', `${cookieName}=; ${attributes}; Max-Age=0`);

  const router = Router();
  router.use((req, res, next) => {
    res.setHeader('cache-control', 'no-store');
    if (req.headers[CONSOLE_HEADER] !== '1' || !sameOrigin(req.headers.origin, req.headers.host)) {
      return sendError(res, 403, 'FORBIDDEN', `Console requests need the header ${CONSOLE_HEADER}: 1 and the API's own origin`);
    }
    next();
  });
  router.post('/', express.json({ limit: '4kb' }), async (req, res, next) => {
    try {
      const body = (req.body ?? {}) as { apiKey?: unknown; link?: unknown };
      const em = deps.fork();
      const session =
        typeof body.apiKey === 'string'
          ? await startSessionWithKey(em, deps.clock, body.apiKey, deps.ttlMs)
          : typeof body.link === 'string'
            ? await startSessionWithLink(em, deps.clock, body.link, deps.ttlMs)
            : undefined;
      if (session === undefined) return sendError(res, 400, 'BAD_USER_INPUT', 'Send { "apiKey": "<key>" } or { "link": "<sign-in link token>" }');
      if (!session) {
        const { decision, refusal } = await chargeFailedAuthentication(deps.rateLimiter, req.ip ?? 'unknown');
        for (const [name, value] of decision ? rateLimitHeaders(decision) : []) res.setHeader(name, value);
        if (refusal) return sendError(res, 429, 'RATE_LIMITED', refusal.message);
        return sendError(res, 401, 'UNAUTHENTICATED', 'The API key or sign-in link is invalid, expired, used or revoked');
      }
      requestLocals(res).apiKeyId = session.principal.apiKeyId;
      setCookie(res, session);
      res.json({ role: session.principal.role, organizationId: session.principal.organizationId, expiresAt: session.expiresAt.toISOString() });
    } catch (error) {
      if (isDatabaseUnavailable(error)) return sendError(res, 503, 'SERVICE_UNAVAILABLE', 'The database is unavailable; retry shortly');
      next(error);
    }
  });
  router.delete('/', async (req, res, next) => {
    try {
      const token = cookieValue(req.headers.cookie, cookieName);
      if (token && (await endSession(deps.fork(), deps.clock, token))) deps.onSignedOut?.();
      clearCookie(res);
      res.status(204).end();
    } catch (error) {
      next(error);
    }
  });

  return {
    cookieName,
    router,
    async graphqlPrincipal(em, req, clientIp) {
      const token = cookieValue(req.headers.cookie, cookieName);
      if (token === undefined) return undefined;
      if (req.headers[CONSOLE_HEADER] !== '1' || !sameOrigin(req.headers.origin, req.headers.host)) {
        throw new GraphQLError(`A request with the console cookie needs the header ${CONSOLE_HEADER}: 1 and the API's own origin`, {
          extensions: { code: 'FORBIDDEN', http: { status: 403 } },
        });
      }
      const principal = await sessionPrincipal(em, deps.clock, token);
      if (!principal) throw await invalidKeyRefusal(deps.rateLimiter, clientIp);
      return principal;
    },
    async upgradePrincipal(request) {
      const token = cookieValue(request.headers.cookie, cookieName);
      // No Origin is no browser; a browser always sends one on an upgrade.
      if (token === undefined || request.headers.origin === undefined || !sameOrigin(request.headers.origin, request.headers.host)) return null;
      return sessionPrincipal(deps.fork(), deps.clock, token);
    },
  };
}
