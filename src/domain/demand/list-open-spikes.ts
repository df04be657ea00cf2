import type { EntityData } from '@mikro-orm/core';
import type { EntityManager } from '@mikro-orm/postgresql';
import { DemandSpikeSchema, type DemandSpike } from '../../persistence/entities/demand.js';
import { requireRole, type Principal } from '../access/principal.js';
import type { QualityScores } from '../quality/quality-scores.js';
import type { Clock } from '../shared/clock.js';
import { toPage, type Page, type PageRequest } from '../shared/page.js';
import { eligibilityFailures } from './eligibility.js';
import { loadVendorStanding } from './eligibility-facts.js';
import { eligibleSpikesWhere } from './eligibility-prefilters.js';

/**
 * OPEN spikes, before their close time, that the calling vendor is eligible to bid on: two round
 * trips. The eligibility loader reads the vendor's facts and quality standing; the prefilter turns
 * them into SQL (eligibility-prefilters.ts), so that pages come back full; the rule itself then
 * judges every spike on the page, so the prefilter can never let an ineligible one through.
 */
export async function listOpenDemandSpikes(
  em: EntityManager,
  clock: Clock,
  scores: QualityScores,
  actor: Principal | null,
  page: PageRequest,
): Promise<Page<DemandSpike>> {
  const p = requireRole(actor, 'VENDOR');
  const me = await loadVendorStanding(em, scores, p.organizationId);
  const where = me && eligibleSpikesWhere(me);
  if (!me || !where) return { items: [], hasNextPage: false };
  const params: unknown[] = [clock.now(), ...where.params];
  let sql = `select s.* from demand_spike s where s.status = 'OPEN' and s.bidding_closes_at > ?::timestamptz and ${where.sql}`;
  if (page.after) {
    sql += ' and s.id > ?::uuid';
    params.push(page.after);
  }
  sql += ' order by s.id limit ?::int';
  params.push(page.first + 1);
  // Not a prepared statement (runStatement): `s.*` in one would fail on its connection once a
  // migration adds a column ("cached plan must not change result type"); this is no hot path.
  const spikes = (await em.execute<EntityData<DemandSpike>[]>(sql, params)).map((row) => em.map(DemandSpikeSchema, row));
  return toPage(
    spikes.filter((s) => eligibilityFailures(me.vendor, s, me.standing).length === 0),
    page.first,
  );
}
