import type { EntityManager } from '@mikro-orm/postgresql';
import type { ClearingFailure } from '../../persistence/entities/clearing.js';
import { requireRole, type Principal } from '../access/principal.js';
import { toPage, type Page, type PageRequest } from '../shared/page.js';
import { inWorldSql, worldParam } from '../sandbox/world.js';

/**
 * Spikes whose last clearing attempt failed and that have not cleared since, oldest spike first:
 * the operator's list of every brand's, a brand's list of its own (as `clearingFailure(spikeId)`
 * shows each one to them).
 */
export async function listClearingFailures(em: EntityManager, actor: Principal | null, page: PageRequest): Promise<Page<ClearingFailure>> {
  const p = requireRole(actor, 'BRAND', 'OPERATOR');
  const params: unknown[] = [];
  let sql = `select f.spike_id, f.code, f.message, f.attempts, f.first_failed_at, f.last_failed_at
       from clearing_failure f join demand_spike s on s.id = f.spike_id where true`;
  if (p.role !== 'OPERATOR') {
    sql += ' and s.brand_id = ?';
    params.push(p.organizationId);
  } else {
    sql += ` and ${inWorldSql('s.brand_id')}`;
    params.push(worldParam(p));
  }
  if (page.after) {
    sql += ' and f.spike_id > ?';
    params.push(page.after);
  }
  sql += ' order by f.spike_id limit ?';
  params.push(page.first + 1);
  const rows = await em.execute<
    { spike_id: string; code: ClearingFailure['code']; message: string; attempts: number; first_failed_at: Date; last_failed_at: Date }[]
  >(sql, params);
  return toPage(
    rows.map((r) => ({
      spikeId: r.spike_id,
      code: r.code,
      message: r.message,
      attempts: r.attempts,
      firstFailedAt: new Date(r.first_failed_at),
      lastFailedAt: new Date(r.last_failed_at),
    })),
    page.first,
  );
}
