import type { EntityManager } from '@mikro-orm/postgresql';
import { ManualClock, type Clock } from '../shared/clock.js';

/**
 * The one source of "now" per world (PRODUCT.md section 13). The live world reads the process's
 * clock; a sandbox reads its test clock, which stands still between advances (as Stripe's test
 * clocks do), so everything time-driven in a sandbox (bidding close and clearing, delivery
 * windows, settlement grace, score decay) happens when an advance passes it, and never on its own.
 *
 * In SQL the same rule is `worldNowSql`: due-work queries compare each row against the clock of
 * the row's own world, so one sweep serves every world.
 */

/** A sandbox's clock as of one reading: a request, or one job's run. */
const frozenAt = (time: Date): Clock => new ManualClock(time);

export { clockForPrincipal } from '../shared/clock.js';

/**
 * SQL for "now" in the world of the organisation in `orgColumn`: the sandbox's clock (a deleted
 * sandbox's work never falls due) or, for a live organisation, the `?` parameter that follows.
 */
export function worldNowSql(orgColumn: string): string {
  return `(select case when wo.sandbox_id is null then ?::timestamptz
                       else (select case when wx.deleted_at is null then wx.clock_time else '-infinity'::timestamptz end
                               from sandbox wx where wx.id = wo.sandbox_id) end
             from organization wo where wo.id = ${orgColumn})`;
}

/** The clock of a sandbox (null: live), read now. */
export async function clockOfSandbox(em: EntityManager, live: Clock, sandboxId: string | null): Promise<Clock> {
  if (!sandboxId) return live;
  const [row] = await em.execute<{ clock_time: string }[]>('select clock_time from sandbox where id = ?', [sandboxId]);
  return row ? frozenAt(new Date(row.clock_time)) : live;
}

/** The sandbox of an organisation (null: live, or no such organisation). */
export async function sandboxOfOrganization(em: EntityManager, organizationId: string): Promise<string | null> {
  const [row] = await em.execute<{ sandbox_id: string | null }[]>('select sandbox_id from organization where id = ?', [organizationId]);
  return row?.sandbox_id ?? null;
}

/**
 * The clock a job about one thing runs on: the world of the spike's brand (`spike`) or the
 * contract's brand (`contract`). One read; the live clock for live rows and rows that are gone.
 */
export async function clockFor(
  em: EntityManager,
  live: Clock,
  of: { spikeId: string } | { contractId: string },
): Promise<{ clock: Clock; sandboxId: string | null }> {
  const [row] =
    'spikeId' in of
      ? await em.execute<{ sandbox_id: string | null; clock_time: string | null }[]>(
          `select o.sandbox_id, x.clock_time from demand_spike s join organization o on o.id = s.brand_id left join sandbox x on x.id = o.sandbox_id where s.id = ?`,
          [of.spikeId],
        )
      : await em.execute<{ sandbox_id: string | null; clock_time: string | null }[]>(
          `select o.sandbox_id, x.clock_time from contract c join organization o on o.id = c.brand_id left join sandbox x on x.id = o.sandbox_id where c.id = ?`,
          [of.contractId],
        );
  if (!row?.sandbox_id || !row.clock_time) return { clock: live, sandboxId: null };
  return { clock: frozenAt(new Date(row.clock_time)), sandboxId: row.sandbox_id };
}
