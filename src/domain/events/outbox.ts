import type { EntityManager } from '@mikro-orm/postgresql';
import { DomainEventSchema } from '../../persistence/entities/events.js';
import type { Clock } from '../shared/clock.js';
import { uuidv7 } from '../shared/ids.js';
import { pgArray } from '../shared/sql.js';
import type { DomainEvent, EventData, EventType } from './event-types.js';

/**
 * Adds an event to the outbox in the caller's unit of work, so that it commits, or rolls back,
 * with the change it describes. Returns the event id.
 */
export function recordEvent<T extends EventType>(em: EntityManager, type: T, audience: readonly string[], data: EventData[T], at: Date): string {
  const id = uuidv7();
  em.create(DomainEventSchema, {
    id,
    type,
    audience: [...new Set(audience)],
    payload: data as unknown as Record<string, unknown>,
    createdAt: at,
    publishedAt: null,
  });
  return id;
}

/**
 * The same event as bind values for a plain-SQL insert (`insert into domain_event (id, type,
 * audience, payload, created_at) values (?, ?, ?::uuid[], ?::jsonb, ?)`), for use cases that
 * write in SQL rather than through the unit of work.
 */
export function eventInsertValues<T extends EventType>(type: T, audience: readonly string[], data: EventData[T], at: Date): [string, T, string, string, Date] {
  return [uuidv7(), type, pgArray([...new Set(audience)]), JSON.stringify(data), at];
}

interface EventRow {
  id: string;
  type: EventType;
  audience: string[] | string;
  payload: unknown;
  created_at: Date | string;
}

/** pg returns uuid[] as a string literal unless a parser is registered; accept both. */
function parseUuidArray(value: string[] | string): string[] {
  if (Array.isArray(value)) return value;
  const inner = value.replace(/^\{|\}$/g, '');
  return inner ? inner.split(',') : [];
}

export function toDomainEvent(row: EventRow): DomainEvent {
  return {
    id: row.id,
    type: row.type,
    audience: parseUuidArray(row.audience),
    createdAt: new Date(row.created_at).toISOString(),
    data: (typeof row.payload === 'string' ? JSON.parse(row.payload) : row.payload) as DomainEvent['data'],
  };
}

/**
 * Relays one batch of unpublished events, oldest first: claims up to `limit` rows with
 * FOR UPDATE SKIP LOCKED (so several relays share the work without blocking each other),
 * hands them to `publish`, and marks them published in the same transaction. If `publish`
 * throws (Redis down), nothing is marked and the batch is retried on the next call: delivery
 * is at least once, and consumers dedupe by event id. Returns the number of events relayed.
 */
export async function relayOutbox(
  em: EntityManager,
  clock: Clock,
  limit: number,
  publish: (events: DomainEvent[], tem: EntityManager) => Promise<void>,
): Promise<number> {
  return em.transactional(async (tem) => {
    const rows = await tem.execute<EventRow[]>(
      `select id, type, audience, payload, created_at from domain_event
        where published_at is null order by id limit ? for update skip locked`,
      [limit],
    );
    if (!rows.length) return 0;
    // Reads the publisher needs go through the same transaction: a second connection could wait
    // on a lock queued behind this transaction's own row locks (e.g. a TRUNCATE), and hang both.
    await publish(rows.map(toDomainEvent), tem);
    await tem.execute(`update domain_event set published_at = ? where id = any(?::uuid[])`, [clock.now(), pgArray(rows.map((r) => r.id))]);
    return rows.length;
  });
}

/** Events by id (for webhook deliveries); missing ids are left out. */
export async function eventsById(em: EntityManager, ids: readonly string[]): Promise<DomainEvent[]> {
  if (!ids.length) return [];
  const rows = await em.execute<EventRow[]>('select id, type, audience, payload, created_at from domain_event where id = any(?::uuid[]) order by id', [
    pgArray(ids),
  ]);
  return rows.map(toDomainEvent);
}
