import express, { type RequestHandler } from 'express';
import type { MikroORM } from '@mikro-orm/postgresql';
import { MAX_EVENTS_PER_BATCH, recordQualityEvents, type QualityEventInput } from '../domain/quality/quality-events.js';
import { verifySignedRequest } from '../domain/quality/ingest-signature.js';
import { unstorableTextPath } from '../domain/shared/text.js';
import type { Clock } from '../domain/shared/clock.js';
import { clockOfSandbox } from '../domain/sandbox/world-clock.js';
import type { Logger } from '../logger.js';
import { isDatabaseUnavailable } from '../persistence/db-errors.js';
import { rateLimitHeaders, type RateDecision, type RateLimiter, type RateSubject } from './rate-limit.js';

/** 5,000 events of a few hundred bytes each, with room for notes. */
const BODY_LIMIT = '8mb';

class Refusal extends Error {
  /** X-RateLimit-* (and Retry-After) headers of the budget this refusal was charged to. */
  headers: [string, string][] = [];
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details: Record<string, number> = {},
  ) {
    super(message);
  }
}

/** A signature that failed to verify (401) or was replayed (409): the signer is not known to be who it says. */
class SignatureRefusal extends Refusal {}

export interface QualityIngestDeps {
  orm: MikroORM;
  clock: Clock;
  logger: Logger;
  /** Charges each signed batch to its organisation, and failed signatures to the client address; none: no limits. */
  rateLimiter?: RateLimiter;
}

/**
 * POST /ingest/quality: the signed JSON twin of `recordQualityEvents` for systems that cannot speak
 * GraphQL. Body `{ "events": [ ...QualityEventInput ] }` with `occurredAt` as an ISO 8601 string;
 * headers `x-burst-organization`, `x-burst-timestamp` (Unix seconds) and
 * `x-burst-signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`.
 *
 * 200 with one receipt per event (as the mutation), 400 for a malformed body or batch, 401 for a
 * bad signature or stale timestamp, 409 for a replay, 413 for a body over 8 MB, 429 (with
 * Retry-After) when the budget is spent, 503 (with Retry-After) when the database is unreachable.
 *
 * Rate limits (docs/security.md): a correctly signed batch costs its organisation one point per
 * event (a malformed one 1), charged after the signature is verified and before anything is
 * written; a refusal rolls the transaction back, so even the signature stays unspent and the same
 * request can be sent again after Retry-After. A request whose signature fails (401, 409) never
 * touches the organisation's budget: it costs 1 from the client address's, the budget GraphQL
 * charges for wrong keys, and is answered 429 once that is spent.
 */
