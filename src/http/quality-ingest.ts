import express, { type RequestHandler } from 'express';
import type { MikroORM } from '@mikro-orm/postgresql';
import { recordQualityEvents, type QualityEventInput } from '../domain/quality/quality-events.js';
import { recomputeSoonOrLog, type QualityScheduler } from '../domain/quality/quality-scheduler.js';
import { verifySignedRequest } from '../domain/quality/ingest-signature.js';
import { unstorableTextPath } from '../domain/shared/text.js';
import type { Clock } from '../domain/shared/clock.js';
import type { Logger } from '../logger.js';
import { isDatabaseUnavailable } from '../persistence/db-errors.js';

/** 5,000 events of a few hundred bytes each, with room for notes. */
const BODY_LIMIT = '8mb';

class Refusal extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

/**
 * POST /ingest/quality: the signed JSON twin of `recordQualityEvents` for systems that cannot speak
 * GraphQL. Body `{ "events": [ ...QualityEventInput ] }` with `occurredAt` as an ISO 8601 string;
 * headers `x-burst-organization`, `x-burst-timestamp` (Unix seconds) and
 * `x-burst-signature: v1=<hex HMAC-SHA256(secret, "<timestamp>.<raw body>")>`.
 *
 * 200 with one receipt per event (as the mutation), 400 for a malformed body or batch, 401 for a
 * bad signature or stale timestamp, 409 for a replay, 413 for a body over 8 MB, 503 (with
 * Retry-After) when the database is unreachable.
 */
export function qualityIngestRoute(deps: { orm: MikroORM; clock: Clock; logger: Logger; quality?: QualityScheduler }): [RequestHandler, RequestHandler, express.ErrorRequestHandler] {
  const handler: RequestHandler = async (req, res) => {
    const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
    const header = (name: string) => (typeof req.headers[name] === 'string' ? (req.headers[name] as string) : undefined);
    try {
      const outcome = await deps.orm.em.fork().transactional(async (em) => {
        const check = await verifySignedRequest(em as never, deps.clock, {
          organizationId: header('x-burst-organization'), timestamp: header('x-burst-timestamp'), signature: header('x-burst-signature'), body,
        });
        if (!check.ok) throw new Refusal(check.code === 'REPLAYED' ? 409 : 401, check.code, check.message);
        const events = parseEvents(body);
        const r = await recordQualityEvents(em as never, deps.clock, check.principal, events, 'HTTP');
        if (!r.ok) throw new Refusal(400, 'BAD_USER_INPUT', r.failure.message);
        return r.value;
      });
      if (outcome.accepted > 0) await recomputeSoonOrLog(deps.quality, deps.logger);
      const { vendorIds: _internal, ...receipt } = outcome;
      res.json(receipt);
    } catch (error) {
      if (error instanceof Refusal) return void res.status(error.status).json({ error: { code: error.code, message: error.message } });
      if (isDatabaseUnavailable(error)) {
        deps.logger.warn({ err: (error as Error).message }, 'database unavailable; quality ingestion answered 503');
        // Nothing was stored (one transaction); a resubmission is harmless anyway (external ids).
        return void res.status(503).set('retry-after', '1').json({ error: { code: 'SERVICE_UNAVAILABLE', message: 'The database is unavailable; retry shortly' } });
      }
      deps.logger.error({ err: error }, 'quality ingestion failed');
      res.status(500).json({ error: { code: 'INTERNAL_SERVER_ERROR', message: 'Unexpected error' } });
    }
  };
  return [express.raw({ type: () => true, limit: BODY_LIMIT }), handler, tooLarge];
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
