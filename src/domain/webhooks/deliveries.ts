import type { EntityManager } from '@mikro-orm/postgresql';
import type { OrganizationSchema } from '../../persistence/entities/access.js';
import type { WebhookDeliverySchema, WebhookEndpointSchema } from '../../persistence/entities/webhooks.js';
import type { RowOf } from '../../persistence/rows.js';
import type { Principal } from '../access/principal.js';
import type { DomainEvent, EventType } from '../events/event-types.js';
import { toDomainEvent } from '../events/outbox.js';
import { uuidv7 } from '../shared/ids.js';
import { pgArray } from '../shared/sql.js';
import { toPage, type Page, type PageRequest } from '../shared/page.js';
import { getWebhookEndpoint } from './endpoints.js';
import type { SecretBox } from './secret-box.js';

type EndpointRow = RowOf<typeof WebhookEndpointSchema>;
type DeliveryRow = RowOf<typeof WebhookDeliverySchema>;

/** One webhook to send: an event to an endpoint. Deliveries are idempotent per pair. */
export interface DeliveryTarget {
  eventId: string;
  endpointId: string;
}

/**
 * The active endpoints each event goes to: those subscribed to its type whose organisation is
 * in the event's audience, and the operator's. Called by the relay as it publishes a batch.
 */
export async function webhookTargets(em: EntityManager, events: readonly DomainEvent[]): Promise<DeliveryTarget[]> {
  if (!events.length) return [];
  const endpoints = await em.execute<
    (Pick<EndpointRow, 'id' | 'organization_id' | 'event_types'> & Pick<RowOf<typeof OrganizationSchema>, 'kind' | 'sandbox_id'>)[]
  >(
    `select w.id, w.organization_id, w.event_types, o.kind, o.sandbox_id
       from webhook_endpoint w join organization o on o.id = w.organization_id
      where w.status = 'ACTIVE' and w.event_types && ?::text[]
        and (o.kind = 'OPERATOR' or w.organization_id = any(?::uuid[]))
      order by w.id`,
    [pgArray([...new Set(events.map((e) => e.type))]), pgArray([...new Set(events.flatMap((e) => e.audience))])],
  );
  return events.flatMap((event) =>
    endpoints
      .filter(
        (w) =>
          w.event_types.includes(event.type) &&
          // The operator's endpoints get every event of their own world, never another world's.
          ((w.kind === 'OPERATOR' && (w.sandbox_id ?? null) === (event.sandboxId ?? null)) || event.audience.includes(w.organization_id)),
      )
      .map((w) => ({ eventId: event.id, endpointId: w.id })),
  );
}

/**
 * Deliveries the relay handed over but that never finished, for the sweeper to enqueue again by
 * their deterministic job id (a job that still exists absorbs the duplicate): events published
 * since `since`, to endpoints that were active when they were published, with neither a
 * successful nor a final failed attempt.
 */
export async function unfinishedDeliveries(em: EntityManager, since: Date, limit: number): Promise<DeliveryTarget[]> {
  const rows = await em.execute<Pick<DeliveryRow, 'event_id' | 'endpoint_id'>[]>(
    `select e.id as event_id, w.id as endpoint_id
       from domain_event e
       join webhook_endpoint w on w.status = 'ACTIVE' and e.type = any(w.event_types) and w.created_at <= e.published_at
       join organization o on o.id = w.organization_id
      where e.published_at >= ? and e.kind = 'PUBLIC'
        and ((o.kind = 'OPERATOR' and o.sandbox_id is not distinct from e.sandbox_id) or w.organization_id = any(e.audience))
        and not exists (select 1 from webhook_delivery d where d.event_id = e.id and d.endpoint_id = w.id and d.outcome in ('DELIVERED', 'FAILED'))
      order by e.id, w.id limit ?`,
    [since, limit],
  );
  return rows.map((r) => ({ eventId: r.event_id, endpointId: r.endpoint_id }));
}

export type PreparedDelivery =
  | {
      kind: 'SEND';
      url: string;
      secret: string;
      body: string;
      eventId: string;
      eventType: EventType;
      /** A sandbox event's test clock (its attempts are dated, and its retries fall due, on it); null for live. */
      sandboxClock: Date | null;
    }
  | { kind: 'SKIP'; reason: 'MISSING' | 'ENDPOINT_DISABLED' | 'ALREADY_DELIVERED' };

/**
 * What to send for one delivery: the URL, the signing secret (opened from its sealed form) and
 * the body `{ id, type, createdAt, data }`, the same bytes on every attempt. Skips a pair that
 * was already delivered (a duplicated job) or whose endpoint was disabled meanwhile.
 */
export async function prepareDelivery(em: EntityManager, secrets: SecretBox, target: DeliveryTarget): Promise<PreparedDelivery> {
  const [row] = await em.execute<
    (Pick<EndpointRow, 'url' | 'status' | 'secret_ciphertext'> & {
      delivered: boolean;
      // The event's columns, as the outbox reads them (toDomainEvent).
      id: string;
      type: EventType;
      audience: string;
      payload: unknown;
      created_at: Date;
      clock_time: Date | string | null;
    })[]
  >(
    `select w.url, w.status, w.secret_ciphertext, e.id, e.type, e.audience, e.payload, e.created_at,
            (select x.clock_time from sandbox x where x.id = e.sandbox_id) as clock_time,
            exists (select 1 from webhook_delivery d where d.event_id = e.id and d.endpoint_id = w.id and d.outcome = 'DELIVERED') as delivered
       from webhook_endpoint w, domain_event e
      where w.id = ? and e.id = ? and e.kind = 'PUBLIC'`,
    [target.endpointId, target.eventId],
  );
  if (!row) return { kind: 'SKIP', reason: 'MISSING' };
  if (row.status !== 'ACTIVE') return { kind: 'SKIP', reason: 'ENDPOINT_DISABLED' };
  if (row.delivered) return { kind: 'SKIP', reason: 'ALREADY_DELIVERED' };
  const event = toDomainEvent(row);
  // The audience says who may see the event; it is routing, not content, and is not sent.
  const body = JSON.stringify({ id: event.id, type: event.type, createdAt: event.createdAt, data: event.data });
  return {
    kind: 'SEND',
    url: row.url,
    secret: secrets.open(row.secret_ciphertext, target.endpointId),
    body,
    eventId: event.id,
    eventType: event.type,
    sandboxClock: row.clock_time === null ? null : new Date(row.clock_time),
  };
}