export function qualityIngestRoute(deps: QualityIngestDeps): [RequestHandler, RequestHandler, express.ErrorRequestHandler] {
  const charge = async (subject: RateSubject, cost: number) => (deps.rateLimiter ? deps.rateLimiter.consume(subject, cost) : null);

  const handler: RequestHandler = async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const header = (name: string) => (typeof req.headers[name] === 'string' ? (req.headers[name] as string) : undefined);
    try {
      const { outcome, budget } = await deps.orm.em.fork().transactional(async (em) => {
        const check = await verifySignedRequest(em, deps.clock, {
          organizationId: header('x-burst-organization'),
          timestamp: header('x-burst-timestamp'),
          signature: header('x-burst-signature'),
          body,
        });
        if (!check.ok) throw new SignatureRefusal(check.code === 'REPLAYED' ? 409 : 401, check.code, check.message);
        // A sandbox's brands share one budget: its operator view makes organisations at will.
        const { sandboxId, organizationId } = check.principal;
        const signer: RateSubject = { kind: 'ingest', organizationId: sandboxId ? `sandbox:${sandboxId}` : organizationId };
        let events: QualityEventInput[];
        try {
          events = parseEvents(body);
        } catch (error) {
          // Junk still costs its signer a point, as a GraphQL request that does not validate does.
          if (error instanceof Refusal) error.headers = reported(await charge(signer, 1));
          throw error;
        }
        const decision = await charge(signer, events.length);
        if (decision && !decision.allowed) throw rateLimited(decision, events.length);
        // The signature's freshness is on real time; the events themselves on the sender's world clock (a sandbox's test clock).
        const r = await recordQualityEvents(em, await clockOfSandbox(em, deps.clock, check.principal.sandboxId ?? null), check.principal, events, 'HTTP');
        if (!r.ok) throw new Refusal(400, 'BAD_USER_INPUT', r.failure.message);
        return { outcome: r.value, budget: decision };
      });
      const { vendorIds: _internal, ...receipt } = outcome;
      res.set(Object.fromEntries(reported(budget))).json(receipt);
    } catch (caught) {
      let error = caught;
      // Charged after the transaction, so that a flood of bad signatures holds no connection while Redis answers.
      if (error instanceof SignatureRefusal) error = await unauthenticated(error, req.ip ?? req.socket.remoteAddress ?? 'unknown');
      if (error instanceof Refusal) {
        return void res
          .status(error.status)
          .set(Object.fromEntries(error.headers))
          .json({ error: { code: error.code, message: error.message, ...error.details } });
      }
      if (isDatabaseUnavailable(error)) {
        deps.logger.warn({ err: (error as Error).message }, 'database unavailable; quality ingestion answered 503');
        // Nothing was stored (one transaction); a resubmission is harmless anyway (external ids).
        return void res
          .status(503)
          .set('retry-after', '1')
          .json({ error: { code: 'SERVICE_UNAVAILABLE', message: 'The database is unavailable; retry shortly' } });
      }
      deps.logger.error({ err: error }, 'quality ingestion failed');
      res.status(500).json({ error: { code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error' } });
    }
  };

  /** A failed signature pays 1 from the client address's budget, and becomes a 429 once that is spent. */
  async function unauthenticated(refusal: Refusal, clientIp: string): Promise<Refusal> {
    const decision = await charge({ kind: 'ip', address: clientIp }, 1);
    if (decision && !decision.allowed) return rateLimited(decision, 1);
    refusal.headers = reported(decision);
    return refusal;
  }

  return [express.raw({ type: () => true, limit: BODY_LIMIT }), handler, tooLarge];
}

/** The budget headers of an answer that is not itself a rate-limit refusal (so without Retry-After). */
function reported(decision: RateDecision | null): [string, string][] {
  return decision ? rateLimitHeaders({ ...decision, allowed: true }) : [];
}

/** 429 RATE_LIMITED: the budget cannot pay for this request yet; nothing was done. */
function rateLimited(decision: RateDecision, cost: number): Refusal {
  const refusal = new Refusal(
    429,
    'RATE_LIMITED',
    `Rate limit exceeded: this request costs ${cost} points and ${decision.remaining} are left; retry in ${decision.retryAfterSeconds} s`,
    {
      retryAfterSeconds: decision.retryAfterSeconds,
      cost,
      limit: decision.limit,
    },
  );
  refusal.headers = rateLimitHeaders(decision);
  return refusal;
}

function parseEvents(body: Buffer): QualityEventInput[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    throw new Refusal(400, 'BAD_REQUEST', 'The body is not JSON');
  }
  const events = (parsed as { events?: unknown } | null)?.events;
  if (!Array.isArray(events)) throw new Refusal(400, 'BAD_REQUEST', 'The body is { "events": [...] }');
  // Checked here as well as in recordQualityEvents, so that a batch refused as a whole is not charged per event.
  if (events.length === 0 || events.length > MAX_EVENTS_PER_BATCH) throw new Refusal(400, 'BAD_USER_INPUT', `Send 1 to ${MAX_EVENTS_PER_BATCH} events`);
  // PostgreSQL cannot store NUL or unpaired surrogates; refused here instead of failing as a 500.
  const unstorable = unstorableTextPath(events, 'events');
  if (unstorable) throw new Refusal(400, 'BAD_USER_INPUT', `${unstorable}: text may not contain NUL characters or unpaired UTF-16 surrogates`);
  return events.map((e: unknown) => {
    if (typeof e !== 'object' || e === null) return e as QualityEventInput;
    const occurredAt = (e as { occurredAt?: unknown }).occurredAt;
    return { ...(e as QualityEventInput), occurredAt: occurredAt == null ? null : new Date(typeof occurredAt === 'string' ? occurredAt : Number.NaN) };
  });
}

/** express.raw refuses big bodies with an error; answer it in the same JSON shape. */
const tooLarge: express.ErrorRequestHandler = (err: { type?: string; status?: number }, _req, res, next) => {
  if (err.type === 'entity.too.large') return void res.status(413).json({ error: { code: 'PAYLOAD_TOO_LARGE', message: `The body is over ${BODY_LIMIT}` } });
  next(err);
};
