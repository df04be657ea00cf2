import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainEventSchema } from '../../persistence/entities/events.js';
import type { Clock } from '../shared/clock.js';
import { uuidv7 } from '../shared/ids.js';
import { pgArray } from '../shared/sql.js';
import type { DomainEvent, EventData, EventType } from './event-types.js';
import type { AnyInternalEvent, InternalEventData, InternalEventType } from './internal-events.js';

/**
 * The outbox. Every event, public or internal, is one `domain_event` row written in the
 * transaction of the change it describes, so it commits, or rolls back, with that change; the
 * relay then publishes it (public events) or turns it into jobs (internal events). One row
 * builder (`outboxRow`) is the single source of a row, whichever way it is written: through the
 * unit of work (`recordEvent`, `recordInternalEvent`), or in plain SQL (`EVENT_INSERT_SQL` with
 * `eventInsertValues`, for a use case that writes everything in one statement).
 */

type OutboxKind = 'PUBLIC' | 'INTERNAL';

interface OutboxRow {
  id: string;
  kind: OutboxKind;
  type: EventType | InternalEventType;
  audience: string[];
  payload: Record<string, unknown>;
  createdAt: Date;
}

function outboxRow(kind: OutboxKind, type: OutboxRow['type'], audience: readonly string[], data: object, at: Date): OutboxRow {
  return { id: uuidv7(), kind, type, audience: [...new Set(audience)], payload: data as Record<string, unknown>, createdAt: at };
}

function record(em: EntityManager, row: OutboxRow): string {
  // sandbox_id is PostgreSQL's to set (from the payload's party), whatever is sent.
  em.create(DomainEventSchema, { ...row, publishedAt: null, sandboxId: null });
  return row.id;
}

/**
 * Adds a public event (subscriptions and webhooks) to the outbox in the caller's unit of work,
 * for the organisations in `audience` (the operator sees every event). Returns the event id.
 */
export function recordEvent<T extends EventType>(em: EntityManager, type: T, audience: readonly string[], data: EventData[T], at: Date): string {
  return record(em, outboxRow('PUBLIC', type, audience, data, at));
}

/**
 * Adds an internal event (work for the workers, never published) to the outbox in the caller's
 * unit of work: the relay turns it into jobs once the transaction has committed. Returns its id.
 */
export function recordInternalEvent<T extends InternalEventType>(em: EntityManager, type: T, data: InternalEventData[T], at: Date): string {
  return record(em, outboxRow('INTERNAL', type, [], data, at));
}

/** The outbox insert in plain SQL; its bind values are `eventInsertValues`. */
export const EVENT_INSERT_SQL = 'insert into domain_event (id, kind, type, audience, payload, created_at) values (?, ?, ?, ?::uuid[], ?::jsonb, ?)';

/** A public event as the bind values of EVENT_INSERT_SQL, for use cases that write in SQL rather than through the unit of work. */
export function eventInsertValues<T extends EventType>(type: T, audience: readonly string[], data: EventData[T], at: Date): unknown[] {
  const row = outboxRow('PUBLIC', type, audience, data, at);
  return [row.id, row.kind, row.type, pgArray(row.audience), JSON.stringify(row.payload), row.createdAt];
}

interface EventRow {
  id: string;
  type: EventType;
  audience: string[] | string;
  payload: unknown;
  created_at: Date | string;
  sandbox_id?: string | null;
}

/** pg returns uuid[] as a string literal unless a parser is registered; accept both. */
function parseUuidArray(value: string[] | string): string[] {
  if (Array.isArray(value)) return value;
  const inner = value.replace(/^\{|\}$/g, '');
  return inner ? inner.split(',') : [];
}

const payloadOf = (row: { payload: unknown }) => (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as unknown;

export function toDomainEvent(row: EventRow): DomainEvent {
  return {
    id: row.id,
    type: row.type,
    audience: parseUuidArray(row.audience),
    createdAt: new Date(row.created_at).toISOString(),
    data: payloadOf(row) as DomainEvent['data'],
    sandboxId: row.sandbox_id ?? null,
  };
}

function toInternalEvent(row: EventRow): AnyInternalEvent {
  return { id: row.id, type: row.type, createdAt: new Date(row.created_at).toISOString(), data: payloadOf(row) } as unknown as AnyInternalEvent;
}

/**
 * Claims up to `limit` unpublished events of one kind, oldest first, with FOR UPDATE SKIP LOCKED
 * (so several relays share the work without blocking each other), hands them to `handle`, and
 * marks them published in the same transaction. If `handle` throws (Redis down), nothing is
 * marked and the batch is tried again on the next call: at least once. Returns the count.
 */
async function relayKind<E>(
  em: EntityManager,
  clock: Clock,
  limit: number,
  kind: OutboxKind,
  toEvent: (row: EventRow) => E,
  handle: (events: E[], tem: EntityManager) => Promise<void>,
): Promise<number> {
  return em.transactional(async (tem) => {
    const rows = await tem.execute<EventRow[]>(
      `select id, type, audience, payload, created_at, sandbox_id from domain_event
        where published_at is null and kind = ? order by id limit ? for update skip locked`,
      [kind, limit],
    );
    if (!rows.length) return 0;
    // Reads the handler needs go through the same transaction: a second connection could wait
    // on a lock queued behind this transaction's own row locks (e.g. a TRUNCATE), and hang both.
    await handle(rows.map(toEvent), tem);
    await tem.execute(`update domain_event set published_at = ? where id = any(?::uuid[])`, [clock.now(), pgArray(rows.map((r) => r.id))]);
    return rows.length;
  });
}

/**
 * Relays one batch of unpublished public events to `publish` (webhook jobs, pub/sub): delivery is
 * at least once, and consumers dedupe by event id. Internal events are never among them.
 */
export async function relayOutbox(
  em: EntityManager,
  clock: Clock,
  limit: number,
  publish: (events: DomainEvent[], tem: EntityManager) => Promise<void>,
): Promise<number> {
  return relayKind(em, clock, limit, 'PUBLIC', toDomainEvent, publish);
}

/**
 * Relays one batch of unpublished internal events to `dispatch`, which turns them into jobs by
 * deterministic ids, so that dispatching a batch twice is harmless. A claim of its own, apart from
 * the public events': neither side ever sees the other's events, and a failure of one does not
 * hold the other back.
 */
export async function relayInternalEvents(
  em: EntityManager,
  clock: Clock,
  limit: number,
  dispatch: (events: AnyInternalEvent[]) => Promise<void>,
): Promise<number> {
  return relayKind(em, clock, limit, 'INTERNAL', toInternalEvent, (events) => dispatch(events));
}

/** Public events by id (for webhook deliveries); missing ids, and internal events, are left out. */
export async function eventsById(em: EntityManager, ids: readonly string[]): Promise<DomainEvent[]> {
  if (!ids.length) return [];
  const rows = await em.execute<EventRow[]>(
    `select id, type, audience, payload, created_at, sandbox_id from domain_event where id = any(?::uuid[]) and kind = 'PUBLIC' order by id`,
    [pgArray(ids)],
  );
  return rows.map(toDomainEvent);
}
