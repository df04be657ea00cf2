import type { EntityManager } from '@mikro-orm/postgresql';
import { worldNowSql } from '../sandbox/world-clock.js';

/**
 * Spikes due for clearing according to PostgreSQL, whatever the queues hold: OPEN past their
 * bidding close, or CLOSED without a clearing result. The clearing sweeper re-enqueues them
 * (a job lost with Redis, or an outbox event whose job never ran), so `clearSpike` runs for every
 * one of them eventually. Oldest close first, at most `limit`.
 *
 * "Past" is on the clock of the spike's world: `now` for live spikes, the test clock for a
 * sandbox's (world-clock.ts). With `sandboxId`, only that sandbox's spikes (testClock's status).
 */
export async function dueSpikeIds(em: EntityManager, now: Date, limit = 500, sandboxId?: string): Promise<string[]> {
  const rows = await em.execute<{ id: string }[]>(
    `select s.id from demand_spike s
      where ((s.status = 'OPEN' and s.bidding_closes_at <= ${worldNowSql('s.brand_id')})
         or (s.status = 'CLOSED' and not exists (select 1 from clearing_result r where r.spike_id = s.id)))
        ${sandboxId ? 'and s.brand_id in (select id from organization where sandbox_id = ?)' : ''}
      order by s.bidding_closes_at limit ?`,
    [now, ...(sandboxId ? [sandboxId] : []), limit],
  );
  return rows.map((r) => r.id);
}
