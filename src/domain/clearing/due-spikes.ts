import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Spikes due for clearing according to PostgreSQL, whatever the queues hold: OPEN past their
 * bidding close, or CLOSED without a clearing result. The clearing sweeper re-enqueues them
 * (a job lost with Redis, or an outbox event whose job never ran), so `clearSpike` runs for every
 * one of them eventually. Oldest close first, at most `limit`.
 */
export async function dueSpikeIds(em: EntityManager, now: Date, limit = 500): Promise<string[]> {
  const rows = await em.execute<{ id: string }[]>(
    `select s.id from demand_spike s
      where (s.status = 'OPEN' and s.bidding_closes_at <= ?)
         or (s.status = 'CLOSED' and not exists (select 1 from clearing_result r where r.spike_id = s.id))
      order by s.bidding_closes_at limit ?`,
    [now, limit],
  );
  return rows.map((r) => r.id);
}
