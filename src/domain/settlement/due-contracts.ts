import type { EntityManager } from '@mikro-orm/postgresql';

/**
 * Contracts due for `settleContract` according to PostgreSQL, whatever the queues hold: never
 * settled and ended at least `graceMs` before `now`, or flagged by late actuals for an adjustment.
 * The settlement sweeper re-enqueues them. Earliest end first, at most `limit`.
 */
export async function dueContractIds(em: EntityManager, now: Date, graceMs: number, limit = 5_000): Promise<string[]> {
  const rows = await em.execute<{ id: string }[]>(
    `select c.id from contract c
      where c.needs_settlement
         or (c.ends_at <= ? and not exists (select 1 from settlement s where s.contract_id = c.id))
      order by c.ends_at limit ?`,
    [new Date(now.getTime() - graceMs), limit],
  );
  return rows.map((r) => r.id);
}