/**
 * A sandbox's deliveries whose retry fell due on its test clock: the last attempt RETRYING, made at
 * least `backoffMs` × 2^(attempt − 1) before the clock (the live schedule, without jitter), to an
 * endpoint still active. Each comes with the attempt it is to make.
 */
export async function dueSandboxRetries(
  em: EntityManager,
  sandboxId: string,
  backoffMs: number,
  limit = 1_000,
): Promise<(DeliveryTarget & { attempt: number })[]> {
  const rows = await em.execute<(Pick<DeliveryRow, 'event_id' | 'endpoint_id'> & { attempt: number })[]>(
    `select d.event_id, d.endpoint_id, d.attempt + 1 as attempt
       from webhook_delivery d
       join domain_event e on e.id = d.event_id
       join sandbox x on x.id = e.sandbox_id and x.deleted_at is null
       join webhook_endpoint w on w.id = d.endpoint_id and w.status = 'ACTIVE'
      where e.sandbox_id = ? and d.outcome = 'RETRYING'
        and d.attempt = (select max(d2.attempt) from webhook_delivery d2 where d2.event_id = d.event_id and d2.endpoint_id = d.endpoint_id)
        and d.attempted_at + (? * power(2, d.attempt - 1)) * interval '1 millisecond' <= x.clock_time
      order by d.event_id, d.endpoint_id limit ?`,
    [sandboxId, backoffMs, limit],
  );
  return rows.map((r) => ({ eventId: r.event_id, endpointId: r.endpoint_id, attempt: Number(r.attempt) }));
}

export interface DeliveryAttempt {
  outcome: 'DELIVERED' | 'RETRYING' | 'FAILED';
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  at: Date;
}

/** Appends one attempt to the delivery log, numbered after the pair's previous attempts. Returns its number. */
export async function recordDeliveryAttempt(em: EntityManager, target: DeliveryTarget, attempt: DeliveryAttempt): Promise<number> {
  const [row] = await em.execute<Pick<DeliveryRow, 'attempt'>[]>(
    `insert into webhook_delivery (id, event_id, endpoint_id, attempt, outcome, status_code, error, duration_ms, attempted_at)
     select ?, ?, ?, coalesce(max(attempt), 0) + 1, ?, ?, ?, ?, ?
       from webhook_delivery where event_id = ? and endpoint_id = ?
     returning attempt`,
    [
      uuidv7(),
      target.eventId,
      target.endpointId,
      attempt.outcome,
      attempt.statusCode,
      attempt.error?.slice(0, 1000) ?? null,
      Math.max(0, Math.round(attempt.durationMs)),
      attempt.at,
      target.eventId,
      target.endpointId,
    ],
  );
  return row!.attempt;
}

export interface DeliveryLogEntry {
  id: string;
  eventId: string;
  eventType: EventType;
  endpointId: string;
  attempt: number;
  outcome: DeliveryAttempt['outcome'];
  statusCode: number | null;
  error: string | null;
  durationMs: number;
  attemptedAt: Date;
}

/** The delivery log of an endpoint the caller may manage, newest attempt first; optionally one event's. */
export async function listDeliveries(
  em: EntityManager,
  actor: Principal | null,
  filter: { endpointId: string; eventId?: string | null },
  page: PageRequest,
): Promise<Page<DeliveryLogEntry>> {
  const endpoint = await getWebhookEndpoint(em, actor, filter.endpointId);
  const params: unknown[] = [endpoint.id];
  let sql = `select d.id, d.event_id, e.type, d.endpoint_id, d.attempt, d.outcome, d.status_code, d.error, d.duration_ms, d.attempted_at
               from webhook_delivery d join domain_event e on e.id = d.event_id
              where d.endpoint_id = ?`;
  if (filter.eventId) {
    sql += ' and d.event_id = ?';
    params.push(filter.eventId);
  }
  if (page.after) {
    sql += ' and d.id < ?';
    params.push(page.after);
  }
  sql += ' order by d.id desc limit ?';
  params.push(page.first + 1);
  const rows = await em.execute<
    (Pick<DeliveryRow, 'id' | 'event_id' | 'endpoint_id' | 'attempt' | 'outcome' | 'status_code' | 'error' | 'duration_ms' | 'attempted_at'> & {
      type: EventType;
    })[]
  >(sql, params);
  return toPage(
    rows.map((r) => ({
      id: r.id,
      eventId: r.event_id,
      eventType: r.type,
      endpointId: r.endpoint_id,
      attempt: r.attempt,
      outcome: r.outcome,
      statusCode: r.status_code,
      error: r.error,
      durationMs: r.duration_ms,
      attemptedAt: new Date(r.attempted_at),
    })),
    page.first,
  );
}
