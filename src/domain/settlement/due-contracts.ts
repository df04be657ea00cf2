import type { EntityManager } from '@mikro-orm/postgresql';
import { worldNowSql } from '../sandbox/world-clock.js';

/**
 * Contracts due for `settleContract` according to PostgreSQL, whatever the queues hold: never
 * settled and ended at least `graceMs` before now, or flagged by late actuals for an adjustment.
 * The settlement sweeper re-enqueues them. Earliest end first, at most `limit`.
 *
 * "Now" is the clock of the contract's world: `now` for live contracts, the test clock for a
 * sandbox's (world-clock.ts). With `sandboxId`, only that sandbox's contracts (testClock's status).
 */
export async function dueContractIds(em: EntityManager, now: Date, graceMs: number, limit = 5_000, sandboxId?: string): Promise<string[]> {
  const rows = await em.execute<{ id: string }[]>(
    `select c.id from contract c
      where (c.needs_settlement
         or (c.ends_at + ? * interval '1 millisecond' <= ${worldNowSql('c.brand_id')}
             -- A live contract is due only past the live cutoff: lets PostgreSQL bound the live rows by ends_at.
             and (c.ends_at <= ?::timestamptz or c.brand_id in (select so.id from organization so where so.sandbox_id is not null))
             and not exists (select 1 from settlement s where s.contract_id = c.id)))
        ${sandboxId ? 'and c.brand_id in (select id from organization where sandbox_id = ?)' : ''}
      order by c.ends_at limit ?`,
    [graceMs, now, new Date(now.getTime() - graceMs), ...(sandboxId ? [sandboxId] : []), limit],
  );
  return rows.map((r) => r.id);
}
